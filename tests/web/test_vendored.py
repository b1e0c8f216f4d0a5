"""Vendored front-end files are exactly what scripts/vendor.py records in VENDORED.md,
and no static file names a source map that is not there (the manifest storage refuses
the whole `collectstatic` for one)."""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "src" / "groundswell" / "web"
VENDOR = WEB / "static" / "vendor"
sys.path.insert(0, str(REPO / "scripts"))

import vendor  # noqa: E402

ROW = re.compile(r"^\| `([^`]+)` \| `([^`]+)` \| ([^|]+) \| `([^`]+)` \| ([^|]+) \| "
                 r"`([0-9a-f]{64})` \| `([0-9a-f]{64})` \|$", re.M)


def recorded() -> dict[str, str]:
    text = (WEB / "VENDORED.md").read_text(encoding="utf-8")
    return {match.group(1): match.group(7) for match in ROW.finditer(text)}


def test_every_vendored_file_is_recorded_and_unchanged():
    table = recorded()
    on_disk = {str(path.relative_to(VENDOR)): path for path in VENDOR.rglob("*")
               if path.is_file()}
    assert set(on_disk) == set(table), "run scripts/vendor.py and commit VENDORED.md"
    for name, path in on_disk.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == table[name], name


def test_the_record_matches_the_script():
    table = recorded()
    listed = {f"{lib.folder}/{dest}" for lib in vendor.LIBRARIES for _src, dest in lib.files}
    assert listed == set(table)


def test_no_static_file_names_a_source_map():
    for path in (WEB / "static").rglob("*"):
        if path.suffix in {".js", ".css"}:
            assert b"sourceMappingURL" not in path.read_bytes(), path


def test_strip_source_map_removes_only_the_trailing_comment():
    js = b"var a=1;\n//# sourceMappingURL=a.min.js.map\n"
    css = b"a{b:c}\n/*# sourceMappingURL=a.css.map */"
    assert vendor.strip_source_map(js) == (b"var a=1;\n", True)
    assert vendor.strip_source_map(css) == (b"a{b:c}\n", True)
    # A mention inside the code (a string, a comment mid-file) is not the trailing map.
    inside = b'var s="//# sourceMappingURL=x";\nvar b=2;\n'
    assert vendor.strip_source_map(inside) == (inside, False)


@given(st.binary(max_size=200).filter(lambda b: b"sourceMappingURL" not in b))
def test_strip_source_map_leaves_other_files_alone(data):
    assert vendor.strip_source_map(data) == (data, False)


@given(st.binary(max_size=200).filter(lambda b: b"sourceMappingURL" not in b),
       st.sampled_from([b"//# sourceMappingURL=x.js.map", b"/*# sourceMappingURL=x.css.map */"]))
def test_strip_source_map_keeps_everything_before_the_comment(body, comment):
    stripped, found = vendor.strip_source_map(body + b"\n" + comment + b"\n")
    assert found
    assert stripped == body + b"\n"
