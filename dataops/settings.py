"""DataOps settings, read from the environment.

The defaults make ``make run`` work on a fresh machine with no ``.env``: SQLite and a
Celery broker kept in files under ``var/``. Setting ``DATABASE_URL`` and ``REDIS_URL``
switches the same code to PostgreSQL and Redis. With ``DEBUG`` off (the default) the
process refuses to start without a real ``SECRET_KEY`` and ``ALLOWED_HOSTS``.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from dataops.portability.schedule import cron_schedule

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
DEMO_MODE = env.bool("DEMO_MODE", default=False)
VAR_DIR = Path(env.str("DATAOPS_VAR_DIR", default=str(BASE_DIR / "var")))

_DEV_SECRET = "dev-only-insecure-key-never-used-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET if DEBUG else "")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG:
    if not SECRET_KEY or SECRET_KEY == _DEV_SECRET:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "dataops",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "axes",
    "accounts",  # before allauth: its templates override allauth's
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "docs_app",
    "tasks",
    "podcast",
    "podcast.kb",
]

MIDDLEWARE = [
    "dataops.middleware.RequestIdMiddleware",
    "dataops.middleware.ContentSecurityPolicyMiddleware",
    "dataops.middleware.BodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dataops.backends.SessionBackendMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dataops.middleware.RejectNulMiddleware",
    "dataops.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "dataops.urls"
WSGI_APPLICATION = "dataops.wsgi.application"

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
                "dataops.context_processors.portal",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    },
    {
        # Only for what nearly every request draws (see dataops/jinja.py).
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "dataops.jinja.environment"},
    },
]
# Form widgets render through Django's own Jinja2 copies of its widget templates (same HTML):
# a select of fifty people takes about a tenth of the time (see dataops/form_renderer.py).
FORM_RENDERER = "dataops.form_renderer.FormRenderer"


# --- Database -------------------------------------------------------------------------
def _database(url: str) -> dict:
    try:
        config = environ.Env.db_url_config(url)
    except Exception as exc:  # django-environ raises several types for bad URLs
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
    engine = config.get("ENGINE", "")
    if not engine.endswith(("sqlite3", "postgresql")):
        scheme = url.split(":", 1)[0]
        raise ImproperlyConfigured(
            f"DATABASE_URL must be a postgres:// or sqlite:/// URL (got scheme {scheme!r})."
        )
    if engine.endswith("sqlite3"):
        # WAL + immediate transactions let web, worker and beat share one SQLite file.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    elif engine.endswith("postgresql"):
        config.setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASE_URL = env.str("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'dataops.sqlite3'}")
DATABASES = {"default": _database(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "dataops.User"

# --- Redis, cache and Celery ----------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured("REDIS_URL must start with redis://, rediss:// or unix://.")

# The longest a job may run (each task may set less); Celery stops it there, and the reaper
# declares a run still "running" past it lost. Redis hands a message taken but not
# acknowledged to another worker after the visibility timeout: it must outlast every job.
JOB_TIME_LIMIT_SECONDS = env.int("JOB_TIME_LIMIT_SECONDS", default=30 * 60)
JOB_VISIBILITY_TIMEOUT_SECONDS = JOB_TIME_LIMIT_SECONDS + 5 * 60
# A queued run whose message the broker no longer holds is declared lost after this long.
JOB_QUEUED_LOST_MINUTES = env.int("JOB_QUEUED_LOST_MINUTES", default=10)

if REDIS_URL:
    # An unreachable Redis is a cache miss (sessions fall back to the database), not a 500.
    CACHES = {
        "default": {
            "BACKEND": "dataops.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="dataops"),
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
        "visibility_timeout": JOB_VISIBILITY_TIMEOUT_SECONDS,
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "dataops_cache",
        }
    }
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        # The folder is polled: a tenth of a second lets a worker answer Health's ping well
        # within its deadline, for a few milliseconds of CPU a second.
        "polling_interval": 0.1,
    }

CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = False
# A message is acknowledged when its job ends, and handed out again if the worker process
# running it dies (jobs are idempotent; the ledger skips a run that already succeeded).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = JOB_TIME_LIMIT_SECONDS
# A Redis blip must not kill running jobs: they finish, and a copy delivered again later
# finds its run succeeded and is skipped.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A page that queues work while the broker is down answers within a second: the run is
# recorded as waiting for the queue and sent by the next sweep.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Auth -----------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "dataops.backends.PortalBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
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

AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("LOGIN_LOCKOUT_HOURS", default=0.25)
# Password spraying: failures from one IP across any usernames lock that IP at its own,
# higher limit (accounts.throttle gives each parameter set its limit; attempts live in the DB).
LOGIN_IP_FAILURE_LIMIT = env.int("LOGIN_IP_FAILURE_LIMIT", default=20)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "accounts.throttle.LoginThrottleHandler"
AXES_LOCKOUT_CALLABLE = "accounts.throttle.lockout_response"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# A lock ends when the page says: attempts made while locked do not push it further out.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0)

# --- Email: password resets and invites, sent by background jobs ----------------------
# Without EMAIL_HOST, mail is written to the log (make run); set it to send through SMTP.
EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=EMAIL_PORT == 587)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=EMAIL_PORT == 465)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="DataOps <dataops@localhost>")
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_HOURS", default=3) * 3600
INVITE_DAYS = env.int("INVITE_DAYS", default=7)

# --- Sign-in with Google or any OpenID Connect provider (django-allauth) --------------
# Providers come from the environment (GOOGLE_*, SSO_*; see _sso_apps); with none, the
# login page shows no SSO button. Only verified emails of allowed domains/addresses get in,
# checked on every SSO login; new SSO users get no role until an admin grants one.
SSO_ALLOWED_DOMAINS = [
    d.strip().lower().lstrip("@") for d in env.list("SSO_ALLOWED_DOMAINS", default=[]) if d.strip()
]
SSO_ALLOWED_EMAILS = [
    e.strip().lower() for e in env.list("SSO_ALLOWED_EMAILS", default=[]) if e.strip()
]


def _sso_app(prefix: str, provider_id: str, name: str, server_url: str) -> dict:
    client_id = env.str(f"{prefix}_CLIENT_ID", default="")
    secret = env.str(f"{prefix}_CLIENT_SECRET", default="")
    if not (client_id and secret):
        raise ImproperlyConfigured(
            f"{prefix}_CLIENT_ID and {prefix}_CLIENT_SECRET must both be set."
        )
    return {
        "provider_id": provider_id,
        "name": name,
        "client_id": client_id,
        "secret": secret,
        "settings": {"server_url": server_url},
    }


def _sso_apps() -> list[dict]:
    """Google (GOOGLE_CLIENT_ID/SECRET) and one generic OpenID Connect provider (SSO_*)."""
    apps = []
    if env.str("GOOGLE_CLIENT_ID", default="") or env.str("GOOGLE_CLIENT_SECRET", default=""):
        apps.append(_sso_app("GOOGLE", "google", "Google", "https://accounts.google.com"))
    if env.str("SSO_SERVER_URL", default=""):
        apps.append(
            _sso_app(
                "SSO",
                env.str("SSO_PROVIDER_ID", default="sso"),
                env.str("SSO_NAME", default="Single sign-on"),
                env.str("SSO_SERVER_URL"),
            )
        )
    return apps


SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": _sso_apps()}}
SOCIALACCOUNT_ADAPTER = "accounts.sso.SocialAccountAdapter"
ACCOUNT_ADAPTER = "accounts.sso.AccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # linking by email is decided in accounts.sso
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"  # the provider's email_verified claim is required
SOCIALACCOUNT_STORE_TOKENS = False
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*"]

# Sessions live in the database and are read through the cache: one query fewer per page.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "dataops.views.csrf_failure"

# --- Production hardening (active whenever DEBUG is off) ------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sent on every response by dataops.middleware.ContentSecurityPolicyMiddleware (same shape as
# Django 6.0's SECURE_CSP). Nothing inline is allowed, scripts or styles: behaviour lives in
# static/js, styling in static/css (also for the Django admin, which has no inline code), and
# htmx runs without eval (the htmx-config meta in base.html). Frames are only the video
# players docs_app/sop/text.py recognises; images come from this site (docs images from the
# mirror) or are data: URLs.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "frame-src": ["https://www.loom.com", "https://www.youtube.com", "https://player.vimeo.com"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

# Request bodies and uploads are bounded; bigger ones are refused with a clear message.
MAX_REQUEST_BYTES = env.int("MAX_REQUEST_BYTES", default=30 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MAX_FORM_BYTES", default=5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Internationalisation and time ----------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("ORG_TIMEZONE", default="Europe/Berlin")
USE_I18N = False
USE_TZ = True

# --- Static and media files -----------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "dataops.storage.StaticStorage"
        )
    },
}

# --- Platform -------------------------------------------------------------------------
ORG_NAME = env.str("ORG_NAME", default="DataOps")
JOB_MAX_RETRIES = env.int("JOB_MAX_RETRIES", default=3)
JOB_RETRY_BACKOFF_SECONDS = env.int("JOB_RETRY_BACKOFF_SECONDS", default=30)
BEAT_HEARTBEAT_SECONDS = 60
HEALTH_DISK_WARN_BYTES = env.int("HEALTH_DISK_WARN_BYTES", default=2 * 1024**3)
HEALTH_DISK_FAIL_BYTES = env.int("HEALTH_DISK_FAIL_BYTES", default=256 * 1024**2)
# Each entry is a callable returning a dataops.health.CheckResult; apps append theirs.
HEALTH_CHECKS = [
    "dataops.health.check_database",
    "dataops.health.check_cache",
    "dataops.health.check_broker",
    "dataops.health.check_worker",
    "dataops.health.check_beat",
    "dataops.health.check_disk",
    "dataops.health.check_failed_jobs",
    "docs_app.health.check_docs_mirror",
    "tasks.health.check_recurring",
    "dataops.portability.health.check_backups",
    "dataops.portability.health.check_restore_drills",
    "dataops.notify.health.check_outbound",
]

# --- Logging --------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "dataops.logging.ContextFilter"}},
    "formatters": {
        "text": {
            "format": "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s",
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
    },
}

# --- Process docs (docs_app) ----------------------------------------------------------
# Default source: the bundled content/ folder, turned into a local repository on first use.
DOCS_CONTENT_SEED_DIR = BASE_DIR / "content"
DOCS_GIT_URL = env.str("DOCS_GIT_URL", default="")
DOCS_GIT_BRANCH = env.str("DOCS_GIT_BRANCH", default="main")
DOCS_MIRROR_DIR = Path(env.str("DOCS_MIRROR_DIR", default=str(VAR_DIR / "docs-mirror")))
DOCS_INDEX_DIR = Path(env.str("DOCS_INDEX_DIR", default=str(VAR_DIR / "docs-index")))
DOCS_SYNC_MINUTES = env.int("DOCS_SYNC_MINUTES", default=5)
DOCS_WEBHOOK_SECRET = env.str("DOCS_WEBHOOK_SECRET", default="")
DOCS_MAX_FILE_BYTES = env.int("DOCS_MAX_FILE_BYTES", default=1024 * 1024)
# Files of the docs repository linked from docs (CSV, PDF, …) are sent up to this size.
DOCS_MAX_DOWNLOAD_BYTES = env.int("DOCS_MAX_DOWNLOAD_BYTES", default=25 * 1024 * 1024)
# Editing (docs_app.editing): the portal commits in the mirror and pushes its commits to the
# remote when DOCS_GIT_PUSH is on (on by default for the bundled repository, off for a
# configured DOCS_GIT_URL until an admin turns it on). Larger bodies and images are refused.
DOCS_GIT_PUSH = env.bool("DOCS_GIT_PUSH", default=not DOCS_GIT_URL)
DOCS_EDIT_MAX_BYTES = env.int("DOCS_EDIT_MAX_BYTES", default=1024 * 1024)
DOCS_IMAGE_MAX_BYTES = env.int("DOCS_IMAGE_MAX_BYTES", default=5 * 1024 * 1024)

# --- Podcast knowledge base (podcast.kb) -----------------------------------------------
# Episode files and people profiles: folders of the docs repository (or of any folder
# given to podcast_kb_import); the docs registry, lint and search leave them out.
PODCAST_KB_PATH = env.str("PODCAST_KB_PATH", default="podcast/episodes/")
PODCAST_PEOPLE_PATH = env.str("PODCAST_PEOPLE_PATH", default="podcast/people/")
# Transcript speakers whose lines with a "?" are the host's questions.
PODCAST_HOST_NAMES = env.list("PODCAST_HOST_NAMES", default=["Alexey"])
# A larger episode or profile file is refused before it is read.
PODCAST_KB_MAX_FILE_BYTES = env.int("PODCAST_KB_MAX_FILE_BYTES", default=20 * 1024 * 1024)
PODCAST_KB_INDEX_DIR = Path(
    env.str("PODCAST_KB_INDEX_DIR", default=str(VAR_DIR / "podcast-kb-index"))
)
# Repository folders that are not process docs.
DOCS_EXCLUDE_PATHS = env.list("DOCS_EXCLUDE_PATHS", default=[PODCAST_KB_PATH, PODCAST_PEOPLE_PATH])

# --- Podcast intake and the public guest form --------------------------------------------
# An intake attachment (a guest-form upload, a file added in the inbox) larger than this is
# refused; executable files are refused by name and by content.
INTAKE_MAX_ATTACHMENT_BYTES = env.int("INTAKE_MAX_ATTACHMENT_BYTES", default=5 * 1024 * 1024)
# The public guest form's request bodies: a larger one is refused (413) before it is read.
GUEST_FORM_MAX_BODY_BYTES = env.int(
    "GUEST_FORM_MAX_BODY_BYTES", default=INTAKE_MAX_ATTACHMENT_BYTES + 256 * 1024
)
# Requests to the guest form allowed per window, per link token and per client IP.
GUEST_FORM_TOKEN_RATE_LIMIT = env.int("GUEST_FORM_TOKEN_RATE_LIMIT", default=60)
GUEST_FORM_IP_RATE_LIMIT = env.int("GUEST_FORM_IP_RATE_LIMIT", default=120)
GUEST_FORM_RATE_WINDOW_SECONDS = env.int("GUEST_FORM_RATE_WINDOW_SECONDS", default=600)
# Paths with their own body limit (BodySizeLimitMiddleware; the longest matching prefix wins).
MAX_REQUEST_BYTES_BY_PATH = {
    "/podcast/form/": GUEST_FORM_MAX_BODY_BYTES,
    "/telegram/webhook/": 1024 * 1024,  # TELEGRAM_MAX_UPDATE_BYTES
}

# --- Telegram bot (dataops.telegram) ------------------------------------------------------
# The webhook answers 503 until both the bot token and the webhook secret are set.
TELEGRAM_BOT_TOKEN = env.str("TELEGRAM_BOT_TOKEN", default="")
TELEGRAM_WEBHOOK_SECRET = env.str("TELEGRAM_WEBHOOK_SECRET", default="")
TELEGRAM_BOT_USERNAME = env.str("TELEGRAM_BOT_USERNAME", default="")
TELEGRAM_API_BASE_URL = env.str("TELEGRAM_API_BASE_URL", default="https://api.telegram.org")
TELEGRAM_TIMEOUT_SECONDS = env.float("TELEGRAM_TIMEOUT_SECONDS", default=10.0)
# An attachment whose reported size is larger is refused before it is downloaded.
TELEGRAM_MAX_FILE_BYTES = env.int("TELEGRAM_MAX_FILE_BYTES", default=INTAKE_MAX_ATTACHMENT_BYTES)
TELEGRAM_MAX_UPDATE_BYTES = 1024 * 1024
# The portal's address, for links in the bot's replies (e.g. https://ops.example.com).
TELEGRAM_PORTAL_URL = env.str("TELEGRAM_PORTAL_URL", default="")

# --- Outbound notifications (dataops.notify) ------------------------------------------------
# In-app notifications whose kind has a rule also go out: Telegram when linked, else email.
# The portal's address for links in those messages (e.g. https://ops.example.com).
NOTIFY_PORTAL_URL = env.str(
    "NOTIFY_PORTAL_URL", default=TELEGRAM_PORTAL_URL or "http://localhost:8000"
)
NOTIFY_DEFAULT_DIGEST_HOUR = env.int("NOTIFY_DEFAULT_DIGEST_HOUR", default=8)
# A message failing this many tries (transient errors, the ledger's backoff between) fails.
NOTIFY_MAX_ATTEMPTS = env.int("NOTIFY_MAX_ATTEMPTS", default=5)
# Telegram pauses after this many failures in a row, for this long, then probes once.
NOTIFY_BREAKER_THRESHOLD = env.int("NOTIFY_BREAKER_THRESHOLD", default=5)
NOTIFY_BREAKER_PAUSE_SECONDS = env.int("NOTIFY_BREAKER_PAUSE_SECONDS", default=15 * 60)
# Rows one sender run handles at most; a due row still pending after this is shown as late.
NOTIFY_SEND_LIMIT = env.int("NOTIFY_SEND_LIMIT", default=2000)
NOTIFY_LATE_SECONDS = env.int("NOTIFY_LATE_SECONDS", default=15 * 60)
# Wake the sender after each write that queues a message (the beat tick sends the rest).
NOTIFY_SEND_ON_WRITE = env.bool("NOTIFY_SEND_ON_WRITE", default=True)
# A task waiting this many days past its follow-up date notifies "no answer yet".
NOTIFY_WAITING_TOO_LONG_DAYS = env.int("NOTIFY_WAITING_TOO_LONG_DAYS", default=3)

# --- Work engine (tasks) --------------------------------------------------------------
RECURRING_TICK_MINUTES = env.int("RECURRING_TICK_MINUTES", default=5)
RECURRING_MAX_PER_RUN = env.int("RECURRING_MAX_PER_RUN", default=500)
HOLIDAYS_COUNTRY = env.str("HOLIDAYS_COUNTRY", default="DE")
PROOF_MAX_FILE_BYTES = env.int("PROOF_MAX_FILE_BYTES", default=10 * 1024 * 1024)
# The Trello import page refuses a larger board file before reading it; an uploaded board
# waits this long for its mapping and approval.
TRELLO_UPLOAD_MAX_BYTES = env.int("TRELLO_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
TRELLO_UPLOAD_KEEP_HOURS = env.int("TRELLO_UPLOAD_KEEP_HOURS", default=24)

# --- Podcast --------------------------------------------------------------------------
# The workflow template an episode starts, and the link its “Guest email” slot gets
# ({email} is the guest's address): the mailbox search for the guest's emails.
PODCAST_TEMPLATE_SLUG = env.str("PODCAST_TEMPLATE_SLUG", default="podcast")
PODCAST_GUEST_EMAIL_URL = env.str(
    "PODCAST_GUEST_EMAIL_URL", default="https://mail.google.com/mail/u/0/#search/{email}"
)
# Counters Operations Home shows above its lanes: dotted paths of functions (user) → a
# counter with label, count and url, or None to hide it (loaded like HEALTH_CHECKS).
HOME_COUNTERS = [
    "podcast.selectors.home_intake_counter",
    "podcast.assistant.selectors.home_waiting_counter",
]
# Panels other apps add to a task's page: dotted paths of functions (request, task) → HTML
# ("" for none). The assistant's “Draft prep document” on “Create podcast document”.
TASK_PAGE_PANELS = ["podcast.assistant.views.task_panel"]

# --- Prep-document assistant (podcast.assistant): the drafter ------------------------------
# "offline" (default): deterministic, no network. "llm": an OpenAI-compatible chat-completions
# server at ASSISTANT_LLM_BASE_URL (e.g. http://127.0.0.1:11434/v1); its API key is sent as a
# bearer token and never logged.
ASSISTANT_DRAFTER = env.str("ASSISTANT_DRAFTER", default="offline")
ASSISTANT_LLM_BASE_URL = env.str("ASSISTANT_LLM_BASE_URL", default="")
ASSISTANT_LLM_MODEL = env.str("ASSISTANT_LLM_MODEL", default="")
ASSISTANT_LLM_API_KEY = env.str("ASSISTANT_LLM_API_KEY", default="")
ASSISTANT_LLM_TIMEOUT_SECONDS = env.float("ASSISTANT_LLM_TIMEOUT_SECONDS", default=60.0)
# A longer prompt is refused before anything is sent; a longer answer stops being read.
ASSISTANT_LLM_MAX_PROMPT_CHARS = env.int("ASSISTANT_LLM_MAX_PROMPT_CHARS", default=60_000)
ASSISTANT_LLM_MAX_ANSWER_BYTES = env.int("ASSISTANT_LLM_MAX_ANSWER_BYTES", default=512 * 1024)
# Approved prep documents are published into the docs repository under this folder (outside
# DOCS_EXCLUDE_PATHS, so they are docs like any other).
ASSISTANT_PUBLISH_FOLDER = env.str("ASSISTANT_PUBLISH_FOLDER", default="podcast-prep/")

# --- Export / import ------------------------------------------------------------------
# validate_export and import_data refuse an archive member larger than this, by its header.
PORTABILITY_MAX_MEMBER_BYTES = env.int("PORTABILITY_MAX_MEMBER_BYTES", default=1024**3)

# --- Backups: a database dump plus an export archive, on a schedule ---------------------
BACKUP_DIR = Path(env.str("BACKUP_DIR", default=str(VAR_DIR / "backups")))
# A cron line (minute hour day month weekday) in the organisation's time zone.
BACKUP_CRON = env.str("BACKUP_CRON", default="30 2 * * *")
# Kept: the newest backup of each of the last N days and of each of the last N ISO weeks.
BACKUP_KEEP_DAILY = env.int("BACKUP_KEEP_DAILY", default=14)
BACKUP_KEEP_WEEKLY = env.int("BACKUP_KEEP_WEEKLY", default=8)
# pg_dump to use (empty: the one on PATH, else the newest /usr/lib/postgresql/*/bin/pg_dump).
BACKUP_PG_DUMP = env.str("BACKUP_PG_DUMP", default="")
# Offsite copy: s3://bucket/prefix on any S3-compatible storage; credentials come from the
# standard AWS_* environment variables. Empty: backups stay on this disk only.
BACKUP_S3_URL = env.str("BACKUP_S3_URL", default="")
BACKUP_S3_ENDPOINT_URL = env.str("BACKUP_S3_ENDPOINT_URL", default="")
if BACKUP_S3_URL and not BACKUP_S3_URL.startswith("s3://"):
    raise ImproperlyConfigured("BACKUP_S3_URL must look like s3://bucket/prefix.")

# --- Celery beat: every periodic job, defined in code ---------------------------------
# Each app adds its entries here; beat installs them on start (the schedule file is derived).
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}
CELERY_BEAT_SCHEDULE["docs-sync"] = {
    "task": "docs_app.tasks.sync_docs",
    "schedule": DOCS_SYNC_MINUTES * 60.0,
}

CELERY_BEAT_SCHEDULE["recurring-generate"] = {
    # Settles every due recurring rule and automatic template (idempotent, advisory lock).
    "task": "tasks.tasks.generate_recurring",
    "schedule": RECURRING_TICK_MINUTES * 60.0,
}

CELERY_BEAT_SCHEDULE["tasks-notify-due"] = {
    # Follow-ups due and overdue tasks; each task notifies once per date (dedup key).
    "task": "tasks.tasks.notify_due",
    "schedule": 60 * 60.0,
}

CELERY_BEAT_SCHEDULE["jobs-resend-waiting"] = {
    # Sends the runs recorded while the queue was unavailable (also done at worker start).
    "task": "dataops.tasks.resend_waiting_runs",
    "schedule": 60.0,
}

CELERY_BEAT_SCHEDULE["jobs-reap-lost"] = {
    # Fails (code "lost") runs killed with their worker or dropped by the broker.
    "task": "dataops.tasks.reap_lost_runs",
    "schedule": 60.0,
}

CELERY_BEAT_SCHEDULE["notify-send"] = {
    # Sends due outbox rows (retries, digests, rows past quiet hours) every minute.
    "task": "dataops.notify.tasks.send_outbox",
    "schedule": 60.0,
}

CELERY_BEAT_SCHEDULE["notify-watch-health"] = {
    # Tells admins about failing health checks (health degraded, docs sync stopped).
    "task": "dataops.notify.tasks.watch_health",
    "schedule": 5 * 60.0,
}

CELERY_BEAT_SCHEDULE["podcast-assistant-reap"] = {
    # Ends assistant jobs whose run was lost (failed, code "lost", retryable).
    "task": "podcast.assistant.tasks.reap_lost_assistant_jobs",
    "schedule": 60.0,
}

try:
    CELERY_BEAT_SCHEDULE["backup"] = {
        # A database dump and an export archive, then retention (BACKUP_KEEP_*).
        "task": "dataops.portability.backup_tasks.backup",
        "schedule": cron_schedule(BACKUP_CRON, zone=TIME_ZONE),
    }
except ValueError as exc:
    raise ImproperlyConfigured(f"BACKUP_CRON is not a cron line: {exc}") from exc

# Demo data loaders run by `load_demo` (DEMO_MODE only), in order.
DEMO_LOADERS = ["dataops.demo.load_users", "tasks.demo.load", "podcast.demo.load"]
