"""The pre-approved texts the network sends, in English and Spanish (usted).

They are fixed wording on purpose: at 3 a.m. a dispatcher picks a template and adds
only the place, so nothing alarming or identifying is improvised. Each subscriber gets
one message in their own language. Placeholders: {org}, {place}.
"""

from __future__ import annotations

ALERT_TEMPLATES: dict[str, dict[str, str]] = {
    "sighting": {
        "en": "ALERT {org}: immigration agents reported at {place}. Stay inside, do not "
              "open the door; you have the right to remain silent.",
        "es": "ALERTA {org}: se reportan agentes de inmigración en {place}. Quédese "
              "adentro, no abra la puerta; tiene derecho a guardar silencio.",
    },
    "all_clear": {
        "en": "ALL CLEAR {org}: the agents reported at {place} have left. Thank you "
              "for looking out for each other.",
        "es": "FIN DE LA ALERTA {org}: los agentes reportados en {place} se fueron. "
              "Gracias por cuidarse entre vecinos.",
    },
    "know_your_rights": {
        "en": "{org}: Know your rights. You do not have to open the door without a "
              "warrant signed by a judge. You have the right to remain silent.",
        "es": "{org}: Conozca sus derechos. No tiene que abrir la puerta sin una orden "
              "firmada por un juez. Tiene derecho a guardar silencio.",
    },
    "meeting": {
        "en": "{org}: Rapid-response network meeting: {place}. Everyone is welcome.",
        "es": "{org}: Reunión de la red de respuesta rápida: {place}. Todos son "
              "bienvenidos.",
    },
}

UNVERIFIED = {"en": "UNVERIFIED. ", "es": "NO VERIFICADO. "}
DRILL = {"en": "DRILL, NOT REAL. ", "es": "SIMULACRO, NO ES REAL. "}

VERIFY_REQUEST = {
    "en": "{org} VERIFY: agents reported at {place}. Can you look from a safe "
          "distance? Reply 1 = I see them, 2 = not there, 3 = I can't go. "
          "Reply OMW when on your way.",
    "es": "{org} VERIFICAR: se reportan agentes en {place}. ¿Puede ir a ver desde "
          "lejos? Responda 1 = los veo, 2 = no están, 3 = no puedo ir. Responda VOY "
          "cuando vaya en camino.",
}
VERIFY_THANKS = {
    "en": "{org}: thank you, your answer is on the dispatcher's board.",
    "es": "{org}: gracias, su respuesta ya está en el tablero de coordinación.",
}
VERIFY_CLOSED = {
    "en": "{org}: thank you. That request is already closed; nothing else to do.",
    "es": "{org}: gracias. Esa solicitud ya se cerró; no tiene que hacer nada más.",
}
REPORT_RECEIVED = {
    "en": "{org}: we received your report. Responders will check it. Stay safe.",
    "es": "{org}: recibimos su reporte. Verificadores lo van a revisar. Cuídese.",
}
JOINED = {
    "en": "{org}: you will get rapid-response alerts. To leave, reply STOP or open {link}",
    "es": "{org}: usted recibirá alertas de respuesta rápida. Para salir, responda BAJA o "
          "abra {link}",
}
NO_REQUEST = {
    "en": "{org}: we could not match that reply to a request. To report agents, text "
          "what you see and where.",
    "es": "{org}: no encontramos una solicitud para esa respuesta. Para reportar "
          "agentes, escriba qué ve y dónde.",
}

JOIN_WORDS = {"JOIN": "en", "UNIRSE": "es", "UNIRME": "es"}
ON_MY_WAY_WORDS = {"OMW", "VOY", "ON MY WAY", "EN CAMINO"}
REPLY_DIGITS = {"1": "confirmed", "2": "not_seen", "3": "cant_go"}


def compose(template: dict[str, str], language: str, **values: str) -> str:
    text = template.get(language) or template["en"]
    return text.format(**values)


def alert_body(kind: str, language: str, *, org: str, place: str, drill: bool,
               unverified: bool) -> str:
    """The full text of an alert for one language, with its labels first."""
    lang = language if language in ("en", "es") else "en"
    body = compose(ALERT_TEMPLATES[kind], lang, org=org, place=place or "—")
    prefix = (DRILL[lang] if drill else "") + (UNVERIFIED[lang] if unverified else "")
    return prefix + body


def parse_reply(body: str) -> tuple[str, str]:
    """What a short reply means: ("reply", "confirmed"|"not_seen"|"cant_go"),
    ("on_my_way", ""), ("join", language), or ("text", "") for anything else."""
    words = " ".join(body.strip().upper().replace(".", " ").replace("!", " ").split())
    if words in REPLY_DIGITS:
        return "reply", REPLY_DIGITS[words]
    if words in ON_MY_WAY_WORDS:
        return "on_my_way", ""
    if words in JOIN_WORDS:
        return "join", JOIN_WORDS[words]
    return "text", ""
