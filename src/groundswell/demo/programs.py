"""Demo programs and distributions: an after-school program run with a partner
congregation, 25 children of the demo households enrolled with their guardians (a few
more on the waitlist), pickups and emergency contacts, two weeks of sessions with roll
call; stock received; the bag table at the block party (120 bags, one per household,
to the people who signed in there when the events demo has run) and a Saturday pantry
day with some households coming back. Written through the programs services (so
audited, and on the guardians' timelines), seeded, idempotent."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from groundswell.core.models import Membership, Organization, Role
from groundswell.events.models import Attendance as EventAttendance
from groundswell.events.models import Event
from groundswell.people.models import Person, Relationship, Residence
from groundswell.programs import services
from groundswell.programs.models import Enrollment, Item, Program

PROGRAM_NAME = "After-school program"
CHILDREN = 25
WAITLIST = 3
BAGS_AT_THE_PARTY = 120
PARTY_TITLE = "Front Street Block Party"  # demo/events.py
SEED = 11

ALLERGIES = ["peanuts", "tree nuts", "milk", "eggs", "shellfish", "penicillin"]
MEDICAL = ["Asthma: inhaler in the backpack.", "Wears glasses for reading.",
           "Type 1 diabetes: snack at 4 pm, guardian's plan in the binder."]
PICKUPS = [("Tía Carmen", "aunt"), ("Abuela Rosa", "grandmother"), ("Don Luis", "neighbor"),
           ("Mirlande", "family friend"), ("Tío Pedro", "uncle")]


def _member(org: Organization, role: str) -> Membership | None:
    return Membership.objects.filter(organization=org, role=role).order_by("pk").first()


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _children_with_guardians(limit: int) -> list[tuple[Person, Person]]:
    """Children of the demo households (a birth year, a guardian_of relationship), with
    one guardian each, in a stable order."""
    pairs: list[tuple[Person, Person]] = []
    seen: set[int] = set()
    for guardian_id, child_id in Relationship.objects.filter(
            kind=Relationship.Kind.GUARDIAN_OF, other__birth_year__isnull=False,
            other__merged_into__isnull=True, person__merged_into__isnull=True,
    ).order_by("other_id", "person_id").values_list("person_id", "other_id"):
        if child_id in seen:
            continue
        seen.add(child_id)
        pairs.append((guardian_id, child_id))
        if len(pairs) >= limit:
            break
    people = Person.objects.in_bulk([p for pair in pairs for p in pair])
    return [(people[g], people[c]) for g, c in pairs]


def load(org: Organization) -> bool:
    if Program.objects.filter(name=PROGRAM_NAME).exists():
        return False
    admin = _member(org, Role.ADMIN)
    staff = _member(org, Role.PROGRAM_STAFF) or admin
    if admin is None:
        return False
    rng = random.Random(SEED)  # noqa: S311 (demo data, not secrets)
    today = timezone.localdate()

    # --- the after-school program --------------------------------------------------------
    program = services.save_program(
        admin, name=PROGRAM_NAME, name_es="Programa después de la escuela",
        partner="Iglesia San Miguel",
        description="Homework help, reading and games for children 6 to 13, with a snack. "
                    "Run with the congregation of Iglesia San Miguel.",
        description_es="Ayuda con las tareas, lectura y juegos para niños de 6 a 13 años, "
                       "con merienda. Lo hacemos con la congregación de la Iglesia San Miguel.",
        schedule="Monday to Thursday, 3 to 6 pm", schedule_es="De lunes a jueves, de 3 a 6 pm",
        place="Iglesia San Miguel, parish hall",
        capacity=CHILDREN, starts_on=today - timedelta(days=60), staff=[staff, admin])
    enrollments: list[Enrollment] = []
    for i, (guardian, child) in enumerate(_children_with_guardians(CHILDREN + WAITLIST)):
        enrollment = services.enroll_child(
            staff, program, guardian=guardian, child=child,
            allergies=ALLERGIES[i % len(ALLERGIES)] if i % 4 == 0 else "",
            medical_notes=MEDICAL[i % len(MEDICAL)] if i % 7 == 0 else "",
            photo_consent=i % 5 != 0)
        name, relation = PICKUPS[i % len(PICKUPS)]
        if i % 2 == 0:
            services.add_child_contact(staff, enrollment, kind="pickup", name=name,
                                       relation=relation)
        services.add_child_contact(staff, enrollment, kind="emergency",
                                   name=f"{guardian.given_name}'s sister",
                                   relation="aunt", phone=f"215-555-{3000 + i:04d}")
        if enrollment.status == Enrollment.Status.ENROLLED:
            enrollments.append(enrollment)

    # Two weeks of sessions, Monday to Thursday, with roll call and pickups.
    day = today - timedelta(days=15)
    while day < today:
        if day.weekday() < 4:
            session = services.create_session(staff, program, starts_at=_at(day, 15),
                                              ends_at=_at(day, 18))
            for enrollment in enrollments:
                status = rng.choices(["present", "late", "absent"], weights=[80, 8, 12])[0]
                services.mark_attendance(staff, session, enrollment, status=status)
                if status != "absent":
                    choices = services.pickup_choices(enrollment)
                    pickup = choices[0][0] if rng.random() < 0.8 else rng.choice(choices)[0]
                    services.record_pickup(staff, session, enrollment, pickup=pickup,
                                           at=_at(day, 17, rng.randint(30, 59)))
        day += timedelta(days=1)

    # --- stock and distributions -----------------------------------------------------------
    services.ensure_default_catalog(org)
    items = {item.name: item for item in Item.objects.all()}
    bag = items["Household-essentials bag"]
    for name, quantity, source in (
            ("Household-essentials bag", 180, "Philabundance and donations"),
            ("Diapers size 3", 40, "Diaper bank"), ("Diapers size 4", 40, "Diaper bank"),
            ("Diapers size 5", 24, "Diaper bank"), ("Baby wipes", 60, "Diaper bank"),
            ("Infant formula", 12, "Donation"), ("School supplies kit", 80, "Iglesia San Miguel")):
        services.receive_stock(admin, items[name], quantity=quantity, source=source)

    party_day, attendees = today - timedelta(days=12), []
    party = Event.objects.filter(title_en=PARTY_TITLE).first()
    if party is not None:
        party_day = timezone.localdate(party.starts_at)
        attendees = list(Person.objects.filter(pk__in=EventAttendance.objects.filter(
            event=party).values("person_id")).active().order_by("pk"))
    table = services.create_distribution(
        admin, name="Block party bag table", held_on=party_day,
        place="Lot at Front & Somerset", event=party)
    served_households: set[int] = set()
    adults = list(Person.objects.active().filter(birth_year__isnull=True).order_by("pk"))
    for person in [*attendees, *adults]:
        if len(served_households) >= BAGS_AT_THE_PARTY:
            break
        residence = Residence.objects.filter(person=person, ended_on__isnull=True).first()
        key = residence.household_id if residence else -person.pk
        if key in served_households:
            continue
        wanted = {bag: 1}
        if rng.random() < 0.25:
            wanted[items[rng.choice(["Diapers size 3", "Diapers size 4",
                                     "Diapers size 5"])]] = 1
        if rng.random() < 0.3:
            wanted[items["School supplies kit"]] = rng.randint(1, 2)
        services.serve_household(staff, table, person, wanted)
        served_households.add(key)

    pantry = services.create_distribution(admin, name="Saturday pantry",
                                          held_on=today - timedelta(days=5),
                                          place="Community center")
    returning = rng.sample(attendees or adults, min(18, len(attendees or adults)))
    newcomers = rng.sample(adults[200:], 12) if len(adults) > 212 else []
    done: set[int] = set()
    for person in [*returning, *newcomers]:
        residence = Residence.objects.filter(person=person, ended_on__isnull=True).first()
        key = residence.household_id if residence else -person.pk
        if key in done:
            continue
        done.add(key)
        wanted = {bag: 1, items["Baby wipes"]: 1} if rng.random() < 0.3 else {bag: 1}
        services.serve_household(staff, pantry, person, wanted)
    return True
