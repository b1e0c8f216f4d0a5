"""Fill Spanish translations into the catalog from a JSON object {msgid: msgstr}.

    python scripts/set_translations.py translations.json

Entries not yet in the catalog are ignored (run `make messages` first, which extracts
them); a filled entry loses its fuzzy mark. Several people may work at once: run the
whole extract-fill-compile sequence under `flock var/po.lock`.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

CATALOG = Path(__file__).resolve().parent.parent / "src/groundswell/locale/es/LC_MESSAGES/django.po"


def unquote(lines: str) -> str:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', lines)
    text = "".join(parts)
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def apply(translations: dict[str, str], catalog: Path = CATALOG) -> list[str]:
    blocks = catalog.read_text(encoding="utf-8").split("\n\n")
    done: list[str] = []
    for i, block in enumerate(blocks):
        match = re.search(r'^msgid ((?:".*"\n?)+?)(?=^msgid_plural|^msgstr)', block, re.M)
        if not match or "msgid_plural" in block:
            continue
        msgid = unquote(match.group(1))
        if msgid not in translations:
            continue
        lines = [line for line in block.split("\n")
                 if not line.startswith("#, fuzzy") and not line.startswith("#|")]
        head = "\n".join(lines)
        head = head[: head.index("msgstr")]
        blocks[i] = head + "msgstr " + quote(translations[msgid])
        done.append(msgid)
    catalog.write_text("\n\n".join(blocks), encoding="utf-8")
    return done


if __name__ == "__main__":
    wanted = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    filled = apply(wanted)
    missing = sorted(set(wanted) - set(filled))
    print(f"filled {len(filled)} of {len(wanted)}")
    for msgid in missing:
        print(f"not in the catalog (run make messages first): {msgid!r}")
