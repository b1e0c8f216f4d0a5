"""QR codes of public links, drawn on the server as SVG (segno: no network, no image
library), so a flyer prints sharp at any size and the page needs no script for it."""

from __future__ import annotations

import segno


def qr_svg(url: str, *, title: str = "") -> str:
    """An inline ``<svg>`` element for ``url``, dark on white, scaling with its box.
    Error correction "M" survives a crease or a smudge on a printed flyer."""
    code = segno.make(url, error="m", micro=False)
    return code.svg_inline(scale=4, border=2, dark="#000", light="#fff", title=title or None,
                           svgclass="qr", omitsize=True)
