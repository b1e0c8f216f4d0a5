"""Demo events: a past block party with 150 sign-ins (some new people, RSVPs, later
door visits, grievances, rapid-response sign-ups, a hearing some of them came to), its
follow-ups assigned to the organizer, and an upcoming block party with volunteer
shifts. Written through the events and people services, seeded, idempotent."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from groundswell.core.models import Membership, Organization, Role
from groundswell.events import services
from groundswell.events.models import Event, FollowUp
from groundswell.people import services as people
from groundswell.people.models import Consent, Grievance, Interaction, Person
from groundswell.people.services.residents import Resident, find_or_add_resident

PARTY_TITLE = "Front Street Block Party"
SIGN_INS = 150
NEW_PEOPLE = 22
SEED = 7

NEW_NAMES = [
    ("Yaritza", "Colón"), ("Dwayne", "Parker"), ("Mirlande", "Joseph"), ("Kevin", "Tran"),
    ("Altagracia", "Peña"), ("Shanice", "Brooks"), ("Wilfredo", "Ayala"), ("Guerline", "Pierre"),
    ("Tom", "Kowalski"), ("Nayeli", "Cruz"), ("Marisol", "Ortiz"), ("Jamal", "Greene"),
    ("Esperanza", "Vega"), ("Rony", "Charles"), ("Bianca", "Santos"), ("Luz", "Delgado"),
    ("Héctor", "Rivera"), ("Keisha", "Long"), ("Emmanuel", "Louis"), ("Daniela", "Mejía"),
    ("Samuel", "Osei"), ("Carmen", "Figueroa"),
]


def _at(day: datetime, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day.date(), time(hour, minute)))


def _member(org: Organization, role: str) -> Membership:
    return Membership.objects.filter(organization=org, role=role).order_by("pk").first()


def load(org: Organization) -> bool:
    if Event.objects.filter(title_en=PARTY_TITLE).exists():
        return False
    admin = _member(org, Role.ADMIN)
    organizer = _member(org, Role.ORGANIZER) or admin
    staff = _member(org, Role.PROGRAM_STAFF) or admin
    rng = random.Random(SEED)  # noqa: S311 (demo data, not secrets)
    now = timezone.localtime()

    party_day = now - timedelta(days=12)
    party = services.create_event(
        admin, kind=Event.Kind.BLOCK_PARTY, title_en=PARTY_TITLE,
        title_es="Fiesta de cuadra de Front Street",
        description_en="Music, a cookout, games for the kids, and bags of household "
                       "essentials and diapers for every family.",
        description_es="Música, parrillada, juegos para los niños y bolsas de artículos "
                       "para el hogar y pañales para cada familia.",
        starts_at=_at(party_day, 12), ends_at=_at(party_day, 17),
        place_name="Lot at Front & Somerset", street="2700 N Front St",
        latitude=Decimal("39.986800"), longitude=Decimal("-75.133000"), capacity=400,
        theme="Homes for the people who live here, not a luxury complex",
        partner="Iglesia San Miguel", rsvp_open=True)

    everyone = list(Person.objects.active().order_by("pk").values_list("pk", flat=True))
    chosen = rng.sample(everyone, min(len(everyone), SIGN_INS - NEW_PEOPLE))
    known = list(Person.objects.filter(pk__in=chosen).order_by("pk"))
    for person in rng.sample(known, min(30, len(known))):  # RSVP'd ahead, by phone
        services.record_rsvp(staff, party, person, guests=rng.choice([0, 0, 1, 2, 3]))
    attendees: list[Person] = []
    for i, person in enumerate(known):
        at = _at(party_day, 12) + timedelta(minutes=i * 2)
        services.record_attendance(staff, party, person, source="kiosk", at=at)
        attendees.append(person)
    new_people: list[Person] = []
    for i, (given, family) in enumerate(NEW_NAMES[:NEW_PEOPLE]):
        person, _created = find_or_add_resident(org, Resident(
            given_name=given, family_name=family, phone=f"215-555-{7000 + i:04d}",
            street=f"{2700 + 2 * i} N Front St", language=rng.choice(["es", "en", "es"])))
        services.record_attendance(staff, party, person, source="kiosk", new_person=True,
                                   at=_at(party_day, 15) + timedelta(minutes=i * 3))
        if i % 3 == 0:
            people.record_consent(None, person, channel="sms", purpose="rapid_response",
                                  source="event", organization=org,
                                  wording="Sí, envíenme alertas de respuesta rápida.")
        new_people.append(person)
    attendees += new_people

    # What happened next: visits, calls, grievances, a hearing.
    for person in rng.sample(attendees, 35):
        people.record_interaction(organizer, person, kind=Interaction.Kind.DOOR_VISIT,
                                  occurred_at=_at(party_day + timedelta(days=rng.randint(2, 9)),
                                                  rng.randint(10, 18)),
                                  summary="Follow-up visit after the block party.")
    for person in rng.sample(attendees, 20):
        people.record_interaction(organizer, person, kind=Interaction.Kind.CALL,
                                  occurred_at=_at(party_day + timedelta(days=rng.randint(1, 5)),
                                                  rng.randint(10, 19)))
    for person in rng.sample(attendees, 12):
        people.record_grievance(organizer, person, category=rng.choice(
            [c for c in Grievance.Category.values if c != "other"]),
            raised_on=party_day.date())
    for person in rng.sample(attendees, 10):
        if not Consent.objects.filter(person=person, purpose="rapid_response").exists():
            people.record_consent(organizer, person, channel="sms", purpose="rapid_response",
                                  source="event", wording="Yes, send me rapid-response alerts.")
    hearing_day = now - timedelta(days=4)
    hearing = services.create_event(
        admin, kind=Event.Kind.HEARING, title_en="Zoning hearing on the Somerset complex",
        title_es="Audiencia de zonificación sobre el complejo de Somerset",
        starts_at=_at(hearing_day, 18), ends_at=_at(hearing_day, 20),
        place_name="City Hall, Room 400", street="1400 John F Kennedy Blvd",
        theme="Stop the luxury complex", rsvp_open=False)
    for person in rng.sample(attendees, 25):
        services.record_attendance(organizer, hearing, person, source="staff",
                                   at=_at(hearing_day, 18))

    # Follow-ups: the new people, assigned to the organizer; a few already done.
    services.assign_follow_ups(organizer, party, [(p, "new_person") for p in new_people],
                               organizer)
    for follow_up in FollowUp.objects.filter(event=party).order_by("pk")[:5]:
        services.complete_follow_up(organizer, follow_up)

    # Coming up: the next block party, with shifts to fill.
    next_day = now + timedelta(days=9)
    upcoming = services.create_event(
        admin, kind=Event.Kind.BLOCK_PARTY, title_en="Fall Block Party on Somerset",
        title_es="Fiesta de cuadra de otoño en Somerset",
        description_en="Bags of household essentials, school supplies, a cookout and music. "
                       "Bring your neighbors!",
        description_es="Bolsas de artículos para el hogar, útiles escolares, parrillada y "
                       "música. ¡Traiga a sus vecinos!",
        starts_at=_at(next_day, 12), ends_at=_at(next_day, 16),
        place_name="Somerset & Hope", street="200 W Somerset St",
        latitude=Decimal("39.989300"), longitude=Decimal("-75.136500"), capacity=300,
        theme="Homes for the people who live here", partner="Iglesia San Miguel")
    volunteers = rng.sample(attendees, 14)
    for role, start, hours, slots in (("setup", 10, 2, 4), ("cookout", 12, 4, 3),
                                      ("kids", 12, 2, 3), ("music", 13, 3, 2),
                                      ("distribution", 12, 4, 4), ("outreach", 11, 3, 4)):
        shift = services.add_shift(admin, upcoming, role=role, starts_at=_at(next_day, start),
                                   ends_at=_at(next_day, start + hours), slots=slots)
        for _ in range(rng.randint(1, slots - 1)):
            if volunteers:
                services.sign_up_for_shift(organizer, shift, volunteers.pop())
    for person in rng.sample(attendees, 25):
        services.record_rsvp(staff, upcoming, person, guests=rng.choice([0, 1, 2]))
    return True
