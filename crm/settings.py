"""Settings for the CRM, read from the environment (12-factor) through django-environ.

Development defaults run with nothing installed: SQLite in the project folder, a
file-system Celery broker, console email. With DEBUG off the production secrets
are required and the process refuses to start without them.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=True)


def _required(name: str, dev_default: str) -> str:
    """A setting production must provide; development falls back to a harmless default."""
    value = env.str(name, default="")
    if value:
        return value
    if DEBUG:
        return dev_default
    raise ImproperlyConfigured(f"{name} must be set when DEBUG is off.")


SECRET_KEY = _required("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Third party
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_celery_beat",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    # Ours
    "crm",
    "audit",
    "accounts",
    "customers",
    "leads",
    "opportunities",
    "reports",
    "notifications",
    "webhooks",
    "api",
    "attachments",
    "recyclebin",
    "workspace",
    "imports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "crm.scoping.RequestMemoMiddleware",
    "audit.middleware.ActorMiddleware",
    "crm.middleware.NoStoreForSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "crm.context_processors.crm",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if not DEBUG and "DATABASE_URL" not in env:
    raise ImproperlyConfigured("DATABASE_URL must be set when DEBUG is off.")
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Connection reuse: a new PostgreSQL connection costs ~20 ms per request, so production keeps
# each one for a minute (checked before reuse, so a restarted server costs one error-free retry).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if DEBUG else 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
# Large CSV exports stream through a server-side cursor on PostgreSQL. Behind PgBouncer in
# transaction pooling mode such cursors do not survive; set this to true there (the export then
# reads its rows through an ordinary cursor: still plain values, never model instances).
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DISABLE_SERVER_SIDE_CURSORS", default=False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The pages run many short aggregates; JIT compilation costs more than it saves on them.
    # Every server-side cursor here (exports, batch jobs) is read to the end: plan for all its
    # rows, not for the first tenth (a team's export walked the whole deal index in its order
    # instead of sorting the team's 800 deals).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off -c cursor_tuple_fraction=1")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker and the web process share the file without "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE", "timeout": 20}
    )
# A read replica for reports and exports (see crm/db_router.py). In tests it is a mirror of
# the primary; behind PgBouncer in transaction mode set DISABLE_SERVER_SIDE_CURSORS=true.
if env.str("REPLICA_DATABASE_URL", default=""):
    DATABASES["replica"] = {
        **env.db("REPLICA_DATABASE_URL"),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "OPTIONS": dict(DATABASES["default"].get("OPTIONS", {})),
        "TEST": {"MIRROR": "default"},
    }
for _db in DATABASES.values():
    if _db["ENGINE"] == "django.db.backends.postgresql":
        _db["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DISABLE_SERVER_SIDE_CURSORS", default=False)
DATABASE_ROUTERS = ["crm.db_router.ReplicaRouter"]
REPLICA_READS = env.bool("REPLICA_READS", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.security.LoginThrottleBackend",  # refuses a locked-out username+address first
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["crm.formats"]

CRM_CURRENCY = env.str("CRM_CURRENCY", default="CNY")

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Third-party front-end assets come from the npm registry (package.json) at setup time and
# from the installed plotly package; they are served by the app, never from a CDN.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/sortablejs", NODE_MODULES / "sortablejs"),
]
try:
    import plotly

    STATICFILES_DIRS.append(("vendor/plotly", Path(plotly.__file__).parent / "package_data"))
except ImportError:  # pragma: no cover - plotly is a hard requirement; this keeps manage.py usable mid-install
    pass
# Uploaded files (quotes, contracts) go through Django's storage API: local disk under
# MEDIA_ROOT by default; production may name any django-storages backend (e.g.
# storages.backends.s3.S3Storage, configured by that backend's own settings). Files are served
# only by the app's download view, which checks access, so MEDIA_URL is never exposed.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": env.str("FILE_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage")},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="crm@localhost")
# A mail server that hangs must not outlive the email claim (below), or the sweep would send again.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# A notification's email still unsent this many seconds after it was created (or claimed by a
# worker that died) is sent by the sweep (Celery beat, and after every reminder scan).
NOTIFICATION_EMAIL_RETRY_AFTER = env.int("NOTIFICATION_EMAIL_RETRY_AFTER", default=300)
NOTIFICATION_EMAIL_MAX_ATTEMPTS = env.int("NOTIFICATION_EMAIL_MAX_ATTEMPTS", default=8)
if NOTIFICATION_EMAIL_RETRY_AFTER <= EMAIL_TIMEOUT:
    raise ImproperlyConfigured("NOTIFICATION_EMAIL_RETRY_AFTER must be longer than EMAIL_TIMEOUT.")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery. Without a broker URL the app uses kombu's file-system transport, so the worker and
# the beat scheduler run in development with no Redis installed.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=env.str("REDIS_URL", default="filesystem://"))
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = BASE_DIR / "var" / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "data_folder_processed": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_TIME_LIMIT = 10 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 9 * 60
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# Rate limits and locks live in the cache, so every web and worker process must share it: a
# per-process cache would give each gunicorn worker its own count. Production refuses one, except
# for single-process runs that ask for it (the benchmark).
_PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}
if (
    not DEBUG
    and CACHES["default"]["BACKEND"] in _PER_PROCESS_CACHES
    and not env.bool("ALLOW_LOCAL_CACHE", default=False)
):
    raise ImproperlyConfigured(
        "CACHE_URL must name a cache shared by all processes (e.g. redis://127.0.0.1:6379/1) when DEBUG is off."
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # django-axes logs every sign-in at INFO; failures and lockouts are WARNING and stay.
        "axes": {"level": env.str("AXES_LOG_LEVEL", default="WARNING")},
    },
}

# Absolute links in notification emails, e.g. https://crm.example.com
CRM_BASE_URL = env.str("CRM_BASE_URL", default="http://127.0.0.1:8000" if DEBUG else "")

# How many reverse proxies of our own stand in front of the app (0: clients connect directly).
# Each appends the address it received from to X-Forwarded-For, so the client's address is the
# entry this many places from the right end; whatever is further left the client wrote itself.
# (INTAKE_CLIENT_IP_HEADER, the older setting, counts as one proxy.)
TRUSTED_PROXY_HOPS = env.int("TRUSTED_PROXY_HOPS", default=1 if env.str("INTAKE_CLIENT_IP_HEADER", default="") else 0)
if TRUSTED_PROXY_HOPS < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_HOPS must be 0 or more.")

# Web-to-lead intake (/intake/): submissions per client address per window (seconds), counted
# in the shared cache (above), so the limit holds across web workers and machines.
INTAKE_RATE_LIMIT = env.int("INTAKE_RATE_LIMIT", default=5)
INTAKE_RATE_WINDOW = env.int("INTAKE_RATE_WINDOW", default=600)
INTAKE_ALLOWED_ORIGIN = env.str("INTAKE_ALLOWED_ORIGIN", default="*")
# Webhooks and chat robots never call loopback, private or link-local addresses, but for
# receivers inside these networks (CIDR, comma-separated), e.g. "10.8.0.0/16".
OUTGOING_ALLOWED_NETWORKS = [n.strip() for n in env.list("OUTGOING_ALLOWED_NETWORKS", default=[]) if n.strip()]
try:
    for _network in OUTGOING_ALLOWED_NETWORKS:
        ipaddress.ip_network(_network, strict=False)
except ValueError as _exc:
    raise ImproperlyConfigured(f"OUTGOING_ALLOWED_NETWORKS: {_exc}") from None
# Password reset requests per client address, and per mailbox (from any addresses), in the
# window (seconds).
PASSWORD_RESET_RATE_LIMIT = env.int("PASSWORD_RESET_RATE_LIMIT", default=5)
PASSWORD_RESET_MAILBOX_LIMIT = env.int("PASSWORD_RESET_MAILBOX_LIMIT", default=10)
PASSWORD_RESET_RATE_WINDOW = env.int("PASSWORD_RESET_RATE_WINDOW", default=900)

# Files on deals and customers: the largest upload and the accepted file types (extensions).
ATTACHMENT_MAX_SIZE_MB = env.int("ATTACHMENT_MAX_SIZE_MB", default=20)
ATTACHMENT_ALLOWED_EXTENSIONS = env.list(
    "ATTACHMENT_ALLOWED_EXTENSIONS",
    default=[
        "pdf",
        "doc",
        "docx",
        "xls",
        "xlsx",
        "ppt",
        "pptx",
        "odt",
        "ods",
        "txt",
        "csv",
        "png",
        "jpg",
        "jpeg",
        "zip",
    ],
)

# Deleted records stay in the recycle bin this many days, then the purge job erases them.
RECYCLE_BIN_RETENTION_DAYS = env.int("RECYCLE_BIN_RETENTION_DAYS", default=30)

# Reminder scans walk the deals in id ranges of this size (a constant number of queries each).
REMINDER_BATCH_SIZE = env.int("REMINDER_BATCH_SIZE", default=2000)

# The report indexes carry INCLUDE columns for index-only scans on PostgreSQL; SQLite builds the
# same indexes without them, which is harmless, so its warning about it is silenced.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# REST API (Django REST framework + drf-spectacular; Swagger UI from drf-spectacular-sidecar,
# served by the app). Personal tokens from /profile/; the browser's session works too.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.NewestFirst",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env.str("API_THROTTLE_RATE", default="1200/min")},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Sales CRM API",
    "DESCRIPTION": "Leads, customers, contacts, opportunities, follow-ups and notifications, within your access.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs describe the API, never data: readable without signing in.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "OpportunityKindEnum": "opportunities.models.Opportunity.Kind",
        "FollowUpKindEnum": "opportunities.models.Activity.Kind",
        "NotificationKindEnum": "notifications.models.Notification.Kind",
    },
}
# --- Security: proxies, HTTPS, sign-in throttling, Content Security Policy ------------------------
# TRUSTED_PROXY_HOPS (above): the proxies we run in front of the app.
if TRUSTED_PROXY_HOPS > 0:
    # Our proxy terminates TLS and says so in X-Forwarded-Proto (it must overwrite a client's value).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# HTTPS: on by default in production. HSTS, the redirect and secure cookies follow it; each can be
# tuned on its own (e.g. SECURE_HSTS_SECONDS=300 while trying HTTPS out).
HTTPS = env.bool("HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=HTTPS)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS

# Sign-in throttling (django-axes, attempts kept in the database so every web worker sees them):
# after AXES_FAILURE_LIMIT failures for a username from an address, that pair is refused for
# LOGIN_LOCKOUT_MINUTES. Admins unlock early in admin (Axes > Access attempts: delete).
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A refused attempt during the lockout does not extend it: the block ends as announced.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "accounts.security.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.security.locked_out"
AXES_VERBOSE = False

# Content Security Policy (Django's own middleware): only our origin's scripts, styles, fonts and
# images (Bootstrap's icons are data: URIs); no inline script or style except with the per-request
# nonce. Enforced in production; report-only (violations in the browser console) in development.
# plotly.js (reports) creates two <style> elements, which no nonce can reach, so the policy allows
# exactly their contents by hash instead of 'unsafe-inline': an empty sheet it then fills through
# CSSOM (insertRule, which CSP does not govern) and the map-trace CSS it bundles (maplibre's, for
# plotly.js 4.1.1). A plotly upgrade that changes them shows up in the browser CSP test.
PLOTLY_STYLE_HASHES = [
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # the empty "plotly.js-style-global" sheet
    "'sha256-ji27qzEtxXZW+7dun6UwjHXJ18e6WAin1VvNtkzIE/o='",  # maplibre-gl's CSS inside plotly.min.js
]
CRM_CSP_POLICY = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE, *PLOTLY_STYLE_HASHES],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "report-uri": ["/csp-report/"],  # logged by accounts.security.csp_report
}
CSP_REPORT_ONLY = env.bool("CSP_REPORT_ONLY", default=DEBUG)
SECURE_CSP = {} if CSP_REPORT_ONLY else CRM_CSP_POLICY
SECURE_CSP_REPORT_ONLY = CRM_CSP_POLICY if CSP_REPORT_ONLY else {}

# Outgoing webhooks: seconds per HTTP call, retries after the first attempt (exponential backoff
# from WEBHOOK_RETRY_BASE_SECONDS: 30 s, 60 s, 120 s ...), and how long a worker's claim on a
# delivery holds before another worker may take it over (must exceed WEBHOOK_TIMEOUT).
WEBHOOK_TIMEOUT = env.int("WEBHOOK_TIMEOUT", default=10)
WEBHOOK_MAX_RETRIES = env.int("WEBHOOK_MAX_RETRIES", default=6)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30)
WEBHOOK_CLAIM_TIMEOUT = env.int("WEBHOOK_CLAIM_TIMEOUT", default=120)
if WEBHOOK_CLAIM_TIMEOUT <= WEBHOOK_TIMEOUT:
    raise ImproperlyConfigured("WEBHOOK_CLAIM_TIMEOUT must be longer than WEBHOOK_TIMEOUT.")

# Group-robot channels (WeCom, DingTalk, Feishu): seconds per call, and the pauses (seconds)
# between the attempts of one digest before it is marked failed.
CHAT_BOT_TIMEOUT = env.int("CHAT_BOT_TIMEOUT", default=10)
CHAT_BOT_RETRY_DELAYS = env.list("CHAT_BOT_RETRY_DELAYS", cast=int, default=[5, 30, 120])
# At most this many reminders are listed in one digest; the rest are counted ("and 12 more").
CHAT_BOT_DIGEST_ITEMS = env.int("CHAT_BOT_DIGEST_ITEMS", default=30)

# Import from CSV / Excel: the largest file (bytes) and the most data rows one upload may carry.
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=50_000)
IMPORT_MAX_FILE_SIZE = env.int("IMPORT_MAX_FILE_SIZE", default=20 * 1024 * 1024)
# Bad rows listed on the preview (all are counted; a file with any bad row imports nothing).
IMPORT_MAX_ERRORS_SHOWN = env.int("IMPORT_MAX_ERRORS_SHOWN", default=500)
DATA_UPLOAD_MAX_MEMORY_SIZE = max(2_621_440, IMPORT_MAX_FILE_SIZE + 1_048_576)
