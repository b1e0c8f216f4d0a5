"""From a spreadsheet's columns to Groundswell's fields: guessing the mapping from the
headers (English and Spanish), and checking each row. Pure Python (no Django), typed,
property-tested; errors are codes with parameters, put into words by the services.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field

import phonenumbers

from groundswell.core.spreadsheets import is_formula
from groundswell.imports.reading import MAX_CELL
from groundswell.people.normalize import (
    NormalizationError,
    clean_name,
    fold,
    normalize_email,
    normalize_phone,
    normalize_street_address,
    normalize_unit,
)

#: What a column can be imported as ("" = not imported).
TARGETS: tuple[str, ...] = (
    "given_name", "family_name", "full_name", "preferred_name", "phone", "email", "street",
    "unit", "city", "state", "postal_code", "language", "birth_year", "tags",
    "consent_sms", "consent_email", "consent_phone",
)
#: Targets a column may repeat (several tag columns); the others at most once.
REPEATABLE = frozenset({"tags"})
CONSENT_TARGETS = {"consent_sms": "sms", "consent_email": "email", "consent_phone": "phone"}

# Folded header words -> target. Checked whole first, then word by word.
_HEADERS: dict[str, str] = {}
for _target, _names in {
    "given_name": "first name|first|given name|given|nombre|nombres|primer nombre|name first|"
                  "forename|nombre de pila",
    "family_name": "last name|last|surname|family name|apellido|apellidos|primer apellido|"
                   "name last|apellido paterno",
    "full_name": "name|full name|nombre completo|nombre y apellido|nombre y apellidos|"
                 "contact|contacto|persona",
    "preferred_name": "preferred name|nickname|apodo|nombre preferido|goes by",
    "phone": "phone|phone number|telephone|cell|cell phone|mobile|mobile phone|telefono|"
             "tel|celular|movil|numero de telefono|numero|whatsapp|cellphone",
    "email": "email|e-mail|email address|correo|correo electronico|e mail|mail",
    "street": "address|street|street address|address 1|address line 1|direccion|calle|"
              "domicilio|direccion 1",
    "unit": "unit|apt|apartment|apartamento|apto|depto|departamento|suite|address 2|"
            "address line 2|unidad|direccion 2",
    "city": "city|ciudad|town|pueblo|municipio",
    "state": "state|estado|province|provincia",
    "postal_code": "zip|zip code|zipcode|postal code|codigo postal|cp|postcode",
    "language": "language|idioma|lengua|preferred language|idioma preferido",
    "birth_year": "birth year|year of birth|ano de nacimiento|dob|date of birth|birthday|"
                  "birthdate|fecha de nacimiento|nacimiento|cumpleanos",
    "tags": "tags|tag|etiquetas|etiqueta|labels|grupo|groups",
    "consent_sms": "sms|text|texts|text messages|ok to text|consent sms|sms consent|"
                   "mensajes de texto|acepta mensajes de texto|textos|acepta textos|"
                   "puede recibir textos",
    "consent_email": "ok to email|email consent|consent email|acepta correos|"
                     "acepta correo electronico",
    "consent_phone": "ok to call|phone consent|consent phone|acepta llamadas",
}.items():
    for _name in _names.split("|"):
        _HEADERS[_name] = _target


def _header_key(header: str) -> str:
    return re.sub(r"[_.:*#/()\[\]]+", " ", fold(header)).replace("  ", " ").strip()


def guess_target(header: str) -> str:
    """The target a header most likely means ("" when none): ``"Teléfono"`` -> phone,
    ``"Apellidos"`` -> family_name, ``"ZIP"`` -> postal_code."""
    key = _header_key(header)
    if key in _HEADERS:
        return _HEADERS[key]
    compact = key.replace("-", " ").replace(" ", "")
    for name, target in _HEADERS.items():
        if name.replace(" ", "") == compact:
            return target
    return ""


def guess_mapping(headers: Sequence[str]) -> dict[int, str]:
    """Column index -> target for the headers we recognise; a non-repeatable target
    goes to its first column only."""
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    for index, header in enumerate(headers):
        target = guess_target(header)
        if not target or (target in taken and target not in REPEATABLE):
            continue
        mapping[index] = target
        taken.add(target)
    if "full_name" in taken and {"given_name", "family_name"} & taken:
        # "Nombre" + "Apellido" beside a "Name" column: the split columns win.
        mapping = {i: t for i, t in mapping.items() if t != "full_name"}
    return mapping


def mapping_problems(mapping: Mapping[int, str], width: int) -> list[str]:
    """Codes of what is wrong with a mapping: unknown_target, out_of_range,
    repeated_target, no_name."""
    problems = []
    if any(t not in TARGETS for t in mapping.values()):
        problems.append("unknown_target")
    if any(not 0 <= i < width for i in mapping):
        problems.append("out_of_range")
    seen = [t for t in mapping.values() if t not in REPEATABLE]
    if len(seen) != len(set(seen)):
        problems.append("repeated_target")
    if not {"given_name", "family_name", "full_name"} & set(mapping.values()):
        problems.append("no_name")
    return problems


# --- values ---------------------------------------------------------------------------

_YES = {"yes", "y", "si", "s", "x", "1", "true", "verdadero", "ok", "acepta", "yes please"}
_NO = {"no", "n", "0", "false", "falso", ""}
_LANGUAGES = {
    "es": "es", "spanish": "es", "espanol": "es", "castellano": "es",
    "en": "en", "english": "en", "ingles": "en",
    "pt": "pt", "portuguese": "pt", "portugues": "pt",
    "ht": "ht", "haitian creole": "ht", "creole": "ht", "kreyol": "ht", "criollo": "ht",
    "creole haitiano": "ht", "criollo haitiano": "ht",
    "zh": "zh", "chinese": "zh", "chino": "zh", "mandarin": "zh", "cantonese": "zh",
    "vi": "vi", "vietnamese": "vi", "vietnamita": "vi",
    "ar": "ar", "arabic": "ar", "arabe": "ar",
}
def looks_like_formula(value: str) -> bool:
    """A cell a spreadsheet would have evaluated (``=SUM(A1)``, ``@cmd``, ``-2+3``):
    the filter every export and import shares (core.spreadsheets)."""
    return is_formula(value)


def parse_yes(value: str) -> bool | None:
    """True for yes/sí/x/1, False for no/empty, None when unclear."""
    key = fold(value)
    if key in _YES:
        return True
    if key in _NO:
        return False
    return None


def parse_language(value: str) -> str | None:
    """A language code, "" for an empty cell, None when not recognised."""
    key = fold(value)
    if not key:
        return ""
    return _LANGUAGES.get(key)


def parse_birth_year(value: str) -> int | None:
    """1984 from "1984", "1984-03-02", "03/02/1984" or "3/2/84"; None when not a year
    between 1900 and 2100."""
    text = value.strip()
    found = re.findall(r"\d{4}", text)
    if found:
        years = [int(y) for y in found if 1900 <= int(y) <= 2100]
        return years[0] if years else None
    short = re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-](\d{2})", text)
    if short:
        year = int(short.group(1))
        return 1900 + year if year > 25 else 2000 + year
    return None


def split_full_name(value: str) -> tuple[str, str]:
    """``"Rodríguez, José"`` -> (José, Rodríguez); ``"José Rodríguez García"`` ->
    (José, Rodríguez García): the first word is the given name, the rest the family
    names (Latino names keep both surnames)."""
    text = clean_name(value)
    if "," in text:
        family, _comma, given = text.partition(",")
        return clean_name(given), clean_name(family)
    words = text.split(" ")
    if len(words) == 1:
        return words[0], ""
    return words[0], " ".join(words[1:])


# phonenumbers compiles its metadata's patterns through the re module's cache, which
# holds 512 patterns for the whole process and, shared with everything else, kept
# dropping them during an import (a third of the time of reading a number): keep them.
phonenumbers.enable_pattern_cache()

# A North American number as people write it at home: (267) 555-0134, 267-555-0134,
# 267.555.0134, 2675550134; area code and exchange start with 2-9 (so neither an
# international prefix 011 nor the national prefix 1 can be read into it).
_NANP_WRITTEN = re.compile(r"(?:\(([2-9]\d\d)\) ?|([2-9]\d\d)[ .-]?)([2-9]\d\d)[ .-]?(\d{4})")


def read_phone(value: str, region: str = "US",
               known: MutableMapping[str, str | NormalizationError] | None = None) -> str:
    """``normalize_phone(value, region)``, the same result or the same error, faster for
    a file's thousands of numbers: each distinct value is read once (``known``, kept by
    the caller for one file and region), and a number written the usual North American
    way in a region of country code 1 is taken from its digits instead of parsed
    (parsing was three quarters of the time), then validated by phonenumbers as
    normalize_phone validates it; a number valid for the country code's main region (the
    first of its list, which has no leading digits) is valid without trying the others,
    as ``is_valid_number`` would find. Property-tested equal to normalize_phone."""
    found = known.get(value) if known is not None else None
    if found is None:
        try:
            found = _read_phone(value, region)
        except NormalizationError as exc:
            found = exc
        if known is not None:
            known[value] = found
    if isinstance(found, NormalizationError):
        raise NormalizationError(str(found))
    return found


# What phonenumbers' is_valid_number_for_region asks of a national number, once the
# country code is the region's: that it fit the general description and one kind of
# number. Its number_type tries the rare kinds first and fixed lines last (a dozen
# pattern matches for an ordinary number); any order gives the same answer, so the
# common kinds go first here.
_KINDS = ("fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "voip",
          "personal_number", "pager", "uan", "voicemail")
_matches_desc = phonenumbers.phonenumberutil._is_number_matching_desc


def _valid_national(national: str, metadata: phonenumbers.PhoneMetadata) -> bool:
    return _matches_desc(national, metadata.general_desc) and any(
        _matches_desc(national, getattr(metadata, kind)) for kind in _KINDS)


def _read_phone(value: str, region: str) -> str:
    text = value.strip()
    written = _NANP_WRITTEN.fullmatch(text)
    if written is None or phonenumbers.country_code_for_region(region) != 1:
        return normalize_phone(value, region)
    digits = "".join(part for part in written.groups() if part)
    number = phonenumbers.PhoneNumber(country_code=1, national_number=int(digits))
    main = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1][0]
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(main, None)
    valid = phonenumbers.is_possible_number(number) and (
        (metadata is not None and metadata.leading_digits is None
         and _valid_national(digits, metadata))
        or phonenumbers.is_valid_number(number))
    if not valid:
        raise NormalizationError(f"{text!r} is not a valid phone number.")
    return "+1" + digits


@dataclass
class RowError:
    code: str  # missing_name, too_long, formula, bad_phone, bad_email, bad_year,
    # bad_language, bad_yes, bad_address
    column: str = ""  # the header of the column at fault
    length: int = 0


@dataclass
class CheckedRow:
    """One spreadsheet row read through the mapping. ``number`` is the row's number as
    the spreadsheet shows it (the header is row 1)."""

    number: int
    values: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    consents: list[str] = field(default_factory=list)  # channels said yes to
    birth_year: int | None = None
    errors: list[RowError] = field(default_factory=list)
    #: The blind index of the phone and email (kind -> token), once worked out for
    #: matching, so the write does not work them out again.
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def matcher_record(self) -> dict[str, object]:
        v = self.values
        return {"id": f"row:{self.number}", "given_name": v.get("given_name", ""),
                "preferred_name": v.get("preferred_name", ""),
                "family_name": v.get("family_name", ""), "phone": v.get("phone", ""),
                "email": v.get("email", ""), "street": v.get("street", ""),
                "unit": v.get("unit", ""), "birth_year": self.birth_year}

    def fingerprint(self, folded: MutableMapping[str, str] | None = None
                    ) -> tuple[object, ...]:
        """Equal for rows that say the same thing (case, accents and spacing aside).
        ``folded``: values folded so far in the file (names repeat), kept by the caller.
        A phone is already one spelling (E.164, which folding would only strip of its
        "+": two numbers fold alike exactly when they are equal), so it is not folded."""
        folded = {} if folded is None else folded

        def folded_value(value: str) -> str:
            result = folded.get(value)
            if result is None:
                result = folded[value] = fold(value)
            return result

        return (tuple(sorted((k, v if k == "phone" else folded_value(v))
                             for k, v in self.values.items())),
                tuple(sorted(folded_value(t) for t in self.tags)),
                tuple(sorted(self.consents)), self.birth_year)


def check_row(number: int, cells: Sequence[str], headers: Sequence[str],
              mapping: Mapping[int, str], region: str = "US",
              phones: MutableMapping[str, str | NormalizationError] | None = None
              ) -> CheckedRow:
    """Read one row through ``mapping``; every problem becomes a RowError. ``phones``:
    the phone numbers of the file read so far (see read_phone)."""
    row = CheckedRow(number)
    for index, target in sorted(mapping.items()):
        raw = cells[index] if index < len(cells) else ""
        header = headers[index] if index < len(headers) else f"#{index + 1}"
        if len(raw) > MAX_CELL:
            row.errors.append(RowError("too_long", header, len(raw)))
            continue
        if not raw.strip():
            continue
        if target not in ("phone",) and looks_like_formula(raw):
            row.errors.append(RowError("formula", header))
            continue
        value = clean_name(raw)
        if target == "full_name":
            given, family = split_full_name(value)
            row.values.setdefault("given_name", given)
            if family:
                row.values.setdefault("family_name", family)
        elif target == "phone":
            try:
                row.values["phone"] = read_phone(value, region, phones)
            except NormalizationError:
                row.errors.append(RowError("bad_phone", header))
        elif target == "email":
            try:
                row.values["email"] = normalize_email(value)
            except NormalizationError:
                row.errors.append(RowError("bad_email", header))
        elif target == "birth_year":
            year = parse_birth_year(value)
            if year is None:
                row.errors.append(RowError("bad_year", header))
            row.birth_year = year
        elif target == "language":
            code = parse_language(value)
            if code is None:
                row.errors.append(RowError("bad_language", header))
            elif code:
                row.values["language"] = code
        elif target == "tags":
            row.tags.extend(t for t in (clean_name(p)[:60] for p in re.split(r"[,;]", value))
                            if t and not looks_like_formula(t))
        elif target in CONSENT_TARGETS:
            said = parse_yes(value)
            if said is None:
                row.errors.append(RowError("bad_yes", header))
            elif said:
                row.consents.append(CONSENT_TARGETS[target])
        else:
            if len(value) > 100 and target in ("given_name", "family_name",
                                               "preferred_name", "city"):
                row.errors.append(RowError("too_long", header, len(value)))
                continue
            row.values[target] = value
    if row.values.get("street"):
        v = row.values
        try:
            normalize_street_address(v["street"], v.get("city", ""), v.get("state", ""),
                                     v.get("postal_code", ""))
            normalize_unit(v.get("unit", ""))
        except NormalizationError:
            header = next((headers[i] for i, t in mapping.items() if t == "street"), "")
            row.errors.append(RowError("bad_address", header))
    if not row.values.get("given_name") and not row.values.get("family_name") and \
            not any(e.code in ("too_long", "formula") for e in row.errors):
        row.errors.insert(0, RowError("missing_name"))
    return row


__all__ = ["CONSENT_TARGETS", "REPEATABLE", "TARGETS", "CheckedRow", "RowError",
           "check_row", "guess_mapping", "guess_target", "looks_like_formula",
           "mapping_problems", "parse_birth_year", "parse_language", "parse_yes",
           "read_phone", "split_full_name"]
