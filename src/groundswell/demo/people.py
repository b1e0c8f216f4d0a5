"""The demo's people: about 2,000 residents in about 800 households on a Kensington-like
street grid, with phones, a few emails, tags, grievances, rapid-response consents,
timelines that spread them over the engagement ladder, a few moves and some deliberate
duplicates for the duplicate queue.

Deterministic (one seeded ``random.Random``) and fast: the bulk of it (buildings,
households, people, residences, contacts, the timeline) is written with bulk inserts
after the same normalization the services use; what is cheap to do one at a time goes
through the services (consents, grievances, moves, duplicates, human ratings) so those
rows look exactly like the ones organizers create, audit entries included.

Idempotent: the demo timeline carries ``source_type = DEMO_SOURCE``; when any such
entry exists the people are already loaded and nothing is added.

The names, streets and numbers are invented. Phone numbers use the 555 exchange of
Philadelphia's area codes (valid for ``phonenumbers``, reserved and never assigned to a
subscriber); emails use the reserved example.* domains.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from groundswell.core.models import Base, Membership, Organization, Role
from groundswell.people import ladder
from groundswell.people import services as people_services
from groundswell.people.forms import rapid_response_wording
from groundswell.people.models import (
    Address,
    Consent,
    ContactPoint,
    EngagementStage,
    Grievance,
    Household,
    Interaction,
    Person,
    Relationship,
    Residence,
    Tag,
)
from groundswell.people.normalize import (
    fold,
    normalize_email,
    normalize_phone,
    normalize_street_address,
    normalize_unit,
    phone_last_four,
)
from groundswell.people.services.records import last_four_index

SEED = 20240615  # the first block party
DEMO_SOURCE = "demo.people"
CITY, STATE = "Philadelphia", "PA"
TARGET_HOUSEHOLDS = 800

TAG_BLOCK_PARTY, TAG_AFTER_SCHOOL = "block party", "after-school"
TAG_RAPID_RESPONSE, TAG_HEARING = "rapid response", "hearing"

# --- the street grid ----------------------------------------------------------------------


@dataclass(frozen=True)
class Street:
    name: str
    base: int  # index into scenario.BASES
    postal_code: str
    runs: str  # "ns" (numbered north) or "ew" (numbered east)
    crossing: int  # where it lies on the other axis, in house numbers
    blocks: tuple[int, ...]


STREETS = (
    Street("N Front St", 0, "19133", "ns", 0, (2400, 2500, 2600, 2700, 2800)),
    Street("E Cumberland St", 0, "19125", "ew", 2500, (100, 200)),
    Street("E Hagert St", 0, "19125", "ew", 2600, (100, 200)),
    Street("E Boston St", 1, "19134", "ew", 2700, (1900, 2000, 2100)),
    Street("E Somerset St", 1, "19134", "ew", 2800, (100, 200, 1900, 2000, 2100)),
    Street("Jasper St", 1, "19134", "ns", 1950, (2500, 2600, 2700, 2800)),
    Street("Emerald St", 1, "19134", "ns", 2050, (2500, 2600, 2700, 2800)),
    Street("Coral St", 1, "19134", "ns", 2150, (2500, 2600, 2700, 2800)),
)
HOUSES_PER_SIDE = 22  # row houses, 16 feet wide


def _coordinates(street: Street, number: int) -> tuple[Decimal, Decimal]:
    """A point on a made-up grid around 39.99 N, 75.13 W (100 house numbers ≈ 130 m)."""
    north, east = (number, street.crossing) if street.runs == "ns" else (street.crossing,
                                                                         number)
    lat = 39.9830 + (north - 2400) / 100 * 0.00125
    lon = -75.1330 + east / 100 * 0.00150
    return Decimal(f"{lat:.6f}"), Decimal(f"{lon:.6f}")


# --- names ------------------------------------------------------------------------------------

GROUPS: dict[str, dict[str, object]] = {
    "latino": {
        "weight": 55, "languages": (("es", 75), ("en", 25)),
        "family": ("Rodríguez", "Hernández", "Cruz", "Rivera", "Santiago", "Ortiz", "Colón",
                   "Torres", "Pérez", "Díaz", "Morales", "Reyes", "Vázquez", "Ramos", "López",
                   "García", "Martínez", "González", "Sánchez", "Medina", "Figueroa",
                   "Maldonado", "Nieves", "Rosario", "Soto", "Flores", "Castillo", "Mejía",
                   "Guzmán", "Peña", "Batista", "Jiménez", "Mendoza", "Aguilar", "Alvarado",
                   "Ventura", "Paulino", "Almonte", "Quiñones", "Marrero", "Acevedo",
                   "Velázquez", "Carrasquillo", "Irizarry", "Montañez", "Pagán", "Serrano",
                   "Benítez", "Romero", "Chávez", "Gutiérrez", "Escobar", "Portillo",
                   "Argueta", "Hernández Cruz", "De Jesús", "Del Valle"),
        "female": ("María", "Carmen", "Ana", "Yesenia", "Xiomara", "Maritza", "Rosa",
                   "Lourdes", "Marisol", "Esperanza", "Sofía", "Valentina", "Jazmín",
                   "Nayeli", "Yadira", "Gladys", "Migdalia", "Damaris", "Luz", "Iris",
                   "Wanda", "Zoraida", "Daisy", "Griselda", "Milagros", "Noemí", "Keila",
                   "Génesis", "Camila", "Isabella", "Yaritza", "Brenda", "Ruth", "Elena"),
        "male": ("José", "Luis", "Juan", "Miguel", "Wilfredo", "Jorge", "Carlos", "Héctor",
                 "Ángel", "Diego", "Mateo", "Gabriel", "Brayan", "Kevin", "Edwin", "Jesús",
                 "Ramón", "Pedro", "Rafael", "Orlando", "Efraín", "Nelson", "Víctor",
                 "Francisco", "Christian", "Jonathan", "Anthony", "Julio", "Manuel",
                 "Alexis", "Santiago", "Dylan", "Ismael", "Joel"),
    },
    "black": {
        "weight": 20, "languages": (("en", 100),),
        "family": ("Johnson", "Williams", "Brown", "Jackson", "Harris", "Robinson",
                   "Washington", "Coleman", "Bryant", "Tucker", "Gaines", "Pettaway",
                   "Thomas", "Moore", "Wright", "Jenkins", "Simmons", "Baker", "Owens",
                   "Holmes", "Mitchell", "Dixon", "Sims", "Ford", "Battle", "Boyd"),
        "female": ("Keisha", "Shanice", "Aaliyah", "Tanisha", "Latoya", "Denise", "Imani",
                   "Jasmine", "Tamika", "Monique", "Ebony", "Gwendolyn", "Patrice",
                   "Kiara", "Nia", "Zaria", "Alicia", "Doris", "Sharon", "Brianna"),
        "male": ("Tyrone", "Darnell", "Marcus", "Jamal", "Andre", "Kareem", "Malik",
                 "DeShawn", "Terrence", "Reginald", "Curtis", "Dwayne", "Isaiah", "Elijah",
                 "Jalen", "Lamar", "Rashad", "Cedric", "Maurice", "Kenneth"),
    },
    "haitian": {
        "weight": 3, "languages": (("ht", 70), ("en", 30)),
        "family": ("Jean-Baptiste", "Pierre", "Joseph", "Louis", "Charles", "Etienne",
                   "Augustin", "Desir", "Dorvil", "Fleurimond"),
        "female": ("Widlene", "Marie", "Fabienne", "Nadège", "Roseline", "Guerline",
                   "Mirlande", "Stéphanie"),
        "male": ("Jean", "Wilner", "Frantz", "Jacques", "Ricardo", "Emmanuel", "Ludovic",
                 "Fritznel"),
    },
    "white": {
        "weight": 15, "languages": (("en", 100),),
        "family": ("Kelly", "Murphy", "McCarthy", "Sullivan", "Kowalski", "Nowak", "Walsh",
                   "O'Brien", "Burke", "Dougherty", "Schmidt", "Kaminski", "Lynch",
                   "Gallagher", "Brennan", "Wiśniewski", "Ryan", "McBride", "Fitzgerald",
                   "Stankiewicz"),
        "female": ("Kathleen", "Eileen", "Maureen", "Theresa", "Colleen", "Dorothy",
                   "Megan", "Erin", "Bridget", "Ashley", "Nicole", "Joan", "Kayla"),
        "male": ("Patrick", "Joseph", "Michael", "Kevin", "Brian", "Sean", "Stanley",
                 "Frank", "Thomas", "Edward", "Tyler", "Ryan", "Walter"),
    },
    "vietnamese": {
        "weight": 4, "languages": (("vi", 65), ("en", 35)),
        "family": ("Nguyễn", "Trần", "Lê", "Phạm", "Võ", "Huỳnh", "Đặng", "Bùi"),
        "female": ("Linh", "Mai", "Hoa", "Lan", "Thảo", "Ngọc", "Trang", "Vy"),
        "male": ("Minh", "Thanh", "Đức", "Tuấn", "Hùng", "Khoa", "Bảo", "Long"),
    },
    "chinese": {
        "weight": 3, "languages": (("zh", 60), ("en", 40)),
        "family": ("Chen", "Lin", "Wang", "Huang", "Zhang", "Liu", "Wu", "Zheng"),
        "female": ("Mei", "Xiu Ying", "Li Na", "Fang", "Jing", "Yan", "Hui", "Qing"),
        "male": ("Wei", "Jian", "Hao", "Ming", "Jun", "Lei", "Tao", "Bo"),
    },
}
NICKNAMES = {"José": "Pepe", "Francisco": "Paco", "Guadalupe": "Lupe", "Wilfredo": "Willie",
             "Jesús": "Chuy", "Margarita": "Magui", "Patrick": "Pat", "Kathleen": "Kathy",
             "Michael": "Mike", "Reginald": "Reggie", "Gwendolyn": "Gwen", "Ángel": "Angelo"}

# --- what happened: the community center's activities ------------------------------------


@dataclass(frozen=True)
class Activity:
    key: str
    days_ago: int
    kind: str  # Interaction.Kind
    summary: str
    tag: str = ""


ACTIVITIES = (
    Activity("block_party_1", 540, "attendance", "Block party at the community center",
             TAG_BLOCK_PARTY),
    Activity("distribution_1", 500, "service", "Bag of household essentials"),
    Activity("kyr_training", 460, "attendance", "Know-your-rights training (Spanish)"),
    Activity("distribution_2", 420, "service", "Bag of household essentials"),
    Activity("meeting_complex", 380, "attendance",
             "Neighborhood meeting about the luxury complex on the factory site"),
    Activity("distribution_3", 330, "service", "School supplies and a bag of essentials"),
    Activity("block_party_2", 175, "attendance", "Block party at the community center",
             TAG_BLOCK_PARTY),
    Activity("distribution_4", 150, "service", "Bag of household essentials"),
    Activity("hearing", 120, "attendance", "Zoning board hearing on the luxury complex",
             TAG_HEARING),
    Activity("assembly", 75, "attendance", "Neighborhood assembly"),
    Activity("distribution_5", 45, "service", "Bag of household essentials"),
    Activity("cleanup", 20, "attendance", "Lot clean-up at Hagert and Coral"),
)
AFTER_SCHOOL = Activity("after_school", 200, "service",
                        "After-school program with Iglesia Cristiana Betania", TAG_AFTER_SCHOOL)

DOOR_NOTES = (
    "Talked at the door about the block party.",
    "Habló en la puerta sobre la fiesta de cuadra.",
    "Asked about rent going up; left a flyer.",
    "Preguntó por el programa después de la escuela.",
    "Worried about the luxury complex; wants to come to the meeting.",
    "Short talk, busy with the kids. Come back on a weekend.",
    "Interesada en la red de respuesta rápida.",
)
ONE_ON_ONE_NOTES = (
    "One-on-one: grew up on this block, cares about the kids having a safe place.",
    "Reunión uno a uno: quiere organizar a los vecinos de su edificio.",
    "One-on-one: landlord has not fixed the heat in two winters; ready to talk to others.",
)
SPOKE_NOTES = ("Spoke at the assembly about rent increases.",
               "Habló en la asamblea sobre las redadas en la avenida.",
               "Spoke at the hearing about the luxury complex.")

GRIEVANCES = {
    Grievance.Category.HOUSING: ("No heat since November; the landlord does not answer.",
                                 "Hay humedad y moho en el baño y el dueño no lo arregla.",
                                 "Roof leaks into the kids' room when it rains."),
    Grievance.Category.RENT: ("Rent went up $300 this year.",
                              "Nos subieron la renta y no podemos pagarla.",
                              "New owner wants everyone out by the summer."),
    Grievance.Category.DEVELOPMENT: (
        "The luxury complex on the factory site will push us out.",
        "El edificio de lujo va a subir las rentas de toda la cuadra.",
        "Construction trucks block the street every morning."),
    Grievance.Category.IMMIGRATION: (
        "Agents were seen on the avenue; the family is afraid to take the kids to school.",
        "Se llevaron a un vecino; la familia necesita apoyo.",
        "Quiere saber sus derechos si llegan agentes a la puerta."),
    Grievance.Category.TRASH: ("Trash piles up on the lot at Hagert and Coral.",
                               "La basura no la recogen en semanas.",
                               "Needles in the playground."),
    Grievance.Category.SAFETY: ("The streetlight on the corner has been out for months.",
                                "Los carros pasan muy rápido frente a la escuela."),
    Grievance.Category.SCHOOLS: ("No bilingual aide in her son's class.",
                                 "La escuela no tiene suficientes maestros."),
}

# Engagement targets: how many of each kind a person at that rung has done.
PROFILES = (
    # (weight, activities (min, max), conversations, brought, spoke, one-on-ones)
    (80, (0, 0), (0, 1), 0, 0, 0),   # contact
    (52, (1, 1), (0, 1), 0, 0, 0),   # participant
    (30, (2, 2), (1, 2), 0, 0, 0),   # supporter
    (24, (3, 5), (1, 3), 0, 0, 0),   # active
    (8, (3, 5), (1, 3), 1, 1, 1),    # leader
    (3, (6, 9), (2, 4), 2, 2, 1),    # member
)


# --- building the rows -----------------------------------------------------------------------


@dataclass
class _Resident:
    person: Person
    household: Household
    group: str
    adult: bool
    phone: str = ""
    email: str = ""
    started_on: date | None = None
    brought: int = 0  # how many neighbors they brought along
    tags: set[str] = field(default_factory=set)
    events: list[tuple[str, datetime, str]] = field(default_factory=list)  # kind, when, note


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...] | list) -> str:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _at(today: date, days_ago: int, hour: int = 11) -> datetime:
    return timezone.make_aware(datetime.combine(today - timedelta(days=days_ago),
                                                time(hour, 0)))


class _Loader:
    def __init__(self, org: Organization) -> None:
        self.org = org
        self.rng = random.Random(SEED)  # noqa: S311 (a seeded demo, not a secret)
        self.today = timezone.localdate()
        members = {m.role: m for m in Membership.objects.filter(organization=org)
                   .select_related("user", "organization").order_by("pk")}
        self.actor = members.get(Role.ORGANIZER) or members[Role.ADMIN]
        canvasser = members.get(Role.CANVASSER)
        self.canvasser_user = canvasser.user if canvasser else self.actor.user
        names = [b.name for b in Base.objects.filter(organization=org).order_by("pk")]
        by_name = {b.name: b for b in Base.objects.filter(organization=org)}
        # scenario imports this module (it runs each area's demo)
        from groundswell.demo.scenario import BASES

        self.bases = [by_name.get(name) for name, _description in BASES]
        if not any(self.bases) and names:
            self.bases = [by_name[names[0]]] * len(BASES)
        self.used_phones: set[str] = set()
        self.residents: list[_Resident] = []
        self.relationship_rows: list[tuple[int, int, str]] = []  # indexes into residents

    # --- places
    def buildings(self) -> list[tuple[Street, int]]:
        spots = [(street, block + offset)
                 for street in STREETS for block in street.blocks
                 for offset in range(0, 2 * HOUSES_PER_SIDE)]
        self.rng.shuffle(spots)
        return spots

    def households(self) -> list[Household]:
        addresses: list[Address] = []
        units: list[list[str]] = []
        count = 0
        for street, number in self.buildings():
            if count >= TARGET_HOUSEHOLDS:
                break
            normalized = normalize_street_address(f"{number} {street.name}", CITY, STATE,
                                                  street.postal_code)
            lat, lon = _coordinates(street, number)
            addresses.append(Address(
                organization=self.org, street=normalized.street, city=normalized.city,
                state=normalized.state, postal_code=normalized.postal_code,
                base=self.bases[street.base], latitude=lat, longitude=lon,
                geocode_source="demo"))
            roll = self.rng.random()
            written = [""] if roll < 0.8 else (["Fl 1", "Fl 2"] if roll < 0.93
                                                else ["Fl 1", "Fl 2", "Fl 2 Rear"])
            if roll >= 0.97:
                written = ["Apt A", "Apt B", "Rear"]
            units.append([normalize_unit(u) for u in written])
            count += len(written)
        Address.objects.bulk_create(addresses)
        households = [Household(organization=self.org, address=address, unit=unit)
                      for address, address_units in zip(addresses, units, strict=True)
                      for unit in address_units]
        Household.objects.bulk_create(households)
        return households

    # --- people
    def phone(self) -> str:
        while True:
            area = _weighted(self.rng, (("215", 55), ("267", 40), ("445", 5)))
            raw = f"({area}) 555-{self.rng.randint(100, 9999):04d}"
            e164 = normalize_phone(raw, "US")
            if e164 not in self.used_phones:
                self.used_phones.add(e164)
                return e164

    def email(self, given: str, family: str) -> str:
        local = ".".join(fold(part).replace(" ", "").replace("'", "")
                         for part in (given, family))
        domain = self.rng.choice(("example.org", "example.net", "example.com"))
        return normalize_email(f"{local}{self.rng.randint(1, 99)}@{domain}")

    def person(self, group: str, family: str, *, adult: bool, household: Household,
               taken: set[tuple[str, str]], language: str | None = None) -> _Resident:
        names = GROUPS[group]
        female = self.rng.random() < 0.52
        choices = [n for n in names["female" if female else "male"]  # type: ignore[index]
                   if (n, family) not in taken]  # two José Cruz at one door look like one
        given = self.rng.choice(choices)
        taken.add((given, family))
        if language is None:
            language = _weighted(self.rng, names["languages"])  # type: ignore[arg-type]
        preferred = NICKNAMES.get(given, "") if self.rng.random() < 0.4 else ""
        person = Person(organization=self.org, given_name=given, family_name=family,
                        preferred_name=preferred, language=language,
                        base=household.address.base, created_by=self.actor.user,
                        birth_year=None if adult else self.today.year - self.rng.randint(6, 13))
        resident = _Resident(person, household, group, adult)
        if adult and self.rng.random() < 0.75:
            resident.phone = self.phone()
            if self.rng.random() < 0.22:
                resident.email = self.email(given, family)
        return resident

    def people(self, households: list[Household]) -> None:
        groups = [(name, data["weight"]) for name, data in GROUPS.items()]
        for household in households:
            group = _weighted(self.rng, groups)
            families = GROUPS[group]["family"]
            family = self.rng.choice(families)  # type: ignore[arg-type]
            size = _weighted(self.rng, ((1, 25), (2, 30), (3, 20), (4, 15), (5, 10)))
            started = self.today - timedelta(days=self.rng.randint(200, 20 * 365))
            taken: set[tuple[str, str]] = set()
            first = self.person(group, family, adult=True, household=household, taken=taken)
            members = [first]
            for index in range(1, size):
                adult = index == 1 or self.rng.random() < 0.35
                # Most share the family name; a partner or a roommate may not.
                own = family if self.rng.random() < 0.75 \
                    else self.rng.choice(families)  # type: ignore[arg-type]
                language = first.person.language if not adult else None
                members.append(self.person(group, own, adult=adult, household=household,
                                           taken=taken, language=language))
            for member in members:
                member.started_on = started if self.rng.random() < 0.85 else None
            self.residents.extend(members)

    # --- the timeline
    def timelines(self) -> None:
        rng = self.rng
        by_household: dict[int, list[_Resident]] = defaultdict(list)
        for resident in self.residents:
            by_household[resident.household.pk].append(resident)
        # A child in the after-school program leaves no trace on the organizing record
        # (their enrollment lives in the programs area, visible to its staff only); the
        # guardians carry the program, as a tag and an entry on their timelines.
        enrolled_households: set[int] = set()
        for resident in self.residents:
            if not resident.adult:
                if rng.random() < 0.45:
                    enrolled_households.add(resident.household.pk)
                continue
            profile = PROFILES[rng.choices(range(len(PROFILES)),
                                           weights=[p[0] for p in PROFILES])[0]]
            _weight, (low, high), (c_low, c_high), brought, spoke, one_on_ones = profile
            for activity in rng.sample(ACTIVITIES, rng.randint(low, high)):
                resident.events.append((activity.kind, _at(self.today, activity.days_ago),
                                        activity.summary))
                if activity.tag:
                    resident.tags.add(activity.tag)
            for _ in range(rng.randint(c_low, c_high)):
                kind = _weighted(rng, (("door_visit", 70), ("call", 20), ("text", 10)))
                resident.events.append((kind, _at(self.today, rng.randint(3, 600),
                                                  rng.randint(10, 19)),
                                        rng.choice(DOOR_NOTES) if kind == "door_visit" else ""))
            for _ in range(spoke):
                resident.events.append(("spoke", _at(self.today, rng.choice((120, 75)), 19),
                                        rng.choice(SPOKE_NOTES)))
            for _ in range(one_on_ones):
                resident.events.append(("one_on_one", _at(self.today, rng.randint(30, 400), 17),
                                        rng.choice(ONE_ON_ONE_NOTES)))
            resident.brought = brought
        for household_pk in sorted(enrolled_households):
            for member in by_household[household_pk]:
                if member.adult:
                    member.events.append(("service", _at(self.today, AFTER_SCHOOL.days_ago),
                                          AFTER_SCHOOL.summary))
                    member.tags.add(TAG_AFTER_SCHOOL)

    def relationships(self) -> None:
        """Guardians, partners, and who brought whom (which also lands on the timeline
        of the one who brought someone). Planned on the residents, saved with the people."""
        rng = self.rng
        number = {id(r): i for i, r in enumerate(self.residents)}
        by_household: dict[int, list[_Resident]] = defaultdict(list)
        for resident in self.residents:
            by_household[resident.household.pk].append(resident)
        rows: set[tuple[int, int, str]] = set()
        adults = [r for r in self.residents if r.adult]
        for members in by_household.values():
            grown = [number[id(m)] for m in members if m.adult]
            for kid in (number[id(m)] for m in members if not m.adult):
                for guardian in grown[:2]:
                    rows.add((guardian, kid, "guardian_of"))
            if len(grown) >= 2 and rng.random() < 0.6:
                rows.add((grown[0], grown[1], "partner"))
                rows.add((grown[1], grown[0], "partner"))
        for resident in adults:
            for _ in range(resident.brought):
                newcomer = rng.choice(adults)
                row = (number[id(newcomer)], number[id(resident)], "brought_by")
                if newcomer is resident or row in rows:
                    continue
                rows.add(row)
                resident.events.append(("brought", _at(self.today, rng.choice((175, 75, 20)),
                                                       12), ""))
        self.relationship_rows = sorted(rows)

    def save_people(self, stages: list[EngagementStage]) -> None:
        """People with their residences, contacts, relationships and timelines; the
        computed stage, last contact and search text as the services would set them."""
        rungs = [ladder.Rung(stage.pk, stage.position, stage.rule) for stage in stages]
        people = [r.person for r in self.residents]
        for resident in self.residents:
            person = resident.person
            moments = [when for _k, when, _n in resident.events]
            person.created_at = min(moments, default=None) or _at(self.today,
                                                                  self.rng.randint(30, 700))
            person.last_contact_at = max(moments, default=None)
            reached = ladder.computed_stage(
                rungs, ladder.summarize([kind for kind, _w, _n in resident.events]))
            person.computed_stage_id = reached.key if reached else None
            parts = [fold(person.given_name), fold(person.family_name),
                     fold(person.preferred_name), fold(resident.household.address.street),
                     fold(resident.household.unit)]
            # A first composition, as the search service writes it; run() has the
            # service confirm it at the end.
            person.search_text = " ".join(p for p in parts if p)
        Person.objects.bulk_create(people)
        Residence.objects.bulk_create([
            Residence(organization=self.org, person=r.person, household=r.household,
                      started_on=r.started_on) for r in self.residents])
        contacts = []  # the blind index is filled by the field's pre_save, as on save()
        for resident in self.residents:
            for kind, value in ((ContactPoint.Kind.PHONE, resident.phone),
                                (ContactPoint.Kind.EMAIL, resident.email)):
                if not value:
                    continue
                contact = ContactPoint(
                    organization=self.org, person=resident.person, kind=kind, value=value,
                    sms_capable=kind == ContactPoint.Kind.PHONE and self.rng.random() < 0.92,
                    is_primary=True, verified=self.rng.random() < 0.3)
                if kind == ContactPoint.Kind.PHONE:
                    contact.last_four_index = last_four_index(phone_last_four(value))
                contacts.append(contact)
        ContactPoint.objects.bulk_create(contacts)
        Relationship.objects.bulk_create([
            Relationship(organization=self.org, person=people[a], other=people[b], kind=kind)
            for a, b, kind in self.relationship_rows])
        interactions = []
        for index, resident in enumerate(self.residents):
            for kind, when, note in sorted(resident.events, key=lambda e: e[1]):
                recorder = self.canvasser_user if kind == "door_visit" else self.actor.user
                interactions.append(Interaction(
                    organization=self.org, person=resident.person, kind=kind,
                    occurred_at=when, created_at=when, summary=note, recorded_by=recorder,
                    source_type=DEMO_SOURCE, source_id=str(index)))
        Interaction.objects.bulk_create(interactions, batch_size=2000)

    def tags(self) -> None:
        tags = {name: Tag.objects.get_or_create(organization=self.org, name=name)[0]
                for name in (TAG_BLOCK_PARTY, TAG_AFTER_SCHOOL, TAG_RAPID_RESPONSE,
                             TAG_HEARING)}
        through = Person.tags.through
        through.objects.bulk_create([
            through(person_id=r.person.pk, tag_id=tags[name].pk)
            for r in self.residents for name in sorted(r.tags)])

    # --- through the services: consents, grievances, moves, duplicates, ratings
    def consents(self) -> None:

        rng = self.rng
        granted = []
        for resident in self.residents:
            if not resident.phone or rng.random() > 0.3:
                continue
            wording = rapid_response_wording("es" if resident.person.language == "es"
                                             else "en")
            consent = people_services.record_consent(
                self.actor, resident.person, channel=Consent.Channel.SMS,
                purpose=Consent.Purpose.RAPID_RESPONSE, source=Consent.Source.DOOR,
                wording=wording)
            visits = [w for k, w, _n in resident.events if k == "door_visit"]
            consent.granted_at = min(visits) if visits else _at(self.today,
                                                                rng.randint(20, 500))
            consent.recorded_by = self.canvasser_user
            granted.append(consent)
            resident.tags.add(TAG_RAPID_RESPONSE)
        Consent.objects.bulk_update(granted, ["granted_at", "recorded_by"])
        for consent in granted[::17]:  # some replied STOP later
            people_services.withdraw_consent(None, consent.person, channel="sms",
                                             organization=self.org)

    def grievances(self) -> None:
        rng = self.rng
        categories = list(GRIEVANCES)
        for resident in self.residents:
            if not resident.adult or rng.random() > 0.12:
                continue
            category = rng.choice(categories)
            people_services.record_grievance(
                self.actor, resident.person, category=category,
                text=rng.choice(GRIEVANCES[category]),
                raised_on=self.today - timedelta(days=rng.randint(10, 600)))

    def moves(self, households: list[Household]) -> None:
        rng = self.rng
        movers = rng.sample([r for r in self.residents if r.adult], 25)
        for resident in movers:
            target = rng.choice(households)
            if target.pk == resident.household.pk:
                continue
            moved_on = self.today - timedelta(days=rng.randint(15, 150))
            if resident.started_on and resident.started_on > moved_on:
                continue
            address = target.address
            people_services.move_person(
                self.actor, resident.person, street=address.street, unit=target.unit,
                city=address.city, state=address.state, postal_code=address.postal_code,
                moved_on=moved_on)
            resident.household = target

    def duplicates(self) -> None:
        """The same person met twice: a typo or a missing accent at a sign-in sheet, or
        a new phone number. Each second record signed in at the last clean-up."""
        rng = self.rng
        candidates = [r for r in self.residents if r.adult and r.phone]
        cleanup = next(a for a in ACTIVITIES if a.key == "cleanup")
        for resident in rng.sample(candidates, 30):
            person = resident.person
            variant = rng.random()
            given, family, phone = person.given_name, person.family_name, resident.phone
            if variant < 0.4:
                given, family = _typo(rng, given, family)
            elif variant < 0.7:
                given, family = fold(given).title(), fold(family).title()
            else:
                phone = self.phone()
            address = resident.household.address
            twin = people_services.create_person(
                self.actor, given_name=given, family_name=family, language=person.language,
                phone=phone, street=address.street, unit=resident.household.unit,
                city=address.city, state=address.state, postal_code=address.postal_code,
                base=person.base)
            people_services.record_interaction(
                self.actor, twin, kind=Interaction.Kind.ATTENDANCE,
                occurred_at=_at(self.today, cleanup.days_ago), summary=cleanup.summary,
                source=(DEMO_SOURCE, "duplicate"))

    def ratings(self, stages: list[EngagementStage]) -> None:
        rng = self.rng
        engaged = [r for r in self.residents if r.adult and len(r.events) >= 4]
        for resident in rng.sample(engaged, min(20, len(engaged))):
            people_services.rate_engagement(
                self.actor, resident.person, level=rng.randint(2, 5),
                reason=rng.choice(("Knows everyone on the block.",
                                   "Comes to everything, not yet leading.",
                                   "Ready to host a house meeting.")))
        leaders = [s for s in stages if s.position >= 5]
        for resident in rng.sample(engaged, min(6, len(engaged))):
            if leaders:
                people_services.set_stage(self.actor, resident.person, rng.choice(leaders))

    def run(self) -> None:
        stages = people_services.ensure_default_stages(self.org)
        households = self.households()
        self.people(households)
        self.timelines()
        self.relationships()
        self.save_people(stages)
        self.consents()
        self.tags()
        self.grievances()
        self.moves(households)
        self.duplicates()
        self.ratings(stages)
        # Thousands of rows were just bulk-written in this transaction: on PostgreSQL,
        # refresh the planner's statistics, or it keeps planning for empty tables and
        # each lookup below turns into nested sequential scans (minutes instead of
        # seconds).
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in ("people_person", "people_residence", "people_household",
                              "people_address", "people_contactpoint",
                              "people_interaction"):
                    cursor.execute(f"ANALYZE {table}")  # noqa: S608 - fixed names
        # The search service owns what is indexed: let it check (and fix, where its
        # rules differ from the quick composition above) every bulk-written person.
        for resident in self.residents:
            people_services.refresh_search_text(resident.person)


def _typo(rng: random.Random, given: str, family: str) -> tuple[str, str]:
    """One slip of the pen in the family name (or the given name)."""
    swaps = (("z", "s"), ("í", "i"), ("é", "e"), ("v", "b"), ("ll", "y"), ("ñ", "n"),
             ("Hern", "Ern"), ("tt", "t"), ("ck", "k"))
    for old, new in rng.sample(swaps, len(swaps)):
        if old in family:
            return given, family.replace(old, new, 1)
    if len(family) > 4:
        i = rng.randint(1, len(family) - 3)
        return given, family[:i] + family[i + 1] + family[i] + family[i + 2:]
    return fold(given).title(), family


def is_loaded(org: Organization) -> bool:
    return Interaction.objects.filter(organization=org, source_type=DEMO_SOURCE).exists()


def load(org: Organization) -> bool:
    """Load the demo people into ``org`` (inside its scope and a transaction). Returns
    False when they are already there."""
    if is_loaded(org):
        return False
    _Loader(org).run()
    return True
