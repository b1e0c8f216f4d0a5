"""Objects for door-knocking tests: a few placed households on one block, a turf
around them, an effort with a script, and a walk list."""

from __future__ import annotations

from decimal import Decimal

from groundswell.canvass import services as canvass
from groundswell.canvass.models import Question
from groundswell.core.models import Membership
from groundswell.geo import services as geo
from groundswell.people import services as people
from groundswell.people.models import Address

# A box around 2400–2499 N Front St on the demo's grid (39.983 N, 75.133 W).
TURF = {"type": "Polygon", "coordinates": [[
    [-75.1340, 39.9825], [-75.1320, 39.9825], [-75.1320, 39.9845], [-75.1340, 39.9845],
    [-75.1340, 39.9825]]]}


def place(street: str, lat: float, lon: float) -> None:
    address = Address.objects.get(street=street)
    address.latitude, address.longitude = Decimal(f"{lat:.6f}"), Decimal(f"{lon:.6f}")
    address.geocode_source = "test"
    address.save()


def block(admin: Membership, count: int = 6, phone: bool = True) -> list:
    """``count`` people, one per house on both sides of the 2400 block of N Front St."""
    made = []
    for i in range(count):
        number = 2401 + i  # odd and even: both sides of the street
        person = people.create_person(
            admin, given_name=f"Resident{i}", family_name="Block",
            phone=f"215-555-{1200 + i:04d}" if phone else "",
            street=f"{number} N Front St", city="Philadelphia", state="PA",
            postal_code="19133")
        place(f"{number} N FRONT ST", 39.9830 + (number - 2400) * 0.0000125,
              -75.1330 + (0.00005 if number % 2 else -0.00005))
        made.append(person)
    return made


def script(admin: Membership, effort) -> dict[str, Question]:
    return {
        "consent": canvass.add_question(
            admin, effort, kind="yes_no", text_en="Alerts?", text_es="¿Alertas?",
            action="consent_rapid_response"),
        "party": canvass.add_question(
            admin, effort, kind="yes_no", text_en="Coming to the block party?",
            text_es="¿Viene a la fiesta de cuadra?", action="tag", trigger="yes",
            action_value="Block party 2026"),
        "issue": canvass.add_question(
            admin, effort, kind="text", text_en="What should change here?",
            text_es="¿Qué debe cambiar aquí?", action="grievance", action_value="rent"),
        "level": canvass.add_question(
            admin, effort, kind="scale", text_en="Interest (1-5)", text_es="Interés (1-5)",
            action="assessment"),
        "when": canvass.add_question(
            admin, effort, kind="choice", text_en="Best time?", text_es="¿Mejor hora?",
            choices=[{"en": "Morning", "es": "Mañana"}, {"en": "Evening", "es": "Tarde"}]),
    }


def walk_list(admin: Membership, canvassers: list[Membership], *, count: int = 6,
              needs_phone: bool = False):
    residents = block(admin, count)
    turf = geo.create_turf(admin, name="Front St 2400", geometry=TURF)
    effort = canvass.create_effort(admin, name="Block party outreach", needs_phone=needs_phone)
    questions = script(admin, effort)
    wl = canvass.create_walk_list(admin, effort=effort, turf=turf, name="Front St A",
                                  canvassers=canvassers)
    return wl, residents, questions
