"""Settings: one module, read from the environment through ``platform.env``.

Development defaults are safe and need no set-up (SQLite in ``var/``, a local database-backed
task worker, files under ``var/``). Production sets ``DEBUG=false``, ``SECRET_KEY``,
``ALLOWED_HOSTS`` and usually ``DATABASE_URL``; ``manage.py check --deploy`` is then clean.
Every variable is listed in docs/operations.md.
"""

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from platform.env import env_bool, env_int, env_list, env_path, env_str
from platform.observability.logging import LOG_FORMATS, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = env_path("VAR_DIR", BASE_DIR / "var")

DEBUG = env_bool("DEBUG", True)
_DEV_SECRET = "dev-only-insecure-secret-key-never-use-in-production-0123456789abcdef"  # noqa: S105 - DEBUG only
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # allauth's pages (session list) use its template filters.
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "django_tasks_db",
    # Accounts (docs/accounts.md): log-in, e-mail addresses, MFA, single sign-on, sessions.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.usersessions",
    "platform.apps.PlatformConfig",
    "courses",
    "submissions",
]

MIDDLEWARE = [
    # First: every other middleware logs under the request's id, and is timed by view
    # (docs/operations.md, "Health, metrics and logs").
    "platform.observability.middleware.RequestIdMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "platform.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "platform.accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A Redis that does not answer: a 503 with the reason, not a 500 (platform/redis_guard.py).
    "platform.redis_guard.RedisUnavailableMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "platform.urls"
WSGI_APPLICATION = "platform.wsgi.application"
ASGI_APPLICATION = "platform.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "submissions.context_processors.grading_navigation",
            ],
        },
    },
]


def _database_from_url(url: str) -> dict[str, object]:
    """Turn ``sqlite:///path`` or ``postgres://user:pass@host:port/name`` into a DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        name = path[1:] if path.startswith("//") else path
        return _sqlite(Path(name) if name else VAR_DIR / "db.sqlite3")
    if parts.scheme in {"postgres", "postgresql", "pgsql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")) or "certlab",
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL must start with sqlite:// or postgres://; got {url!r}"
    )


def _sqlite(path: Path) -> dict[str, object]:
    # The web process and the worker write at the same time: WAL lets readers go on during a
    # write, IMMEDIATE takes the write lock at BEGIN (no deadlocking upgrade from a read lock),
    # and the busy timeout makes a writer wait instead of failing with "database is locked".
    # The directory is created here so that the zero-set-up default needs no set-up step.
    path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
        # A file, not memory, so a real worker process can share the test database; one per
        # test process, so concurrent test runs never share one.
        "TEST": {
            "NAME": env_str("SQLITE_TEST_NAME", str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3"))
        },
    }


DATABASES = {
    "default": _database_from_url(env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"))
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "platform.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Accounts (django-allauth) ---
# Log-in, password reset and change, e-mail addresses and the second factor are allauth's
# (docs/accounts.md); the site's adapter closes public sign-up and sends mail through the
# outgoing-mail queue. Password log-ins are throttled by platform.ratelimit (LOGIN_MAX_FAILURES
# below), the other flows by ACCOUNT_RATE_LIMITS on the shared cache (CACHES).
ACCOUNT_ADAPTER = "platform.accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"login": "platform.accounts.forms.ThrottledLoginForm"}
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CHANGE_EMAIL = False
ACCOUNT_MAX_EMAIL_ADDRESSES = 3
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_PREVENT_ENUMERATION = True
# A reset asked for an unknown address sends nothing (else the form mails any address typed).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = 10 * 60
ACCOUNT_RATE_LIMITS = {
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "reauthenticate": "10/m/user",
    "login": "30/m/ip",
    # Only second-factor codes count here: password failures are platform.ratelimit's.
    "login_failed": "10/m/ip,5/5m/key",
    "confirm_email": "1/3m/key",
}
MFA_ADAPTER = "platform.accounts.adapter.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_PASSKEY_SIGNUP_ENABLED = False
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", "Certificate programs")
MFA_RECOVERY_CODE_COUNT = 10
# allauth refuses a second factor while an address is unverified, against someone who signs up
# with another's address and locks its owner out; without public sign-up that cannot happen,
# and an address synced from User.email shows as unverified until confirmed.
MFA_ALLOW_UNVERIFIED_EMAIL = True
# Browsers allow WebAuthn on http://localhost only; the development server is plain HTTP.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
SOCIALACCOUNT_ONLY = False
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

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("de", _("German"))]
# The second: allauth's German in the formal "Sie" its own catalogue lacks (docs/accounts.md).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "allauth"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "platform" / "static"]

# Participants' notebooks and data files are private: they live outside MEDIA_URL in a storage
# that has no URL at all and are only ever served through access-checked views.
PRIVATE_FILES_ROOT = env_path("PRIVATE_FILES_ROOT", VAR_DIR / "private")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_FILES_ROOT, "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Behind nginx (bin/serve, deploy/nginx/): downloads answer with an empty response whose
# X-Accel-Redirect names the blob under this internal location, and nginx sends the bytes
# (platform.blobs.blob_response; docs/operations.md, "The production topology"). Off, Django
# streams them itself, as runserver needs.
PRIVATE_FILES_ACCEL = env_bool("PRIVATE_FILES_ACCEL", False)
PRIVATE_FILES_ACCEL_PREFIX = "/_private-files/"
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Background work: the database-backed queue by default (worker: ``manage.py grading_worker``).
TASKS_BACKEND = env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")
TASKS = {"default": {"BACKEND": TASKS_BACKEND, "QUEUES": ["default", "grading", "rendering"]}}
# Every enqueue rings the idle workers' doorbell (platform/doorbell.py). On SQLite it is a
# directory of UNIX sockets: keep the path short (a socket path holds ~100 bytes at most).
DOORBELL_DIR = env_path("DOORBELL_DIR", VAR_DIR / "doorbell")

# Notebook intake, rendering and grading limits (documented in docs/operations.md).
NOTEBOOK_MAX_BYTES = env_int("NOTEBOOK_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
NOTEBOOK_MAX_CELLS = env_int("NOTEBOOK_MAX_CELLS", 2000, minimum=1)
# Course files published with an assignment (images, data, helper modules): per file, in
# total per version, and how many; they are staged into the kernel's tmpfs, so the total must
# leave room inside GRADING_DISK_QUOTA_MB (docs/course-files.md).
COURSE_FILE_MAX_BYTES = env_int("COURSE_FILE_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
COURSE_FILES_MAX_BYTES = env_int("COURSE_FILES_MAX_BYTES", 100 * 1024 * 1024, minimum=1024)
COURSE_FILES_MAX_COUNT = env_int("COURSE_FILES_MAX_COUNT", 100, minimum=1)
GRADING_CELL_TIMEOUT = env_int("GRADING_CELL_TIMEOUT", 60, minimum=1)
GRADING_NOTEBOOK_TIMEOUT = env_int("GRADING_NOTEBOOK_TIMEOUT", 600, minimum=1)
# What one grading kernel may write in all (its folder, /tmp, /dev/shm): a tmpfs, so memory
# (docs/grading-sandbox.md, "The disk quota").
GRADING_DISK_QUOTA_MB = env_int("GRADING_DISK_QUOTA_MB", 512, minimum=16)
RENDER_WALL_SECONDS = env_int("RENDER_WALL_SECONDS", 90, minimum=1)
# A running grading run refreshes its heartbeat this often; one silent for STALE seconds is
# treated as lost (its worker died) and re-queued for another worker.
GRADING_HEARTBEAT_SECONDS = env_int("GRADING_HEARTBEAT_SECONDS", 10, minimum=1)
GRADING_STALE_SECONDS = env_int("GRADING_STALE_SECONDS", 60, minimum=2)
# When the oldest grading ready to run has waited longer, grading counts as busy: uploads are
# still accepted and queued, the participant's page says so with its estimate, and instructors
# see the backlog on their home page (docs/grading.md, "Place in the queue").
GRADING_BACKLOG_SECONDS = env_int("GRADING_BACKLOG_SECONDS", 300, minimum=1)
# The host part of a worker's name (host:pid) in heartbeats and grading runs; the machine's
# host name by default (set it where that is a random container id: docs/operations.md).
WORKER_HOST = env_str("WORKER_HOST", "").strip()
# Opening a submission's grading screen leases it to the grader for this long; saving and the
# open screen's ping renew it (docs/review.md).
GRADING_LEASE_MINUTES = env_int("GRADING_LEASE_MINUTES", 30, minimum=1)

# Regrade requests the original grader has not resolved within this many days go to the
# coordinators too (manage.py escalate_regrades, run daily; see docs/review.md).
REGRADE_ESCALATION_DAYS = env_int("REGRADE_ESCALATION_DAYS", 5, minimum=1)
# Invitation links (courses/enrolment) expire after this many days; a re-send makes a new one.
INVITATION_DAYS = env_int("INVITATION_DAYS", 14, minimum=1)
# A person's data export is offered this many days, then deleted; the log of who opened a
# person's files keeps its rows this many days (docs/privacy.md).
DATA_EXPORT_DAYS = env_int("DATA_EXPORT_DAYS", 7, minimum=1)
ACCESS_LOG_DAYS = env_int("ACCESS_LOG_DAYS", 365, minimum=1)

# Issuer's Ed25519 private key for signed credentials (PEM or base64 of 32 bytes). Required when
# DEBUG is off; in development a stable key is derived from SECRET_KEY. See docs/certificates.md.
CERTIFICATE_SIGNING_KEY = env_str("CERTIFICATE_SIGNING_KEY", "")

# --- Single sign-on (OpenID Connect) ---
# A university's log-in through allauth's openid_connect provider (docs/profile-and-sso.md).
# Without OIDC_SERVER_URL there is no single sign-on and no button for it anywhere. A university
# log-in reaches an existing account only through an e-mail address the university asserts as
# verified; it never creates an account (platform/accounts/sso.py).
OIDC_SERVER_URL = env_str("OIDC_SERVER_URL", "").strip()
OIDC_PROVIDER_ID = env_str("OIDC_PROVIDER_ID", "university").strip()
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME", "University").strip()
_oidc_url = urlsplit(OIDC_SERVER_URL)
OIDC_ORIGINS = [f"{_oidc_url.scheme}://{_oidc_url.netloc}"] if OIDC_SERVER_URL else []
SOCIALACCOUNT_ADAPTER = "platform.accounts.sso.UniversityAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
# The university confirmed the address; no second confirmation mail.
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_PROVIDERS: dict[str, dict[str, object]] = {
    "openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": []}
}
if OIDC_SERVER_URL:
    if _oidc_url.scheme not in {"https", "http"} or not _oidc_url.netloc:
        raise ImproperlyConfigured(
            f"OIDC_SERVER_URL must be an http(s) URL; got {OIDC_SERVER_URL!r}"
        )
    _missing = [name for name in ("OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET") if not env_str(name, "")]
    if _missing:
        raise ImproperlyConfigured(
            f"OIDC_SERVER_URL is set, so {' and '.join(_missing)} must be too"
        )
    if not OIDC_PROVIDER_ID.replace("-", "").isalnum():
        raise ImproperlyConfigured(
            f"OIDC_PROVIDER_ID must be letters, digits and hyphens; got {OIDC_PROVIDER_ID!r}"
        )
    OIDC_TOKEN_AUTH_METHOD = env_str("OIDC_TOKEN_AUTH_METHOD", "client_secret_basic")
    if OIDC_TOKEN_AUTH_METHOD not in {"client_secret_basic", "client_secret_post"}:
        raise ImproperlyConfigured(
            "OIDC_TOKEN_AUTH_METHOD must be client_secret_basic or client_secret_post; "
            f"got {OIDC_TOKEN_AUTH_METHOD!r}"
        )
    SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"] = [
        {
            "provider_id": OIDC_PROVIDER_ID,
            "name": OIDC_PROVIDER_NAME or OIDC_PROVIDER_ID,
            "client_id": env_str("OIDC_CLIENT_ID", ""),
            "secret": env_str("OIDC_CLIENT_SECRET", ""),
            "settings": {
                "server_url": OIDC_SERVER_URL,
                "token_auth_method": OIDC_TOKEN_AUTH_METHOD,
            },
        }
    ]
# The profile's active sessions show when each was last seen only with this on: it writes the
# session's row on every request of a logged-in user, so it is off unless an office wants it.
USERSESSIONS_TRACK_ACTIVITY = env_bool("USERSESSIONS_TRACK_ACTIVITY", False)

# Security. The CSP is site-wide; the notebook view tightens it further (see submissions.views).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "frame-src": [CSP.SELF],
    "frame-ancestors": [CSP.SELF],
    # The university log-in button sends a form here that redirects to the university, and
    # browsers hold that redirect to form-action too.
    "form-action": [CSP.SELF, *OIDC_ORIGINS],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
# The site frames itself (the sandboxed notebook view), so SAMEORIGIN rather than DENY; every
# other page's CSP says frame-ancestors 'self'. HSTS preloading is a commitment a university's
# operators make deliberately (SECURE_HSTS_PRELOAD), so its reminder is silenced.
X_FRAME_OPTIONS = "SAMEORIGIN"
SILENCED_SYSTEM_CHECKS = ["security.W019", "security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Probes and the scraper talk to the application server directly, over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Behind the one TLS-terminating proxy docs/operations.md describes: trust its X-Forwarded-Proto,
# and count rate limits against the address it appends to X-Forwarded-For (platform.ratelimit).
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
# Log-in throttling (platform.ratelimit): an account is locked after LOGIN_MAX_FAILURES failures
# in 15 minutes; an address with LOGIN_ADDRESS_MAX_FAILURES failures is only slowed down to one
# try per LOGIN_ADDRESS_PAUSE_SECONDS, so people sharing it can still log in.
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 10, minimum=1)
LOGIN_ADDRESS_MAX_FAILURES = env_int("LOGIN_ADDRESS_MAX_FAILURES", 30, minimum=1)
LOGIN_ADDRESS_PAUSE_SECONDS = env_int("LOGIN_ADDRESS_PAUSE_SECONDS", 5, minimum=1)

EMAIL_BACKEND_PATH = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS: dict[str, dict[str, object]] = {"default": {"BACKEND": EMAIL_BACKEND_PATH}}
if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 587, minimum=1),
        "username": env_str("EMAIL_HOST_USER", ""),
        "password": env_str("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", True),
    }
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "certificates@localhost")

# One cache every process shares: Redis when REDIS_URL is set, else the database (table created
# by platform's migrations). It also decides where rate limits count (platform.ratelimit).
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL and urlsplit(REDIS_URL).scheme not in {"redis", "rediss", "unix"}:
    raise ImproperlyConfigured(
        f"REDIS_URL must start with redis://, rediss:// or unix://; got {REDIS_URL!r}"
    )
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "certlab"),
    }
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "platform_cache",
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "certlab"),
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "platform.api.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Bodies within DATA_UPLOAD_MAX_MEMORY_SIZE and a nesting depth; errors in one shape
    # (platform/api_errors.py, docs/api.md).
    "DEFAULT_PARSER_CLASSES": [
        "platform.api_errors.BoundedJSONParser",
        "platform.api_errors.BoundedFormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "platform.api_errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "platform.api_schema.ApiAutoSchema",
    "DEFAULT_THROTTLE_RATES": {"verify": "30/minute"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Certificate programs API",
    "DESCRIPTION": "Upload attempts, poll their grading, read progress and certificates.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Fields of the same name with other choices elsewhere ("state" of reviews, regrades).
    "ENUM_NAME_OVERRIDES": {
        "InvitationStateEnum": "courses.enrolment.api.INVITATION_STATES",
        "AttendanceStatusEnum": "courses.models.sessions.AttendanceStatus",
    },
}

# --- Health, metrics and logs (docs/operations.md) ---
# Log lines carry the request id (and the user's id where known); LOG_FORMAT=json writes one
# JSON object a line for a log collector, text (the default) is for people.
LOG_FORMAT = env_str("LOG_FORMAT", "text").strip().lower()
if LOG_FORMAT not in LOG_FORMATS:
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json; got {LOG_FORMAT!r}")
LOGGING = logging_config(log_format=LOG_FORMAT, level=env_str("LOG_LEVEL", "INFO"))
# /readyz fails when a queue's oldest ready task waited longer, no periodic job started for
# longer, or the disk of VAR_DIR or PRIVATE_FILES_ROOT has less free; workers count as gone
# after GRADING_STALE_SECONDS without a heartbeat.
READINESS_QUEUE_MAX_AGE_SECONDS = env_int("READINESS_QUEUE_MAX_AGE_SECONDS", 600, minimum=1)
READINESS_SCHEDULER_MAX_AGE_SECONDS = env_int(
    "READINESS_SCHEDULER_MAX_AGE_SECONDS", 600, minimum=60
)
READINESS_DISK_MIN_FREE_MB = env_int("READINESS_DISK_MIN_FREE_MB", 1024)
# /metrics and the detail of /readyz for callers other than loopback: "Bearer <token>".
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
