"""Settings read from the environment, so one build runs as demo, CI or production.

Every knob is documented in docs/operations.md; keep the two in step.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent

env = environ.Env()

# Where mutable state lives (SQLite file, demo mailbox, generated secret). The default is
# ./var under the working directory so a clone keeps its data beside itself.
VAR_DIR = Path(env.str("EBHXH_VAR_DIR", default=str(Path.cwd() / "var"))).resolve()

DEBUG = env.bool("DEBUG", default=False)
# Demo mode: every role in one process, generated secret, demo sinks for email and SMS.
DEMO = env.bool("EBHXH_DEMO", default=False)


def _secret_key() -> str:
    """Production must set SECRET_KEY; the demo generates one and keeps it across restarts."""
    configured = env.str("SECRET_KEY", default="")
    if configured:
        return configured
    if not (DEMO or DEBUG):
        raise ImproperlyConfigured(
            "SECRET_KEY is required outside the demo: set it in the environment "
            "(see docs/operations.md)."
        )
    key_file = VAR_DIR / "demo-secret-key"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ebhxh.core",
    "ebhxh.audit",
    "ebhxh.reference",
    "ebhxh.notifications",
    "ebhxh.jobs",
    "ebhxh.agency",
    "ebhxh.agency.registry",
    "ebhxh.agency.gateway",
    "ebhxh.agency.registrations",
    "ebhxh.agency.portal",
    "ebhxh.ivan",
    "ebhxh.ivan.employees",
    "ebhxh.ivan.filings",
    "ebhxh.esign",
    "ebhxh.demo",
    "axes",  # login lockout for the portal (docs/portal.md)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ebhxh.core.middleware.ExplicitLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "ebhxh.agency.portal.auth.PasswordPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

# django-axes first: it refuses a locked-out username+IP before the password is checked.
AUTHENTICATION_BACKENDS = [
    "ebhxh.agency.portal.auth.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "ebhxh.urls"
WSGI_APPLICATION = "ebhxh.wsgi.application"

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
                "ebhxh.core.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite file by default (the embedded demo); PostgreSQL in production and CI, e.g.
# DATABASE_URL=postgres://postgres@127.0.0.1:5432/test
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'ebhxh.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL and a busy timeout let the web process and the task worker share the file.
    DATABASES["default"]["OPTIONS"].update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time ---------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True

# --- Static files --------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG or DEMO

LOGIN_URL = "admin:login"

# --- Email (SMTP) --------------------------------------------------------------------------
# EMAIL_URL=smtp://user:pass@host:587/?tls=True ; the demo runs its own SMTP sink on 1025.
vars().update(env.email_url("EMAIL_URL", default="smtp://127.0.0.1:1025"))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ebhxh <no-reply@ebhxh.local>")

# --- SMS gateway ---------------------------------------------------------------------------
# An HTTP gateway that accepts POST {"to", "text", "reference"} as JSON (docs/operations.md).
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="")
SMS_GATEWAY_TIMEOUT = env.float("SMS_GATEWAY_TIMEOUT", default=10.0)
SMS_SENDER_NAME = env.str("SMS_SENDER_NAME", default="BHXH")

# --- Outbox delivery -----------------------------------------------------------------------
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=12)
OUTBOX_BACKOFF_BASE_SECONDS = env.float("OUTBOX_BACKOFF_BASE_SECONDS", default=30.0)
OUTBOX_BACKOFF_MAX_SECONDS = env.float("OUTBOX_BACKOFF_MAX_SECONDS", default=3600.0)
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=120)
OUTBOX_SWEEP_SECONDS = env.float("OUTBOX_SWEEP_SECONDS", default=30.0)
OUTBOX_SWEEP_GRACE_SECONDS = env.float("OUTBOX_SWEEP_GRACE_SECONDS", default=30.0)
# Messages with a password or a one-time code keep their body this long after sending, then
# it is erased (the recipient has it; the database should not).
OUTBOX_SECRET_RETENTION_SECONDS = env.int("OUTBOX_SECRET_RETENTION_SECONDS", default=600)

# --- Background tasks ----------------------------------------------------------------------
# The database-backed queue by default; see docs/operations.md for Celery or RQ.
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
SCHEDULER_TICK_SECONDS = env.float("SCHEDULER_TICK_SECONDS", default=5.0)

# --- Remote signing (esign) ----------------------------------------------------------------
# docs/esign.md. The key-encryption key is 32 bytes in base64; empty derives one from
# SECRET_KEY (demo and tests only: set it in production so rotating SECRET_KEY keeps keys).
ESIGN_CONFIRMATION_SECONDS = env.int("ESIGN_CONFIRMATION_SECONDS", default=120)
ESIGN_SAD_SECONDS = env.int("ESIGN_SAD_SECONDS", default=60)
ESIGN_TOKEN_SECONDS = env.int("ESIGN_TOKEN_SECONDS", default=3600)
ESIGN_PIN_MAX_ATTEMPTS = env.int("ESIGN_PIN_MAX_ATTEMPTS", default=5)
# One device confirmation per dossier: a signing request may continue (chainedTo) one used
# this many seconds ago at most, and one chain holds at most this many requests.
ESIGN_CHAIN_SECONDS = env.int("ESIGN_CHAIN_SECONDS", default=120)
ESIGN_CHAIN_MAX_LENGTH = env.int("ESIGN_CHAIN_MAX_LENGTH", default=10)
ESIGN_EXPIRY_SWEEP_SECONDS = env.float("ESIGN_EXPIRY_SWEEP_SECONDS", default=30.0)
ESIGN_KEY_ENCRYPTION_KEY = env.str("ESIGN_KEY_ENCRYPTION_KEY", default="")

# --- Registration dossiers (docs/registrations.md) -----------------------------------------
# Provinces (2-digit codes) where a unit without a unit code may register electronically
# (HSDKLanDau); elsewhere it files the paper form. 01 = Thành phố Hà Nội.
REGISTRATION_FIRST_TIME_PROVINCES = env.list("REGISTRATION_FIRST_TIME_PROVINCES", default=["01"])
# An activation code is valid this long after it is issued (seeds 000, 004: 24 hours) ...
REGISTRATION_ACTIVATION_TTL_SECONDS = env.int(
    "REGISTRATION_ACTIVATION_TTL_SECONDS", default=24 * 60 * 60
)
# ... and is locked after this many wrong tries.
REGISTRATION_ACTIVATION_MAX_ATTEMPTS = env.int("REGISTRATION_ACTIVATION_MAX_ATTEMPTS", default=5)
# "Lấy lao động": employees per page by default and at most.
REGISTRATION_EMPLOYEES_PAGE_SIZE = env.int("REGISTRATION_EMPLOYEES_PAGE_SIZE", default=100)
REGISTRATION_EMPLOYEES_MAX_PAGE_SIZE = env.int("REGISTRATION_EMPLOYEES_MAX_PAGE_SIZE", default=500)
# How often registration dossiers left pending by a system error (SYS001) are processed again.
REGISTRATION_RETRY_SECONDS = env.float("REGISTRATION_RETRY_SECONDS", default=300.0)

# --- Gateway for I-VANs -------------------------------------------------------------------
# docs/gateway.md. Trust store for unit and I-VAN certificates: PEM/DER files or folders;
# empty in the demo means the demo PKI under DEMO_PKI_DIR.
GATEWAY_TRUST_ANCHORS = env.list("GATEWAY_TRUST_ANCHORS", default=[])
GATEWAY_TRUST_INTERMEDIATES = env.list("GATEWAY_TRUST_INTERMEDIATES", default=[])
GATEWAY_TRUST_CRLS = env.list("GATEWAY_TRUST_CRLS", default=[])
GATEWAY_TRUST_RELOAD_SECONDS = env.float("GATEWAY_TRUST_RELOAD_SECONDS", default=60.0)
GATEWAY_OCSP_ENABLED = env.bool("GATEWAY_OCSP_ENABLED", default=False)
GATEWAY_REQUEST_WINDOW_SECONDS = env.int("GATEWAY_REQUEST_WINDOW_SECONDS", default=300)
GATEWAY_MAX_BODY_BYTES = env.int("GATEWAY_MAX_BODY_BYTES", default=15 * 1024 * 1024)
GATEWAY_PROCESSING_RETRY_SECONDS = env.int("GATEWAY_PROCESSING_RETRY_SECONDS", default=600)
GATEWAY_PROCESSING_SWEEP_SECONDS = env.float("GATEWAY_PROCESSING_SWEEP_SECONDS", default=300.0)
GATEWAY_NONCE_PRUNE_SECONDS = env.float("GATEWAY_NONCE_PRUNE_SECONDS", default=600.0)
GATEWAY_CALLBACK_TIMEOUT = env.float("GATEWAY_CALLBACK_TIMEOUT", default=10.0)
GATEWAY_CALLBACK_MAX_ATTEMPTS = env.int("GATEWAY_CALLBACK_MAX_ATTEMPTS", default=10)
GATEWAY_CALLBACK_BACKOFF_BASE_SECONDS = env.float(
    "GATEWAY_CALLBACK_BACKOFF_BASE_SECONDS", default=30.0
)
GATEWAY_CALLBACK_BACKOFF_MAX_SECONDS = env.float(
    "GATEWAY_CALLBACK_BACKOFF_MAX_SECONDS", default=3600.0
)
GATEWAY_CALLBACK_LEASE_SECONDS = env.int("GATEWAY_CALLBACK_LEASE_SECONDS", default=60)
GATEWAY_CALLBACK_SWEEP_SECONDS = env.float("GATEWAY_CALLBACK_SWEEP_SECONDS", default=30.0)
# The agency's own key, which signs receipts and callbacks: a PKCS#12 file, or a PKCS#11
# token. Empty in the demo means the demo PKI's `bhxh-vn` certificate.
AGENCY_SIGNER_PKCS12 = env.str("AGENCY_SIGNER_PKCS12", default="")
AGENCY_SIGNER_PASSWORD = env.str("AGENCY_SIGNER_PASSWORD", default="")
AGENCY_SIGNER_PKCS11_MODULE = env.str("AGENCY_SIGNER_PKCS11_MODULE", default="")
AGENCY_SIGNER_TOKEN_LABEL = env.str("AGENCY_SIGNER_TOKEN_LABEL", default="")
AGENCY_SIGNER_PIN = env.str("AGENCY_SIGNER_PIN", default="")
AGENCY_SIGNER_CERTIFICATE_LABEL = env.str("AGENCY_SIGNER_CERTIFICATE_LABEL", default="")

# --- Public portal: accounts and Mẫu 01 (docs/portal.md) -------------------------------------
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
PORTAL_HOTLINE = env.str("PORTAL_HOTLINE", default="1900 9068")
# A password must be changed this many calendar months after it was set (seed 003: 6).
PORTAL_PASSWORD_MAX_AGE_MONTHS = env.int("PORTAL_PASSWORD_MAX_AGE_MONTHS", default=6)
PORTAL_PASSWORD_HISTORY = env.int("PORTAL_PASSWORD_HISTORY", default=5)
# PBKDF2 rounds for passwords the system generates (random, ~72 bits): see docs/portal.md.
PORTAL_GENERATED_PASSWORD_ITERATIONS = env.int(
    "PORTAL_GENERATED_PASSWORD_ITERATIONS", default=10_000
)
PORTAL_PASSWORD_MIN_LENGTH = env.int("PORTAL_PASSWORD_MIN_LENGTH", default=10)
# Same format as AUTH_PASSWORD_VALIDATORS; applied to portal accounts (Vietnamese messages).
PORTAL_PASSWORD_VALIDATORS = [
    {
        "NAME": "ebhxh.agency.portal.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": PORTAL_PASSWORD_MIN_LENGTH},
    },
    {"NAME": "ebhxh.agency.portal.passwords.CharacterClassesValidator"},
    {"NAME": "ebhxh.agency.portal.passwords.PersonalInformationValidator"},
    {"NAME": "ebhxh.agency.portal.passwords.CommonPasswordValidator"},
    {
        "NAME": "ebhxh.agency.portal.passwords.PasswordHistoryValidator",
        "OPTIONS": {"count": PORTAL_PASSWORD_HISTORY},
    },
]
# Pages a user whose password must change may still open (besides the change page, logout).
PORTAL_PASSWORD_CHANGE_EXEMPT_PREFIXES = [
    f"/{STATIC_URL.lstrip('/')}",
    "/i18n/",
    "/healthz",
    "/demo/",
]
PORTAL_PASSWORD_RESET_MINUTES = env.int("PORTAL_PASSWORD_RESET_MINUTES", default=15)
PORTAL_PASSWORD_RESET_MAX_ATTEMPTS = env.int("PORTAL_PASSWORD_RESET_MAX_ATTEMPTS", default=5)
PORTAL_PASSWORD_RESET_MAX_PER_HOUR = env.int("PORTAL_PASSWORD_RESET_MAX_PER_HOUR", default=3)
# Login lockout (django-axes): this many failures for one username from one IP address
# lock that pair for the cool-off; a success resets the count.
PORTAL_LOGIN_FAILURE_LIMIT = env.int("PORTAL_LOGIN_FAILURE_LIMIT", default=5)
PORTAL_LOGIN_COOLOFF_MINUTES = env.int("PORTAL_LOGIN_COOLOFF_MINUTES", default=15)
AXES_FAILURE_LIMIT = PORTAL_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=PORTAL_LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no start-up banner in every command
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "ebhxh.agency.portal.views.lockout"
AXES_USERNAME_CALLABLE = "ebhxh.agency.portal.auth.lockout_username"
# Behind a reverse proxy set the number of proxies, so the client's address is the one counted.
AXES_IPWARE_PROXY_COUNT = env.int("PORTAL_PROXY_COUNT", default=None)
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if AXES_IPWARE_PROXY_COUNT else ("REMOTE_ADDR",)
)
# Mẫu 01 without a certificate: calendar days to present it at the reception point.
PORTAL_DECLARATION_PRESENT_DAYS = env.int("PORTAL_DECLARATION_PRESENT_DAYS", default=10)
PORTAL_CANCEL_SWEEP_SECONDS = env.float("PORTAL_CANCEL_SWEEP_SECONDS", default=900.0)
# Paper at the counter: working days to decide (seed 003: 3).
PORTAL_COUNTER_WORKING_DAYS = env.int("PORTAL_COUNTER_WORKING_DAYS", default=3)
PORTAL_REFUSAL_MIN_LENGTH = env.int("PORTAL_REFUSAL_MIN_LENGTH", default=10)
# Signed Mẫu 01: decisions run below the outbox (priority 0) so SMS are not held back.
PORTAL_DECISION_TASK_PRIORITY = env.int("PORTAL_DECISION_TASK_PRIORITY", default=-10)
PORTAL_DECISION_SWEEP_SECONDS = env.float("PORTAL_DECISION_SWEEP_SECONDS", default=60.0)
PORTAL_DECISION_SWEEP_GRACE_SECONDS = env.float(
    "PORTAL_DECISION_SWEEP_GRACE_SECONDS", default=120.0
)
# Certificates trusted for Mẫu 01 signatures: PEM/DER files or folders; empty in the demo
# means the demo PKI under DEMO_PKI_DIR.
PORTAL_TRUST_ANCHORS = env.list("PORTAL_TRUST_ANCHORS", default=[])
PORTAL_TRUST_INTERMEDIATES = env.list("PORTAL_TRUST_INTERMEDIATES", default=[])
PORTAL_TRUST_CRLS = env.list("PORTAL_TRUST_CRLS", default=[])
PORTAL_TRUST_OCSP = env.bool("PORTAL_TRUST_OCSP", default=False)
# Folders searched for the DejaVu fonts embedded in the printed Mẫu 01 (Vietnamese glyphs).
PORTAL_PDF_FONT_DIRS = env.list(
    "PORTAL_PDF_FONT_DIRS", default=["/usr/share/fonts/truetype/dejavu"]
)
# CSC API roots offered for "Ký số từ xa" on the organisation registration (seed 001).
PORTAL_REMOTE_SIGNING_URLS = env.list(
    "PORTAL_REMOTE_SIGNING_URLS", default=["http://127.0.0.1:8000/esign/csc/v2/"]
)

# --- I-VAN employer app (docs/ivan.md) ------------------------------------------------------
# Remote-signing providers (CSC API v2 base URLs) a unit may log in to when it sets up
# remote signing; the server only ever calls these addresses.
IVAN_REMOTE_SIGNING_URLS = env.list(
    "IVAN_REMOTE_SIGNING_URLS", default=["http://127.0.0.1:8000/esign/csc/v2/"]
)
# The BHXH gateway this I-VAN submits to, its five-digit code and name as connected there,
# and its key for signing requests (PKCS#12). In the demo without a key: the demo PKI's
# certificate of the I-VAN with this code.
IVAN_GATEWAY_URL = env.str("IVAN_GATEWAY_URL", default="http://127.0.0.1:8000/gateway/v1/")
IVAN_CODE = env.str("IVAN_CODE", default="00110")
IVAN_NAME = env.str("IVAN_NAME", default="Công ty Cổ phần MISA")
IVAN_GATEWAY_PKCS12 = env.str("IVAN_GATEWAY_PKCS12", default="")
IVAN_GATEWAY_PASSWORD = env.str("IVAN_GATEWAY_PASSWORD", default="")
IVAN_GATEWAY_TIMEOUT = env.float("IVAN_GATEWAY_TIMEOUT", default=30.0)
# Provinces whose BHXH takes first-time unit-code requests (HSDKLanDau) electronically, as
# the agency announces them; elsewhere the wizard prints the paper form (a REG008 answer
# also leads there).
IVAN_FIRST_TIME_PROVINCES = env.list("IVAN_FIRST_TIME_PROVINCES", default=["01"])

# --- Demo sinks ----------------------------------------------------------------------------
DEMO_MAILDIR = VAR_DIR / "demo" / "maildir"
DEMO_SMS_LOG = VAR_DIR / "demo" / "sms.jsonl"
DEMO_PKI_DIR = VAR_DIR / "demo" / "pki"

# --- Production hardening ------------------------------------------------------------------
if not (DEBUG or DEMO):
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
