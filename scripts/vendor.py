"""Vendor the front-end libraries into ``src/groundswell/web/static/vendor/`` and write
``src/groundswell/web/VENDORED.md``, the record of where each file came from.

    python scripts/vendor.py          # fetch every package with `npm pack`, copy, record

Each file is copied as published in the package on the npm registry, with one change:
a trailing ``sourceMappingURL`` comment is removed. The maps are not vendored (nobody
debugs the minified libraries here), and a comment naming a missing ``.map`` file makes
Django's manifest static storage refuse the whole ``collectstatic``. VENDORED.md records
each file's package, version, path in the package, change and SHA-256 before and after;
``tests/web/test_vendored.py`` checks the files on disk against it, so a file changed by
hand, added without a record, or carrying a source-map comment fails the tests.

To upgrade a library: change its version below (and its folder name, which carries the
version), run this script, update the templates that name the folder, and commit the
folder and VENDORED.md together. Needs `npm` and the registry; nothing else does.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "src" / "groundswell" / "web" / "static" / "vendor"
RECORD = ROOT / "src" / "groundswell" / "web" / "VENDORED.md"

# A source-map comment as the last line of a JS (//#) or CSS (/*# … */) file.
SOURCE_MAP_LINE = re.compile(
    rb"\n?[ \t]*(?://[#@] sourceMappingURL=[^\n]*|/\*[#@] sourceMappingURL=[^\n]*?\*/)"
    rb"[ \t]*\n?\Z")


@dataclass(frozen=True)
class Library:
    package: str
    version: str
    folder: str
    files: tuple[tuple[str, str], ...]  # (path inside the package, path inside folder)


LIBRARIES = (
    Library("htmx.org", "2.0.11", "htmx-2.0.11", (
        ("dist/htmx.min.js", "htmx.min.js"),
        ("LICENSE", "LICENSE"),
    )),
    Library("leaflet", "1.9.4", "leaflet-1.9.4", (
        ("dist/leaflet.js", "leaflet.js"),
        ("dist/leaflet.css", "leaflet.css"),
        ("dist/images/layers.png", "images/layers.png"),
        ("dist/images/layers-2x.png", "images/layers-2x.png"),
        ("dist/images/marker-icon.png", "images/marker-icon.png"),
        ("dist/images/marker-icon-2x.png", "images/marker-icon-2x.png"),
        ("dist/images/marker-shadow.png", "images/marker-shadow.png"),
        ("LICENSE", "LICENSE"),
    )),
    Library("@geoman-io/leaflet-geoman-free", "2.20.2", "leaflet-geoman-2.20.2", (
        ("dist/leaflet-geoman.min.js", "leaflet-geoman.min.js"),
        ("dist/leaflet-geoman.css", "leaflet-geoman.css"),
        ("LICENSE", "LICENSE"),
    )),
    Library("chart.js", "4.6.1", "chartjs-4.6.1", (
        ("dist/chart.umd.min.js", "chart.umd.min.js"),
        ("LICENSE.md", "LICENSE.md"),
    )),
)


def strip_source_map(data: bytes) -> tuple[bytes, bool]:
    """The file without its trailing source-map comment (ending in one newline if the
    original had any), and whether there was one."""
    match = SOURCE_MAP_LINE.search(data)
    if not match:
        return data, False
    return data[: match.start()] + b"\n", True


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fetch(library: Library, into: Path) -> Path:
    """Unpack the package's published tarball (`npm pack`) and return its folder."""
    spec = f"{library.package}@{library.version}"
    out = subprocess.run(["npm", "pack", "--silent", spec], cwd=into, check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()[-1]
    target = into / library.folder
    with tarfile.open(into / out) as archive:
        archive.extractall(target, filter="data")
    return target / "package"


def main() -> int:
    rows: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for library in LIBRARIES:
            package = fetch(library, Path(tmp))
            folder = VENDOR / library.folder
            if folder.exists():
                shutil.rmtree(folder)
            for source, dest in library.files:
                original = (package / source).read_bytes()
                vendored, stripped = strip_source_map(original)
                target = folder / dest
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(vendored)
                change = "source-map comment removed" if stripped else "none"
                rows.append(f"| `{library.folder}/{dest}` | `{library.package}` | "
                            f"{library.version} | `{source}` | {change} | "
                            f"`{sha256(original)}` | `{sha256(vendored)}` |")
    RECORD.write_text(
        "# Vendored front-end files\n\n"
        "Written by `scripts/vendor.py` (run it to upgrade or re-create them; do not edit\n"
        "these files by hand). Each file is the package's published file from the npm\n"
        "registry, with a trailing `sourceMappingURL` comment removed where there was one:\n"
        "the source maps are not vendored, and a comment naming a missing map makes\n"
        "`collectstatic` with the manifest storage fail. `tests/web/test_vendored.py` checks\n"
        "every file under `static/vendor/` against this table.\n\n"
        "| file (under `static/vendor/`) | npm package | version | path in package | change "
        "| SHA-256 as published | SHA-256 as vendored |\n"
        "|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n",
        encoding="utf-8")
    print(f"vendored {len(rows)} files; record written to {RECORD.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
