"""Demo door knocking: two efforts ("Block party outreach" and "Rapid-response network
sign-up") with bilingual scripts, a walk list for each of two turfs assigned to the
demo canvasser, and a first round of visits synced as a phone would (outcomes, answers,
a neighbor added at the door), so the progress pages and the outcomes map have data.

Idempotent: when the efforts exist it adds nothing.
"""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

from django.utils import timezone

from groundswell.canvass import services
from groundswell.canvass.models import Effort, WalkList
from groundswell.core.models import Membership, Organization, Role
from groundswell.geo.models import Turf
from groundswell.people.models import Residence

OUTCOMES = ["talked"] * 5 + ["not_home"] * 4 + ["come_back", "refused", "moved"]


def _script(admin: Membership, effort: Effort, *, party: bool) -> dict[str, int]:
    ids = {}
    if party:
        ids["party"] = services.add_question(
            admin, effort, kind="yes_no", text_en="Can we count on you at the block party?",
            text_es="¿Podemos contar con usted en la fiesta de cuadra?", action="tag",
            trigger="yes", action_value="Block party").pk
        ids["issue"] = services.add_question(
            admin, effort, kind="text", text_en="What would you change on this block?",
            text_es="¿Qué cambiaría en esta cuadra?", action="grievance",
            action_value="").pk
        ids["time"] = services.add_question(
            admin, effort, kind="choice", text_en="When is best to reach you?",
            text_es="¿Cuándo es mejor encontrarle?",
            choices=[{"en": "Mornings", "es": "Mañanas"}, {"en": "Evenings", "es": "Tardes"},
                     {"en": "Weekends", "es": "Fines de semana"}]).pk
    ids["consent"] = services.add_question(
        admin, effort, kind="yes_no",
        text_en="May we text you rapid-response alerts when agents are seen nearby?",
        text_es="¿Le podemos enviar alertas de respuesta rápida cuando vean agentes cerca?",
        action="consent_rapid_response").pk
    ids["level"] = services.add_question(
        admin, effort, kind="scale", text_en="How engaged did they seem? (1-5)",
        text_es="¿Qué tan interesada parecía la persona? (1-5)", action="assessment").pk
    return ids


def load(org: Organization) -> None:
    if Effort.objects.exists():
        return
    admin = Membership.objects.filter(organization=org, role=Role.ADMIN) \
        .select_related("user", "organization").order_by("pk").first()
    canvasser = Membership.objects.filter(organization=org, role=Role.CANVASSER) \
        .select_related("user", "organization").order_by("pk").first()
    turfs = list(Turf.objects.active().order_by("pk")[:2])
    if admin is None or canvasser is None or len(turfs) < 2:
        return
    party = services.create_effort(
        admin, name="Block party outreach", name_es="Invitación a la fiesta de cuadra",
        purpose="Invite every household to the block party and hear what they want changed.",
        purpose_es="Invitar a cada hogar a la fiesta de cuadra y escuchar qué quieren cambiar.")
    network = services.create_effort(
        admin, name="Rapid-response network sign-up", needs_phone=True,
        name_es="Inscripción en la red de respuesta rápida",
        purpose="Sign neighbors up for alerts when immigration agents are seen nearby.",
        purpose_es="Inscribir a los vecinos para recibir alertas cuando se vean agentes de "
                   "inmigración cerca.")
    party_q = _script(admin, party, party=True)
    _script(admin, network, party=False)
    first = services.create_walk_list(admin, effort=party, turf=turfs[0],
                                      name=f"{turfs[0].name} · block party",
                                      canvassers=[canvasser])
    services.create_walk_list(admin, effort=network, turf=turfs[1],
                              name=f"{turfs[1].name} · rapid response", canvassers=[canvasser])
    _first_round(canvasser, first, party_q)


def _first_round(canvasser: Membership, walk_list: WalkList, q: dict[str, int]) -> None:
    """About 40 doors knocked on the first list, as the canvasser's phone would send
    them; a few not-home doors make the revisit list worth a click."""
    rng = random.Random(6)  # noqa: S311 (demo data, not secrets)
    entries = list(walk_list.entries.order_by("position")[:40])
    residents: dict[int, list[int]] = {}
    for r in Residence.objects.filter(household_id__in=[e.household_id for e in entries],
                                      ended_on__isnull=True):
        residents.setdefault(r.household_id, []).append(r.person_id)
    start = timezone.now() - timedelta(days=2, hours=3)
    visits = []
    for index, entry in enumerate(entries):
        outcome = rng.choice(OUTCOMES)
        visit = {"id": str(uuid.UUID(int=rng.getrandbits(128))), "walk_list": walk_list.pk,
                 "household": entry.household_id, "outcome": outcome, "language": "es",
                 "occurred_at": (start + timedelta(minutes=4 * index)).isoformat()}
        people_here = residents.get(entry.household_id, [])
        if outcome == "talked" and people_here:
            visit["person"] = rng.choice(people_here)
            visit["answers"] = {
                str(q["party"]): rng.choice(["yes", "yes", "no"]),
                str(q["consent"]): rng.choice(["yes", "no"]),
                str(q["time"]): rng.choice(["Mornings", "Evenings", "Weekends"]),
                str(q["level"]): str(rng.randint(1, 5)),
            }
            if rng.random() < 0.3:
                words, category = rng.choice([
                    ("The rent went up again", "rent"), ("Trash is not picked up", "trash"),
                    ("The new luxury complex is pushing people out", "development")])
                visit["answers"][str(q["issue"])] = words
                visit["answers"][f"{q['issue']}.category"] = category
        elif outcome == "talked":
            visit["new_person"] = {"given_name": rng.choice(["Yesenia", "Marcus", "Thu"]),
                                   "family_name": rng.choice(["Ortiz", "Reed", "Nguyen"]),
                                   "language": "es"}
        visits.append(visit)
    services.sync_visits(canvasser, {"visits": visits})
