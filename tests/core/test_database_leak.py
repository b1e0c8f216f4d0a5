"""The README's "What a stolen database reveals" holds: with every area filled (one
family in every field of every area, as in the erasure test), a raw read of every
column of every table (no keys) contains none of the values we seal, in any area: the
words of door answers and notes, roles in the rapid-response network, children's
details and contacts, reasons beside ratings, texts, reports... and a subscriber's home
point is only the centre of its block-level cell."""

from __future__ import annotations

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from groundswell.core.crypto import PREFIX, encrypted_fields
from groundswell.messaging.testing import sms_gateway  # noqa: F401
from groundswell.rapidresponse.models import Subscriber
from groundswell.rapidresponse.targeting import BLOCK_DEGREES, block_point
from tests.core.test_encryption_at_rest import dump_database
from tests.people.test_forget_everywhere import TOKEN, family, var  # noqa: F401

pytestmark = pytest.mark.django_db

# Sealed values shorter than this (a language code, "yes") occur anywhere by chance.
SHORTEST = 6


def leaves(value: object) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in leaves(item)]
    if isinstance(value, list):
        return [text for item in value for text in leaves(item)]
    return [] if value is None else [str(value)]


def plaintext_cells() -> set[str]:
    """Every raw cell of the database, whole: a sealed value equal to one of them is a
    copy of text that is plaintext by design (an event's title as the summary of an
    attendance on a timeline), not a leak."""
    qn = connection.ops.quote_name
    cells = set()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {qn(table)}")  # noqa: S608
            cells |= {str(v).strip().lower() for row in cursor.fetchall() for v in row
                      if isinstance(v, str)}
    return cells


def sealed_values() -> dict[str, set[str]]:
    """Every sealed column's plaintexts (JSON read down to its leaves), by column."""
    found: dict[str, set[str]] = {}
    with scopes_disabled():
        for model, field in encrypted_fields():
            for value in model._base_manager.values_list(field.name, flat=True):
                for text in leaves(value):
                    if len(text.strip()) >= SHORTEST:
                        found.setdefault(field.context, set()).add(text.strip().lower())
    return found


@pytest.mark.usefixtures("family")
def test_no_sealed_value_is_readable_in_a_raw_dump():
    sealed = sealed_values()
    # The family really is in the sealed columns this test is about.
    for column in ("canvass.doorvisit.answers", "canvass.doorvisit.notes",
                   "rapidresponse.subscriber.role", "programs.enrollment.allergies",
                   "programs.childcontact.name", "people.assessment.reason",
                   "messaging.inboundmessage.body", "rapidresponse.report.what"):
        assert sealed.get(column), column
    assert any(TOKEN.lower() in text for text in sealed["canvass.doorvisit.answers"])
    assert "legal_observer" in sealed["rapidresponse.subscriber.role"]
    dump = dump_database().lower()
    assert TOKEN.lower() in dump  # names are plaintext by design: the dump is real
    by_design = plaintext_cells()
    leaked = {column: sorted(text for text in texts if text in dump and text not in by_design)
              for column, texts in sealed.items()}
    assert {column: texts for column, texts in leaked.items() if texts} == {}


@pytest.mark.usefixtures("family")
def test_sealed_columns_hold_only_ciphertext():
    """Read raw, the door answers and subscriber roles are tokens (no JSON, no role
    name), and no role name is anywhere in the subscriber table."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM canvass_doorvisit")
        answers = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT * FROM rapidresponse_subscriber")
        subscribers = " ".join(str(v) for row in cursor.fetchall() for v in row).lower()
    assert answers and all(value.startswith(f"{PREFIX}:") for value in answers)
    for role in ("responder", "legal_observer", "neighbor", "dispatcher"):
        assert role not in subscribers


@pytest.mark.usefixtures("family")
def test_a_subscribers_home_is_only_its_block():
    with scopes_disabled():
        points = list(Subscriber.objects.values_list("latitude", "longitude"))
    assert points
    for lat, lon in points:
        assert (lat, lon) == block_point(lat, lon)
        # A cell centre: half a cell from the grid lines on both axes.
        assert abs((lat / BLOCK_DEGREES) % 1 - 0.5) < 1e-6
        assert abs((lon / BLOCK_DEGREES) % 1 - 0.5) < 1e-6
