"""Groundswell settings: one module, every value read from the environment.

``GROUNDSWELL_ENV`` picks the profile:

* ``development`` (default): plain HTTP on 127.0.0.1, SQLite, secrets generated
  once under ``var/secrets`` so ``make demo`` needs no setup.
* ``test``: fixed throwaway keys, fast password hashing, in-memory caches.
* ``production``: every secret must be given, HTTPS-only cookies, HSTS;
  passes ``manage.py check --deploy`` without warnings.

The README lists every variable.
"""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _

from groundswell.env import (
    ConfigurationError,
    database_from_url,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_secret,
    env_str,
    private_dir,
    private_file,
    sqlite_database,
)
from groundswell.keyring import Keyring, KeyringError

SRC_DIR = Path(__file__).resolve().parent
BASE_DIR = SRC_DIR.parent.parent

ENVIRONMENT = env_choice("GROUNDSWELL_ENV", "development", ("development", "test", "production"))
PRODUCTION = ENVIRONMENT == "production"
TESTING = ENVIRONMENT == "test"
DEBUG = env_bool("GROUNDSWELL_DEBUG", False)


def _folder(name: str, default: str) -> Path:
    """A folder named by the environment (a relative path is taken from the checkout).

    Production must name it: there, gunicorn imports the installed package, whose
    "checkout" is inside site-packages, while ``manage.py`` runs from the checkout, so a
    default would put ``collectstatic``'s files and the uploads where the other one never
    looks (every page then fails on its first static file)."""
    raw = env_str(name)
    if not raw:
        if PRODUCTION:
            raise ConfigurationError(f"{name} must be set in production (an absolute path).")
        raw = default
    path = Path(raw)
    return path if path.is_absolute() else BASE_DIR / path


VAR_DIR = _folder("GROUNDSWELL_VAR_DIR", "var")
private_dir(VAR_DIR)  # 0700: what is under it is for this user alone

_generated = None if PRODUCTION else VAR_DIR / "secrets"


def _new_keyring() -> str:
    import secrets

    return "k1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


SECRET_KEY = env_secret("GROUNDSWELL_SECRET_KEY", generated_in=_generated)
# Keys for data encrypted at rest: "id:base64key,id:base64key"; the first encrypts,
# all decrypt (so a key can be rotated without downtime, see `rotate_encryption_keys`).
ENCRYPTION_KEYS = env_secret(
    "GROUNDSWELL_ENCRYPTION_KEYS", generated_in=_generated, factory=_new_keyring
)
BLIND_INDEX_KEY = env_secret("GROUNDSWELL_BLIND_INDEX_KEY", generated_in=_generated)
# The audit chain's MAC key: whoever can write the database cannot recompute the chain
# without it (core.audit). Kept forever: rows written under it verify only with it.
AUDIT_KEY = env_secret("GROUNDSWELL_AUDIT_KEY", generated_in=_generated)
try:
    Keyring.parse(ENCRYPTION_KEYS)
except KeyringError as _exc:
    raise ConfigurationError(f"GROUNDSWELL_ENCRYPTION_KEYS: {_exc}.") from None
if len(BLIND_INDEX_KEY) < 16:
    raise ConfigurationError("GROUNDSWELL_BLIND_INDEX_KEY must be at least 16 characters.")
if len(AUDIT_KEY) < 16:
    raise ConfigurationError("GROUNDSWELL_AUDIT_KEY must be at least 16 characters.")

ALLOWED_HOSTS = env_list("GROUNDSWELL_ALLOWED_HOSTS",
                         [] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("GROUNDSWELL_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("GROUNDSWELL_SITE_URL", "http://127.0.0.1:8000") or ""
# How many reverse proxies in front of us append to X-Forwarded-For (0: use the peer address).
TRUSTED_PROXY_HOPS = env_int("GROUNDSWELL_TRUSTED_PROXY_HOPS", 0, minimum=0)
# allauth's login throttling counts per client IP: the same proxies, the same answer.
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_HOPS

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "groundswell.accounts",
    "groundswell.core",
    "groundswell.people",
    "groundswell.geo",
    "groundswell.canvass",
    "groundswell.events",
    "groundswell.programs",
    "groundswell.messaging",
    "groundswell.rapidresponse",
    "groundswell.imports",
    "groundswell.web",
    "groundswell.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything reads the body (CSRF does), after the language is known.
    "groundswell.core.middleware.RequestSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "groundswell.accounts.middleware.UserLanguageMiddleware",
    "groundswell.accounts.middleware.IdleTimeoutMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "groundswell.accounts.middleware.RequireSecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A tablet locked to one event's sign-in reaches nothing else (events area).
    "groundswell.events.middleware.KioskLockMiddleware",
    "groundswell.core.middleware.OrganizationMiddleware",
]

ROOT_URLCONF = "groundswell.urls"
WSGI_APPLICATION = "groundswell.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The shell templates come first so they also restyle allauth's pages.
        "DIRS": [SRC_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "groundswell.core.context_processors.organization",
                "groundswell.web.context_processors.navigation_links",
            ],
        },
    }
]

# --- database -----------------------------------------------------------------
_database_url = env_str("DATABASE_URL")
if _database_url:
    DATABASES = {"default": database_from_url(_database_url)}
else:
    DATABASES = {"default": sqlite_database(str(private_file(VAR_DIR / "groundswell.sqlite3")))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A cache every process shares, so login throttling holds across gunicorn workers.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
        if TESTING
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "groundswell_cache",
        }
    )
}

TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING and not env_bool("GROUNDSWELL_TEST_DB_TASKS", False)
            else "django_tasks_db.DatabaseBackend"
        ),
    }
}
WORKER_HEARTBEAT_SECONDS = env_int("GROUNDSWELL_WORKER_HEARTBEAT_SECONDS", 10, minimum=1)

# --- accounts -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
PASSWORD_HASHERS = (
    ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if TESTING
    else [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "groundswell.accounts.adapter.AccountAdapter"
MFA_ADAPTER = "groundswell.accounts.adapter.MFAAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# The invitation link proves the first address (accept_invitation marks it verified).
# A new address replaces it only once confirmed from its inbox, after the password is
# asked again, and the old address is told: a borrowed session cannot move an account.
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# Not by a code sent to the inbox (allauth offers it since 65.2x): whoever reads a
# member's mail must not be able to change that member's second factor with it.
ACCOUNT_REAUTHENTICATION_METHODS = ("password", "mfa")
ACCOUNT_EMAIL_NOTIFICATIONS = True
MFA_ALLOW_UNVERIFIED_EMAIL = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Groundswell] "
# Brute force: allauth counts failures per IP and per account in the shared cache.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env_str("GROUNDSWELL_LOGIN_FAILED_LIMIT", "5/5m/key,20/5m/ip"),
    "login": "30/m/ip",
    "reset_password": "5/m/ip,3/m/key",
    "reset_password_from_key": "20/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Groundswell"
MFA_RATE_LIMITS = {"authenticate": "5/m/user", "reauthenticate": "5/m/user"}
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not PRODUCTION

# Idle timeout: the session is re-saved on every request, so it ends after this
# many minutes without one; logout deletes it on the server (database sessions).
SESSION_ENGINE = "groundswell.accounts.sessions"
IDLE_TIMEOUT_MINUTES = env_int("GROUNDSWELL_IDLE_TIMEOUT_MINUTES", 30, minimum=1)
SESSION_COOKIE_AGE = IDLE_TIMEOUT_MINUTES * 60
# A tablet locked to one event's kiosk reaches nothing else, and may wait through a
# quiet hour at the door: its session ends only after this long without a request.
KIOSK_IDLE_TIMEOUT_MINUTES = env_int("GROUNDSWELL_KIOSK_IDLE_TIMEOUT_MINUTES", 12 * 60,
                                     minimum=1)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

INVITATION_MAX_AGE = timedelta(days=env_int("GROUNDSWELL_INVITATION_DAYS", 7, minimum=1))

# --- i18n -----------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [SRC_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("GROUNDSWELL_TIME_ZONE", "America/New_York") or "UTC"
# Phone numbers written without a country code are read as numbers of this region.
PHONE_REGION = (env_str("GROUNDSWELL_PHONE_REGION", "US") or "US").upper()

# --- maps ---------------------------------------------------------------------------
# Background tiles for every map; empty means none (the maps still draw households,
# turfs and zones on a blank background, as they do when the tiles cannot load).
MAP_TILE_URL = env_str("GROUNDSWELL_MAP_TILE_URL",
                       "https://tile.openstreetmap.org/{z}/{x}/{y}.png") or ""
MAP_ATTRIBUTION = env_str("GROUNDSWELL_MAP_ATTRIBUTION",
                          "© OpenStreetMap contributors") or ""
# For the CSP: a "{s}" subdomain becomes a wildcard. The canvasser app's service worker
# fetches the tiles it keeps for offline use, so they are a connect-src as well.
_map_tile_origin = re.sub(r"\{[^}]*\}", "*", "{0.scheme}://{0.netloc}".format(
    urlsplit(MAP_TILE_URL))) if MAP_TILE_URL else ""

# --- static files and uploads -----------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = _folder("GROUNDSWELL_STATIC_ROOT", "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
# Uploads live outside the web root and are never served directly.
MEDIA_ROOT = VAR_DIR / "uploads"
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("GROUNDSWELL_MAX_FORM_BYTES", 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
MAX_REQUEST_BYTES = env_int("GROUNDSWELL_MAX_REQUEST_BYTES", 20 * 1024 * 1024, minimum=1024)
# Stored uploads never imported and exports never downloaded are deleted this long after
# they were written (they hold everyone's names and numbers; imports.storage).
FILE_RETENTION_HOURS = env_int("GROUNDSWELL_FILE_RETENTION_HOURS", 24, minimum=1)

# --- email ------------------------------------------------------------------------
EMAIL_HOST = env_str("GROUNDSWELL_EMAIL_HOST", "") or ""
EMAIL_PORT = env_int("GROUNDSWELL_EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("GROUNDSWELL_EMAIL_USER", "") or ""
EMAIL_HOST_PASSWORD = (
    env_secret("GROUNDSWELL_EMAIL_PASSWORD") if env_str("GROUNDSWELL_EMAIL_PASSWORD") or env_str(
        "GROUNDSWELL_EMAIL_PASSWORD_FILE") else ""
)
EMAIL_USE_TLS = env_bool("GROUNDSWELL_EMAIL_USE_TLS", EMAIL_PORT == 587)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env_str("GROUNDSWELL_FROM_EMAIL", "groundswell@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
elif TESTING:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
else:
    # Without an SMTP server, development mail (invites, password resets) goes to
    # files an organizer can open, never to a real inbox.
    EMAIL_BACKEND = "groundswell.core.mail.PrivateFileEmailBackend"  # files 0600
    EMAIL_FILE_PATH = VAR_DIR / "mail"

# --- messaging (texts and email to people) ------------------------------------------
# Who sends texts: "twilio", "gateway" (the local test gateway: tests, benchmarks),
# "file" (development: var/sms/outbox.jsonl, no network), "console", or "off" (texts
# fail with a clear reason; the production default until Twilio is configured).
TWILIO_ACCOUNT_SID = env_str("GROUNDSWELL_TWILIO_ACCOUNT_SID", "") or ""
SMS_PROVIDER = env_choice(
    "GROUNDSWELL_SMS_PROVIDER",
    ("twilio" if TWILIO_ACCOUNT_SID else "off") if PRODUCTION else "file",
    ("twilio", "gateway", "file", "console", "off"))
# Signs Twilio's webhooks (and the local gateway's); required in production with Twilio.
TWILIO_AUTH_TOKEN = (
    env_secret("GROUNDSWELL_TWILIO_AUTH_TOKEN", generated_in=_generated)
    if SMS_PROVIDER == "twilio" or not PRODUCTION
    or env_str("GROUNDSWELL_TWILIO_AUTH_TOKEN") or env_str("GROUNDSWELL_TWILIO_AUTH_TOKEN_FILE")
    else ""
)
TWILIO_MESSAGING_SERVICE_SID = env_str("GROUNDSWELL_TWILIO_MESSAGING_SERVICE_SID", "") or ""
TWILIO_API_URL = env_str("GROUNDSWELL_TWILIO_API_URL", "") or ""  # another API base (tests)
# Our sender numbers, each with its cap in texts per second: "+12155550100:1,+12155550101:1".
SMS_SENDERS = env_list("GROUNDSWELL_SMS_SENDERS", [])
for _sender in SMS_SENDERS:
    _number, _sep, _rate = _sender.partition(":")
    try:
        _rate_ok = not _rate or float(_rate) >= 0
    except ValueError:
        _rate_ok = False
    if not _number.startswith("+") or not _number[1:].isdigit() or not _rate_ok:
        raise ConfigurationError(f"GROUNDSWELL_SMS_SENDERS: {_sender!r} is not "
                                 "+number or +number:texts-per-second.")
if PRODUCTION and SMS_PROVIDER == "twilio" and not (TWILIO_ACCOUNT_SID and (
        TWILIO_MESSAGING_SERVICE_SID or SMS_SENDERS)):
    raise ConfigurationError("GROUNDSWELL_TWILIO_ACCOUNT_SID and either "
                             "GROUNDSWELL_TWILIO_MESSAGING_SERVICE_SID or GROUNDSWELL_SMS_SENDERS "
                             "must be set to send texts with Twilio.")
SMS_GATEWAY_URL = env_str("GROUNDSWELL_SMS_GATEWAY_URL", "http://127.0.0.1:8025") or ""
SMS_STATUS_CALLBACKS = env_bool("GROUNDSWELL_SMS_STATUS_CALLBACKS", True)

# --- security headers -----------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *([_map_tile_origin] if _map_tile_origin else [])],
        "connect-src": ["'self'", *([_map_tile_origin] if _map_tile_origin else [])],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("GROUNDSWELL_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("GROUNDSWELL_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    # The /health endpoint is probed over plain HTTP by the load balancer.
    SECURE_REDIRECT_EXEMPT = [r"^health$"]

LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"forbidden_in_one_line": {"()": "groundswell.core.logs.ForbiddenInOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("GROUNDSWELL_LOG_LEVEL", "WARNING")},
    "loggers": {
        "groundswell": {"level": env_str("GROUNDSWELL_LOG_LEVEL", "INFO"), "propagate": True},
        # A 403 is one line (path and reason), never a traceback.
        "django.request": {"filters": ["forbidden_in_one_line"], "propagate": True},
        "django.security": {"filters": ["forbidden_in_one_line"], "propagate": True},
    },
}
