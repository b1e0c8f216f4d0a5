"""The import wizard in a real browser (issue 5, acceptance): a 500-row CSV with
Spanish headers, at phone width in Spanish; two of the possible duplicates it finds
are resolved in the one review queue (one dismissed, one merged), then the whole
import is undone and the people tables are exactly as before. Screenshots go to
test-artifacts/screenshots/."""

from __future__ import annotations

import csv
import io
import random

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from groundswell.imports.models import ImportBatch
from groundswell.people import services
from groundswell.people.models import (
    Address,
    Consent,
    ContactPoint,
    DuplicateCandidate,
    Household,
    Person,
    Residence,
    Tag,
)
from tests.browser.conftest import PHONE, check_and_capture, log_in, submit

pytestmark = pytest.mark.browser

GIVEN = ["José", "María", "Luz", "Carlos", "Ana", "Pedro", "Rosa", "Juan", "Lucía", "Marco",
         "Yesenia", "Wilfredo", "Darnell", "Keisha", "Jean", "Mei", "Tuan", "Fatima"]
FAMILY = ["Rodríguez", "Mejía", "Cruz", "Vega", "Ruiz", "Soto", "Díaz", "López", "Pérez",
          "Torres", "Santiago", "Rivera", "Johnson", "Pierre", "Nguyen", "Chen", "Ortiz",
          "Morales", "Ramos", "Figueroa", "Acosta", "Batista", "Castillo", "Durán", "Espinal",
          "Fuentes", "Guzmán", "Hernández", "Ibarra", "Jiménez", "Keller", "Lozada",
          "Montalvo", "Navarro", "Ocasio", "Quiñones", "Reyes", "Salazar", "Tapia", "Urbina"]
STREETS = ["N Front St", "W Somerset St", "E Cumberland St", "N Howard St", "Kensington Ave"]
MODELS = (Person, ContactPoint, Residence, Household, Address, Consent, Tag,
          DuplicateCandidate)


def state(org):
    with scopes_disabled():
        return {model.__name__: sorted(
            tuple(getattr(row, f.attname) for f in model._meta.concrete_fields)
            for row in model._base_manager.filter(organization=org))
            for model in MODELS}


def spreadsheet() -> bytes:
    rng = random.Random(5)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Nombre", "Apellido", "Teléfono", "Correo electrónico", "Dirección",
                     "Apto", "Idioma", "Acepta mensajes de texto"])
    used = set()
    for i in range(500):
        while True:
            name = (rng.choice(GIVEN), rng.choice(FAMILY))
            if name not in used:
                used.add(name)
                break
        phone = f"215-555-01{i:02d}" if i < 100 else ""
        email = f"persona{i}@example.org" if i % 3 == 0 else ""
        street = f"{2400 + i % 60} {STREETS[i % 5]}" if i % 4 else ""
        writer.writerow([*name, phone, email, street, str(i % 3 + 1) if street else "",
                         "español" if i % 2 else "inglés", "sí" if i % 5 == 0 else "no"])
    return out.getvalue().encode("utf-8")


def test_import_500_rows_resolve_two_reviews_and_undo(new_context, personas, tmp_path):
    organizer = personas.member("organizer")
    organizer.user.language = "es"
    organizer.user.save(update_fields=["language"])
    data = spreadsheet()
    rows = list(csv.reader(io.StringIO(data.decode())))[1:]
    with scope(organization=personas.org):
        # Already here under the same names (no phone, no address): possible duplicates.
        for given_name, family_name, *_rest in rows[200:203]:
            services.create_person(organizer, given_name=given_name, family_name=family_name)
    before = state(personas.org)
    path = tmp_path / "inscripciones.csv"
    path.write_bytes(data)

    page = new_context(viewport=PHONE, locale="es-ES").new_page()
    page.set_default_timeout(180_000)
    log_in(page, organizer.user)
    page.goto("/o/front-street/imports/")
    expect(page.locator("h1")).to_have_text("Importar una hoja de cálculo")
    page.set_input_files("input[type=file]", str(path))
    submit(page, "form.form button.primary")
    expect(page.locator("h1")).to_have_text("Emparejar las columnas")
    expect(page.locator("select[name=col_2]")).to_have_value("phone")
    expect(page.locator("select[name=col_7]")).to_have_value("consent_sms")
    page.fill("input[name=tags]", "inscripciones 2025")
    check_and_capture(page, "import-mapping-es")
    submit(page, "form.form button.primary")
    expect(page.locator("h1")).to_have_text("Revisar la importación")
    check_and_capture(page, "import-preview-es")
    submit(page, "form.form button.primary")  # the worker imports (immediately in tests)
    expect(page.locator("#import-status")).to_have_text("Importada")
    expect(page.locator("#import-counts")).to_contain_text("personas nuevas")
    check_and_capture(page, "import-report-es")
    with scope(organization=personas.org):
        batch = ImportBatch.objects.get()
        assert batch.counts["created"] + batch.counts["review"] == 500
        assert batch.counts["review"] >= 2
        assert Consent.objects.filter(source="import").count() == 100

    # Resolve two review items in the one duplicates queue: dismiss one, merge one.
    page.get_by_role("link", name="Revisar posibles duplicados").click()
    expect(page.locator("h1")).to_have_text("Posibles duplicados")
    check_and_capture(page, "import-duplicates-es")
    submit(page, "ul.list li.row:first-child form button.link")
    with page.expect_navigation():
        page.get_by_role("link", name="Comparar").first.click()
    submit(page, "form.form button.primary")
    with scope(organization=personas.org):
        statuses = sorted(DuplicateCandidate.objects.values_list("status", flat=True))
        assert statuses.count("dismissed") == 1 and statuses.count("merged") == 1

    page.goto(f"/o/front-street/imports/{batch.pk}/")
    submit(page, "#undo-import")
    expect(page.locator(".confirm-way-back")).to_contain_text("importe el mismo archivo")
    submit(page, ".confirm-form button[type=submit]")
    expect(page.locator(".message.success")).to_contain_text("Se deshizo la importación")
    expect(page.locator("#import-status")).to_have_text("Deshecha")
    check_and_capture(page, "import-undone-es")
    assert state(personas.org) == before
