"""Schildwacht's one settings module.

Everything configurable comes from SCHILDWACHT_* environment variables read through the strict
helpers in ``schildwacht.lib.env``. Outside demo mode a missing secret stops start-up.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from schildwacht.lib.env import env_bool, env_date, env_int, env_list, env_path, env_str

BASE_DIR = Path(__file__).resolve().parent

# Demo mode is switched on by `schildwacht demo` only: it may invent its own secrets because
# it serves on 127.0.0.1 for one person trying the product.
DEMO_MODE = env_bool("SCHILDWACHT_DEMO", False)
TESTING = env_bool("SCHILDWACHT_TESTING", False)
# `schildwacht restore` brings the encryption key back from the backup, so it may start without.
RESTORING = env_bool("SCHILDWACHT_RESTORING", False)

SCHILDWACHT_HOME = env_path("SCHILDWACHT_HOME", Path.cwd() / "var")
MEDIA_ROOT = SCHILDWACHT_HOME / "files"
KEY_FILE = SCHILDWACHT_HOME / "encryption.key"


def _demo_secret(path: Path) -> str:
    """Return the secret stored in ``path``, creating it (mode 0600) for demo mode."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(50)
    path.write_text(value)
    path.chmod(0o600)
    return value


def _encryption_keys() -> list[str]:
    """Fernet keys for secrets at rest; the first encrypts, all decrypt (key rotation)."""
    from_env = env_list("SCHILDWACHT_ENCRYPTION_KEY", [])
    if from_env:
        return from_env
    if KEY_FILE.exists():
        return [line.strip() for line in KEY_FILE.read_text().splitlines() if line.strip()]
    if DEMO_MODE:
        from cryptography.fernet import Fernet

        KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
        KEY_FILE.write_text(Fernet.generate_key().decode() + "\n")
        KEY_FILE.chmod(0o600)
        return _encryption_keys()
    if RESTORING:
        return []
    raise ImproperlyConfigured(
        "No encryption key: set SCHILDWACHT_ENCRYPTION_KEY (a Fernet key) or place it in "
        f"{KEY_FILE}. It protects MFA secrets and must be kept with every backup."
    )


_secret = env_str("SCHILDWACHT_SECRET_KEY")
if not _secret:
    if not DEMO_MODE:
        raise ImproperlyConfigured(
            "SCHILDWACHT_SECRET_KEY is not set. Set it to a long random value "
            "(for example: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'). "
            "Only `schildwacht demo` runs without it."
        )
    _secret = _demo_secret(SCHILDWACHT_HOME / "demo-secret.key")
SECRET_KEY = _secret
SCHILDWACHT_ENCRYPTION_KEYS = _encryption_keys()

DEBUG = env_bool("SCHILDWACHT_DEBUG", False)
# Production sits behind TLS (a reverse proxy or not); demo and tests speak plain HTTP on loopback.
HTTPS = env_bool("SCHILDWACHT_HTTPS", not (DEMO_MODE or TESTING))

ALLOWED_HOSTS = env_list(
    "SCHILDWACHT_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] + (["testserver"] if TESTING else [])
)
CSRF_TRUSTED_ORIGINS = env_list("SCHILDWACHT_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SCHILDWACHT_SITE_URL", "http://127.0.0.1:8000") or ""

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "schildwacht.organisations",
    "schildwacht.accounts",
    "schildwacht.audit",
    "schildwacht.home",
    "schildwacht.operations",
    "schildwacht.demo",
    "schildwacht.frameworks",
    "schildwacht.assessments",
    "schildwacht.reports",
    "schildwacht.planning",
    "schildwacht.suppliers",
    "schildwacht.registers",
    "schildwacht.dpia",
    "schildwacht.risks",
    "schildwacht.incidents",
    "schildwacht.people",
    "schildwacht.detection",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "schildwacht.operations.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "schildwacht.accounts.middleware.SessionGenerationMiddleware",
    "schildwacht.accounts.middleware.MFARequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "schildwacht.urls"
WSGI_APPLICATION = "schildwacht.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "schildwacht.organisations.context.active_organisation",
            ],
        },
    }
]

# Database: SQLite in SCHILDWACHT_HOME unless SCHILDWACHT_DATABASE_URL names another.
_database_url = env_str("SCHILDWACHT_DATABASE_URL")
if _database_url:
    try:
        _db = dict(dj_database_url.parse(_database_url, conn_max_age=60))
    except ValueError as exc:
        raise ImproperlyConfigured(f"SCHILDWACHT_DATABASE_URL is not valid: {exc}") from exc
else:
    _db = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(SCHILDWACHT_HOME / "schildwacht.db")}
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite cannot create the folder its file lives in.
    SCHILDWACHT_HOME.mkdir(parents=True, exist_ok=True)
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so a
    # transaction never fails half-way on a lock upgrade; the busy timeout makes writers queue.
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;",
    }
    # Tests that write from several threads need a file, not a private in-memory database.
    _db["TEST"] = {"NAME": str(SCHILDWACHT_HOME / "test-schildwacht.db")}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "schildwacht.accounts.backends.EmailPasswordBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 at full strength would make the suite crawl; tests still go through Argon2.
    PASSWORD_HASHERS = ["schildwacht.accounts.hashers.FastArgon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home:start"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions: an idle session ends after SCHILDWACHT_SESSION_IDLE_MINUTES (each request renews it).
SESSION_COOKIE_AGE = env_int("SCHILDWACHT_SESSION_IDLE_MINUTES", 120, minimum=5) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
# The preload token only allows submitting the domain to browsers' list; it adds nothing itself.
SECURE_HSTS_PRELOAD = HTTPS and env_bool("SCHILDWACHT_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("SCHILDWACHT_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
SILENCED_SYSTEM_CHECKS: list[str] = []
if not HTTPS:
    # HSTS, SSL redirect and secure cookies are off on purpose for plain-HTTP demo and tests.
    SILENCED_SYSTEM_CHECKS = ["security.W004", "security.W008", "security.W012", "security.W016"]

# Requests: a bound on what one request may carry (uploads included), so oversized bodies are
# refused before they are read; form and JSON data apart from files stay much smaller.
MAX_REQUEST_SIZE = env_int("SCHILDWACHT_MAX_REQUEST_MB", 25, minimum=1) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = min(MAX_REQUEST_SIZE, 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

# Content Security Policy: no inline script or style anywhere; htmx is a local static file.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Login throttling: a lock per account and address after repeated failures.
AXES_FAILURE_LIMIT = env_int("SCHILDWACHT_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

OTP_TOTP_ISSUER = "Schildwacht"

# Internationalisation: Dutch first, English available.
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Amsterdam"

STATIC_URL = "/static/"
# WhiteNoise serves straight from the app folders, so no collectstatic step (and no
# STATIC_ROOT) is needed and a reverse proxy is optional.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_URL = "/files/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Background work: django-tasks with the database backend; tests run tasks at once.
TASKS = {
    "default": {
        # The demo runs no worker: its e-mails go straight to the console.
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if TESTING or DEMO_MODE
        else "django_tasks_db.DatabaseBackend"
    }
}

# E-mail: console in demo and development, SMTP when a host is configured.
EMAIL_HOST = env_str("SCHILDWACHT_EMAIL_HOST", "") or ""
EMAIL_PORT = env_int("SCHILDWACHT_EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("SCHILDWACHT_EMAIL_USER", "") or ""
EMAIL_HOST_PASSWORD = env_str("SCHILDWACHT_EMAIL_PASSWORD", "") or ""
EMAIL_USE_TLS = env_bool("SCHILDWACHT_EMAIL_TLS", True)
DEFAULT_FROM_EMAIL = env_str("SCHILDWACHT_EMAIL_FROM", "schildwacht@localhost") or ""
if TESTING:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
elif EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Audit trail: personal data in before/after values is erased after this many days; the hash
# chain keeps only a digest of the values, so it still verifies afterwards.
AUDIT_PAYLOAD_RETENTION_DAYS = env_int("SCHILDWACHT_AUDIT_RETENTION_DAYS", 365 * 7, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("SCHILDWACHT_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Operations (schildwacht worker): retention of sign-in attempt records (django-axes: e-mail and
# IP addresses) and of finished background-task results.
LOGIN_ATTEMPT_RETENTION_DAYS = env_int("SCHILDWACHT_LOGIN_ATTEMPT_RETENTION_DAYS", 30, minimum=1)
TASK_RESULT_RETENTION_DAYS = env_int("SCHILDWACHT_TASK_RESULT_RETENTION_DAYS", 14, minimum=1)
# The project-wide static folder (schildwacht/static) belongs to no app, so the finders that
# WhiteNoise serves from must be told about it.
STATICFILES_DIRS = [BASE_DIR / "static"]

# The date by which boards should meet the normenkader (PRODUCT.md: "end of 2027" in the brief,
# later policy news speaks of 2030), so a setting, never a constant. Plans project against it.
TARGET_DATE = env_date("SCHILDWACHT_TARGET_DATE", dt.date(2027, 12, 31))

# Log analysis (detection app): DuckDB's memory and threads in the worker, and the largest log
# file one upload may be. The memory value goes into DuckDB's own setting, so it is checked
# here. An upload through the web or the API also passes the request cap above
# (SCHILDWACHT_MAX_REQUEST_MB): raise that too to accept large log files.
DETECTION_MEMORY_LIMIT = env_str("SCHILDWACHT_DETECTION_MEMORY", "1GB") or "1GB"
if not re.fullmatch(r"\d{1,6}(\.\d{1,3})?\s?(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", DETECTION_MEMORY_LIMIT):
    raise ImproperlyConfigured(
        "SCHILDWACHT_DETECTION_MEMORY must be an amount such as 512MB or 2GB, "
        f"not {DETECTION_MEMORY_LIMIT!r}."
    )
DETECTION_THREADS = env_int("SCHILDWACHT_DETECTION_THREADS", 2, minimum=1)
DETECTION_MAX_UPLOAD_BYTES = (
    env_int("SCHILDWACHT_DETECTION_MAX_UPLOAD_MB", 2048, minimum=1) * 1024 * 1024
)
