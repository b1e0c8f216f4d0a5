"""Fail when the Spanish catalog does not cover every string in Groundswell's code.

Run from the repository root (``make lint`` does)::

    GROUNDSWELL_ENV=test GROUNDSWELL_VAR_DIR=var/test .venv/bin/python scripts/check_messages.py

It copies ``src/groundswell`` to a temporary directory, runs Django's
``makemessages`` there (so the working tree is never written to, not even the
``*.html.py`` files makemessages leaves next to templates while it works) and then
checks, for each language in ``LANGUAGES`` other than English:

* every msgid found in the code is in the checked-in ``django.po``,
  translated (non-empty msgstr) and not marked fuzzy;
* the checked-in ``django.mo`` holds exactly what compiling that ``django.po``
  gives: the ``.po`` is compiled to a temporary ``.mo`` with ``msgfmt`` (as
  ``compilemessages`` does) and both are loaded with :mod:`gettext` and compared,
  so file dates do not matter.

Exit status 0 prints one summary line per language; 1 lists every problem and how
to fix it.
"""

from __future__ import annotations

import gettext
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "groundswell"
LOCALE = PACKAGE / "locale"
SOURCE_LANGUAGE = "en"
# The same arguments as `make messages`.
IGNORE = ["static/vendor/*"]

FIX = """\
To fix it:
  1. make messages
       (refreshes src/groundswell/locale/<lang>/LC_MESSAGES/django.po from the code)
  2. translate every entry with an empty msgstr in that django.po, check every
     entry marked "#, fuzzy" and delete that marker line (follow the glossary)
  3. make messages
       (again: it compiles django.mo; or: cd src/groundswell &&
        ../../.venv/bin/python ../../manage.py compilemessages)
  4. commit both django.po and django.mo"""


# --- a small .po reader (enough for what makemessages writes) -----------------------


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstrs: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def translated(self) -> bool:
        return bool(self.msgstrs) and all(self.msgstrs)

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b",
            "f": "\f", "v": "\v"}


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f"expected a quoted string, got {text!r}")
    out, chars, i = [], text[1:-1], 0
    while i < len(chars):
        if chars[i] == "\\" and i + 1 < len(chars):
            out.append(_ESCAPES.get(chars[i + 1], chars[i + 1]))
            i += 2
        else:
            out.append(chars[i])
            i += 1
    return "".join(out)


def read_po(path: Path) -> list[Entry]:
    """Entries of a .po file, header included (msgid ""), obsolete (#~) ones left out."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None  # which field a continuation line extends
    seen_msgstr = False

    def finish() -> None:
        nonlocal current, seen_msgstr
        if current is not None and seen_msgstr:
            entries.append(current)
        current, seen_msgstr = None, False

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        try:
            if not line or line.startswith("#~"):
                if not line:
                    finish()
                continue
            if line.startswith("#"):
                if seen_msgstr:
                    finish()
                current = current or Entry()
                if line.startswith("#,"):
                    current.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
                continue
            keyword, _, rest = line.partition(" ")
            if line.startswith('"'):
                if current is None or target is None:
                    raise ValueError("string outside an entry")
                name, index = target
                value = _unquote(line)
                if name == "msgstr":
                    current.msgstrs[index] += value
                else:
                    setattr(current, name, (getattr(current, name) or "") + value)
                continue
            if keyword in ("msgctxt", "msgid") and seen_msgstr:
                finish()
            current = current or Entry()
            if keyword in ("msgctxt", "msgid", "msgid_plural"):
                setattr(current, keyword, _unquote(rest))
                target = (keyword, 0)
            elif keyword == "msgstr" or keyword.startswith("msgstr["):
                current.msgstrs.append(_unquote(rest))
                target = ("msgstr", len(current.msgstrs) - 1)
                seen_msgstr = True
            else:
                raise ValueError(f"unknown keyword {keyword!r}")
        except ValueError as exc:
            raise SystemExit(f"{path}:{number}: cannot read this line ({exc})") from None
    finish()
    return entries


# --- the checks -----------------------------------------------------------------------


def _not_copied(directory: str, names: list[str]) -> set[str]:
    """Left out of the temporary copy: the catalogs themselves, bytecode and vendored
    static files (makemessages reads only .py, .html and .txt files anyway)."""
    here = Path(directory)
    skip = {n for n in names if n == "__pycache__" or n.endswith(".pyc")}
    if here == PACKAGE:
        skip.add("locale")
    if here.name == "static":
        skip.add("vendor")
    return skip


def extract(languages: list[str]) -> dict[str, list[Entry]]:
    """Run makemessages on a temporary copy of the package; the fresh catalogs."""
    from django.core.management import call_command
    from django.test.utils import override_settings

    with tempfile.TemporaryDirectory(prefix="groundswell-messages-") as tmp:
        copy = Path(tmp) / "groundswell"
        shutil.copytree(PACKAGE, copy, ignore=_not_copied)
        locale = copy / "locale"
        locale.mkdir()
        cwd = Path.cwd()
        os.chdir(copy)
        try:
            with override_settings(LOCALE_PATHS=[str(locale)]):
                call_command("makemessages", locale=languages, no_location=True,
                             ignore_patterns=IGNORE, verbosity=0)
        finally:
            os.chdir(cwd)
        return {lang: read_po(locale / lang / "LC_MESSAGES" / "django.po")
                for lang in languages}


def compile_po(po: Path, mo: Path) -> str | None:
    """Compile like compilemessages does; the error text when msgfmt refuses."""
    result = subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(po)],
                            capture_output=True, text=True, check=False)
    return None if result.returncode == 0 else (result.stderr.strip() or "msgfmt failed")


def load_mo(path: Path) -> dict[object, str]:
    with path.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)  # type: ignore[attr-defined]


def label(key: tuple[str | None, str]) -> str:
    context, msgid = key
    text = repr(msgid)
    return f"{text} (context {context!r})" if context else text


def check_language(lang: str, fresh: list[Entry]) -> tuple[list[str], str]:
    po = LOCALE / lang / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    rel_po, rel_mo = po.relative_to(ROOT), mo.relative_to(ROOT)
    wanted = [e.key for e in fresh if e.msgid]
    if not po.exists():
        return [f"{rel_po} does not exist ({len(wanted)} messages in the code)."], ""
    catalog = {e.key: e for e in read_po(po) if e.msgid}
    problems: list[str] = []

    def section(title: str, keys: list[tuple[str | None, str]]) -> None:
        if keys:
            problems.append(f"{title} ({len(keys)}):")
            problems.extend(f"    {label(k)}" for k in keys)

    section(f"in the code but missing from {rel_po}",
            [k for k in wanted if k not in catalog])
    section(f"untranslated (empty msgstr) in {rel_po}",
            [k for k in wanted if k in catalog and not catalog[k].translated])
    section(f"marked fuzzy in {rel_po} (not used until checked)",
            [k for k in wanted if k in catalog and catalog[k].fuzzy])

    with tempfile.TemporaryDirectory(prefix="groundswell-mo-") as tmp:
        fresh_mo = Path(tmp) / "django.mo"
        error = compile_po(po, fresh_mo)
        if error:
            problems.append(f"{rel_po} does not compile:\n    " + error.replace("\n", "\n    "))
        elif not mo.exists():
            problems.append(f"{rel_mo} does not exist: compile the catalog.")
        else:
            expected, actual = load_mo(fresh_mo), load_mo(mo)
            if expected != actual:
                differ = sorted({str(k) for k in expected.keys() ^ actual.keys()}
                                | {str(k) for k in expected.keys() & actual.keys()
                                   if expected[k] != actual[k]})
                shown = ", ".join(repr(k) if k else "the header" for k in differ[:10])
                more = f" and {len(differ) - 10} more" if len(differ) > 10 else ""
                problems.append(f"{rel_mo} is out of step with {rel_po}: "
                                f"{len(differ)} entries differ ({shown}{more}). Compile it.")

    unused = sum(1 for k in catalog if k not in set(wanted))
    note = f" ({unused} no longer in the code; `make messages` marks them obsolete)" \
        if unused else ""
    return problems, f"{lang}: {len(wanted)} messages, all translated{note}"


def main() -> int:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "groundswell.settings")
    import django
    from django.conf import settings

    django.setup()
    languages = [code for code, _name in settings.LANGUAGES if code != SOURCE_LANGUAGE]
    fresh = extract(languages)
    failed = False
    for lang in languages:
        problems, summary = check_language(lang, fresh[lang])
        if problems:
            failed = True
            print(f"{lang}: the translation catalog is incomplete or out of date.",
                  file=sys.stderr)
            for line in problems:
                print(f"  {line}", file=sys.stderr)
        else:
            print(summary)
    if failed:
        print(FIX, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
