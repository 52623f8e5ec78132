"""The one settings module. Every value comes from the environment (or a `.env` file).

`.env.example` documents each variable. A bad value raises ImproperlyConfigured with a
message naming the variable, so a misconfigured deployment fails at start, not later.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# A `.env` in the checkout is read if present; real environment variables win over it.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _bool(name: str, default: bool) -> bool:
    raw = env.str(name, default=str(default)).strip().lower()
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def _int(name: str, default: int, minimum: int = 0) -> int:
    raw = env.str(name, default=str(default)).strip()
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}.")
    return value


def _float(name: str, default: float, minimum: float = 0.0) -> float:
    raw = env.str(name, default=str(default)).strip()
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}.")
    return value


def _url(name: str, default: str, schemes: tuple[str, ...]) -> str:
    raw = env.str(name, default=default).strip()
    parts = urlsplit(raw)
    if parts.scheme not in schemes or not (parts.netloc or parts.path):
        raise ImproperlyConfigured(
            f"{name} must be a URL starting with {' or '.join(s + '://' for s in schemes)},"
            f" not {raw!r}."
        )
    return raw


DEBUG = _bool("DEBUG", False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment or in .env "
            "(`make run` writes a .env with fresh secrets for local use)."
        )
    SECRET_KEY = "insecure-local-development-key-only-used-when-DEBUG-is-on"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
# Loopback names are always allowed: the container health check calls 127.0.0.1.
ALLOWED_HOSTS += [h for h in ("127.0.0.1", "localhost", "[::1]") if h not in ALLOWED_HOSTS]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
for origin in CSRF_TRUSTED_ORIGINS:
    if urlsplit(origin).scheme not in {"http", "https"}:
        raise ImproperlyConfigured(
            f"CSRF_TRUSTED_ORIGINS entries must start with http:// or https://, not {origin!r}."
        )

# --- The Replica API -------------------------------------------------------------------
# Default: the emulator that `make run` starts beside the portal.
EMULATOR_URL = "http://127.0.0.1:8765"
REPLICAS_API_URL = _url("REPLICAS_API_URL", EMULATOR_URL, ("http", "https")).rstrip("/")
# True when the portal talks to the local emulator (demo accounts are only ever made then).
REPLICAS_API_IS_EMULATOR = REPLICAS_API_URL == EMULATOR_URL or _bool(
    "REPLICAS_API_IS_EMULATOR", False
)
REPLICAS_API_CONNECT_TIMEOUT = _float("REPLICAS_API_CONNECT_TIMEOUT", 5.0, minimum=0.1)
REPLICAS_API_READ_TIMEOUT = _float("REPLICAS_API_READ_TIMEOUT", 30.0, minimum=0.1)
REPLICAS_API_MAX_RETRIES = _int("REPLICAS_API_MAX_RETRIES", 2)
REPLICAS_API_MAX_CONNECTIONS = _int("REPLICAS_API_MAX_CONNECTIONS", 100, minimum=1)

# --- Webhooks from the Replica API (portal/webhooks) ------------------------------------
# The portal's address as the Replica API can reach it (https://portal.example.com). Set, each
# replica created through the portal gets its own signed webhook to it; empty, notifications
# come from polling the API instead (and may lag). `make run` sets it to the local portal.
PORTAL_PUBLIC_URL = (
    _url("PORTAL_PUBLIC_URL", "", ("http", "https")).rstrip("/")
    if env.str("PORTAL_PUBLIC_URL", default="").strip()
    else ""
)
# Webhook events whose signed `created_at` is older than this (seconds) are refused as stale:
# with no timestamp in the signature, the stored event ids guard against replays, and this.
WEBHOOK_MAX_AGE = _int("WEBHOOK_MAX_AGE", 24 * 60 * 60, minimum=60)
# Bodies over this many bytes are refused (413) before anything else is looked at.
WEBHOOK_MAX_BYTES = _int("WEBHOOK_MAX_BYTES", 256 * 1024, minimum=1024)

# Mission control (portal/fleet): sized workspaces cost what the API guide says per minute
# (replicas/choices.py SIZES); one created without a size bills at the org's "standard rate",
# which the API doesn't publish: FLEET_PRICE_DEFAULT (USD per minute) is your contract's.
FLEET_PRICE_DEFAULT = _float("FLEET_PRICE_DEFAULT", 0.008)
# An active replica with no activity for this many minutes is marked idle (adjustable per view).
FLEET_IDLE_MINUTES = _int("FLEET_IDLE_MINUTES", 30, minimum=1)

# Fernet keys (comma-separated) that encrypt stored API keys: the first encrypts, all decrypt.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])

# --- Django ----------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",  # the built-in widget templates, for FORM_RENDERER below
    "django_htmx",
    "portal.accounts",
    "portal.replicas",
    "portal.environments",
    "portal.automations",
    "portal.webhooks",
    "portal.fleet",
    "portal.reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.lib.middleware.ErrorPagesMiddleware",
    # Last, so its process_exception runs first: "no usable key" and a 401 for the acting
    # key lead to the "add your API key" page.
    "portal.accounts.middleware.AccountsMiddleware",
]

ROOT_URLCONF = "portal.urls"
ASGI_APPLICATION = "portal.asgi.application"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.accounts.context_processors.acting",
                "portal.lib.context_processors.site",
            ],
            "builtins": ["django_htmx.templatetags.django_htmx"],
        },
    },
]

_DATABASE_URL = env.str("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")
if urlsplit(_DATABASE_URL).scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
    raise ImproperlyConfigured(
        f"DATABASE_URL must start with sqlite:// or postgres://, not {_DATABASE_URL.split(':')[0]!r}."
    )
try:
    DATABASES = {
        "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")
    }
except (environ.ImproperlyConfigured, ValueError, KeyError) as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the relay's readers and a writer share the file without "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
# Seconds a database connection is kept for the next request (0: closed after each request).
# Under ASGI each of the server's pooled threads keeps its own (portal/asgi.py), checked
# before its first use in a request.
DATABASES["default"]["CONN_MAX_AGE"] = _int("CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared state between portal processes (throttling counters, caches) lives in the cache:
# local memory by default, Redis when REDIS_URL is set.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    _url("REDIS_URL", REDIS_URL, ("redis", "rediss", "unix"))
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    # Local memory (one process), its async calls without thread hops.
    CACHES = {"default": {"BACKEND": "portal.lib.cache.LocMemCache"}}

# `Server-Timing` on every answer under ASGI (time to the answer's start, and the part of it
# spent waiting for the Replica API): for `make bench` and profiling, off by default.
SERVER_TIMING = _bool("SERVER_TIMING", False)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "signed_out"
# Every form field is rendered by templates/forms/field.html (label, widget, errors, help).
FORM_RENDERER = "portal.lib.forms.PortalFormRenderer"
# Login throttling counts failures per client IP: with this many trusted proxies in front
# (a load balancer = 1), the client is read from X-Forwarded-For; 0 uses REMOTE_ADDR.
NUM_PROXIES = _int("NUM_PROXIES", 0)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Hashed, compressed files from `collectstatic` (the Dockerfile runs it at build). Off for
# local runs and tests, which serve straight from the app and static/ directories.
STATIC_MANIFEST = _bool("STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            # WhiteNoise's CompressedManifestStaticFilesStorage, Django's StaticFilesStorage,
            # each with its URLs remembered (portal/lib/staticfiles.py).
            "portal.lib.staticfiles.RememberedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "portal.lib.staticfiles.RememberedStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
WHITENOISE_AUTOREFRESH = DEBUG

# --- Security --------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Pages send the token in a header (hx-headers on <body>); no script reads the cookie.
CSRF_COOKIE_HTTPONLY = True
# Error pages and reports never show API keys, even with DEBUG on.
DEFAULT_EXCEPTION_REPORTER_FILTER = "portal.lib.exception_filter.PortalExceptionReporterFilter"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# /healthz shows its details (the database, the Replica API's address, reachability and
# latency) to signed-in org admins only; true shows them to anyone, e.g. an outside monitor.
HEALTHZ_DETAILS = _bool("HEALTHZ_DETAILS", False)
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = _int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = _bool("SECURE_HSTS_PRELOAD", False)
    # Behind a TLS-terminating load balancer that sets X-Forwarded-Proto.
    if _bool("SECURE_PROXY_SSL_HEADER", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    if not SECURE_HSTS_PRELOAD:
        # Joining the browsers' HSTS preload list is a deliberate, hard-to-undo choice
        # (SECURE_HSTS_PRELOAD=true); not making it is not a misconfiguration.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# No inline scripts or styles anywhere: everything is served from our own static files.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "media-src": [CSP.SELF, "data:", "blob:"],
    "connect-src": [CSP.SELF],
    "frame-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
}

# --- Logging ---------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {LOG_LEVEL!r}."
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_secrets": {"()": "portal.lib.logging.RedactSecretsFilter"},
        "permission_denied_one_line": {"()": "portal.lib.logging.PermissionDeniedOneLineFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # httpx logs every request line at INFO; the URL never carries a key, but keep it quiet.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # A 403 is a refusal working as meant: one line, no traceback.
        "django.request": {"filters": ["permission_denied_one_line"]},
    },
}
