"""Opt-out, opt-in and help keywords of incoming texts (pure, no Django).

A keyword is a whole message of one word, in any case, with surrounding spaces and
punctuation ignored ("Stop", " baja. ", "¡ALTO!"). People also ask to stop in their own
words, and those are an opt-out too, in English and Spanish ("please stop texting me",
"no me manden más mensajes", "quítenme de la lista"): ``classify`` answers STOP for
them. A message that may ask to stop but does not say so clearly ("Stop. Who is
this?") is ``unclear``: a person reads it in the inbox; it is neither an opt-out nor
(on a hotline) a sighting report. Anything else is a reply.

How a message is read: folded (no accents, lower case, apostrophes dropped), cut into
words; politeness and filler words ("please", "por favor", "ya", "gracias") count for
nothing. It asks to stop when it holds an opt-out phrase (a verb of stopping or removing
with texts or the sender as its object, in either language: see the patterns below),
or when all its words are stop keywords ("stop please", "ya basta"). It is unclear
when a stop keyword opens it, or closes it after nothing but fillers, and it has at
most four other words: a longer message with "stop" or "alto" in it ("ICE at the bus
stop on 5th", "¡Alto! Agentes en la esquina de Front y Lehigh") is about something
else, and a sighting on a hotline must never be lost to a guess."""

from __future__ import annotations

import re
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
    """``"stop"``, ``"start"``, ``"help"`` or ``""`` for anything else (``unclear``
    tells, of the rest, what a person should read before anything is done)."""
    word = word_of(body)
    for kind, words in KEYWORDS.items():
        if word in words:
            return kind
    if asks_to_stop(body):
        return STOP
    return ""


# Words that carry no meaning of their own in a request to stop.
FILLERS = {
    "please", "pls", "plz", "plez", "pleas", "now", "right", "just", "thanks", "thank",
    "thx", "ty", "you", "ok", "okay", "k", "hey", "hi", "hello", "sorry", "again", "it",
    "all", "already", "anymore", "seriously", "asap", "immediately",
    "por", "favor", "porfa", "porfavor", "xfa", "pf", "ya", "gracias", "hola", "oiga",
    "senor", "senora", "ahora", "mismo", "inmediatamente", "mas", "todo", "todos",
}
# Single words that ask to stop when nothing else is said ("stop please", "ya basta").
STOP_WORDS = {w.lower() for w in KEYWORDS[STOP]} | {
    "unsub", "optout", "basta", "unsuscribe", "unsubcribe", "stopp", "stp"}

_TEXTS_EN = r"(?:texts?|txts?|messages?|msgs?|sms|alerts?|notifications?)"
_WRITE_EN = (r"(?:text|txt|message|msg|contact|send|write|email|call|bother|spam)"
             r"(?:ing)?")
_SEND_ES = (r"(?:manden|mande|mandes|mandan|envien|envie|envies|envian|escriban|escriba|"
            r"escribas|escriben|texteen|textee|textees|contacten|contacte|llamen|molesten|"
            r"moleste)")
_TEXTS_ES = r"(?:mensajes?|textos?|alertas?|sms|mensajitos)"
_REMOVE_ES = (r"(?:quitenme|quiteme|quitame|sacame|saquenme|saqueme|borrenme|borreme|"
              r"borrame|eliminenme|elimineme|eliminame)")
OPT_OUT_PHRASES = [re.compile(p) for p in (
    # English
    rf"\b(?:stop|quit|cease)\s+(?:\w+\s+)?{_WRITE_EN}\b",
    rf"\bstop\s+(?:the\s+|these\s+|those\s+|your\s+|this\s+|all\s+)?{_TEXTS_EN}\b",
    r"\bun\s?(?:subscribe|suscribe|subcribe|subscibe|subscribed|subscribes)\b",
    r"\bunsub\b",
    r"\bopt\s?(?:me\s+)?out\b",
    r"\b(?:remove|delete|erase|take|get)\s+(?:me|my\s+(?:number|phone|name))\s+"
    r"(?:off|from|out)\b",
    r"\b(?:remove|delete|erase)\s+(?:me|my\s+number)\b",
    rf"\b(?:do\s+not|dont|never)\s+(?:ever\s+)?{_WRITE_EN}\s+(?:me|us|this\s+number)\b",
    rf"\bno\s+more\s+(?:{_TEXTS_EN}|texting|messaging)\b",
    rf"\b(?:dont|do\s+not|no\s+longer)\s+want\s+(?:\w+\s+){{0,3}}{_TEXTS_EN}\b",
    r"\bleave\s+me\s+alone\b",
    # Spanish
    rf"\bno\s+(?:me|nos)\s+(?:\w+\s+)?{_SEND_ES}\b",
    rf"\bno\s+{_SEND_ES}\s+mas\b",
    r"\b(?:dejen|deje|dejes|deja|dejar|paren|pare|para|dejan)\s+de\s+"
    r"(?:escribir|mandar|enviar|textear|contactar|molestar|llamar)(?:me|nos)?\b",
    rf"\b{_REMOVE_ES}\b",
    r"\b(?:quiten|quite|saquen|saque|borren|borre|eliminen|elimine)\s+(?:mi|este|el)\s+"
    r"(?:numero|telefono|nombre|celular)\b",
    r"\b(?:dar|darme|denme|deme|dame|darse|darnos|doy|me\s+doy)\s+de\s+baja\b",
    rf"\bno\s+(?:quiero|queremos|deseo|deseamos)\s+(?:\w+\s+){{0,3}}{_TEXTS_ES}\b",
    rf"\bno\s+mas\s+{_TEXTS_ES}\b",
    r"\bdes(?:u|in)s?cri(?:bir|bame|banme|birme|banme|beme)\w*\b",
    r"\bcancel\w*\s+(?:la\s+|mi\s+)?(?:suscripcion|subscripcion|inscripcion)\b",
    r"\bdejen?me\s+en\s+paz\b",
)]
UNCLEAR_MAX_OTHER_WORDS = 4


def words_of(body: str) -> list[str]:
    """The message's words, folded: no accents, lower case, apostrophes dropped (so
    "don't" is "dont"), anything else that is not a letter or digit a space."""
    folded = _fold(body).lower().replace("'", "").replace("\u2019", "")
    return re.findall(r"[a-z0-9]+", folded)


def asks_to_stop(body: str) -> bool:
    """Whether the message asks, in its own words, to get no more texts."""
    words = words_of(body)
    if not words:
        return False
    meaningful = [w for w in words if w not in FILLERS]
    if meaningful and all(w in STOP_WORDS for w in meaningful):
        return True
    text = " ".join(words)
    return any(p.search(text) for p in OPT_OUT_PHRASES)


def unclear(body: str) -> bool:
    """Whether the message may ask to stop without saying so clearly: a person should
    read it (it is not an opt-out, and not a sighting report either)."""
    if classify(body):
        return False
    words = words_of(body)
    if not words:
        return False
    others = [w for w in words if w not in FILLERS and w not in STOP_WORDS]
    if len(others) > UNCLEAR_MAX_OTHER_WORDS:
        return False
    if words[0] in STOP_WORDS:
        return True
    # Closing it: "..., just stop" — but not "the bus stop".
    tail = [w for w in words if w not in FILLERS]
    if tail and tail[-1] in STOP_WORDS:
        before = words[:len(words) - 1 - words[::-1].index(tail[-1])]
        return not before or before[-1] in FILLERS or not before[-1].isalpha() or \
            before[-1] in {"so", "and", "pero", "y", "but", "asi", "que"}
    return False


SPANISH_WORDS = {w.lower() for w in SPANISH} | {
    "no", "me", "manden", "mensajes", "escriban", "quitenme", "lista", "de", "la", "por",
    "favor", "basta", "baja", "dejen", "quiero", "mas", "ya", "gracias", "numero"}
ENGLISH_WORDS = {"stop", "please", "texting", "me", "unsubscribe", "remove", "from",
                 "the", "list", "dont", "text", "messages", "more", "want", "leave",
                 "alone", "take", "off", "opt", "out"}


def language_of(body: str) -> str:
    """``"es"`` when the keyword, or most words of a request to stop, are Spanish, else
    ``""`` (unknown)."""
    if word_of(body) in SPANISH:
        return "es"
    words = words_of(body)
    if len(words) > 1:
        spanish = sum(w in SPANISH_WORDS for w in words)
        english = sum(w in ENGLISH_WORDS for w in words)
        if spanish > english:
            return "es"
    return ""
