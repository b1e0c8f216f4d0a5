"""The people screens through HTTP (issue 4, "Screens"): the list with its search,
filters, saved lists and bulk tag; the person page and its small forms; the household
page; quick-add with the duplicate warning; and revealing a phone number. Each screen
for each role, bad input (nothing changes, no 500), another organization's ids, and no
name or phone number in any URL the screens generate."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation
from django_scopes import scope, scopes_disabled

from groundswell.core.errors import InvalidInput
from groundswell.core.models import AuditEvent, Role
from groundswell.people import services
from groundswell.people.models import (
    Assessment,
    Consent,
    Grievance,
    Interaction,
    Person,
    Relationship,
    Residence,
    SavedList,
    Tag,
)
from tests.conftest import login
from tests.factories import BaseFactory, make_member

pytestmark = pytest.mark.django_db

ORG = "/o/front-street"
PEOPLE = f"{ORG}/people/"
VIEWERS = ("admin", "organizer", "dispatcher", "program_staff")
EDITORS = ("admin", "organizer")


@pytest.fixture(autouse=True)
def _back_to_english():
    yield
    translation.deactivate()


def client_as(personas, role: str) -> Client:
    return login(Client(raise_request_exception=False), personas.member(role))


def organizer(personas):
    return personas.member("organizer")


def add(personas, **fields) -> Person:
    with scope(organization=personas.org):
        return services.create_person(organizer(personas), **fields)


@pytest.fixture
def jose(personas) -> Person:
    return add(personas, given_name="José", family_name="Rodríguez", phone="(215) 555-0134",
               street="2417 N Front St", unit="2nd floor rear", language="es",
               tags=["block party"])


@pytest.fixture
def ana(personas) -> Person:
    return add(personas, given_name="Ana", family_name="Torres", street="100 W Somerset St")


def audit_codes() -> list[str]:
    with scopes_disabled():
        return list(AuditEvent.objects.order_by("seq").values_list("code", flat=True))


def urls_in(html: str) -> list[str]:
    return re.findall(r'(?:href|action|hx-post|hx-get|src)="([^"]*)"', html)


def assert_no_personal_data_in_urls(html: str, *secrets: str) -> None:
    for url in urls_in(html):
        lowered = url.lower()
        for secret in secrets:
            assert secret.lower() not in lowered, f"{secret!r} appears in the URL {url!r}"


# --- who may open what ------------------------------------------------------------------------


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_each_role_on_each_screen(personas, jose, role):
    with scope(organization=personas.org):
        contact = jose.contacts.get(kind="phone")
        household = services.current_residence(jose).household
    client = client_as(personas, role)
    viewer = role in VIEWERS
    for url in (PEOPLE, f"{PEOPLE}{jose.pk}/", f"{PEOPLE}households/{household.pk}/"):
        assert client.get(url).status_code == (200 if viewer else 403), (role, url)
    assert client.get(f"{PEOPLE}new/").status_code == (200 if role in EDITORS else 403)
    reveal = client.post(f"{PEOPLE}contacts/{contact.pk}/reveal/", HTTP_HX_REQUEST="true")
    may_reveal = role in ("admin", "organizer", "dispatcher")
    assert reveal.status_code == (200 if may_reveal else 403)
    note = client.post(f"{PEOPLE}{jose.pk}/note/", {"summary": "Came to the meeting"})
    assert note.status_code == (302 if role in EDITORS else 403)


def test_canvasser_gets_403_on_every_people_screen(personas, jose):
    client = client_as(personas, "canvasser")
    with scope(organization=personas.org):
        contact = jose.contacts.get()
    for url in (PEOPLE, f"{PEOPLE}new/", f"{PEOPLE}{jose.pk}/"):
        assert client.get(url).status_code == 403
    for url in (f"{PEOPLE}tag/", f"{PEOPLE}lists/save/", f"{PEOPLE}new/check/",
                f"{PEOPLE}{jose.pk}/edit/", f"{PEOPLE}contacts/{contact.pk}/reveal/"):
        assert client.post(url, {"people": [jose.pk], "tag": "x", "name": "x"}
                           ).status_code == 403
    with scope(organization=personas.org):
        assert not Tag.objects.filter(name="x").exists()


def test_another_organizations_person_household_and_contact_are_404(personas, jose):
    with scope(organization=personas.other_org):
        theirs = services.create_person(personas.outsider, given_name="Luz",
                                        phone="2155550199", street="9 Elm St")
        contact = theirs.contacts.get()
        household = services.current_residence(theirs).household
    client = client_as(personas, "admin")
    assert client.get(f"{PEOPLE}{theirs.pk}/").status_code == 404
    assert client.get(f"{PEOPLE}households/{household.pk}/").status_code == 404
    assert client.post(f"{PEOPLE}contacts/{contact.pk}/reveal/").status_code == 404
    assert client.post(f"{PEOPLE}{theirs.pk}/note/", {"summary": "x"}).status_code == 404
    # Nor can their person be chosen as the other side of a relationship, or tagged.
    response = client.post(f"{PEOPLE}{jose.pk}/relationship/",
                           {"kind": "partner", "other": theirs.pk})
    assert response.status_code == 400
    client.post(f"{PEOPLE}tag/", {"people": [jose.pk, theirs.pk], "tag": "leak"})
    with scopes_disabled():
        assert not Relationship.objects.exists()
        assert not Tag.objects.filter(name="leak").exists()
        assert "people.contact.revealed" not in audit_codes()


def test_member_limited_to_a_base_sees_only_its_people(personas):
    other_base = BaseFactory(organization=personas.org, name="South")
    limited = make_member(personas.org, Role.ORGANIZER, mfa=True)
    limited.bases.add(personas.base)
    inside = add(personas, given_name="Inés", base=personas.base, street="1 N Front St")
    unplaced = add(personas, given_name="Una")
    outside = add(personas, given_name="Omar", base=other_base, street="5 S Front St")
    with scope(organization=personas.org):
        outside_home = services.current_residence(outside).household
        outside_home.address.base = other_base
        outside_home.address.save()
    client = login(Client(), limited)
    html = client.get(PEOPLE).content.decode()
    assert "Inés" in html and "Una" in html and "Omar" not in html
    assert client.get(f"{PEOPLE}{inside.pk}/").status_code == 200
    assert client.get(f"{PEOPLE}{unplaced.pk}/").status_code == 200
    assert client.get(f"{PEOPLE}{outside.pk}/").status_code == 404
    assert client.get(f"{PEOPLE}households/{outside_home.pk}/").status_code == 404
    response = client.post(f"{PEOPLE}new/check/", {"given_name": "Omar"})
    assert "Omar" not in response.content.decode()


# --- the list ---------------------------------------------------------------------------------


def test_list_rows_show_household_stage_and_tags(personas, jose):
    html = client_as(personas, "organizer").get(PEOPLE).content.decode()
    assert "José Rodríguez" in html
    assert "2417 N FRONT ST, FL 2 REAR" in html
    assert "Contact" in html and "block party" in html
    assert "set by an organizer" not in html
    with scope(organization=personas.org):
        services.set_stage(organizer(personas), jose,
                           services.ensure_default_stages(personas.org)[3])
    html = client_as(personas, "organizer").get(PEOPLE).content.decode()
    assert "Active" in html and "set by an organizer" in html


def test_empty_list_says_so(personas):
    html = client_as(personas, "organizer").get(PEOPLE).content.decode()
    assert "No people yet" in html and "Add the first person" in html


def test_search_is_posted_remembered_and_never_in_the_url(personas, jose, ana):
    client = client_as(personas, "organizer")
    response = client.post(PEOPLE, {"q": "jose rodriguez"})
    assert response.status_code == 302 and response["Location"] == PEOPLE
    html = client.get(PEOPLE).content.decode()
    assert "José Rodríguez" in html and "Ana Torres" not in html
    assert 'value="jose rodriguez"' in html
    assert_no_personal_data_in_urls(html, "jose", "rodr", "torres", "0134")
    # Cleared by posting an empty search.
    client.post(PEOPLE, {"q": ""})
    assert "Ana Torres" in client.get(PEOPLE).content.decode()


def test_search_keeps_the_filters_it_was_made_under(personas, jose):
    with scope(organization=personas.org):
        tag = Tag.objects.get(name="block party")
    client = client_as(personas, "organizer")
    response = client.post(f"{PEOPLE}?tag={tag.pk}&page=2", {"q": "José"})
    assert response["Location"] == f"{PEOPLE}?tag={tag.pk}"


def test_search_by_last_four_digits_of_a_phone(personas, jose, ana):
    client = client_as(personas, "organizer")
    client.post(PEOPLE, {"q": "0134"})
    html = client.get(PEOPLE).content.decode()
    assert "José Rodríguez" in html and "Ana Torres" not in html


def test_filters(personas, jose, ana):
    org = personas.org
    with scope(organization=org):
        tag = Tag.objects.get(name="block party")
        stages = services.ensure_default_stages(org)
        services.update_person(organizer(personas), ana, base=personas.base)
        services.record_consent(organizer(personas), jose, channel="sms",
                                purpose="rapid_response", source="door")
        services.record_interaction(organizer(personas), ana, kind="note", summary="hi",
                                    occurred_at=timezone.now() - timedelta(days=40))
    client = client_as(personas, "organizer")
    today = timezone.localdate()
    cases = {
        f"tag={tag.pk}": {"José"},
        f"stage={stages[0].pk}": {"José", "Ana"},
        f"stage={stages[1].pk}": set(),
        "language=es": {"José"},
        f"base={personas.base.pk}": {"Ana"},
        "consent=rapid_response": {"José"},
        "consent=events": set(),
        "has_phone=yes": {"José"},
        "has_phone=no": {"Ana"},
        f"contacted_after={today - timedelta(days=60)}": {"Ana"},
        f"contacted_after={today - timedelta(days=10)}": set(),
        f"contacted_before={today - timedelta(days=10)}": {"José", "Ana"},
        f"contacted_before={today - timedelta(days=60)}": {"José"},  # never contacted
    }
    for query, expected in cases.items():
        response = client.get(f"{PEOPLE}?{query}")
        assert response.status_code == 200, query
        html = response.content.decode()
        shown = {name for name in ("José", "Ana") if f">{name} " in html}
        assert shown == expected, query


@pytest.mark.parametrize("query", [
    "tag=abc", "tag=99999999999999999999999", "tag=-1", "stage=1.5", "language=klingon",
    "base=0", "consent=everything", "has_phone=maybe", "contacted_after=yesterday",
    "contacted_before=2024-02-30", "contacted_after=99999-01-01",
    "contacted_after=2025-05-01&contacted_before=2025-01-01", "tag=" + "9" * 5000,
])
def test_bad_filter_values_are_a_form_error_not_a_500(personas, jose, query):
    response = client_as(personas, "organizer").get(f"{PEOPLE}?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Some filters are not valid" in html and "José" not in html


def test_bad_page_numbers_are_harmless(personas, jose):
    client = client_as(personas, "organizer")
    for page in ("zzz", "-1", "99999999999999999999"):
        assert client.get(f"{PEOPLE}?page={page}").status_code == 200


def test_list_is_paginated_by_fifty(personas):
    with scope(organization=personas.org):
        for n in range(55):
            services.create_person(organizer(personas), given_name=f"Person{n:02d}")
    client = client_as(personas, "organizer")
    first = client.get(PEOPLE).content.decode()
    second = client.get(f"{PEOPLE}?page=2").content.decode()
    assert first.count('class="person-name"') == 50 and "Page 1 of 2" in first
    assert second.count('class="person-name"') == 5
    assert "55 people" in first


def test_bulk_tag(personas, jose, ana):
    client = client_as(personas, "organizer")
    response = client.post(f"{PEOPLE}tag/", {"people": [jose.pk, ana.pk], "tag": " tenants ",
                                             "next": f"{PEOPLE}?has_phone=yes"})
    assert response.status_code == 302 and response["Location"] == f"{PEOPLE}?has_phone=yes"
    with scope(organization=personas.org):
        tag = Tag.objects.get(name="tenants")
        assert set(tag.people.values_list("pk", flat=True)) == {jose.pk, ana.pk}
    assert audit_codes().count("people.person.tagged") == 1


@pytest.mark.parametrize("data", [
    {"tag": "tenants"},  # nobody ticked
    {"people": ["abc"], "tag": "tenants"},
    {"people": ["99999999999999999"], "tag": "tenants"},
    {"people": ["PERSON"], "tag": ""},
    {"people": ["PERSON"], "tag": "x" * 61},
    {"people": ["PERSON", "987654"], "tag": "tenants"},  # one of them does not exist
])
def test_bulk_tag_bad_input_tags_nobody(personas, jose, data):
    data = {k: [str(jose.pk) if v == "PERSON" else v for v in vs] if isinstance(vs, list)
            else vs for k, vs in data.items()}
    client = client_as(personas, "organizer")
    response = client.post(f"{PEOPLE}tag/", {**data, "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == PEOPLE
    assert client.get(PEOPLE).status_code == 200
    with scope(organization=personas.org):
        assert list(jose.tags.values_list("name", flat=True)) == ["block party"]
    assert "people.person.tagged" not in audit_codes()


def test_dispatcher_cannot_bulk_tag(personas, jose):
    response = client_as(personas, "dispatcher").post(
        f"{PEOPLE}tag/", {"people": [jose.pk], "tag": "x"})
    assert response.status_code == 403


# --- saved lists ----------------------------------------------------------------------------------


def test_save_a_list_keeps_filters_not_the_search(personas, jose, ana):
    client = client_as(personas, "organizer")
    client.post(PEOPLE, {"q": "Rodríguez"})
    page = client.get(f"{PEOPLE}?has_phone=yes&language=es").content.decode()
    assert "Save these filters as a list" in page
    response = client.post(f"{PEOPLE}lists/save/", {
        "name": "Spanish speakers with phones", "has_phone": "yes", "language": "es",
        "q": "Rodríguez", "next": f"{PEOPLE}?has_phone=yes&language=es"})
    with scope(organization=personas.org):
        saved = SavedList.objects.get()
    assert saved.filters == {"has_phone": "yes", "language": "es"}
    assert response["Location"] == f"{PEOPLE}lists/{saved.pk}/"
    html = client.get(f"{PEOPLE}lists/{saved.pk}/").content.decode()
    assert "Spanish speakers with phones" in html and "José Rodríguez" in html
    assert "Ana Torres" not in html
    # Listed on the people page; saving again under the name replaces the filters.
    assert f"{PEOPLE}lists/{saved.pk}/" in client.get(PEOPLE).content.decode()
    client.post(f"{PEOPLE}lists/save/", {"name": "Spanish speakers with phones",
                                         "has_phone": "no"})
    with scope(organization=personas.org):
        assert SavedList.objects.get().filters == {"has_phone": "no"}
    assert audit_codes().count("people.list.saved") == 2


@pytest.mark.parametrize("data", [
    {"name": "No filters"},
    {"name": "", "has_phone": "yes"},
    {"name": "x" * 101, "has_phone": "yes"},
    {"name": "Bad filter", "tag": "abc"},
    {"name": "Bad filter", "has_phone": "maybe"},
])
def test_saving_a_list_with_bad_input_saves_nothing(personas, data):
    client = client_as(personas, "organizer")
    response = client.post(f"{PEOPLE}lists/save/", data)
    assert response.status_code == 302
    with scope(organization=personas.org):
        assert not SavedList.objects.exists()
    assert "people.list.saved" not in audit_codes()


def test_saved_list_with_a_deleted_tag_shows_a_form_error(personas, jose):
    with scope(organization=personas.org):
        tag = Tag.objects.get()
        saved = services.save_list(organizer(personas), name="Party",
                                   filters={"tag": str(tag.pk)})
        tag.delete()
    response = client_as(personas, "program_staff").get(f"{PEOPLE}lists/{saved.pk}/")
    assert response.status_code == 400


def test_save_list_service_refuses_unknown_filters(personas):
    with scope(organization=personas.org), pytest.raises(InvalidInput):
        services.save_list(organizer(personas), name="Names", filters={"q": "José"})


# --- the person page ----------------------------------------------------------------------------


def test_person_page_shows_the_whole_record_with_the_phone_masked(personas, jose, ana):
    org = personas.org
    with scope(organization=org):
        services.record_consent(organizer(personas), jose, channel="sms",
                                purpose="rapid_response", source="door",
                                wording="¿Le podemos avisar por texto?")
        services.record_consent(organizer(personas), jose, channel="email",
                                purpose="events", source="event")
        services.withdraw_consent(organizer(personas), jose, channel="email")
        services.record_grievance(organizer(personas), jose, category="rent",
                                  text="The rent went up twice this year")
        services.add_relationship(organizer(personas), jose, ana, "guardian_of")
        services.add_contact(organizer(personas), jose, kind="email", value="jose@example.org")
        services.record_interaction(organizer(personas), jose, kind="note", summary="First",
                                    occurred_at=timezone.now() - timedelta(days=2))
        services.record_interaction(organizer(personas), jose, kind="note", summary="Second")
        services.rate_engagement(organizer(personas), jose, level=4, reason="Brings people")
    html = client_as(personas, "organizer").get(f"{PEOPLE}{jose.pk}/").content.decode()
    assert "José Rodríguez" in html and "Spanish" in html
    assert "computed from activity" in html
    assert "4 / 5" in html and "Suggested from activity" in html
    assert "2417 N FRONT ST, FL 2 REAR" in html
    assert "is a guardian of" in html and "Ana Torres" in html
    assert "Rapid-response alerts" in html and "At the door" in html
    assert "¿Le podemos avisar por texto?" in html and "withdrawn" in html
    assert "The rent went up twice this year" in html
    assert "block party" in html
    assert "••• ••• 0134" in html and "555-0134" not in html and "5550134" not in html
    assert "Show number" in html
    assert html.index("Second") < html.index("First")  # newest first
    # The other side of the relationship sees it too.
    other = client_as(personas, "organizer").get(f"{PEOPLE}{ana.pk}/").content.decode()
    assert "José Rodríguez" in other and "is a guardian of" in other


def test_program_staff_sees_no_reveal_button_no_forms_and_a_masked_email(personas, jose):
    with scope(organization=personas.org):
        services.add_contact(organizer(personas), jose, kind="email", value="jose@example.org")
    html = client_as(personas, "program_staff").get(f"{PEOPLE}{jose.pk}/").content.decode()
    assert "••• ••• 0134" in html and "Show number" not in html
    assert "jose@example.org" not in html and "j•••@example.org" in html
    assert "Add a note" not in html and "/note/" not in html


def test_timeline_is_paginated(personas, jose):
    with scope(organization=personas.org):
        for n in range(25):
            services.record_interaction(organizer(personas), jose, kind="note",
                                        summary=f"entry-{n:02d}",
                                        occurred_at=timezone.now() - timedelta(hours=n))
    client = client_as(personas, "organizer")
    first = client.get(f"{PEOPLE}{jose.pk}/").content.decode()
    second = client.get(f"{PEOPLE}{jose.pk}/?page=2").content.decode()
    assert "entry-00" in first and "entry-19" in first and "entry-20" not in first
    assert "entry-24" in second and "entry-00" not in second


def test_stage_says_set_by_an_organizer_and_shows_the_computed_one(personas, jose):
    with scope(organization=personas.org):
        stages = services.ensure_default_stages(personas.org)
    client = client_as(personas, "organizer")
    response = client.post(f"{PEOPLE}{jose.pk}/stage/", {"stage": stages[4].pk})
    assert response.status_code == 302
    html = client.get(f"{PEOPLE}{jose.pk}/").content.decode()
    assert "set by an organizer" in html and "Leader" in html
    assert "Their activity alone would put them at “Contact”" in html
    client.post(f"{PEOPLE}{jose.pk}/stage/", {"stage": ""})
    jose.refresh_from_db()
    assert jose.stage_id is None
    assert "computed from activity" in client.get(f"{PEOPLE}{jose.pk}/").content.decode()


def test_merged_person_link_leads_to_the_kept_record(personas, jose, ana):
    with scopes_disabled():
        Person.objects.filter(pk=ana.pk).update(merged_into=jose)
    response = client_as(personas, "organizer").get(f"{PEOPLE}{ana.pk}/")
    assert response.status_code == 302 and response["Location"] == f"{PEOPLE}{jose.pk}/"


def test_person_page_refuses_post(personas, jose):
    assert client_as(personas, "organizer").post(f"{PEOPLE}{jose.pk}/").status_code == 405


# --- revealing a phone number ------------------------------------------------------------------


def test_reveal_swaps_in_the_number_and_is_audited(personas, jose):
    with scope(organization=personas.org):
        contact = jose.contacts.get()
    client = client_as(personas, "dispatcher")
    response = client.post(f"{PEOPLE}contacts/{contact.pk}/reveal/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "(215) 555-0134" in html and 'href="tel:+12155550134"' in html
    assert "<html" not in html  # a fragment for htmx to swap in
    assert "no-store" in response["Cache-Control"]
    with scopes_disabled():
        event = AuditEvent.objects.get(code="people.contact.revealed")
    assert event.actor_id == personas.member("dispatcher").user_id
    assert event.object_id == str(contact.pk) and event.data == {"person": jose.pk}


def test_reveal_without_htmx_shows_the_page_with_the_number(personas, jose):
    with scope(organization=personas.org):
        contact = jose.contacts.get()
    response = client_as(personas, "organizer").post(f"{PEOPLE}contacts/{contact.pk}/reveal/")
    html = response.content.decode()
    assert response.status_code == 200 and "(215) 555-0134" in html and "<html" in html
    assert audit_codes().count("people.contact.revealed") == 1


def test_reveal_refused_for_program_staff_and_for_get_and_for_emails(personas, jose):
    with scope(organization=personas.org):
        phone = jose.contacts.get()
        email = services.add_contact(organizer(personas), jose, kind="email",
                                     value="jose@example.org")
    assert client_as(personas, "program_staff").post(
        f"{PEOPLE}contacts/{phone.pk}/reveal/").status_code == 403
    assert client_as(personas, "dispatcher").get(
        f"{PEOPLE}contacts/{phone.pk}/reveal/").status_code == 405
    assert client_as(personas, "dispatcher").post(
        f"{PEOPLE}contacts/{email.pk}/reveal/").status_code == 404
    assert "people.contact.revealed" not in audit_codes()


# --- the small forms ------------------------------------------------------------------------------


def post(personas, url, data, role="organizer"):
    return client_as(personas, role).post(url, data)


def test_add_note(personas, jose):
    response = post(personas, f"{PEOPLE}{jose.pk}/note/", {"summary": "Wants to help"})
    assert response.status_code == 302 and response["Location"] == f"{PEOPLE}{jose.pk}/#note"
    with scope(organization=personas.org):
        note = Interaction.objects.get(person=jose)
    assert note.kind == "note" and note.summary == "Wants to help"


@pytest.mark.parametrize("summary", ["", "x" * 10001])
def test_bad_note_changes_nothing(personas, jose, summary):
    response = post(personas, f"{PEOPLE}{jose.pk}/note/", {"summary": summary})
    assert response.status_code == 400
    assert 'id="note" open' in response.content.decode()
    with scope(organization=personas.org):
        assert not Interaction.objects.exists()


def test_add_contact_and_refuse_an_invalid_phone(personas, jose):
    url = f"{PEOPLE}{jose.pk}/contact/"
    response = post(personas, url, {"kind": "phone", "value": "555-01"})
    assert response.status_code == 400
    assert "That is not a phone number we can text or call" in response.content.decode()
    response = post(personas, url, {"kind": "phone", "value": "(215) 555-0134"})
    assert response.status_code == 400 and "They already have that contact" in \
        response.content.decode()
    response = post(personas, url, {"kind": "fax", "value": "2155550100"})
    assert response.status_code == 400
    response = post(personas, url, {"kind": "phone", "value": "1" * 300})
    assert response.status_code == 400
    with scope(organization=personas.org):
        assert jose.contacts.count() == 1
    assert post(personas, url, {"kind": "phone", "value": "267 555 0188",
                                "sms_capable": "on"}).status_code == 302
    with scope(organization=personas.org):
        assert jose.contacts.filter(kind="phone").count() == 2


def test_record_and_withdraw_consent(personas, jose):
    url = f"{PEOPLE}{jose.pk}/consent/"
    assert post(personas, url, {"channel": "sms", "purpose": "events", "source": "everywhere",
                                "wording": "ok"}).status_code == 400
    assert post(personas, url, {"channel": "sms", "purpose": "events", "source": "door",
                                "wording": "¿Le avisamos de eventos?"}).status_code == 302
    with scope(organization=personas.org):
        consent = Consent.objects.get()
    assert consent.source == "door" and consent.wording == "¿Le avisamos de eventos?"
    withdraw = f"{PEOPLE}{jose.pk}/consent/withdraw/"
    assert post(personas, withdraw, {"channel": "sms", "purpose": "events"}).status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    again = post(personas, withdraw, {"channel": "sms", "purpose": "events"})
    assert again.status_code == 400 and "already been withdrawn" in again.content.decode()
    assert post(personas, withdraw, {"channel": "pigeon", "purpose": "events"}
                ).status_code == 400


def test_record_grievance(personas, jose):
    url = f"{PEOPLE}{jose.pk}/grievance/"
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert post(personas, url, {"category": "aliens"}).status_code == 400
    assert post(personas, url, {"category": "rent", "raised_on": tomorrow}).status_code == 400
    assert post(personas, url, {"category": "rent", "text": "x" * 5001}).status_code == 400
    with scope(organization=personas.org):
        assert not Grievance.objects.exists()
    assert post(personas, url, {"category": "rent", "text": "Rent doubled"}).status_code == 302
    with scope(organization=personas.org):
        assert Grievance.objects.get().text == "Rent doubled"


def test_add_relationship_by_searching_for_the_other_person(personas, jose, ana):
    client = client_as(personas, "organizer")
    search = client.post(f"{PEOPLE}{jose.pk}/relationship/search/", {"q": "torres"},
                         HTTP_HX_REQUEST="true")
    html = search.content.decode()
    assert search.status_code == 200 and "<html" not in html
    assert f'name="other" value="{ana.pk}"' in html and "José" not in html
    # Without htmx the person page comes back with the choices in it.
    page = client.post(f"{PEOPLE}{jose.pk}/relationship/search/", {"q": "torres"})
    assert page.status_code == 200 and f'name="other" value="{ana.pk}"' in \
        page.content.decode()
    assert client.post(f"{PEOPLE}{jose.pk}/relationship/",
                       {"kind": "partner", "other": ana.pk}).status_code == 302
    with scope(organization=personas.org):
        assert Relationship.objects.get().other == ana


@pytest.mark.parametrize("data", [
    {"kind": "partner"},
    {"kind": "partner", "other": "SELF"},
    {"kind": "enemy_of", "other": "OTHER"},
    {"kind": "partner", "other": "abc"},
    {"kind": "partner", "other": "99999999999999999999"},
])
def test_bad_relationship_changes_nothing(personas, jose, ana, data):
    data = {k: {"SELF": jose.pk, "OTHER": ana.pk}.get(v, v) for k, v in data.items()}
    assert post(personas, f"{PEOPLE}{jose.pk}/relationship/", data).status_code == 400
    with scope(organization=personas.org):
        assert not Relationship.objects.exists()


def test_move_keeps_the_old_address_in_history(personas, jose):
    url = f"{PEOPLE}{jose.pk}/move/"
    bad = post(personas, url, {"street": "somewhere near the park"})
    assert bad.status_code == 400
    assert "We could not read that street address" in bad.content.decode()
    assert post(personas, url, {"street": "2417 North Front Street", "unit": "2nd floor rear"}
                ).status_code == 400  # they already live there
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert post(personas, url, {"street": "1 Main St", "moved_on": tomorrow}
                ).status_code == 400
    with scope(organization=personas.org):
        assert Residence.objects.filter(person=jose).count() == 1
    response = post(personas, url, {"street": "200 E Cumberland St", "unit": "Apt 3",
                                    "city": "Philadelphia", "state": "PA",
                                    "postal_code": "19125"})
    assert response.status_code == 302
    with scope(organization=personas.org):
        residences = list(jose.residences.order_by("pk"))
    assert len(residences) == 2 and residences[0].ended_on == timezone.localdate()
    assert residences[1].household.unit == "APT 3"
    html = client_as(personas, "organizer").get(f"{PEOPLE}{jose.pk}/").content.decode()
    assert "200 E CUMBERLAND ST, APT 3" in html and "Lived before at" in html


def test_move_with_an_unparseable_address_changes_nothing(personas, jose):
    for street in ("", "the blue house", "x" * 201):
        assert post(personas, f"{PEOPLE}{jose.pk}/move/", {"street": street}
                    ).status_code == 400
    with scope(organization=personas.org):
        assert jose.residences.count() == 1
    assert "people.person.moved" not in audit_codes()


def test_rate_engagement(personas, jose):
    url = f"{PEOPLE}{jose.pk}/rate/"
    for level in ("0", "6", "three", ""):
        assert post(personas, url, {"level": level}).status_code == 400
    assert post(personas, url, {"level": "3", "reason": "x" * 201}).status_code == 400
    assert post(personas, url, {"level": "3", "reason": "Came twice"}).status_code == 302
    with scope(organization=personas.org):
        assessment = Assessment.objects.get()
    assert assessment.level == 3 and not assessment.computed


def test_edit_names_language_and_base(personas, jose):
    url = f"{PEOPLE}{jose.pk}/edit/"
    other_org_base = personas.other_base
    for data in ({"given_name": "   "}, {"given_name": "J" * 101},
                 {"given_name": "Pepe", "language": "xx"},
                 {"given_name": "Pepe", "base": other_org_base.pk}):
        assert post(personas, url, data).status_code == 400, data
    jose.refresh_from_db()
    assert jose.given_name == "José"
    assert post(personas, url, {"given_name": "José", "family_name": "Rodríguez",
                                "preferred_name": "Pepe", "language": "en",
                                "base": personas.base.pk}).status_code == 302
    jose.refresh_from_db()
    assert (jose.preferred_name, jose.language, jose.base_id) == ("Pepe", "en",
                                                                 personas.base.pk)
    assert "people.person.updated" in audit_codes()


def test_small_forms_are_refused_to_viewers(personas, jose):
    for url in ("note/", "contact/", "consent/", "grievance/", "move/", "stage/", "rate/",
                "edit/", "relationship/", "relationship/search/", "consent/withdraw/"):
        assert post(personas, f"{PEOPLE}{jose.pk}/{url}", {}, role="program_staff"
                    ).status_code == 403
        assert client_as(personas, "organizer").get(f"{PEOPLE}{jose.pk}/{url}"
                                                    ).status_code == 405


# --- households -----------------------------------------------------------------------------------


def test_household_page_present_past_and_building(personas, jose, ana):
    with scope(organization=personas.org):
        home = services.current_residence(jose).household
        services.join_household(organizer(personas), ana, home,
                                moved_on=timezone.localdate() - timedelta(days=30))
        services.move_person(organizer(personas), ana, street="9 W Norris St")
        luis = services.create_person(organizer(personas), given_name="Luis",
                                      street="2417 N Front St", unit="1st floor")
        downstairs = services.current_residence(luis).household
    html = client_as(personas, "program_staff").get(
        f"{PEOPLE}households/{home.pk}/").content.decode()
    assert "2417 N FRONT ST, FL 2 REAR" in html
    now, before, building = (html.index("Who lives here now"),
                             html.index("Who lived here before"),
                             html.index("Other households in this building"))
    assert now < html.index("José Rodríguez") < before < html.index("Ana Torres") < building
    assert f"{PEOPLE}households/{downstairs.pk}/" in html and "FL 1" in html
    assert_no_personal_data_in_urls(html, "jose", "ana", "torres")


def test_household_page_refuses_post(personas, jose):
    with scope(organization=personas.org):
        home = services.current_residence(jose).household
    assert client_as(personas, "organizer").post(
        f"{PEOPLE}households/{home.pk}/").status_code == 405


# --- quick-add ---------------------------------------------------------------------------------


def test_quick_add_with_phone_address_tags_and_consent(personas):
    client = client_as(personas, "organizer")
    page = client.get(f"{PEOPLE}new/").content.decode()
    assert "May we send you text alerts" in page and "¿Podemos enviarle" in page
    response = client.post(f"{PEOPLE}new/", {
        "given_name": "Rosa", "family_name": "Méndez", "phone": "215 555 0177",
        "street": "2417 n front st", "unit": "basement", "language": "es",
        "base": personas.base.pk, "tags": "block party, tenants",
        "rapid_response": "on", "wording_language": "es", "consent_source": "event"})
    with scope(organization=personas.org):
        person = Person.objects.get()
        consent = Consent.objects.get()
        assert sorted(person.tags.values_list("name", flat=True)) == ["block party",
                                                                     "tenants"]
    assert response.status_code == 302 and response["Location"] == f"{PEOPLE}{person.pk}/"
    assert person.base == personas.base and person.language == "es"
    assert consent.channel == "sms" and consent.purpose == "rapid_response"
    assert consent.source == "event" and consent.wording.startswith("¿Podemos enviarle")


@pytest.mark.parametrize("data, message", [
    ({"given_name": "Rosa"}, "Add a phone number or an address"),
    ({"given_name": "", "phone": "2155550177"}, "This field is required"),
    ({"given_name": "Rosa", "phone": "555-01"}, "That is not a phone number"),
    ({"given_name": "Rosa", "street": "behind the school"},
     "We could not read that street address"),
    ({"given_name": "Rosa", "street": "2417 N Front St", "unit": "u" * 61}, "at most 60"),
    ({"given_name": "R" * 101, "phone": "2155550177"}, "at most 100"),
    ({"given_name": "Rosa", "phone": "2155550177", "language": "xx"}, "Select a valid"),
    ({"given_name": "Rosa", "phone": "2155550177", "base": "abc"}, "Select a valid"),
    ({"given_name": "Rosa", "street": "2417 N Front St", "rapid_response": "on",
      "wording_language": "es", "consent_source": "door"}, "add a phone number"),
    ({"given_name": "Rosa", "phone": "2155550177", "rapid_response": "on",
      "wording_language": "es"}, "Say where they agreed"),
    ({"given_name": "Rosa", "phone": "2155550177", "tags": "t" * 61}, "60 characters"),
])
def test_quick_add_bad_input_adds_nobody(personas, data, message):
    response = client_as(personas, "organizer").post(f"{PEOPLE}new/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    with scope(organization=personas.org):
        assert not Person.objects.exists() and not Consent.objects.exists()
    assert "people.person.created" not in audit_codes()


def test_quick_add_failing_consent_rolls_back_the_person(personas, monkeypatch):
    def refuse(*args, **kwargs):
        raise InvalidInput("consent", "No.")

    monkeypatch.setattr(services, "record_consent", refuse)
    response = client_as(personas, "organizer").post(f"{PEOPLE}new/", {
        "given_name": "Rosa", "phone": "2155550177", "rapid_response": "on",
        "wording_language": "en", "consent_source": "door"})
    assert response.status_code == 400
    with scope(organization=personas.org):
        assert not Person.objects.exists()


def test_duplicate_check_finds_people_by_name_and_phone(personas, jose, ana):
    client = client_as(personas, "organizer")
    url = f"{PEOPLE}new/check/"
    by_name = client.post(url, {"given_name": "jose", "family_name": "rodriguez"},
                          HTTP_HX_REQUEST="true").content.decode()
    assert f'href="{PEOPLE}{jose.pk}/"' in by_name and "Ana" not in by_name
    assert "Maybe they are already here" in by_name
    by_phone = client.post(url, {"phone": "+1 215-555-0134"}).content.decode()
    assert f'href="{PEOPLE}{jose.pk}/"' in by_phone
    nothing = client.post(url, {"given_name": "Zelda", "phone": "0134"}).content.decode()
    assert "Maybe" not in nothing  # four digits typed so far are not a number yet
    huge = client.post(url, {"given_name": "x" * 5000, "phone": "9" * 5000})
    assert huge.status_code == 200
    assert client.get(url).status_code == 405


def test_quick_add_page_checks_duplicates_by_post(personas):
    html = client_as(personas, "organizer").get(f"{PEOPLE}new/").content.decode()
    assert f'hx-post="{PEOPLE}new/check/"' in html and 'id="matches"' in html


# --- navigation, URLs, language ------------------------------------------------------------


@pytest.mark.parametrize("role, people, add_person", [
    ("organizer", True, True), ("program_staff", True, False), ("canvasser", False, False)])
def test_menu_links(personas, role, people, add_person):
    html = client_as(personas, role).get(f"{ORG}/").content.decode()
    assert (f'href="{PEOPLE}"' in html) is people
    assert (f'href="{PEOPLE}new/"' in html) is add_person


def test_no_name_or_phone_in_any_url_the_screens_generate(personas, jose, ana):
    with scope(organization=personas.org):
        services.add_relationship(organizer(personas), jose, ana, "lives_with")
        home = services.current_residence(jose).household
        tag = Tag.objects.get()
        saved = services.save_list(organizer(personas), name="José's list",
                                   filters={"tag": str(tag.pk)})
        contact = jose.contacts.get()
    client = client_as(personas, "organizer")
    client.post(PEOPLE, {"q": "José"})
    secrets = ("jos", "rodr", "ana", "torres", "0134", "555", "front")
    pages = [PEOPLE, f"{PEOPLE}?tag={tag.pk}", f"{PEOPLE}lists/{saved.pk}/",
             f"{PEOPLE}{jose.pk}/", f"{PEOPLE}{ana.pk}/", f"{PEOPLE}households/{home.pk}/",
             f"{PEOPLE}new/"]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200
        assert_no_personal_data_in_urls(response.content.decode().replace(ORG, ""), *secrets)
    for url, data in ((f"{PEOPLE}new/check/", {"given_name": "José"}),
                      (f"{PEOPLE}{ana.pk}/relationship/search/", {"q": "José"}),
                      (f"{PEOPLE}contacts/{contact.pk}/reveal/", {})):
        html = client.post(url, data, HTTP_HX_REQUEST="true").content.decode()
        assert_no_personal_data_in_urls(
            html.replace("tel:+12155550134", "").replace(ORG, ""), *secrets)
    # Every redirect after a search or a form goes to ids only.
    response = client.post(PEOPLE, {"q": "Rodríguez"})
    assert "rodr" not in response["Location"].lower()


def test_screens_in_spanish(personas, jose):
    membership = personas.member("organizer")
    membership.user.language = "es"
    membership.user.save(update_fields=["language"])
    client = login(Client(), membership)
    listing = client.get(PEOPLE).content.decode()
    assert "Personas" in listing and "Buscar" in listing and "Filtros" in listing
    page = client.get(f"{PEOPLE}{jose.pk}/").content.decode()
    assert "Mostrar número" in page and "Línea de tiempo" in page
    assert "calculada según su actividad" in page
    add_page = client.get(f"{PEOPLE}new/").content.decode()
    assert "Agregar una persona" in add_page and "¿Podemos enviarle" in add_page
    for html in (listing, page, add_page):
        assert "Show number" not in html and "Add a person" not in html


def test_the_search_and_each_filter_show_as_chips_that_clear_them(personas, jose, ana):
    with scope(organization=personas.org):
        tag = Tag.objects.get(name="block party")
    client = client_as(personas, "organizer")
    client.post(PEOPLE, {"q": "jose"})
    html = client.get(f"{PEOPLE}?tag={tag.pk}&language=es").content.decode()
    assert "Search: “jose”" in html and 'class="chip filter-chip"' in html
    assert "Tag: block party" in html and "Language: Spanish" in html
    # Each filter's chip leads to the list without it (the other filter stays).
    assert f'href="{PEOPLE}?language=es"' in html and f'href="{PEOPLE}?tag={tag.pk}"' in html
    assert "matching the search and the filters" in html
    assert_no_personal_data_in_urls(html, "jose", "rodr")
    # A filter that is not valid shows no chips, only the error.
    bad = client.get(f"{PEOPLE}?tag=999999").content.decode()
    assert "filter-chip" not in bad and "Some filters are not valid" in bad
    # Another organization's tag id is not valid here either.
    with scope(organization=personas.other_org):
        from groundswell.people.models import Tag as OtherTag
        elsewhere = OtherTag.objects.create(organization=personas.other_org, name="secret")
    assert "secret" not in client.get(f"{PEOPLE}?tag={elsewhere.pk}").content.decode()
