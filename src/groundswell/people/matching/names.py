"""Tables about names and streets: nickname groups (Spanish and English short forms),
compound nicknames, and the USPS street abbreviations."""

from __future__ import annotations

from groundswell.people.normalize import (
    fold,
)

# --- nicknames ----------------------------------------------------------------------------

#: Names that are the same person's, across English and Spanish. A name may be in
#: several groups ("beto" is both Roberto and Alberto): two given names match as
#: nicknames when they share a group. Folded (no accents), lowercase, with the usual
#: spellings of each short form (Lety, Leti; Paty, Pati).
#:
#: The Spanish short forms (hipocorísticos) come from the list in the Spanish
#: Wikipedia's "Anexo:Hipocorísticos en español", checked against the Academia
#: Mexicana de la Lengua's notes on hipocorísticos (Pepe, Paco, Pancho, Chucho) and
#: chilango.com's "Hipocorísticos raros de la A a la Z" (Mexican usage: Chava, Memo,
#: Tavo, Chente, Lencho), keeping those common among Mexican, Central American and
#: Caribbean families in the United States.
NICKNAME_GROUPS: tuple[frozenset[str], ...] = tuple(frozenset(group.split()) for group in (
    "robert bob bobby rob robbie roberto beto",
    "alberto albert al beto",
    "humberto beto",
    "adalberto beto",
    "william bill billy will willie guillermo memo",
    "jose pepe chepe joseph joe joey",
    "josefa pepa chepa josefina fina",
    "jesus chuy chucho chus",
    "francisco pancho paco frank francis frankie kiko quico curro",
    "francisca paquita frances fran pancha paca",
    "juan john johnny jack juanito",
    "juana jane joan janie juanita",
    "antonio tony anthony tono antonito",
    "antonia tona tonia toni",
    "enrique henry kike quique hank",
    "eduardo lalo edward ed eddie",
    "ignacio nacho",
    "manuel manolo manny manu",
    "rafael rafa ralph",
    "ricardo richard rick ricky dick richi",
    "carlos charles charlie chuck carlitos",
    "miguel michael mike mikey migue",
    "santiago james jim jimmy jaime chago",
    "tomas thomas tom tommy",
    "daniel dan danny dani",
    "alejandro alex alejo jando",
    "alexander alex sandro",
    "alejandra alex ale sandra",
    "cristobal christopher chris",
    "cristina christina tina chris",
    "luis louis lucho",
    "pedro peter pete perico",
    "pablo paul",
    "andres andrew andy",
    "esteban steven stephen steve",
    "gregorio gregory greg goyo",
    "jorge george coco",
    "samuel sam sammy",
    "benjamin ben benny benja mincho",
    "nicolas nicholas nick nico",
    "maria mary mari",
    "guadalupe lupe lupita",
    "rosario chayo charo",
    "concepcion conchita concha conchi",
    "dolores lola lolita",
    "mercedes meche merche merce",
    "consuelo chelo",
    "margarita margaret maggie peggy marge mago magos",
    "elizabeth liz beth betty isabel isabela chabela",
    "catalina catherine katherine kate katie cathy cata",
    "patricia patty pati paty",
    "leticia lety leti",
    "jennifer jen jenny",
    "susana susan sue susie",
    "teresa theresa tere terry",
    "ana anne ann annie anita",
    "graciela gracie chela",
    "ernesto ernest neto",
    "rodolfo rudolph rudy fito",
    "adolfo fito",
    "gerardo gerald jerry lalo",
    "fernando fer nando",
    "federico fede fred",
    "armando mando",
    "ramon moncho",
    "salvador chava chavo",
    "gustavo tavo gus",
    "octavio tavo",
    "alfonso poncho alfon",
    "vicente chente",
    "lorenzo lencho",
    "sergio checo",
    "alicia licha",
    "refugio cuca cuco cuquita",
    "asuncion chona",
    "sebastian chano",
    "gabriela gaby gabi",
    "gabriel gabe gabo",
    "veronica vero",
    "victoria vicky",
    "yolanda yoli",
    "leopoldo polo",
    "gonzalo chalo",
    "anastasio tacho",
    "candelaria cande",
    "pilar pili",
    "remedios reme",
    "inmaculada inma",
    "domingo mingo",
    "agustin cucho agus",
    "felipe pipe",
    "rebeca becky",
))

#: Short forms of two given names at once: compared as the two names.
COMPOUND_NICKNAMES: dict[str, tuple[str, ...]] = {
    "chema": ("jose", "maria"), "josema": ("jose", "maria"), "juanjo": ("juan", "jose"),
    "juanma": ("juan", "manuel"), "luismi": ("luis", "miguel"),
    "maite": ("maria", "teresa"), "marite": ("maria", "teresa"),
    "marichuy": ("maria", "jesus"), "maricarmen": ("maria", "carmen"),
    "mariajo": ("maria", "jose"), "malena": ("maria", "elena"),
    "maru": ("maria", "eugenia"), "marisol": ("maria", "soledad"),
    "mayte": ("maria", "teresa"),
}

#: Abbreviations of the first of two given names ("Ma. Guadalupe", "Ma Elena").
_GIVEN_ABBREVIATIONS = {"ma": "maria", "mª": "maria", "ma.": "maria"}

_NICKNAMES: dict[str, frozenset[int]] = {}
for _index, _group in enumerate(NICKNAME_GROUPS):
    for _name in _group:
        _NICKNAMES[_name] = _NICKNAMES.get(_name, frozenset()) | {_index}


def nickname_groups(name: str) -> frozenset[int]:
    """The groups a folded given-name word belongs to (empty when none)."""
    return _NICKNAMES.get(name, frozenset())


# --- streets ------------------------------------------------------------------------------

_STREET_WORDS = {
    "north": "n", "south": "s", "east": "e", "west": "w", "street": "st", "avenue": "ave",
    "av": "ave", "road": "rd", "boulevard": "blvd", "drive": "dr", "lane": "ln",
    "place": "pl", "court": "ct", "terrace": "ter", "parkway": "pkwy", "highway": "hwy",
    "square": "sq", "circle": "cir", "alley": "aly", "northeast": "ne", "northwest": "nw",
    "southeast": "se", "southwest": "sw",
}


def canonical_street(street: str) -> str:
    """``"2417 North Front Street"`` and ``"2417 N FRONT ST"`` -> ``"2417 n front st"``:
    the USPS abbreviations, enough to compare what people type with what the address
    normalizer stored."""
    if not street:
        return ""
    words = fold(street.replace(".", " ")).split()
    return " ".join(_STREET_WORDS.get(word, word) for word in words)
