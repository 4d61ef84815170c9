"""Django settings. The embedded default: SQLite (WAL) under ./var, everything in one process.

Values come from the environment where a deployment needs to change them (HOTLINE_*).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("HOTLINE_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# --- Profile, secret key, hosts (environment only) -------------------------------------------------
#: `dev` (the default: SQLite, no Redis, tasks run inline) or `production` (see docs/deploy.md).
HOTLINE_PROFILE = os.environ.get("HOTLINE_PROFILE", "dev").strip().lower() or "dev"
if HOTLINE_PROFILE not in ("dev", "production"):
    raise ImproperlyConfigured(f"HOTLINE_PROFILE must be 'dev' or 'production', not {HOTLINE_PROFILE!r}")
PRODUCTION = HOTLINE_PROFILE == "production"


def _env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated environment variable as a list, blanks dropped."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEV_SECRET_KEY = "dev-only-insecure-key-change-me"  # noqa: S105 - refused by the production profile
SECRET_KEY = os.environ.get("HOTLINE_SECRET_KEY", "").strip() or DEV_SECRET_KEY
if PRODUCTION and (SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("HOTLINE_PROFILE=production needs HOTLINE_SECRET_KEY: a random value of at least "
                               "50 characters, never the development key (see docs/deploy.md)")
DEBUG = os.environ.get("HOTLINE_DEBUG", "0") == "1"
ALLOWED_HOSTS = _env_list("HOTLINE_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("HOTLINE_PROFILE=production needs HOTLINE_ALLOWED_HOSTS (e.g. 12345.example.gov.cn)")
#: The loopback names, so that a probe on the server itself (curl http://127.0.0.1:8000/healthz, a local
#: Prometheus scraping /metrics without a token) is answered. Names nobody else can own: a request through nginx
#: with such a Host makes no link to another site, and /metrics without a token still wants a direct client
#: (no X-Forwarded-For, `hotline.ops.views.metrics_allowed`).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
if PRODUCTION:
    ALLOWED_HOSTS += [host for host in LOOPBACK_HOSTS if host not in ALLOWED_HOSTS]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "hotline.core",
    "hotline.accounts",
    "hotline.orgs",
    "hotline.taxonomy",
    "hotline.sla",
    "hotline.routing",
    "hotline.tickets",
    "hotline.attachments",
    "hotline.workbench",
    "hotline.portal",
    "hotline.notifications",
    "hotline.triage",
    "hotline.hotspots",
    "hotline.replyqa",
    "ninja",  # the API's interactive docs, served from its own static files (no CDN)
    "hotline.api",
    "hotline.open311",
    "hotline.webhooks",
    "hotline.interop",
    "hotline.dataio",
    "hotline.kpis",
    "hotline.dashboards",
    "hotline.calls",
    "hotline.planning",
    "hotline.revisits",
    "hotline.governance",
    "hotline.tasks",
    "hotline.ops",
    "hotline.kb",
    "hotline.callers",
    "hotline.inspection",
    "hotline.incidents",
    "hotline.demo",
]

MIDDLEWARE = [
    "hotline.ops.middleware.RequestContextMiddleware",  # request id, log context, access records
    "hotline.ops.middleware.MetricsMiddleware",  # request latency histogram
    "django.middleware.security.SecurityMiddleware",
    "hotline.ops.middleware.NulRefusalMiddleware",  # a NUL in the path or query: 400, never a database lookup
    "hotline.ops.middleware.ContentSecurityPolicyMiddleware",  # Content-Security-Policy header
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "hotline.ops.middleware.PublicRateLimitMiddleware",  # limits on open311/interop/CTI/health/metrics
    "hotline.tasks.wiring.FollowUpBatchMiddleware",  # with a broker: one follow-up message per request
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "hotline.urls"
CSRF_FAILURE_VIEW = "hotline.ops.errors.csrf_failure"  # citizens get their form back (hotline/ops/errors.py)
WSGI_APPLICATION = "hotline.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "hotline" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database: SQLite (embedded default) or PostgreSQL from HOTLINE_DATABASE_URL ---------------------
_SQLITE_OPTIONS = {
    # WAL lets readers work while one writer writes; IMMEDIATE makes every transaction take the
    # write lock up front, so two conflicting transitions are serialised instead of deadlocking.
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                    "PRAGMA mmap_size=1073741824;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
#: Seconds a PostgreSQL connection is kept open and reused between requests/tasks (0: one per request).
DB_CONN_MAX_AGE = int(os.environ.get("HOTLINE_DB_CONN_MAX_AGE", "60"))


#: After how many runs on one connection a statement becomes a PostgreSQL prepared statement ("off": never,
#: parameters are still bound on the server; "client": bind on the client, as PgBouncer < 1.21 in
#: transaction mode needs).
DB_PREPARE_THRESHOLD = os.environ.get("HOTLINE_DB_PREPARE_THRESHOLD", "5").strip().lower()


def _binding_options(threshold: str) -> dict:
    """psycopg options for `HOTLINE_DB_PREPARE_THRESHOLD` (or `?prepare_threshold=` in the database URL).

    Server-side binding sends parameters apart from the SQL: the server parses and plans the same INSERT
    once per connection instead of once per order, and the client no longer quotes every value itself.
    """
    if threshold == "client":
        return {}
    if threshold in ("off", "none", ""):
        return {"server_side_binding": True}
    if not threshold.isdecimal():
        raise ImproperlyConfigured(
            f"HOTLINE_DB_PREPARE_THRESHOLD: {threshold!r} is not a number of runs, 'off' or 'client'")
    return {"server_side_binding": True, "prepare_threshold": int(threshold)}


def database_from_url(url: str) -> dict:
    """A Django DATABASES entry from `postgres://user:password@host:port/name?sslmode=require` or `sqlite:///path`.

    PostgreSQL goes through psycopg 3 with persistent connections (CONN_MAX_AGE) that are checked before
    reuse (CONN_HEALTH_CHECKS, without a round trip while the socket is quiet: `hotline.core.postgres`);
    query parameters become connection options (sslmode, connect_timeout, …).
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("sqlite", "sqlite3"):
        path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        if not path:
            raise ImproperlyConfigured(f"HOTLINE_DATABASE_URL: no file in {url!r} (sqlite:///var/hotline.sqlite3)")
        name = Path(path) if Path(path).is_absolute() else BASE_DIR / path
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(name), "OPTIONS": dict(_SQLITE_OPTIONS),
                "TEST": {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}}
    if scheme not in ("postgres", "postgresql", "pgsql"):
        raise ImproperlyConfigured(f"HOTLINE_DATABASE_URL: unsupported scheme {scheme!r} (postgres:// or sqlite:///)")
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ImproperlyConfigured(f"HOTLINE_DATABASE_URL: no database name in {parts.scheme}://…{parts.path!r}")
    host = unquote(parts.hostname or "")
    options: dict = dict(parse_qsl(parts.query))
    if "host" in options:  # postgres:///hotline?host=/var/run/postgresql (a Unix socket directory)
        host = options.pop("host")
    options.update(_binding_options(options.pop("prepare_threshold", DB_PREPARE_THRESHOLD)))
    return {
        "ENGINE": "hotline.core.postgres",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": DB_CONN_MAX_AGE,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": options,
        "TEST": {"NAME": os.environ.get("HOTLINE_TEST_DATABASE_NAME", f"test_{name}")},
    }


DATABASE_URL = os.environ.get("HOTLINE_DATABASE_URL", "").strip()
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
elif PRODUCTION:
    raise ImproperlyConfigured("HOTLINE_PROFILE=production needs HOTLINE_DATABASE_URL (postgres://…)")
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("HOTLINE_DB", str(VAR_DIR / "hotline.sqlite3")),
            "OPTIONS": _SQLITE_OPTIONS,
            # A file, not memory, so that tests with several threads share one database; one file per
            # test process, so that parallel runs never clobber each other.
            "TEST": {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")},
        }
    }

#: A streaming replica of the primary (`postgres://…`): reports read from it (hotline/core/replica.py).
REPLICA_DATABASE_URL = os.environ.get("HOTLINE_REPLICA_DATABASE_URL", "").strip()
if REPLICA_DATABASE_URL:
    if not DATABASE_URL:
        raise ImproperlyConfigured("HOTLINE_REPLICA_DATABASE_URL needs HOTLINE_DATABASE_URL (the primary) as well")
    # In tests the replica is the primary's test database (Django's test mirror), never a database of its own.
    DATABASES["replica"] = database_from_url(REPLICA_DATABASE_URL) | {"TEST": {"MIRROR": "default"}}
    DATABASE_ROUTERS = ["hotline.core.replica.ReplicaRouter"]

# --- Redis: cache and Celery broker ------------------------------------------------------------------
#: The Redis server (`redis://127.0.0.1:6379/0`); unset in the embedded profile.
REDIS_URL = os.environ.get("HOTLINE_REDIS_URL", "").strip()


def _redis_db(url: str, offset: int) -> str:
    """The same Redis server with the database number moved by `offset` (the cache beside the broker)."""
    parts = urlsplit(url)
    db = int(parts.path.strip("/") or 0)
    return parts._replace(path=f"/{db + offset}").geturl()


#: The shared cache (rate-limit windows, …) so that every web process counts together. Defaults to the
#: broker's Redis, next database number, in the production profile; per-process memory otherwise.
CACHE_URL = os.environ.get("HOTLINE_CACHE_URL", "").strip() or (_redis_db(REDIS_URL, 1) if PRODUCTION and REDIS_URL
                                                                 else "")
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL,
                          "KEY_PREFIX": "hotline"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery (hotline/celery.py, tasks in hotline/tasks) -------------------------------------------------
if PRODUCTION and not REDIS_URL:
    raise ImproperlyConfigured("HOTLINE_PROFILE=production needs HOTLINE_REDIS_URL (redis://127.0.0.1:6379/0)")
CELERY_BROKER_URL = REDIS_URL or "memory://"
#: Without Redis every task runs inline, in the process that sends it (the embedded profile needs no worker).
CELERY_TASK_ALWAYS_EAGER = os.environ.get("HOTLINE_CELERY_EAGER", "0" if REDIS_URL else "1") == "1"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True  # a task is acknowledged when it has finished: a crash means redelivery
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # … also when the worker process is killed mid-task
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # take one message at a time (long tasks do not hoard others)
CELERY_TASK_IGNORE_RESULT = True  # effects are in the database; no result backend
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("HOTLINE_CELERY_QUEUE", "hotline")
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A message taken by a worker that vanished (host lost, SIGKILL of the main process) goes back to the
    # queue after this many seconds; it must exceed the longest task (the nightly retraining).
    "visibility_timeout": int(os.environ.get("HOTLINE_CELERY_VISIBILITY_TIMEOUT", "3600")),
}
CELERY_TIMEZONE = "Asia/Shanghai"
# --- Notifier credentials (environment only) ----------------------------------------------------------
# The SMS gateway reads HOTLINE_NOTIFIER and HOTLINE_SMS_URL/ACCOUNT/KEY/SIGN/TIMEOUT itself
# (hotline/notifications/backends.py); e-mail goes through Django's SMTP settings below.
HOTLINE_PUBLIC_URL = os.environ.get("HOTLINE_PUBLIC_URL", "")  # the base of links in messages
HOTLINE_WEBHOOKS_ALLOW_PRIVATE = os.environ.get("HOTLINE_WEBHOOKS_ALLOW_PRIVATE", "0") == "1"
EMAIL_HOST = os.environ.get("HOTLINE_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("HOTLINE_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("HOTLINE_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("HOTLINE_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("HOTLINE_EMAIL_TLS", "0") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("HOTLINE_EMAIL_FROM", "12345@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

#: The nightly retraining's labelled CSV and model directory (defaults: the shipped data and model).
HOTLINE_TRAINING_DATA = os.environ.get("HOTLINE_TRAINING_DATA", "")
HOTLINE_MODEL_DIR = os.environ.get("HOTLINE_MODEL_DIR", "")
HOTLINE_AREA_CODE = os.environ.get("HOTLINE_AREA_CODE", "0731").strip()  # local 区号, docs/triage.md
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
#: When the classifier is retrained every night (HOTLINE_RETRAIN_AT, HH:MM local time, default 02:30).
_RETRAIN_AT = tuple(reversed(os.environ.get("HOTLINE_RETRAIN_AT", "02:30").split(":", 1)))  # (minute, hour)
#: Periodic tasks (run by `celery -A hotline beat`); `expires` drops a tick nobody picked up in time.
CELERY_BEAT_SCHEDULE = {
    "sla-sweep": {"task": "hotline.tasks.sla_sweep", "schedule": 60.0, "options": {"expires": 55}},
    "unit-alerts": {"task": "hotline.tasks.alert_units", "schedule": 60.0, "options": {"expires": 55}},
    "texts-retry": {"task": "hotline.tasks.retry_failed_texts", "schedule": 60.0, "options": {"expires": 55}},
    "webhooks-deliver": {"task": "hotline.tasks.deliver_due_webhooks", "schedule": 15.0,
                         "options": {"expires": 14}},
    "retrain-classifier": {"task": "hotline.tasks.retrain_classifier", "schedule": crontab(*_RETRAIN_AT),
                           "options": {"expires": 3 * 3600}},
    "follow-up-repair": {"task": "hotline.tasks.repair_follow_ups", "schedule": 300.0, "options": {"expires": 290}},
    "idempotency-purge": {"task": "hotline.tasks.purge_idempotency_records", "schedule": crontab(0, 4),
                          "options": {"expires": 3600}},
}

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "hotline" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = VAR_DIR / "media"  # attachments; served only through permission-checked views
MEDIA_URL = "/media-not-served/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 60 * 1024 * 1024
STATICFILES_DIRS = [BASE_DIR / "hotline" / "static"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# === Security, audit and observability (issue 8 — hotline/ops; see docs/security.md, docs/operations.md) ===

# --- Password hashing: Argon2id first; the others stay so that older hashes still verify and are upgraded
# to Argon2 at the person's next sign-in. Tests swap in a fast hasher (conftest.py).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# --- Security headers and cookies (every profile) -----------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- Production profile: HTTPS only (HSTS, secure cookies, redirect) ------------------------------------------
#: The header a TLS-terminating proxy sets, "HTTP_X_FORWARDED_PROTO,https" (empty: Django sees TLS itself).
_PROXY_SSL = _env_list("HOTLINE_PROXY_SSL_HEADER", "HTTP_X_FORWARDED_PROTO,https" if PRODUCTION else "")
SECURE_PROXY_SSL_HEADER = (_PROXY_SSL[0], _PROXY_SSL[1]) if len(_PROXY_SSL) == 2 else None
#: The header in which the trusted reverse proxy passes the client's address (rate limits, access records),
#: as the header's name (X-Real-IP) or Django's META key (HTTP_X_REAL_IP). Production sits behind nginx on
#: loopback (docs/deploy.md), which overwrites X-Real-IP with the address it saw; empty: REMOTE_ADDR.
def header_key(name: str) -> str:
    """Django's META key of a request header: X-Real-IP → HTTP_X_REAL_IP (a META key stays as it is)."""
    key = name.strip().upper().replace("-", "_")
    return key if not key or key.startswith("HTTP_") else f"HTTP_{key}"


HOTLINE_CLIENT_IP_HEADER = header_key(os.environ.get("HOTLINE_CLIENT_IP_HEADER", "X-Real-IP" if PRODUCTION else ""))
#: Networks the centre trusts (its offices behind one NAT address), as comma-separated CIDRs
#: (HOTLINE_TRUSTED_SIGNIN_NETWORKS="203.0.113.0/28,2001:db8:12::/48"): exempt from the sign-in limit per client
#: address (password spraying, docs/security.md); each account name is still locked after repeated failures.
HOTLINE_TRUSTED_SIGNIN_NETWORKS = _env_list("HOTLINE_TRUSTED_SIGNIN_NETWORKS")
#: Staff sessions last one shift on shared call-centre workstations (HOTLINE_SESSION_HOURS) and end with the
#: browser in production; the development default keeps Django's two weeks.
SESSION_COOKIE_AGE = int(os.environ.get("HOTLINE_SESSION_HOURS", "12" if PRODUCTION else "336")) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = os.environ.get("HOTLINE_SESSION_AT_BROWSER_CLOSE", "1" if PRODUCTION else "0") == "1"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("HOTLINE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("HOTLINE_HSTS_INCLUDE_SUBDOMAINS", "1") == "1"
    SECURE_HSTS_PRELOAD = os.environ.get("HOTLINE_HSTS_PRELOAD", "1") == "1"
    SECURE_SSL_REDIRECT = os.environ.get("HOTLINE_SSL_REDIRECT", "1") == "1"
    #: Probes of the load balancer and Prometheus may use plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz", r"^metrics$"]

# --- Content-Security-Policy (hotline.ops.middleware.ContentSecurityPolicyMiddleware) --------------------------
#: No inline script anywhere; inline style only as attributes (bar widths) and htmx's one indicator rule (hash).
HOTLINE_CSP = os.environ.get("HOTLINE_CSP", "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'sha256-faU7yAF8NxuMTNEwVmBz+VcYeIoBQ2EMHW3WaVxCvnk='",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
]))
#: Paths with their own policy: the API's interactive docs (Swagger UI styles itself inline).
HOTLINE_CSP_PATHS = [
    ("/api/v1/docs", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                     "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
                     "frame-ancestors 'none'"),
]
HOTLINE_CSP_REPORT_ONLY = os.environ.get("HOTLINE_CSP_REPORT_ONLY", "0") == "1"

# --- Rate limits on public machine endpoints without their own (hotline.ops.middleware.PublicRateLimitMiddleware).
# The portal (hotline/portal/ratelimit.py) and the API (/api/v1/, hotline/api/urls.py) count on their own.
HOTLINE_PUBLIC_RATE_LIMITS_ENABLED = os.environ.get("HOTLINE_PUBLIC_RATE_LIMITS", "1") == "1"
HOTLINE_PUBLIC_RATE_LIMITS = [
    {"name": "open311-write", "prefix": "/open311/v2/", "methods": ["POST"], "limit": 20, "window": 60},
    {"name": "open311-read", "prefix": "/open311/v2/", "methods": ["GET", "HEAD"], "limit": 120, "window": 60},
    {"name": "interop", "prefix": "/interop/v1/", "methods": ["GET", "POST"], "limit": 300, "window": 60},
    {"name": "cti", "prefix": "/cti/v1/", "methods": ["POST"], "limit": 1200, "window": 60},
    {"name": "health", "prefix": "/healthz", "methods": ["GET", "HEAD"], "limit": 120, "window": 60},
    {"name": "metrics", "prefix": "/metrics", "methods": ["GET"], "limit": 60, "window": 60},
]

#: Bearer token for /metrics (HOTLINE_METRICS_TOKEN); without one, only a direct loopback client may scrape.
HOTLINE_METRICS_TOKEN = os.environ.get("HOTLINE_METRICS_TOKEN", "").strip()

# --- Logging: one JSON object per line with the request id (HOTLINE_LOG_FORMAT=json|text) ------------------------
HOTLINE_LOG_FORMAT = os.environ.get("HOTLINE_LOG_FORMAT", "json" if PRODUCTION else "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "hotline.ops.jsonlog.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "hotline.ops.jsonlog.JsonFormatter"},
        "text": {"()": "hotline.ops.jsonlog.TextFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": HOTLINE_LOG_FORMAT,
                             "filters": ["request"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("HOTLINE_LOG_LEVEL", "WARNING")},
    "loggers": {
        # One line per request (method, path, status, duration) and one per sensitive view / admin change.
        "hotline.request": {"level": os.environ.get("HOTLINE_REQUEST_LOG_LEVEL", "INFO" if PRODUCTION else "WARNING")},
        "hotline.audit": {"level": "INFO"},
    },
}
