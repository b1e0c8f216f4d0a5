"""Normalization of what residents and spreadsheets give us: phone numbers, street
addresses, units, names and emails. Pure functions (no Django), typed, property-tested;
the matching module, the search service and the import wizard all use these, so one
spelling of a thing is compared with one spelling of the other.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
from scourgify import normalize_address_record
from scourgify.exceptions import AddressNormalizationError


class NormalizationError(ValueError):
    """Input that cannot be understood; the message says what was expected."""


# --- phones -------------------------------------------------------------------------------


def normalize_phone(raw: str, region: str = "US") -> str:
    """``"(215) 555-0134"`` -> ``"+12155550134"`` (E.164). Raises NormalizationError for
    something that is not a possible number in ``region`` (or in its own country when it
    starts with ``+``)."""
    text = (raw or "").strip()
    if not text:
        raise NormalizationError("A phone number is empty.")
    if len(text) > 40:
        raise NormalizationError("A phone number is too long.")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise NormalizationError(f"{text!r} is not a phone number.") from None
    if not phonenumbers.is_possible_number(number) or not phonenumbers.is_valid_number(number):
        raise NormalizationError(f"{text!r} is not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_last_four(e164: str) -> str:
    return re.sub(r"\D", "", e164)[-4:]


def format_phone(e164: str, region: str = "US") -> str:
    """For reading: national format at home, international otherwise."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def mask_phone(e164: str) -> str:
    return "••• ••• " + phone_last_four(e164)


def digits(text: str) -> str:
    return re.sub(r"\D", "", text or "")


# --- email --------------------------------------------------------------------------------

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(raw: str) -> str:
    value = (raw or "").strip().lower()
    if not _EMAIL.match(value) or len(value) > 254:
        raise NormalizationError(f"{raw!r} is not an email address.")
    return value


# --- names ---------------------------------------------------------------------------------


# Latin letters that Unicode does not decompose into a base letter and an accent.
_LATIN_LETTERS = str.maketrans({
    "æ": "ae", "ð": "d", "ø": "o", "þ": "th", "ß": "ss", "đ": "d", "ħ": "h", "ı": "i",
    "ĸ": "k", "ŋ": "n", "œ": "oe", "ŧ": "t", "ł": "l", "ʼ": "'", "ʾ": "", "ẜ": "s",
    "ẝ": "s", "ẟ": "d", "ỻ": "ll", "ỽ": "v", "ỿ": "y",
})


def fold(text: str) -> str:
    """Lowercase without accents and with single spaces: ``"  José  Rodríguez"`` ->
    ``"jose rodriguez"``, ``"Đặng"`` -> ``"dang"``. Keeps letters, digits, spaces, hyphens
    and apostrophes; Latin letters come out as ASCII."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    cleaned = re.sub(r"[^\w\s'-]", " ", stripped.lower().translate(_LATIN_LETTERS))
    return re.sub(r"\s+", " ", cleaned).strip()


def clean_name(raw: str) -> str:
    """Trim and collapse spaces, keep the person's own spelling and accents. (str.split
    splits on exactly the characters a regular expression's \\s matches.)"""
    return " ".join((raw or "").split())


# --- addresses -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StreetAddress:
    street: str  # "2417 N FRONT ST"
    city: str
    state: str
    postal_code: str
    unit: str = ""  # a unit written on the street line ("Apt 2"), normalized

    @property
    def key(self) -> str:
        return " | ".join(p for p in (self.street, self.city, self.postal_code) if p)


def normalize_street_address(street: str, city: str = "", state: str = "",
                             postal_code: str = "") -> StreetAddress:
    """USPS-style normalization of one street address (the building), e.g. "2417 north
    front street" -> "2417 N FRONT ST". The unit is not part of it (see normalize_unit).
    """
    street = clean_name(street)
    if not street:
        raise NormalizationError("A street address is empty.")
    if len(street) > 200:
        raise NormalizationError("A street address is too long.")
    if not re.match(r"^\d+[A-Za-z]?(-\d+)?\s+\S", street):
        raise NormalizationError(
            f"{street!r} does not look like a street address (a number, then the street).")
    city, state, postal_code = clean_name(city), clean_name(state), clean_name(postal_code)
    if city and state and postal_code:
        record: dict[str, str | None] | str = {
            "address_line_1": street, "address_line_2": None, "city": city, "state": state,
            "postal_code": postal_code}
    else:  # scourgify wants all three or none: normalize the street line alone
        record = street
    try:
        parsed = normalize_address_record(record)
    except (AddressNormalizationError, Exception) as exc:  # scourgify raises several kinds
        raise NormalizationError(f"{street!r} could not be read as a street address.") \
            from exc
    line = parsed.get("address_line_1") or street.upper()
    # A unit typed on the street line ("Apt 2") belongs to the household, not the building.
    unit = normalize_unit(parsed.get("address_line_2") or "")
    return StreetAddress(
        street=re.sub(r"\s+", " ", line).strip(),
        city=(parsed.get("city") or clean_name(city)).upper(),
        state=(parsed.get("state") or clean_name(state)).upper(),
        postal_code=(parsed.get("postal_code") or clean_name(postal_code))[:5],
        unit=unit,
    )


_UNIT_WORDS = {
    "apartment": "APT", "apt": "APT", "unit": "UNIT", "#": "#", "no": "#", "number": "#",
    "floor": "FL", "fl": "FL", "flr": "FL", "piso": "FL", "suite": "STE", "ste": "STE",
    "rear": "REAR", "back": "REAR", "front": "FRNT", "frnt": "FRNT", "basement": "BSMT",
    "bsmt": "BSMT", "sotano": "BSMT", "upper": "UPPR", "lower": "LOWR", "room": "RM",
    "rm": "RM", "atras": "REAR", "frente": "FRNT",
}
_ORDINAL = re.compile(r"^(\d+)(st|nd|rd|th|o|a|er|do|ro|to)?$")
_WORD_ORDINALS = {"first": "1", "second": "2", "third": "3", "fourth": "4", "primer": "1",
                  "primero": "1", "segundo": "2", "tercer": "3", "tercero": "3"}


def normalize_unit(raw: str) -> str:
    """``"2nd floor rear"`` -> ``"FL 2 REAR"``; ``"apt. 3b"`` -> ``"APT 3B"``; ``""`` for the
    whole building. Floor numbers go after FL whichever side they were written on."""
    words = fold((raw or "").replace("#", " no ")).replace("-", " ").split()
    if len(" ".join(words)) > 60:
        raise NormalizationError("A unit is too long.")
    out: list[str] = []
    pending_number: str | None = None
    for word in words:
        word = word.strip("'")
        ordinal = _ORDINAL.match(word)
        if word in _WORD_ORDINALS:
            if pending_number is not None:
                out.append(pending_number)
            pending_number = _WORD_ORDINALS[word]
        elif word in _UNIT_WORDS:
            label = _UNIT_WORDS[word]
            if label == "FL" and pending_number is not None:
                out.append(f"FL {pending_number}")
                pending_number = None
            else:
                if pending_number is not None:
                    out.append(pending_number)
                    pending_number = None
                out.append(label)
        elif ordinal and ordinal.group(2):
            pending_number = ordinal.group(1)
        elif word:
            if pending_number is not None:
                out.append(pending_number)
                pending_number = None
            out.append(word.upper())
    if pending_number is not None:
        out.append(pending_number)
    unit = " ".join(out)
    return "" if unit == "#" else re.sub(r"# (\S)", r"#\1", unit)


# --- the parts of a name (family-aware matching) ----------------------------------------------

#: Words after a name that tell generations apart, and the generation each stands for:
#: a father and the son named after him are two people. "II" is the son as often as
#: "Jr"; "padre" and "hijo" are how Spanish speakers write Sr and Jr.
GENERATION_SUFFIXES: dict[str, int] = {
    "sr": 1, "snr": 1, "senior": 1, "padre": 1, "jr": 2, "jnr": 2, "junior": 2, "hijo": 2,
    "ii": 2, "iii": 3, "iv": 4, "nieto": 3,
}

#: Particles inside Spanish (and some other) surnames and compound given names: "de la
#: Cruz", "del Río", "María de los Ángeles", "García y López". They are written or left
#: out at will, so they are not compared.
NAME_PARTICLES = frozenset({"de", "del", "la", "las", "los", "y", "e", "da", "das", "do",
                            "dos", "di", "van", "von", "der", "den"})


def name_parts(folded: str) -> tuple[tuple[str, ...], int]:
    """A folded name (``fold``) split into its words without particles, hyphens or
    apostrophes, and the generation its suffix gives (0 when none): ``"garcia-lopez
    jr"`` -> ``(("garcia", "lopez"), 2)``, ``"de la cruz"`` -> ``(("cruz",), 0)``. A
    suffix counts only after another word ("Junior" alone is a name)."""
    words = [w.strip("'") for w in folded.replace("-", " ").replace("'", " ").split()]
    words = [w for w in words if w]
    generation = 0
    while len(words) > 1 and words[-1] in GENERATION_SUFFIXES:
        generation = generation or GENERATION_SUFFIXES[words[-1]]
        words.pop()
    kept = tuple(w for w in words if w not in NAME_PARTICLES)
    return (kept or tuple(words)), generation
