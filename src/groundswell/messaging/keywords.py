"""Opt-out, opt-in and help keywords of incoming texts (pure, no Django).

A keyword is a whole message of one word, in any case, with surrounding spaces and
punctuation ignored ("Stop", " baja. ", "¡ALTO!"). Anything longer is a reply."""

from __future__ import annotations

import unicodedata

STOP = "stop"
START = "start"
HELP = "help"

KEYWORDS = {
    STOP: {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT",
           "PARAR", "PARE", "BAJA", "ALTO", "DETENER", "CANCELAR", "SALIR"},
    START: {"START", "UNSTOP", "YES", "SI", "ALTA", "COMENZAR", "INICIAR"},
    HELP: {"HELP", "INFO", "AYUDA"},
}
SPANISH = {"PARAR", "PARE", "BAJA", "ALTO", "DETENER", "CANCELAR", "SALIR", "SI", "ALTA",
           "COMENZAR", "INICIAR", "AYUDA"}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).upper()


def word_of(body: str) -> str:
    """The single word of a message (folded to upper case without accents), or ""."""
    stripped = _fold(body).strip().strip(".,;:!¡?¿'\"()[]*-_ \t\r\n")
    if not stripped or any(ch.isspace() for ch in stripped):
        return ""
    return stripped


def classify(body: str) -> str:
    """``"stop"``, ``"start"``, ``"help"`` or ``""`` for anything else."""
    word = word_of(body)
    for kind, words in KEYWORDS.items():
        if word in words:
            return kind
    return ""


def language_of(body: str) -> str:
    """``"es"`` when the keyword is a Spanish one, else ``""`` (unknown)."""
    return "es" if word_of(body) in SPANISH else ""
