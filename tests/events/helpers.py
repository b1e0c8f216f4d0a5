"""Shared builders for the events tests."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from groundswell.events import services
from groundswell.people.services.residents import Resident


def make_event(actor, *, days: float = 7, hours: float = 3, **fields):
    starts = timezone.now() + timedelta(days=days)
    values = {"kind": "block_party", "title_en": "Block party", "title_es": "Fiesta de cuadra",
              "starts_at": starts, "ends_at": starts + timedelta(hours=hours),
              "place_name": "Community center", "street": "2417 N Front St"}
    values.update(fields)
    return services.create_event(actor, **values)


def resident(**fields) -> Resident:
    values = {"given_name": "Rosa", "family_name": "Martínez", "phone": "215-555-0142"}
    values.update(fields)
    return Resident(**values)
