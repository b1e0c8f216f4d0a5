"""allauth's pages and emails speak Spanish as ``usted``, with the glossary's words.

Our catalog (src/groundswell/locale/es) translates again the allauth strings that
allauth's own Spanish gives with ``tú`` or English words; the msgids are kept in
src/groundswell/accounts/allauth_messages.py so makemessages keeps the entries."""

from __future__ import annotations

import gettext
import html as html_lib
import re
from pathlib import Path

import allauth
import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core import mail
from django.core.cache import cache
from django.utils import translation

from groundswell.accounts import allauth_messages
from tests.conftest import age_login, login
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es"}

# What allauth's Spanish says and ours must not: tú forms and English words.
TU_MARKERS = re.compile(
    r"\b(tu|tus|te|ti|puedes|estás|tienes|eres|deseas|quieres|has añadido|has verificado"
    r"|introduce|introdúcelo|ingresa|elige|revisa|haz|vete|ten paciencia|guárdalos"
    r"|descarga los|utiliza|confía|regístrate)\b",
    re.IGNORECASE)
ENGLISH_MARKERS = re.compile(r"\b(email|e-mail|passkey|passwordless|token)\b", re.IGNORECASE)

ALLAUTH_CATALOG = (Path(allauth.__file__).parent / "locale" / "es" / "LC_MESSAGES"
                   / "django.mo")
PLURAL = ("You have added %(count)s security key.", "You have added %(count)s security keys.")
OVERRIDDEN = (allauth_messages.TU_FORMS + allauth_messages.ENGLISH_WORDS
              + allauth_messages.GLOSSARY_WORDS)


@pytest.fixture(autouse=True)
def _clean_state():
    cache.clear()  # allauth's rate limits live in the cache
    yield
    cache.clear()
    translation.activate("en")  # requests activate Spanish on this thread


def visible_text(page: str) -> str:
    """The words a person reads: no scripts, no tags, entities decoded."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL | re.IGNORECASE)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def assert_usted(text: str) -> None:
    # Placeholders such as %(email)s and links such as /account/confirm-email/… are not words.
    text = re.sub(r"%\(\w+\)s|https?://\S+", "", text)
    assert not TU_MARKERS.search(text), TU_MARKERS.search(text).group(0)
    assert not ENGLISH_MARKERS.search(text), ENGLISH_MARKERS.search(text).group(0)


def get_text(client, url, **headers) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    assert response["Content-Language"] == "es"
    return visible_text(response.content.decode())


def spanish_user(membership):
    membership.user.language = "es"
    membership.user.save(update_fields=["language"])
    return membership.user


def password_login(client, user):
    response = client.post("/account/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return response


def reauthenticate(client):
    """allauth asks for the password again before MFA and email changes, even right
    after logging in."""
    response = client.post("/account/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302, response.content


def totp_now(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(iter(yield_hotp_counters_from_time()))))


def add_security_key(user, name: str, passkey: bool | None) -> None:
    """A stored WebAuthn key as the pages see it (they read only its name and flags)."""
    credential = {} if passkey is None else {
        "clientExtensionResults": {"credProps": {"rk": passkey}}}
    Authenticator.objects.create(user=user, type=Authenticator.Type.WEBAUTHN,
                                 data={"name": name, "credential": credential})


# --- the catalog ------------------------------------------------------------------------


@pytest.mark.parametrize("msgid", OVERRIDDEN)
def test_each_overridden_string_is_allauths_and_reads_usted(msgid):
    with ALLAUTH_CATALOG.open("rb") as handle:
        allauth_spanish = gettext.GNUTranslations(handle)._catalog
    # An allauth upgrade that rewords a msgid would silently bring its Spanish back.
    assert msgid in allauth_spanish, "msgid no longer in allauth: update allauth_messages.py"
    with translation.override("es"):
        ours = translation.gettext(msgid)
    assert ours != allauth_spanish[msgid]
    assert_usted(ours)


def test_plural_is_overridden():
    with ALLAUTH_CATALOG.open("rb") as handle:
        assert (PLURAL[0], 0) in gettext.GNUTranslations(handle)._catalog
    with translation.override("es"):
        assert translation.ngettext(*PLURAL, 1) == "Ha agregado %(count)s clave de seguridad."
        assert translation.ngettext(*PLURAL, 2) == "Ha agregado %(count)s claves de seguridad."


# --- anonymous pages and emails ---------------------------------------------------------


def test_login_page(client, personas):
    text = get_text(client, "/account/login/", **SPANISH)
    assert "Iniciar sesión con una llave de acceso" in text
    assert "¿Ha olvidado su contraseña?" in text
    assert_usted(text)


def test_password_reset_page_and_email_for_an_unknown_address(client, personas):
    text = get_text(client, "/account/password/reset/", **SPANISH)
    assert "Introduzca su dirección de correo electrónico" in text
    assert_usted(text)

    response = client.post("/account/password/reset/", {"email": "nadie@example.org"},
                           **SPANISH)
    assert response.status_code == 302
    text = get_text(client, response.url, **SPANISH)
    assert "Le hemos enviado un correo electrónico." in text
    assert_usted(text)
    body = mail.outbox[-1].body
    assert "intentó entrar a una cuenta con el correo electrónico nadie@example.org" in body
    assert_usted(body.replace("nadie@example.org", ""))


def test_broken_password_reset_link(client, personas):
    response = client.get("/account/password/reset/key/zz-not-a-key/", follow=True, **SPANISH)
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    assert "Enlace no válido" in text
    assert "Bad Token" not in text
    assert_usted(text)


def test_second_factor_step_of_login(client, personas):
    admin = personas.member("admin").user
    response = password_login(client, admin)
    assert "/account/2fa/authenticate/" in response.url
    text = get_text(client, response.url, **SPANISH)
    assert ("Su cuenta está protegida con autenticación de dos factores. Escriba el código "
            "de su aplicación de autenticación:") in text
    assert "Por favor, entre el código del autenticador" not in text
    assert_usted(text)


# --- signed-in pages: the user's own language -------------------------------------------


def test_mfa_index(client, personas):
    user = spanish_user(personas.member("admin"))
    add_security_key(user, "Teléfono", passkey=True)
    login(client, personas.member("admin"))
    text = get_text(client, "/account/2fa/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Ha agregado 1 clave de seguridad." in text
    assert "Aplicación de autenticación" in text
    assert "Has añadido" not in text
    assert_usted(text)


def test_security_keys_list_says_llave_de_acceso(client, personas):
    user = spanish_user(personas.member("admin"))
    add_security_key(user, "Teléfono", passkey=True)
    add_security_key(user, "Llavero", passkey=None)
    login(client, personas.member("admin"))
    response = client.get("/account/2fa/webauthn/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'title="Esta clave de seguridad no indica si es una llave de acceso."' in page
    text = visible_text(page)
    assert "Llave de acceso" in text and "Sin especificar" in text
    assert "Passkey" not in text
    assert_usted(text)


def test_totp_activation_after_logging_in_with_the_password(client, personas):
    canvasser = spanish_user(personas.member("canvasser"))
    password_login(client, canvasser)
    age_login(client)
    response = client.get("/account/2fa/totp/activate/", follow=True)
    assert "/account/reauthenticate/" in response.redirect_chain[-1][0]
    text = visible_text(response.content.decode())
    assert "Introduzca su contraseña:" in text
    assert_usted(text)
    reauthenticate(client)
    text = get_text(client, "/account/2fa/totp/activate/")
    assert "Activar la aplicación de autenticación" in text
    assert "Código de la aplicación de autenticación" in text
    assert "Clave secreta de la aplicación de autenticación" in text
    assert_usted(text)


def test_reauthentication_offers_the_authenticator_app_as_usted(client, personas):
    spanish_user(personas.member("admin"))
    login(client, personas.member("admin"))  # no recent authentication
    response = client.get("/account/2fa/totp/deactivate/", follow=True)
    assert response.status_code == 200
    assert "/reauthenticate/" in response.redirect_chain[-1][0]
    text = visible_text(response.content.decode())
    assert "Introduzca su contraseña:" in text
    assert "Utilice la aplicación de autenticación o un código de recuperación" in text
    assert_usted(text)


def test_recovery_codes_without_a_second_factor_are_refused_as_usted(client, personas):
    canvasser = spanish_user(personas.member("canvasser"))
    password_login(client, canvasser)
    reauthenticate(client)
    response = client.post("/account/2fa/recovery-codes/generate/")
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    assert "No puede generar códigos de recuperación" in text
    assert "No puedes" not in text
    assert_usted(text)


def test_recovery_codes_page(client, personas):
    admin = spanish_user(personas.member("admin"))
    RecoveryCodes.activate(admin)
    response = password_login(client, admin)
    response = client.post(response.url, {"code": totp_now(admin.totp_secret)})
    assert response.status_code == 302
    reauthenticate(client)
    text = get_text(client, "/account/2fa/recovery-codes/")
    assert "Descargar los códigos" in text
    assert "Descarga los códigos" not in text
    assert_usted(text)


def test_email_change_confirmation_email(client, personas):
    canvasser = spanish_user(personas.member("canvasser"))
    password_login(client, canvasser)
    reauthenticate(client)
    text = get_text(client, "/account/email/")
    assert_usted(text.replace(canvasser.email, ""))
    response = client.post("/account/email/", {"action_add": "", "email": "nueva@example.org"})
    assert response.status_code == 302
    message = next(m for m in mail.outbox if "nueva@example.org" in m.to)
    assert "Usted recibe este correo electrónico porque el usuario" in message.body
    assert "Para confirmar que es correcto, vaya a http" in message.body
    assert_usted(message.body.replace("nueva@example.org", "").replace(canvasser.email, ""))
