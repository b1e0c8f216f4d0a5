"""Undo of an import whose rows another area now relies on: a household the import
made that canvassing has put on a walk list (PROTECT) stays, with its building, and
everything else the import did is taken back; people the import added that a program
holds on to (PROTECT) stop the undo with a clear message and change nothing."""

from __future__ import annotations

import pytest

from groundswell.canvass import services as canvass
from groundswell.canvass.models import WalkListEntry
from groundswell.core.errors import DomainError
from groundswell.core.models import AuditEvent
from groundswell.imports import services
from groundswell.imports.models import ImportRow
from groundswell.people import services as people
from groundswell.people.models import Address, Household, Person, Residence
from groundswell.programs import services as programs
from tests.conftest import login
from tests.imports import test_wizard

pytestmark = pytest.mark.django_db


def _import(actor, django_capture_on_commit_callbacks):
    rows = [["Luz", "Mejía", "215-555-0150", "", "300 W Cumberland St", "2", "", "", ""],
            ["Pia", "Lund", "", "", "5 E Oxford St", "", "", "", ""]]
    return test_wizard.run(actor, test_wizard.csv_bytes(rows),
                           django_capture_on_commit_callbacks)


def test_undo_keeps_a_household_canvassing_uses_and_takes_back_the_rest(
        in_org, django_capture_on_commit_callbacks):
    actor = in_org.member("admin")
    people.create_person(actor, given_name="Ana", family_name="Torres", phone="215-555-0100")
    before = test_wizard.snapshot(in_org.org)
    batch = _import(actor, django_capture_on_commit_callbacks)
    luz = Person.objects.get(given_name="Luz")
    home = Residence.objects.get(person=luz).household
    effort = canvass.create_effort(actor, name="Cumberland doors")
    canvass.create_walk_list_for_people(actor, effort=effort, persons=[luz], name="Luz")
    assert WalkListEntry.objects.filter(household=home).exists()

    batch = services.undo_import(actor, batch)

    assert batch.status == "undone" and batch.households_kept == [home.pk]
    assert not Person.objects.filter(given_name__in=["Luz", "Pia"]).exists()
    assert Household.objects.filter(pk=home.pk).exists()  # the walk list still has it
    assert Address.objects.filter(pk=home.address_id).exists()
    assert not Address.objects.filter(street__icontains="OXFORD").exists()
    after = test_wizard.snapshot(in_org.org)
    kept = {"people.Household": [home.pk], "people.Address": [home.address_id]}
    for label, rows in after.items():
        extra = [r for r in rows if r["id"] in kept.get(label, [])]
        assert [r for r in rows if r not in extra] == before[label], label
    event = AuditEvent.objects.filter(code="imports.batch.undone").latest("seq")
    assert event.data["households_kept"] == 1


def test_undo_page_says_which_households_stay(client, in_org,
                                              django_capture_on_commit_callbacks):
    actor = in_org.member("admin")
    batch = _import(actor, django_capture_on_commit_callbacks)
    luz = Person.objects.get(given_name="Luz")
    effort = canvass.create_effort(actor, name="Cumberland doors")
    canvass.create_walk_list_for_people(actor, effort=effort, persons=[luz], name="Luz")
    login(client, actor)
    response = client.post(f"/o/front-street/imports/{batch.pk}/undo/", {"confirmed": "1"},
                           follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "1 household it added stays: canvassing uses it" in page
    batch.refresh_from_db()
    assert batch.status == "undone"


def test_undo_refused_when_a_program_holds_an_imported_person(
        in_org, django_capture_on_commit_callbacks):
    actor = in_org.member("admin")
    batch = _import(actor, django_capture_on_commit_callbacks)
    program = programs.save_program(actor, name="After school", staff=[actor])
    programs.enroll_child(actor, program, guardian=Person.objects.get(given_name="Luz"),
                          child=Person.objects.get(given_name="Pia"))
    imported = test_wizard.snapshot(in_org.org)
    with pytest.raises(DomainError, match="used elsewhere"):
        services.undo_import(actor, batch)
    assert test_wizard.snapshot(in_org.org) == imported  # nothing changed
    batch.refresh_from_db()
    assert batch.status == "done" and ImportRow.objects.filter(batch=batch).count() == 2
