"""Settings of Gonghui, read from environment variables only (see `.env.example`).

`gonghui` (the console script) loads a `.env` file from the working directory into the
environment first, so that a deployment can keep its variables in one file.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent.parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    return default if value is None else int(value)


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("GONGHUI_TESTING", False)
VAR_DIR = Path(env("GONGHUI_VAR_DIR", str(BASE_DIR / "var")) or BASE_DIR / "var")

SECRET_KEY = env("SECRET_KEY") or ""
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Copy .env.example to .env and fill it in (make demo does this for you)."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "gonghui.orgs.admin_site.GonghuiAdminConfig",  # the admin behind the one sign-in door
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_htmx",
    "template_partials",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "gonghui.core",
    "gonghui.orgs",
    "gonghui.relief",
    "gonghui.membership",
    "gonghui.mediation",
    "gonghui.bargaining",
    "gonghui.reports",
    "gonghui.dashboards",
    "gonghui.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "gonghui.core.middleware.RequestContextMiddleware",
    "gonghui.core.middleware.NoStoreMiddleware",  # outside the session and the page cache: sees both
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gonghui.core.middleware.LanguageMiddleware",
    "gonghui.core.middleware.RefuseNulMiddleware",
    "gonghui.core.pagecache.PageCacheMiddleware",  # a hit is answered here, before authentication
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "gonghui.orgs.middleware.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "gonghui.urls"
WSGI_APPLICATION = "gonghui.wsgi.application"
ASGI_APPLICATION = "gonghui.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gonghui.orgs.context_processors.console",
            ],
        },
    }
]

# --- Database: PostgreSQL from DATABASE_URL, else the embedded SQLite file under var/ ---
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "gonghui.sqlite3",
            "OPTIONS": {
                # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at
                # the start of a transaction so that two writers queue instead of deadlocking.
                # A page cache of up to 64 MiB a connection (SQLite's default is 2 MiB) keeps the people
                # table's indexes in memory: a 50,000-row import into it costs about a tenth less
                # (bench/import_people.py); temporary sorts stay in memory.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                                "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Read views marked `cached_read` keep their answers in Redis until a table they read is written (core.pagecache);
# only with REDIS_URL, as every process must see the same generations.
GONGHUI_PAGE_CACHE = env_bool("GONGHUI_PAGE_CACHE", True)
GONGHUI_PAGE_CACHE_SECONDS = env_int("GONGHUI_PAGE_CACHE_SECONDS", 60)
GONGHUI_PAGE_CACHE_PREFIX = env("GONGHUI_PAGE_CACHE_PREFIX", "gonghui:pc:")

# --- Background work (django.tasks backport): the database backend by default ---
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# A city or province runs it on RQ workers over Redis (`gonghui worker`), the same tasks through the same API.
TASKS_BACKEND = env("GONGHUI_TASKS_BACKEND", "db")
if TASKS_BACKEND == "rq":
    if not REDIS_URL:
        raise ImproperlyConfigured("GONGHUI_TASKS_BACKEND=rq needs REDIS_URL")
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    # A 200,000-row import or a province's export may run for long; RQ kills a job past its timeout.
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 6 * 3600}}
elif TASKS_BACKEND != "db":
    raise ImproperlyConfigured("GONGHUI_TASKS_BACKEND is db (the default) or rq")

# --- Accounts and security baseline (MLPS 2.0 level 3; the standard sets no numbers) ---
AUTH_USER_MODEL = "orgs.User"
LOGIN_URL = "orgs:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "orgs:login"
AUTHENTICATION_BACKENDS = ["gonghui.orgs.auth.UsernameOrPhoneBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("GONGHUI_PASSWORD_MIN_LENGTH", 8)},
    },
    {
        "NAME": "gonghui.orgs.auth.CharacterClassValidator",
        "OPTIONS": {"min_classes": env_int("GONGHUI_PASSWORD_MIN_CLASSES", 3)},
    },
    # Django's 20,000 common passwords and our own list (orgs/common-passwords.txt: the demo's, the Chinese leaks').
    {"NAME": "gonghui.orgs.passwords.PublishedPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
GONGHUI_LOCKOUT_THRESHOLD = env_int("GONGHUI_LOCKOUT_THRESHOLD", 5)
GONGHUI_LOCKOUT_MINUTES = env_int("GONGHUI_LOCKOUT_MINUTES", 15)  # the first lock; each next one within a day doubles
GONGHUI_LOCKOUT_MAX_MINUTES = env_int("GONGHUI_LOCKOUT_MAX_MINUTES", 24 * 60)
# Failures on one account from all clients together: past this, a password alone no longer signs in
# (the owner uses an SMS code, or password + authenticator).
GONGHUI_ACCOUNT_GUARD_THRESHOLD = env_int("GONGHUI_ACCOUNT_GUARD_THRESHOLD", 20)
GONGHUI_ACCOUNT_GUARD_MINUTES = env_int("GONGHUI_ACCOUNT_GUARD_MINUTES", 60)
# Abuse limits (core/ratelimit.py): per person and per address, in a window of `hours`.
GONGHUI_ABUSE_LIMITS = {
    "mediation.case": {"per_person": env_int("GONGHUI_LIMIT_CASES_PER_PERSON", 3),
                       "per_address": env_int("GONGHUI_LIMIT_CASES_PER_ADDRESS", 30), "hours": 24},
    "mediation.negotiation": {"per_person": env_int("GONGHUI_LIMIT_NEGOTIATIONS_PER_PERSON", 3),
                              "per_address": env_int("GONGHUI_LIMIT_NEGOTIATIONS_PER_ADDRESS", 30), "hours": 24},
    "bargaining.request": {"per_person": env_int("GONGHUI_LIMIT_BARGAININGS_PER_PERSON", 10),
                           "per_address": env_int("GONGHUI_LIMIT_BARGAININGS_PER_ADDRESS", 30), "hours": 24},
    "membership.application": {"per_person": env_int("GONGHUI_LIMIT_JOINS_PER_PERSON", 3),
                               "per_address": env_int("GONGHUI_LIMIT_JOINS_PER_ADDRESS", 200), "hours": 24},
    "sms.fanout": {"per_person": env_int("GONGHUI_LIMIT_FANOUTS_PER_PERSON", 10),
                   "per_address": env_int("GONGHUI_LIMIT_FANOUTS_PER_ADDRESS", 30), "hours": 24},
}
GONGHUI_LOGIN_RATE_PER_IP = env_int("GONGHUI_LOGIN_RATE_PER_IP", 30)  # failed attempts per 10 minutes
GONGHUI_OFFICIAL_IDLE_MINUTES = env_int("GONGHUI_OFFICIAL_IDLE_MINUTES", 30)
GONGHUI_WORKER_IDLE_MINUTES = env_int("GONGHUI_WORKER_IDLE_MINUTES", 24 * 60)
GONGHUI_REQUIRE_OTP_FOR_OFFICIALS = env_bool("GONGHUI_REQUIRE_OTP_FOR_OFFICIALS", False)
GONGHUI_API_TOKEN_DAYS = env_int("GONGHUI_API_TOKEN_DAYS", 30)
GONGHUI_AUDIT_RETENTION_DAYS = max(180, env_int("GONGHUI_AUDIT_RETENTION_DAYS", 365))
GONGHUI_PROXY_COUNT = env_int("GONGHUI_PROXY_COUNT", 0)  # reverse proxies in front (X-Forwarded-For)
GONGHUI_DEMO_PASSWORD = env("GONGHUI_DEMO_PASSWORD", "Gonghui@2026")

# SMS one-time codes for phone sign-in
GONGHUI_SMS_BACKEND = env("GONGHUI_SMS_BACKEND", "gonghui.core.sms.ConsoleBackend")
GONGHUI_SMS_FILE = env("GONGHUI_SMS_FILE", str(VAR_DIR / "sms-outbox.log"))
GONGHUI_SMS_GATEWAY_URL = env("GONGHUI_SMS_GATEWAY_URL")
GONGHUI_SMS_GATEWAY_TOKEN = env("GONGHUI_SMS_GATEWAY_TOKEN")
GONGHUI_SMS_CODE_MINUTES = env_int("GONGHUI_SMS_CODE_MINUTES", 5)
GONGHUI_SMS_RESEND_SECONDS = env_int("GONGHUI_SMS_RESEND_SECONDS", 60)
GONGHUI_SMS_PER_NUMBER_PER_HOUR = env_int("GONGHUI_SMS_PER_NUMBER_PER_HOUR", 5)
GONGHUI_SMS_PER_ADDRESS_PER_HOUR = env_int("GONGHUI_SMS_PER_ADDRESS_PER_HOUR", 20)
GONGHUI_SMS_MAX_ATTEMPTS = env_int("GONGHUI_SMS_MAX_ATTEMPTS", 5)
# Identity proofing (orgs/identity.py). A real-name verification service (carrier three-factor or face
# verification), as the dotted path of a class implementing gonghui.orgs.identity.RealNameBackend;
# empty: none, and a file is linked or re-bound only by the phone on file or the union's verification.
GONGHUI_REALNAME_BACKEND = env("GONGHUI_REALNAME_BACKEND", "")
# A self-service re-binding of a login number waits this long (the old number is told at once and may cancel).
GONGHUI_REBIND_COOLING_HOURS = env_int("GONGHUI_REBIND_COOLING_HOURS", 72)
# Look-ups by ID number that answered nothing (another street's file, a name that does not match), per account per hour.
GONGHUI_ID_LOOKUPS_PER_HOUR = env_int("GONGHUI_ID_LOOKUPS_PER_HOUR", 20)

# Personal data: AES-256-GCM (default) or SM4-GCM (国密), key from GONGHUI_DATA_KEY.
GONGHUI_DATA_KEY = env("GONGHUI_DATA_KEY") or ""
if not GONGHUI_DATA_KEY:
    raise ImproperlyConfigured("GONGHUI_DATA_KEY is not set: personal data cannot be encrypted without it.")
GONGHUI_DATA_CIPHER = env("GONGHUI_DATA_CIPHER", "aes-256-gcm")

# Spreadsheets: the largest sheet an import reads, and the export size that runs as a task.
GONGHUI_IMPORT_MAX_ROWS = env_int("GONGHUI_IMPORT_MAX_ROWS", 500_000)
GONGHUI_EXPORT_TASK_ROWS = env_int("GONGHUI_EXPORT_TASK_ROWS", 10_000)
# A report workbook larger than this (KB) is checked and filed as a job (progress bar, annotated file of problems).
GONGHUI_REPORT_UPLOAD_TASK_KB = env_int("GONGHUI_REPORT_UPLOAD_TASK_KB", 64)  # about 2,000 rows
# A running job silent this long (no progress) on another machine is taken to have lost its worker.
GONGHUI_JOB_STALE_SECONDS = env_int("GONGHUI_JOB_STALE_SECONDS", 300)
GONGHUI_JOB_MAX_ATTEMPTS = env_int("GONGHUI_JOB_MAX_ATTEMPTS", 3)
# Household files written per transaction by a batch grant (its checkpoint: a re-run resumes after the last one).
GONGHUI_GRANT_CHUNK = env_int("GONGHUI_GRANT_CHUNK", 50_000)
GONGHUI_UPLOAD_MAX_MB = env_int("GONGHUI_UPLOAD_MAX_MB", 50)
GONGHUI_CARD_TOKEN_SECONDS = env_int("GONGHUI_CARD_TOKEN_SECONDS", 300)  # an e-card QR code is good for 5 minutes
GONGHUI_JOIN_DECISION_WORKING_DAYS = env_int("GONGHUI_JOIN_DECISION_WORKING_DAYS", 3)
GONGHUI_TRANSFER_RELEASE_WORKING_DAYS = env_int("GONGHUI_TRANSFER_RELEASE_WORKING_DAYS", 5)
GONGHUI_ATTACHMENT_MAX_MB = env_int("GONGHUI_ATTACHMENT_MAX_MB", 10)  # invoices, diagnoses, photos
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Retention of personal data, in days after the event named (`gonghui purge`).
GONGHUI_RETENTION_DAYS = {
    "uploads": env_int("GONGHUI_RETENTION_UPLOADS_DAYS", 7),  # uploaded and exported files
    "login_attempts": env_int("GONGHUI_RETENTION_LOGIN_DAYS", 30),
    "sms_codes": env_int("GONGHUI_RETENTION_SMS_DAYS", 1),
    "transferred_people": env_int("GONGHUI_RETENTION_TRANSFERRED_DAYS", 3 * 365),  # after transfer out
    # Hardship files: at least 10 years after exit (困难职工档案管理).
    "hardship_files": max(3653, env_int("GONGHUI_RETENTION_HARDSHIP_DAYS", 3653)),
}

# Sessions in the database, read through Redis when there is one; saved when they change — the idle clock
# (orgs.middleware) moves at most once a minute, so a page view is not a write.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = GONGHUI_WORKER_IDLE_MINUTES * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Behind TLS (production): secure cookies, HSTS, redirect to https. Off only for a local demo.
HTTPS = env_bool("GONGHUI_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("GONGHUI_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if GONGHUI_PROXY_COUNT else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy: our own origin only, no inline script, no third party.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Language and time: Chinese first, English on request; stored aware, shown in Shanghai ---
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Static files: Bootstrap, htmx and ECharts from npm, served by the app (no CDN) ---
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
MEDIA_ROOT = VAR_DIR / "media"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Every line is scrubbed of personal numbers before it is written: a 404's path, a search in a URL.
    "filters": {"scrub": {"()": "gonghui.core.logs.ScrubPersonalNumbers"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["scrub"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"},
                # scrubbed where they are logged, before Django's own handlers (mail to admins) see them
                "django.request": {"filters": ["scrub"]}, "django.server": {"filters": ["scrub"]}},
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500  # a page of the API; exports are the way to take more
API_TOKEN_LIFETIME = timedelta(days=GONGHUI_API_TOKEN_DAYS)
