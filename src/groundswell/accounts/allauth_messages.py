"""django-allauth's strings that our Spanish catalog translates again.

allauth ships its own Spanish (allauth/locale/es/LC_MESSAGES/django.po). Most of it
speaks to the reader as ``usted``, but some messages on the pages we use say ``tú``
("No puedes generar códigos de recuperación…", "Tu email ha sido cambiado…"), or
leave English words ("email", "passkey", "token", "Passwordless") where our screens
and the shared glossary (GLOSSARY.md) say "correo electrónico", "llave de
acceso", "enlace", "aplicación de autenticación".

Django looks up a message in LOCALE_PATHS (src/groundswell/locale) before the
installed apps' catalogs, so an entry in our django.po with the same msgid (and
msgctxt) replaces allauth's translation. ``makemessages`` keeps only the msgids it
finds in our code, so each of those msgids is listed here, unchanged, character for
character (double spaces included): this module exists so ``make messages`` keeps
the entries. The app never imports it, and nothing here is translated at run time.

How the list was made: every entry of allauth's es catalog was scanned for ``tú``
forms (tu, tus, te, puedes, estás, has, tienes, vete, introdúcelo, guárdalos,
descarga…) and English words (email, e-mail, passkey), then read, and kept when it
shows on a page or in a message or email of the flows we use: login and logout,
password reset / change / set, reauthentication, email change and confirmation
(with the notification emails, ACCOUNT_EMAIL_NOTIFICATIONS is on), and the MFA pages
(index, authenticator app, recovery codes, security keys and passkeys,
authentication). The flows we turned off were left out: sign-up (closed), phone,
sign-in and password-reset codes, trusted browsers. No allauth string on those pages
is missing from allauth's es catalog; "Passwordless" and "Passkey" were only copied
over in English. None of the strings kept here has a msgctxt (Django has no
``pgettext_noop``: a string with one would go in ``pgettext_lazy``, which is lazy
and so translates nothing at import either).

Plurals: Django has no ``ngettext_noop``. The one plural is written as an
``ngettext`` call inside ``_plurals()``, a function nobody calls: makemessages reads
it (msgid and msgid_plural), and nothing runs.

After an allauth upgrade: tests/accounts/test_allauth_spanish.py fails for any msgid
here that allauth's es catalog no longer has (a msgid reworded upstream must be
reworded here too, or our translation silently stops applying); scan allauth's new
Spanish again for strings to add.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop, ngettext

# ``tú`` in allauth's Spanish.
TU_FORMS = [
    # TOTP code form, rate limited ("Ten paciencia, estás enviando…").
    gettext_noop("Be patient, you are sending too many requests."),
    # Reauthentication: the other ways to confirm it is you ("Utiliza…").
    gettext_noop("Use authenticator app or code"),
    gettext_noop("You cannot generate recovery codes without having two-factor "
                 "authentication enabled."),
    # Email change: the confirmation email and the notification emails.
    gettext_noop("Your email has been changed from %(from_email)s to %(to_email)s."),
    gettext_noop("You're receiving this email because user %(user_display)s has given your "
                 "email address to register an account on %(site_domain)s."),
    gettext_noop("To confirm this is correct, go to %(activate_url)s"),
    gettext_noop("Email address %(deleted_email)s has been removed from your account."),
    gettext_noop("You currently do not have any email address set up. You should really add "
                 "an email address so you can receive notifications, reset your password, etc."),
    # MFA: recovery codes and security keys.
    gettext_noop("Save them  in a secure location now — they won't be shown again."),
    gettext_noop("Download codes"),
    gettext_noop("Are you sure you want to remove this security key?"),
    gettext_noop("You are about to create a passkey for your account. As you can add "
                 "additional keys later on, you can use a descriptive name to tell the keys "
                 "apart."),
]

# English words left in allauth's Spanish ("passkey", "email", "token", "Passwordless").
ENGLISH_WORDS = [
    gettext_noop("Create Passkey"),
    gettext_noop("Passkey"),
    gettext_noop("Passwordless"),
    gettext_noop("You are receiving this email because you, or someone else, tried to access "
                 "an account with email %(email)s. However, we do not have any record of such "
                 "an account in our database."),
    gettext_noop("The password reset token was invalid."),
    gettext_noop("Bad Token"),
]

# Other words than the glossary's ("clave de acceso", "autenticador"), and a typo.
GLOSSARY_WORDS = [
    gettext_noop("This key does not indicate whether it is a passkey."),
    gettext_noop("Authenticator code"),
    gettext_noop("Authenticator secret"),
    gettext_noop("Your account is protected by two-factor authentication. Please enter an "
                 "authenticator code:"),
    gettext_noop("New Recovery Codes Generated"),  # allauth: "Generados nevos códigos…"
]


def _plurals() -> None:  # pragma: no cover - never called, only read by makemessages
    # MFA index ("Has añadido %(count)s clave.").
    ngettext("You have added %(count)s security key.",
             "You have added %(count)s security keys.", 0)
