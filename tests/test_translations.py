"""Screens come out in Spanish for a user who chose Spanish, and for a visitor whose
browser asks for it. The strings asserted here come from
src/groundswell/locale/es/LC_MESSAGES/django.po (and allauth's own Spanish for the
login form); scripts/check_messages.py keeps that catalog complete."""

from __future__ import annotations

import pytest
from django.utils import translation

from tests.conftest import login

pytestmark = pytest.mark.django_db

ORG = "/o/front-street"


@pytest.fixture(autouse=True)
def _back_to_english():
    """Requests activate a language on this thread; don't leak Spanish into other tests."""
    yield
    translation.deactivate()


@pytest.fixture
def spanish_admin(client, personas):
    membership = personas.member("admin")
    membership.user.language = "es"
    membership.user.save(update_fields=["language"])
    return login(client, membership)


def get_page(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    return response, response.content.decode()


def assert_spanish(response, html):
    assert '<html lang="es">' in html
    assert response["Content-Language"] == "es"
    assert "Ir al contenido" in html  # the skip link in base.html
    assert "Skip to content" not in html


# The user's own choice wins over what the browser asks for, on every device.
SPANISH_PAGES = {
    f"{ORG}/": {
        "present": ["Ha iniciado sesión como Administrador/a.", "Accesos directos",
                    "Invitar a un miembro", "Registro de auditoría", "Cerrar sesión"],
        "absent": ["You are signed in as", "Shortcuts", "Log out"],
    },
    f"{ORG}/members/": {
        "present": ["Miembros", "Invitaciones pendientes", "No hay invitaciones pendientes.",
                    "Coordinador/a de turno", "Voluntario/a de puerta en puerta",
                    "Organizador/a", "Cambiar rol", "Nombre o correo"],
        "absent": ["Pending invitations", "Canvasser", "Dispatcher", "Change role"],
    },
    f"{ORG}/bases/": {
        "present": ["Agregar una base", "Ver bases archivadas",
                    "Una base es un vecindario o lugar de trabajo donde la organización "
                    "construye su fuerza."],
        "absent": ["Add a base", "Show archived bases"],
    },
    f"{ORG}/audit/": {
        "present": ["Registro de auditoría", "Filtrar", "Quién", "Desde", "Hasta",
                    "Aquí se registra cada cambio de rol"],
        "absent": ["Audit log", "Filter", "Every change of role"],
    },
}


@pytest.mark.parametrize("url", list(SPANISH_PAGES))
def test_spanish_user_sees_organization_pages_in_spanish(client, spanish_admin, url):
    response, html = get_page(client, url, HTTP_ACCEPT_LANGUAGE="en")
    assert_spanish(response, html)
    for text in SPANISH_PAGES[url]["present"]:
        assert text in html, (url, text)
    for text in SPANISH_PAGES[url]["absent"]:
        assert text not in html, (url, text)


def test_audit_log_rows_and_flash_message_in_spanish(client, spanish_admin):
    response = client.post(f"{ORG}/bases/new/", {"name": "Calle Sur", "description": ""},
                           follow=True)
    html = response.content.decode()
    assert "Cambios guardados." in html
    response, html = get_page(client, f"{ORG}/audit/")
    assert "Cuándo" in html and "Detalles" in html


def test_english_user_still_sees_english(client, personas):
    login(client, personas.member("admin"))
    response, html = get_page(client, f"{ORG}/members/", HTTP_ACCEPT_LANGUAGE="es")
    assert '<html lang="en">' in html
    assert "Pending invitations" in html and "Invitaciones pendientes" not in html


def test_anonymous_visitor_asking_for_spanish_gets_spanish_login(client, personas):
    response, html = get_page(client, "/account/login/", HTTP_ACCEPT_LANGUAGE="es-US,es;q=0.9")
    assert_spanish(response, html)
    # allauth's own Spanish:
    assert "Contraseña" in html
    assert "¿Ha olvidado su contraseña?" in html
    assert "Iniciar sesión" in html
    assert "Forgot your password?" not in html


def test_anonymous_visitor_without_spanish_gets_english_login(client, personas):
    response, html = get_page(client, "/account/login/", HTTP_ACCEPT_LANGUAGE="en-US")
    assert '<html lang="en">' in html
    assert "Forgot your password?" in html


def test_404_page_is_translated_for_spanish_user(client, spanish_admin):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert_spanish(response, html)
    assert "Página no encontrada" in html
    assert "Esta página no existe o usted no tiene acceso a ella." in html
    assert "Ir a la página de inicio" in html
    assert "Page not found" not in html


def test_404_page_is_translated_for_anonymous_spanish_browser(client, db):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert "Página no encontrada" in html
