"""No English on Spanish screens from the demo's content or the stock catalog (issue 17,
point 9): every text organizers type and residents read has a Spanish twin
(core.bilingual), the demo fills both, and Spanish pages show the Spanish one.

This is the part of the translation check that the catalog check
(scripts/check_messages.py) cannot see: content stored in the database."""

from __future__ import annotations

import io
import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import translation
from django_scopes import scope, scopes_disabled

from groundswell.canvass.models import Effort, WalkList
from groundswell.core.bilingual import in_language, language_pairs
from groundswell.core.models import Membership, Organization, Role
from groundswell.events.models import Event
from groundswell.programs.models import Distribution, Program
from groundswell.programs.services import DEFAULT_CATALOG
from tests.conftest import login

pytestmark = pytest.mark.django_db

# Texts residents never read: alerts and messages are sent to each person in their own
# language, with their own fallback rules (messaging.services.pick_body).
NOT_CONTENT = {"rapidresponse.Alert", "messaging.Broadcast", "messaging.OutboundMessage",
               "messaging.Template", "messaging.MessagingSettings"}


def content_models():
    for model in apps.get_models():
        if model._meta.label not in NOT_CONTENT and language_pairs(model):
            yield model


@pytest.fixture(autouse=True)
def _back_to_english():
    yield
    translation.deactivate()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The whole demo scenario, loaded once for this module's tests."""
    with django_db_blocker.unblock():
        call_command("demo", stdout=io.StringIO())
        yield
        call_command("flush", interactive=False, verbosity=0)


def test_the_stock_catalog_names_every_item_in_spanish():
    for name, name_es, _unit, _low in DEFAULT_CATALOG:
        assert name_es and name_es != name, name


def test_the_shared_rule_falls_back_to_the_other_language():
    assert in_language("es", "Bag", "Bolsa") == "Bolsa"
    assert in_language("es-mx", "Bag", "") == "Bag"
    assert in_language("en", "", "Bolsa") == "Bolsa"
    assert in_language(None, "Bag", "Bolsa") == "Bag"


def test_the_content_models_are_found_by_their_field_names():
    labels = {m._meta.label for m in content_models()}
    assert {"events.Event", "programs.Program", "programs.Item", "canvass.Effort",
            "canvass.Question"} <= labels


def english_values(org) -> dict[str, str]:
    """Each English text of the demo's content that differs from its Spanish twin, with
    where it comes from; fails for any text that has no Spanish at all."""
    found, missing = {}, []
    with scopes_disabled():
        for model in content_models():
            for english, spanish in language_pairs(model):
                for row in model.objects.filter(organization=org).values("pk", english, spanish):
                    if row[english] and not row[spanish]:
                        missing.append(f"{model._meta.label}#{row['pk']}.{spanish}")
                    elif row[english] and row[english] != row[spanish]:
                        found[row[english]] = f"{model._meta.label}.{english}"
    assert not missing, f"demo content without Spanish: {missing}"
    return found


def spanish_member(client, org, role):
    with scopes_disabled():
        membership = Membership.objects.filter(organization=org, role=role).first()
    membership.user.language = "es"
    membership.user.save(update_fields=["language"])
    return login(client, membership)


def test_demo_content_is_in_both_languages_and_spanish_pages_show_no_english(demo, client):
    org = Organization.objects.get(slug="front-street")
    english = english_values(org)
    assert "Diapers size 4" in english and "Block party outreach" in english
    with scope(organization=org):
        program, effort = Program.objects.first(), Effort.objects.first()
        walk_list = WalkList.objects.filter(canvassers__role=Role.CANVASSER).first()
        served = Distribution.objects.filter(services__isnull=False).first()
        event = Event.objects.filter(description_es__gt="").first()
    base = f"/o/{org.slug}"
    pages = {
        Role.ORGANIZER: [f"{base}/programs/", f"{base}/programs/{program.pk}/",
                         f"{base}/programs/stock/", f"{base}/programs/distributions/",
                         f"{base}/programs/distributions/{served.pk}/",
                         f"{base}/canvass/", f"{base}/canvass/efforts/{effort.pk}/",
                         f"{base}/events/", f"{base}/events/{event.pk}/"],
        Role.CANVASSER: [f"{base}/canvass/mine/", f"{base}/canvass/lists/{walk_list.pk}/app/"],
        None: [f"/e/{event.public_id}/"],
    }
    for role, urls in pages.items():
        client.logout()
        if role is None:  # the public pages, for a visitor whose browser asks for Spanish
            client.cookies.clear()
        else:
            spanish_member(client, org, role)
        for url in urls:
            response = client.get(url, HTTP_ACCEPT_LANGUAGE="es")
            assert response.status_code == 200, (url, response.status_code)
            # A bilingual editor may show the other language too, marked as English.
            html = re.sub(r'lang="en"[^>]*>[^<]*<', "", response.content.decode())
            shown = [f"{text!r} ({where})" for text, where in english.items() if text in html]
            assert not shown, f"{url} shows English content in Spanish: {shown}"
