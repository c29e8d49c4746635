"""The only settings module. Everything comes from the environment, with safe development defaults.

A wrong value stops the process at start with a message naming the variable (see ``ImproperlyConfigured``).
Any secret can also be given as ``NAME_FILE`` pointing at a file that holds it (Docker/Kubernetes secrets).
"""

from __future__ import annotations

import base64
import ipaddress
import os
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import dj_database_url
from corsheaders.defaults import default_headers as cors_default_headers
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    """Read ``NAME`` or, failing that, the contents of the file named by ``NAME_FILE``."""
    value = os.environ.get(name)
    if value is not None:
        return value
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_name!r} cannot be read: {exc.strerror}") from exc
    return default


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name)
    if value is None:
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean; use 1/0, true/false, yes/no or on/off")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    value = env_str(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}")
    return number


def env_decimal(name: str, default: str, *, minimum: Decimal, maximum: Decimal) -> Decimal:
    value = env_str(name, default) or default
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number") from None
    if not number.is_finite():
        raise ImproperlyConfigured(f"{name}={value!r} is not a number")
    if not (minimum <= number <= maximum):
        raise ImproperlyConfigured(f"{name}={value} must be between {minimum} and {maximum}")
    return number


def env_list(name: str, default: str) -> list[str]:
    value = env_str(name, default) or ""
    return [item.strip() for item in value.split(",") if item.strip()]


# --- core -------------------------------------------------------------------------------------------------
DEBUG = env_bool("DEBUG", False)
_DEV_SECRET = "dev-only-insecure-secret-key-change-me-0123456789abcdefghijklmnop"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY") or (_DEV_SECRET if DEBUG else None)
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY is not set; it is required unless DEBUG=1")
if not DEBUG and (SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured("SECRET_KEY must be a unique value of at least 32 characters when DEBUG is off")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is empty; list the host names this site answers to")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = (env_str("SITE_URL", "http://127.0.0.1:8000") or "").rstrip("/")
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"SITE_URL={SITE_URL!r} must start with http:// or https://")

INSTALLED_APPS = [
    # modeltranslation must come before the admin so its translated fields show there.
    "modeltranslation",
    # The admin with its site swapped for one that asks staff for a second factor (gnb/accounts/admin_site.py).
    "gnb.accounts.admin_config.GnbAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "ninja",
    "corsheaders",
    "csp",
    "django_tasks",
    "gnb.ops.apps.TaskQueueConfig",  # django_tasks_db, its name translated
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "gnb.core",
    "gnb.accounts",
    "gnb.catalog",
    "gnb.bookings",
    "gnb.notifications",
    "gnb.ops",
    "gnb.payments",
    "gnb.payments.providers.paytr",
    "gnb.fleet",
    "gnb.privacy",
    "gnb.website",
    "gnb.driver",
]

MIDDLEWARE = [
    # First, to count and time every answer; then the probes, answered before host checks and HTTPS redirects.
    "gnb.ops.metrics.RequestMetricsMiddleware",
    # Every answer (probes too) carries X-Request-ID, and every log line of the request its id.
    "gnb.ops.middleware.RequestIdMiddleware",
    "gnb.ops.views.ProbeMiddleware",
    # Before anything that answers early, so even those answers carry the CORS headers (API paths only).
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Every page and static file gets Permissions-Policy and Content-Security-Policy (with this response's nonce).
    "gnb.core.security.PermissionsPolicyMiddleware",
    "gnb.core.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second factor (the admin requires it).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "gnb.core.middleware.ApiErrorShapeMiddleware",
    # /driver/ only: the device's session still live, and the language the driver chose (gnb/driver/middleware.py).
    "gnb.driver.middleware.DriverAppMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

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
                "gnb.website.context_processors.site",
            ],
        },
    },
]

# --- database ---------------------------------------------------------------------------------------------
_DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'gnb.sqlite3'}"
_database_url = env_str("DATABASE_URL", _DEFAULT_SQLITE) or _DEFAULT_SQLITE
# "transaction" when DATABASE_URL points at a transaction-pooling PgBouncer or a provider's pooler; empty for a direct
# connection. The scheduler refuses to run through one (its leader lock belongs to a server session).
DATABASE_POOLER = (env_str("DATABASE_POOLER", "") or "").strip().lower()
if DATABASE_POOLER not in {"", "transaction"}:
    raise ImproperlyConfigured(
        f"DATABASE_POOLER={DATABASE_POOLER!r} must be empty (a direct connection) or transaction (PgBouncer in "
        "transaction mode, or a provider's pooler)"
    )
try:
    _db = dj_database_url.parse(_database_url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL this project knows: {exc}") from exc
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker read while the web process writes; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue on the busy timeout instead of failing half-way (the SQLite form of "lock, re-check, write").
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # One test database file per test process, so parallel runs never share one.
    _db["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db["CONN_HEALTH_CHECKS"] = True
    if DATABASE_POOLER == "transaction":
        # PgBouncer (transaction mode) or a managed pooler: a server connection is ours for one transaction only,
        # so no named cursor may outlive one, and the pooler refuses the `options` startup parameter: lock_timeout
        # is set on the database role instead (docs/deployment.md, "How it grows").
        _db["DISABLE_SERVER_SIDE_CURSORS"] = True
    else:
        # A row lock that waits longer than this becomes "busy, please retry" rather than a hung request.
        _db.setdefault("OPTIONS", {})["options"] = f"-c lock_timeout={env_int('DATABASE_LOCK_TIMEOUT_MS', 5000)}"
else:
    raise ImproperlyConfigured(f"DATABASE_URL engine {_db['ENGINE']} is not supported; use postgres:// or sqlite://")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache ------------------------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"REDIS_URL={REDIS_URL!r} must start with redis://, rediss:// or unix://")
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "gnb"}}

# --- tasks ------------------------------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A task still RUNNING this long after a worker claimed it belongs to a worker that died: the scheduler's reaper
# (gnb/ops/reaper.py) queues it again. Longer than the longest task (the daily backup) runs.
TASK_CLAIM_TIMEOUT_SECONDS = env_int("TASK_CLAIM_TIMEOUT_SECONDS", 15 * 60, minimum=60)

# --- passwords --------------------------------------------------------------------------------------------
# New and changed passwords are hashed with the first (Argon2id); a password stored with any other is re-hashed
# with it at the next successful login. bcrypt reads the hashes imported from the previous system (import_users);
# its legacy form also takes passwords longer than bcrypt's 72 bytes, as the previous system did.
PASSWORD_HASHERS = [
    "gnb.accounts.passwords.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "gnb.accounts.passwords.LegacyBCryptPasswordHasher",
]
# OWASP ASVS 4.0.3 V2.1 (gnb/accounts/passwords.py): 12 to 128 characters (2.1.1, 2.1.2), no common, breached or
# context-specific password (2.1.7) and no composition rules (2.1.9), hence no NumericPasswordValidator.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "gnb.accounts.passwords.UserContextValidator"},
    {"NAME": "gnb.accounts.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "gnb.accounts.passwords.MaximumLengthValidator", "OPTIONS": {"max_length": 128}},
    {"NAME": "gnb.accounts.passwords.BreachedPasswordValidator"},
]

# Staff two-factor authentication (django-otp, gnb/accounts/two_factor.py): the name authenticator apps show.
OTP_TOTP_ISSUER = "GNB Transfer"

# --- languages and time -----------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("tr", _("Turkish")),
    ("de", _("German")),
    ("ru", _("Russian")),
    ("uk", _("Ukrainian")),
    ("pl", _("Polish")),
    ("nl", _("Dutch")),
    ("fr", _("French")),
    ("ar", _("Arabic")),
]
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
LOCALE_PATHS = [BASE_DIR / "locale"]
# A language picked in the switcher is remembered for a year (gnb/website/language.py); Django's default would forget
# it when the browser closes.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Europe/Istanbul"
# The display currency a visitor who has not picked one sees first, by page language ("language:CODE" pairs;
# gnb/core/formats.py). A code the operators do not offer falls back to BASE_CURRENCY; the visitor's own choice
# (the currency switcher's cookie) always wins.
GNB_LANGUAGE_CURRENCIES: dict[str, str] = {}
for _pair in env_list("GNB_LANGUAGE_CURRENCIES", "en:GBP,tr:TRY,de:EUR,ru:EUR,uk:EUR,pl:PLN,nl:EUR,fr:EUR,ar:USD"):
    _language, _colon, _currency_code = _pair.partition(":")
    _currency_code = _currency_code.strip().upper()
    if _language.strip() not in dict(LANGUAGES) or not re.fullmatch(r"[A-Z]{3}", _currency_code):
        raise ImproperlyConfigured(
            f"GNB_LANGUAGE_CURRENCIES: {_pair!r} must be a site language, a colon and a three-letter currency code"
        )
    GNB_LANGUAGE_CURRENCIES[_language.strip()] = _currency_code
USE_I18N = True
USE_TZ = True

# --- static and media -------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")) or VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- email ------------------------------------------------------------------------------------------------
_email_url = env_str("EMAIL_URL", "console://" if DEBUG else "") or ""
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "GNB Transfer <bookings@gnbtransfer.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_FILE_PATH = VAR_DIR / "mail"
if _email_url.startswith("console://"):
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
elif _email_url.startswith("file://"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = Path(_email_url.removeprefix("file://") or EMAIL_FILE_PATH)
elif _email_url.startswith(("smtp://", "smtps://", "submission://")):
    from urllib.parse import unquote, urlsplit

    _parts = urlsplit(_email_url)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _parts.hostname or "localhost"
    EMAIL_PORT = _parts.port or {"smtp": 25, "smtps": 465, "submission": 587}[_parts.scheme]
    EMAIL_HOST_USER = unquote(_parts.username or "")
    EMAIL_HOST_PASSWORD = unquote(_parts.password or "")
    EMAIL_USE_SSL = _parts.scheme == "smtps"
    EMAIL_USE_TLS = _parts.scheme == "submission"
    EMAIL_TIMEOUT = 15
elif _email_url == "":
    raise ImproperlyConfigured("EMAIL_URL is not set; use smtp://user:pass@host:port, file:///path or console://")
else:
    raise ImproperlyConfigured(f"EMAIL_URL={_email_url.split('@')[-1]!r} has an unknown scheme")

# --- security ---------------------------------------------------------------------------------------------
# How many reverse proxies in front of the web process append to X-Forwarded-For (Render: 1; the compose file's
# proxy: 1; none: 0). Rate limits and the audit log take the client address from there (gnb/core/ratelimit.py).
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0)
# Cookies: the session (staff sign-in, a traveller's booking draft) and the CSRF cookie are never readable by
# scripts (no script here needs the CSRF cookie: forms carry the token and the API takes no cookies), are sent
# over HTTPS only when DEBUG is off, and stay on same-site requests and top-level links (Lax).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# A session ends 12 hours after it was last changed: staff sign in again at least every working day (ASVS 3.3.2).
SESSION_COOKIE_AGE = 12 * 60 * 60
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^health/"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content-Security-Policy (django-csp; gnb.core.security.ContentSecurityPolicyMiddleware adds the analytics hosts
# when GA4_MEASUREMENT_ID or CLARITY_PROJECT_ID is set). Scripts and styles come from this site's own files, or carry
# the response's nonce (`nonce="{{ request.csp_nonce }}"`); nothing inline runs without it, and no page may be framed.
# (Not kept as a CSP_REPORT_URI setting: django-csp 4 refuses to start while settings of its old format exist.)
_csp_report_uri = env_str("CSP_REPORT_URI", "") or ""
if _csp_report_uri and not _csp_report_uri.startswith(("https://", "http://", "/")):
    raise ImproperlyConfigured(f"CSP_REPORT_URI={_csp_report_uri!r} must be a path (/…) or an https:// URL")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "upgrade-insecure-requests": not DEBUG,
        "report-uri": [_csp_report_uri] if _csp_report_uri else None,
    },
}
# Permissions-Policy (gnb.core.security.PermissionsPolicyMiddleware): browser features no page uses are off for the
# site and anything it embeds. `payment` too: cash needs nothing, and a card provider's page or widget that needs the
# Payment Request API adds its origin here when it is added (e.g. ["self", "https://js.stripe.com"]).
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# CORS (django-cors-headers): only the API answers cross-origin requests, and only to the origins listed; empty means
# no cross-origin access at all. The API authenticates with headers, never cookies, so credentials stay off.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", "")
for _origin in CORS_ALLOWED_ORIGINS:
    if not re.fullmatch(r"https?://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*)(:[0-9]{1,5})?", _origin):
        raise ImproperlyConfigured(
            f"CORS_ALLOWED_ORIGINS has {_origin!r}, which is not an origin: scheme and host (and port), no path, "
            "e.g. https://app.gnbtransfer.com"
        )
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["GET", "OPTIONS", "PATCH", "POST"]
CORS_ALLOW_HEADERS = [*cors_default_headers, "idempotency-key", "x-manage-token"]
CORS_EXPOSE_HEADERS = ["Retry-After", "X-Request-ID"]


# --- API authentication and throttling (gnb/accounts/api_tokens.py, gnb/accounts/apiauth.py) -----------------------
# Access tokens (JWT, HS256) are signed with JWT_SIGNING_KEY, or else with a key derived from SECRET_KEY.
JWT_SIGNING_KEY = env_str("JWT_SIGNING_KEY", "") or ""
if JWT_SIGNING_KEY and len(JWT_SIGNING_KEY) < 32:
    raise ImproperlyConfigured("JWT_SIGNING_KEY must be at least 32 characters (or unset: derived from SECRET_KEY)")
# Short-lived: a stolen access token is good for minutes; the refresh token renews it.
JWT_ACCESS_TOKEN_SECONDS = env_int("JWT_ACCESS_TOKEN_SECONDS", 900, minimum=60)
if JWT_ACCESS_TOKEN_SECONDS > 3600:
    raise ImproperlyConfigured(f"JWT_ACCESS_TOKEN_SECONDS={JWT_ACCESS_TOKEN_SECONDS} must be at most 3600")
# A refresh token lapses when unused this long; a sign-in ends after API_SIGN_IN_MAX_DAYS however often refreshed.
API_REFRESH_TOKEN_DAYS = env_int("API_REFRESH_TOKEN_DAYS", 30, minimum=1)
API_SIGN_IN_MAX_DAYS = env_int("API_SIGN_IN_MAX_DAYS", 90, minimum=1)
if API_SIGN_IN_MAX_DAYS < API_REFRESH_TOKEN_DAYS:
    raise ImproperlyConfigured(
        f"API_SIGN_IN_MAX_DAYS={API_SIGN_IN_MAX_DAYS} must be at least API_REFRESH_TOKEN_DAYS={API_REFRESH_TOKEN_DAYS}"
    )
# Requests per minute to the quote endpoints and to booking placement: per client address without credentials,
# per API key or signed-in user with them (separate budgets).
API_RATE_QUOTES_PER_IP = env_int("API_RATE_QUOTES_PER_IP", 60, minimum=1)
API_RATE_QUOTES_PER_CLIENT = env_int("API_RATE_QUOTES_PER_CLIENT", 600, minimum=1)
API_RATE_BOOKINGS_PER_IP = env_int("API_RATE_BOOKINGS_PER_IP", 10, minimum=1)
API_RATE_BOOKINGS_PER_CLIENT = env_int("API_RATE_BOOKINGS_PER_CLIENT", 120, minimum=1)
# Sign-ins at POST /api/v1/auth/token per 15 minutes: failed ones per account, every attempt per client address.
API_RATE_TOKEN_PER_ACCOUNT = env_int("API_RATE_TOKEN_PER_ACCOUNT", 5, minimum=1)
API_RATE_TOKEN_PER_IP = env_int("API_RATE_TOKEN_PER_IP", 30, minimum=1)


# --- backups ----------------------------------------------------------------------------------------------
def _backup_key(name: str) -> bytes | None:
    """The AES-256 key: 32 bytes written as 64 hex digits or as base64 (standard or URL-safe alphabet)."""
    import base64
    import binascii

    value = (env_str(name) or "").strip()
    if not value:
        return None  # backups refuse to run without it, the site does not need it
    if len(value) == 64 and all(char in "0123456789abcdefABCDEF" for char in value):
        return bytes.fromhex(value)
    try:
        key = base64.b64decode(value.replace("-", "+").replace("_", "/"), validate=True)
    except binascii.Error:
        key = b""
    if len(key) != 32:
        # Never echo the value: it is a secret even when it is a wrong one.
        raise ImproperlyConfigured(
            f"{name} must be 32 bytes written as 64 hex digits or as base64 (44 characters); the value given "
            f"({len(value)} characters) is neither"
        )
    return key


BACKUP_ENCRYPTION_KEY = _backup_key("BACKUP_ENCRYPTION_KEY")
BACKUP_S3_BUCKET = env_str("BACKUP_S3_BUCKET", "") or ""
BACKUP_TARGETS = env_list("BACKUP_TARGETS", "local,s3" if BACKUP_S3_BUCKET else "local")
if not BACKUP_TARGETS:
    raise ImproperlyConfigured("BACKUP_TARGETS is empty; use local, s3 or local,s3")
if _unknown_targets := sorted(set(BACKUP_TARGETS) - {"local", "s3"}):
    raise ImproperlyConfigured(f"BACKUP_TARGETS names unknown targets {','.join(_unknown_targets)}; use local, s3")
if "s3" in BACKUP_TARGETS and not BACKUP_S3_BUCKET:
    raise ImproperlyConfigured("BACKUP_TARGETS includes s3 but BACKUP_S3_BUCKET is not set")
BACKUP_LOCAL_DIR = BASE_DIR / (env_str("BACKUP_LOCAL_DIR", "") or VAR_DIR / "backups")  # relative: to the project
BACKUP_LOCAL_KEEP_DAYS = env_int("BACKUP_LOCAL_KEEP_DAYS", 7, minimum=1)
BACKUP_S3_ENDPOINT_URL = env_str("BACKUP_S3_ENDPOINT_URL", "") or None
if BACKUP_S3_ENDPOINT_URL and not BACKUP_S3_ENDPOINT_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"BACKUP_S3_ENDPOINT_URL={BACKUP_S3_ENDPOINT_URL!r} must start with http:// or https://")
BACKUP_S3_PREFIX = (env_str("BACKUP_S3_PREFIX", "backups/") or "").strip("/")
BACKUP_S3_PREFIX = f"{BACKUP_S3_PREFIX}/" if BACKUP_S3_PREFIX else ""
BACKUP_S3_REGION = env_str("BACKUP_S3_REGION", "") or None
# Unset: boto3's usual chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ~/.aws, an instance role).
BACKUP_S3_ACCESS_KEY_ID = env_str("BACKUP_S3_ACCESS_KEY_ID", "") or None
BACKUP_S3_SECRET_ACCESS_KEY = env_str("BACKUP_S3_SECRET_ACCESS_KEY", "") or None
if bool(BACKUP_S3_ACCESS_KEY_ID) != bool(BACKUP_S3_SECRET_ACCESS_KEY):
    raise ImproperlyConfigured("BACKUP_S3_ACCESS_KEY_ID and BACKUP_S3_SECRET_ACCESS_KEY must be set together")
BACKUP_S3_KEEP_DAYS = env_int("BACKUP_S3_KEEP_DAYS", 30, minimum=1)
BACKUP_INCLUDE_MEDIA = env_bool("BACKUP_INCLUDE_MEDIA", True)
# Where pg_dump and pg_restore are, when the ones on PATH are older than the server (they must be at least as new).
BACKUP_PG_BIN_DIR = env_str("BACKUP_PG_BIN_DIR", "") or ""

# --- logging ----------------------------------------------------------------------------------------------
LOG_LEVEL = (env_str("LOG_LEVEL", "INFO") or "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"LOG_LEVEL={LOG_LEVEL!r} must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
# json: one object per line for log collectors; text: readable lines for development.
LOG_FORMAT = (env_str("LOG_FORMAT", "") or ("text" if DEBUG else "json")).lower()
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r} must be json or text")
# Every line carries the request id (gnb.ops.middleware.RequestIdMiddleware; "-" outside requests, the task id in
# task runs) and has passwords, tokens, emails, phone numbers and card numbers scrubbed; ERROR records also count
# towards the "errors.burst" alert.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "gnb.ops.logging.RequestIdFilter"}},
    "formatters": {"json": {"()": "gnb.ops.logging.JsonFormatter"}, "text": {"()": "gnb.ops.logging.TextFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
        "error_burst": {"class": "gnb.ops.logging.ErrorBurstHandler", "level": "ERROR"},
    },
    "root": {"handlers": ["console", "error_burst"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's defaults give these their own console handler (in DEBUG) and admin mails; here they reach the
        # root handlers like every other record, so each line is printed once, in LOG_FORMAT, with its request id.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
    },
}

# --- deploy -----------------------------------------------------------------------------------------------
# Read by `manage.py render_deploy` (the deploy workflow): trigger a Render deploy, wait, verify, roll back.
RENDER_API_URL = (env_str("RENDER_API_URL", "https://api.render.com/v1") or "").rstrip("/")
if not RENDER_API_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"RENDER_API_URL={RENDER_API_URL!r} must start with http:// or https://")
RENDER_API_KEY = env_str("RENDER_API_KEY", "") or ""
RENDER_SERVICE_ID = env_str("RENDER_SERVICE_ID", "") or ""
RENDER_DEPLOY_HOOK_URL = env_str("RENDER_DEPLOY_HOOK_URL", "") or ""
if RENDER_DEPLOY_HOOK_URL and not RENDER_DEPLOY_HOOK_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("RENDER_DEPLOY_HOOK_URL must start with http:// or https://")
RENDER_DEPLOY_TIMEOUT = env_int("RENDER_DEPLOY_TIMEOUT", 1200, minimum=1)
# The worker and scheduler services, deployed with the same commit once the web service is verified.
RENDER_WORKER_SERVICE_IDS = env_list("RENDER_WORKER_SERVICE_IDS", "")


# --- health and metrics -----------------------------------------------------------------------------------
# /health/live, /health/ready and /metrics are answered by gnb.ops.views.ProbeMiddleware before host validation
# and the HTTPS redirect: load balancers and scrapers call an instance by its internal address over plain HTTP.
# SECURE_REDIRECT_EXEMPT (security, above) keeps ^health/ out of the redirect as well for any other route there.
def _warn_before_fail(warn_name: str, warn: int, fail_name: str, fail: int, *, rising: bool = True) -> None:
    """A warning threshold must come before its failure one: lower for rising values, higher for falling ones."""
    if (warn > fail) if rising else (warn < fail):
        relation = "at most" if rising else "at least"
        raise ImproperlyConfigured(f"{warn_name}={warn} must be {relation} {fail_name}={fail}")


# The only version detail health answers show: a commit hash or image tag set by the build.
BUILD_ID = env_str("BUILD_ID", "") or "dev"
if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", BUILD_ID):
    raise ImproperlyConfigured(f"BUILD_ID={BUILD_ID!r} must be 1-64 letters, digits, dots, dashes or underscores")
# Task queue: tasks waiting to run now, and how long the oldest of them has waited.
HEALTH_QUEUE_WARN_TASKS = env_int("HEALTH_QUEUE_WARN_TASKS", 100, minimum=1)
HEALTH_QUEUE_FAIL_TASKS = env_int("HEALTH_QUEUE_FAIL_TASKS", 1000, minimum=1)
_warn_before_fail(
    "HEALTH_QUEUE_WARN_TASKS", HEALTH_QUEUE_WARN_TASKS, "HEALTH_QUEUE_FAIL_TASKS", HEALTH_QUEUE_FAIL_TASKS
)
HEALTH_QUEUE_WARN_AGE_SECONDS = env_int("HEALTH_QUEUE_WARN_AGE_SECONDS", 300, minimum=1)
HEALTH_QUEUE_FAIL_AGE_SECONDS = env_int("HEALTH_QUEUE_FAIL_AGE_SECONDS", 1800, minimum=1)
_warn_before_fail(
    "HEALTH_QUEUE_WARN_AGE_SECONDS",
    HEALTH_QUEUE_WARN_AGE_SECONDS,
    "HEALTH_QUEUE_FAIL_AGE_SECONDS",
    HEALTH_QUEUE_FAIL_AGE_SECONDS,
)
# Free space on the volumes holding var/ and MEDIA_ROOT, in MiB.
HEALTH_DISK_WARN_FREE_MB = env_int("HEALTH_DISK_WARN_FREE_MB", 1024, minimum=1)
HEALTH_DISK_FAIL_FREE_MB = env_int("HEALTH_DISK_FAIL_FREE_MB", 200, minimum=1)
_warn_before_fail(
    "HEALTH_DISK_WARN_FREE_MB",
    HEALTH_DISK_WARN_FREE_MB,
    "HEALTH_DISK_FAIL_FREE_MB",
    HEALTH_DISK_FAIL_FREE_MB,
    rising=False,
)
# Age of the last successful backup: the nightly run plus slack warns; two missed nights fail.
HEALTH_BACKUP_WARN_HOURS = env_int("HEALTH_BACKUP_WARN_HOURS", 26, minimum=1)
HEALTH_BACKUP_FAIL_HOURS = env_int("HEALTH_BACKUP_FAIL_HOURS", 50, minimum=1)
_warn_before_fail(
    "HEALTH_BACKUP_WARN_HOURS", HEALTH_BACKUP_WARN_HOURS, "HEALTH_BACKUP_FAIL_HOURS", HEALTH_BACKUP_FAIL_HOURS
)
# Readiness failing this many times in a row raises the "health.ready" alert; the next success resolves it.
HEALTH_ALERT_AFTER_FAILURES = env_int("HEALTH_ALERT_AFTER_FAILURES", 3, minimum=1)
# /metrics answers only when at least one is set; when both are, a scrape must satisfy both. The address checked
# is REMOTE_ADDR (never X-Forwarded-For, which a client can forge), so behind a proxy use the token.
METRICS_TOKEN = env_str("METRICS_TOKEN", "") or ""
if METRICS_TOKEN and (len(METRICS_TOKEN) < 16 or not METRICS_TOKEN.isascii() or not METRICS_TOKEN.isprintable()):
    raise ImproperlyConfigured("METRICS_TOKEN must be at least 16 printable ASCII characters")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "")
for _network in METRICS_ALLOWED_IPS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"METRICS_ALLOWED_IPS has {_network!r}, which is not an IP address or network (e.g. 10.0.0.0/8)"
        ) from None
# With several gunicorn workers each one writes its samples to files there and /metrics adds them up. Read from
# the plain environment (no _FILE form): prometheus-client reads it there itself when it is imported, and both
# must agree. deploy/gunicorn.conf.py empties it at start; it is created here too, because every process with
# the variable set (a worker, a management command) writes its counters there and would fail on a missing one.
PROMETHEUS_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
if PROMETHEUS_MULTIPROC_DIR:
    try:
        Path(PROMETHEUS_MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ImproperlyConfigured(
            f"PROMETHEUS_MULTIPROC_DIR={PROMETHEUS_MULTIPROC_DIR!r} is not a directory and cannot be created: "
            f"{exc.strerror}"
        ) from exc

# --- monitoring and alerts -------------------------------------------------------------------------------
# Sentry is on when SENTRY_DSN is set; events are scrubbed of personal data and secrets (gnb.ops.monitoring).
SENTRY_DSN = env_str("SENTRY_DSN", "") or ""
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "") or ("development" if DEBUG else "production")
if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", SENTRY_ENVIRONMENT):
    raise ImproperlyConfigured(
        f"SENTRY_ENVIRONMENT={SENTRY_ENVIRONMENT!r} must be 1-64 letters, digits, dots, dashes or underscores"
    )
SENTRY_RELEASE = env_str("SENTRY_RELEASE", "") or (BUILD_ID if BUILD_ID != "dev" else None)
SENTRY_TRACES_SAMPLE_RATE = float(env_decimal("SENTRY_TRACES_SAMPLE_RATE", "0", minimum=Decimal(0), maximum=Decimal(1)))
if SENTRY_DSN:
    from gnb.ops.monitoring import init_sentry

    init_sentry(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        release=SENTRY_RELEASE,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )

# Alerts (gnb.ops.alerts): each channel is on when its settings are filled in.
# A firing incident sends one message, then at most one reminder per ALERT_REPEAT_MINUTES, then one when resolved.
ALERT_REPEAT_MINUTES = env_int("ALERT_REPEAT_MINUTES", 60, minimum=1)
ALERT_SLACK_WEBHOOK_URL = env_str("ALERT_SLACK_WEBHOOK_URL", "") or ""
if ALERT_SLACK_WEBHOOK_URL and not ALERT_SLACK_WEBHOOK_URL.startswith(("https://", "http://")):
    # The webhook URL is the secret: name the variable, not the value.
    raise ImproperlyConfigured("ALERT_SLACK_WEBHOOK_URL must start with http:// or https://")
ALERT_EMAIL_TO = env_list("ALERT_EMAIL_TO", "")
for _address in ALERT_EMAIL_TO:
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", _address):
        raise ImproperlyConfigured(f"ALERT_EMAIL_TO has {_address!r}, which is not an email address")
ALERT_GITHUB_TOKEN = env_str("ALERT_GITHUB_TOKEN", "") or ""
ALERT_GITHUB_REPO = env_str("ALERT_GITHUB_REPO", "") or ""
if bool(ALERT_GITHUB_TOKEN) != bool(ALERT_GITHUB_REPO):
    raise ImproperlyConfigured("ALERT_GITHUB_TOKEN and ALERT_GITHUB_REPO must be set together")
if ALERT_GITHUB_REPO and not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", ALERT_GITHUB_REPO):
    raise ImproperlyConfigured(f"ALERT_GITHUB_REPO={ALERT_GITHUB_REPO!r} must be owner/name")
ALERT_GITHUB_API_URL = (env_str("ALERT_GITHUB_API_URL", "") or "https://api.github.com").rstrip("/")
if not ALERT_GITHUB_API_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(f"ALERT_GITHUB_API_URL={ALERT_GITHUB_API_URL!r} must start with http:// or https://")
# ERROR log records: this many within the window raise "errors.burst".
ALERT_ERROR_BURST_THRESHOLD = env_int("ALERT_ERROR_BURST_THRESHOLD", 20, minimum=1)
ALERT_ERROR_BURST_WINDOW_SECONDS = env_int("ALERT_ERROR_BURST_WINDOW_SECONDS", 300, minimum=10)
# The daily self-check: tasks ready for longer than this mean the worker is down; a backup older than this is late.
ALERT_QUEUE_STALE_MINUTES = env_int("ALERT_QUEUE_STALE_MINUTES", 10, minimum=1)
ALERT_BACKUP_MAX_AGE_HOURS = env_int("ALERT_BACKUP_MAX_AGE_HOURS", 26, minimum=1)

# --- business rules ---------------------------------------------------------------------------------------
BASE_CURRENCY = "EUR"
# Bookings close this many minutes before a transfer pickup (drivers need time to be planned).
GNB_MIN_LEAD_MINUTES = env_int("GNB_MIN_LEAD_MINUTES", 180)
# Free cancellation until this many hours before pickup; later, the fee below (percent of the total).
GNB_FREE_CANCELLATION_HOURS = env_int("GNB_FREE_CANCELLATION_HOURS", 24)
GNB_LATE_CANCELLATION_FEE_PERCENT = env_decimal(
    "GNB_LATE_CANCELLATION_FEE_PERCENT", "50", minimum=Decimal(0), maximum=Decimal(100)
)
# An airport pickup is this many minutes after the flight lands (passport control, baggage): the traveller gives the
# landing time and the pickup time follows from it.
GNB_PICKUP_MINUTES_AFTER_LANDING = env_int("GNB_PICKUP_MINUTES_AFTER_LANDING", 45, minimum=0)
# For a drop-off at the airport, the proposed pickup leaves the drive time plus this many minutes before the flight
# departs (check-in and security); the traveller may change it.
GNB_AIRPORT_CHECK_IN_MINUTES = env_int("GNB_AIRPORT_CHECK_IN_MINUTES", 120, minimum=0)
# Discount applied to the price of the return leg of a round trip, in percent.
GNB_RETURN_DISCOUNT_PERCENT = env_decimal("GNB_RETURN_DISCOUNT_PERCENT", "5", minimum=Decimal(0), maximum=Decimal(50))
# A card booking holds its seats this long while the traveller pays; an unpaid hold then expires.
GNB_PAYMENT_HOLD_MINUTES = env_int("GNB_PAYMENT_HOLD_MINUTES", 20, minimum=1)
GNB_MAX_PASSENGERS = env_int("GNB_MAX_PASSENGERS", 50, minimum=1)
# How far ahead a transfer can be booked.
GNB_MAX_DAYS_AHEAD = env_int("GNB_MAX_DAYS_AHEAD", 540, minimum=1)
GNB_OPERATOR_EMAIL = env_str("GNB_OPERATOR_EMAIL", "operations@gnbtransfer.com")

# --- privacy (GDPR, KVKK) ------------------------------------------------------------------------------------
# The data controller named in the privacy notice, and where data subject requests go (gnb/privacy, docs/privacy.md).
GNB_CONTROLLER_NAME = env_str("GNB_CONTROLLER_NAME", "GNB Turizm Taşımacılık Ltd. Şti.") or ""
GNB_CONTROLLER_ADDRESS = env_str("GNB_CONTROLLER_ADDRESS", "Antalya, Türkiye") or ""
GNB_CONTROLLER_EMAIL = env_str("GNB_CONTROLLER_EMAIL", "privacy@gnbtransfer.com") or ""
GNB_DPO_EMAIL = env_str("GNB_DPO_EMAIL", "") or ""
for _name, _address in (("GNB_CONTROLLER_EMAIL", GNB_CONTROLLER_EMAIL), ("GNB_DPO_EMAIL", GNB_DPO_EMAIL)):
    if _address and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", _address):
        raise ImproperlyConfigured(f"{_name}={_address!r} is not an email address")
if not (GNB_CONTROLLER_NAME and GNB_CONTROLLER_ADDRESS and GNB_CONTROLLER_EMAIL):
    raise ImproperlyConfigured("GNB_CONTROLLER_NAME, GNB_CONTROLLER_ADDRESS and GNB_CONTROLLER_EMAIL must not be empty")
# A traveller's personal data is anonymised this many months after their last trip (amounts, dates and payments
# stay for the tax records).
GNB_PRIVACY_RETENTION_MONTHS = env_int("GNB_PRIVACY_RETENTION_MONTHS", 24, minimum=1)
# The version of the consent text: raising it asks every visitor again.
GNB_CONSENT_VERSION = env_int("GNB_CONSENT_VERSION", 1, minimum=1)
# Passenger lists are reported to the Ministry of Transport's U-ETDS: the privacy notice then names it as a recipient,
# and the fleet reports every trip through the web service below (gnb/fleet/uetds).
GNB_UETDS_REPORTING = env_bool("GNB_UETDS_REPORTING", False)
# "test" or "production": which of the Ministry's two endpoints the reports go to; an explicit WSDL address wins.
GNB_UETDS_ENVIRONMENT = env_str("GNB_UETDS_ENVIRONMENT", "test") or "test"
if GNB_UETDS_ENVIRONMENT not in ("test", "production"):
    raise ImproperlyConfigured(f"GNB_UETDS_ENVIRONMENT={GNB_UETDS_ENVIRONMENT!r} must be test or production")
GNB_UETDS_WSDL_URL = env_str("GNB_UETDS_WSDL_URL", "") or ""
# The operator's U-ETDS web-service user (kullaniciAdi) and password (sifre), given by the Ministry.
GNB_UETDS_USERNAME = env_str("GNB_UETDS_USERNAME", "") or ""
GNB_UETDS_PASSWORD = env_str("GNB_UETDS_PASSWORD", "") or ""
if GNB_UETDS_REPORTING and not (GNB_UETDS_USERNAME and GNB_UETDS_PASSWORD):
    raise ImproperlyConfigured("GNB_UETDS_REPORTING=1 needs GNB_UETDS_USERNAME and GNB_UETDS_PASSWORD")
GNB_UETDS_TIMEOUT_SECONDS = env_int("GNB_UETDS_TIMEOUT_SECONDS", 20, minimum=1)

# --- fleet and dispatch ------------------------------------------------------------------------------------
# A trip keeps its driver and vehicle busy until the estimated drop-off plus this buffer (cleaning, the way back).
GNB_TRIP_TURNAROUND_MINUTES = env_int("GNB_TRIP_TURNAROUND_MINUTES", 30, minimum=0)
# Licences, certificates, insurance, inspections and permits expiring within this many days are alerted daily.
GNB_FLEET_EXPIRY_WARNING_DAYS = env_int("GNB_FLEET_EXPIRY_WARNING_DAYS", 30, minimum=1)
# The traveller is reminded of who comes (driver, vehicle, meeting point) this many hours before pickup.
GNB_DRIVER_REMINDER_HOURS = env_int("GNB_DRIVER_REMINDER_HOURS", 8, minimum=1)
# Travellers whose passport details are missing are asked for them this many hours before the trip.
GNB_TRAVEL_DOCUMENTS_REMINDER_HOURS = env_int("GNB_TRAVEL_DOCUMENTS_REMINDER_HOURS", 72, minimum=1)
# Drivers are told of every trip given to them, changed or taken away by Web Push to their phones (VAPID keys from
# `manage.py generate_vapid_keys`), by email when no phone took the message. Without the keys: email only.
GNB_VAPID_PUBLIC_KEY = (env_str("GNB_VAPID_PUBLIC_KEY", "") or "").strip()
GNB_VAPID_PRIVATE_KEY = (env_str("GNB_VAPID_PRIVATE_KEY", "") or "").strip()
GNB_VAPID_SUBJECT = (env_str("GNB_VAPID_SUBJECT", "") or "").strip()
if bool(GNB_VAPID_PUBLIC_KEY) != bool(GNB_VAPID_PRIVATE_KEY):
    raise ImproperlyConfigured("GNB_VAPID_PUBLIC_KEY and GNB_VAPID_PRIVATE_KEY are set together (or neither)")
if GNB_VAPID_PUBLIC_KEY:
    # The public key is what browsers take as applicationServerKey: an uncompressed P-256 point, base64url.
    if not re.fullmatch(r"[A-Za-z0-9_-]{86,88}={0,2}", GNB_VAPID_PUBLIC_KEY):
        raise ImproperlyConfigured(
            "GNB_VAPID_PUBLIC_KEY must be the base64url public key printed by manage.py generate_vapid_keys"
        )
    if not re.fullmatch(r"[A-Za-z0-9_-]{43}=?", GNB_VAPID_PRIVATE_KEY):
        raise ImproperlyConfigured(
            "GNB_VAPID_PRIVATE_KEY must be the base64url private key printed by manage.py generate_vapid_keys"
        )
    from cryptography.hazmat.primitives import serialization as _serialization
    from cryptography.hazmat.primitives.asymmetric import ec as _ec

    _vapid_private = int.from_bytes(base64.urlsafe_b64decode(GNB_VAPID_PRIVATE_KEY.rstrip("=") + "="), "big")
    _vapid_public = base64.urlsafe_b64decode(GNB_VAPID_PUBLIC_KEY.rstrip("=") + "==")
    try:
        _vapid_derived = (
            _ec.derive_private_key(_vapid_private, _ec.SECP256R1())
            .public_key()
            .public_bytes(_serialization.Encoding.X962, _serialization.PublicFormat.UncompressedPoint)
        )
    except ValueError:
        _vapid_derived = b""
    if _vapid_derived != _vapid_public:
        raise ImproperlyConfigured("GNB_VAPID_PUBLIC_KEY is not the public key of GNB_VAPID_PRIVATE_KEY")
    if not re.fullmatch(r"mailto:[^@\s]+@[^@\s]+\.[^@\s]+|https://\S+", GNB_VAPID_SUBJECT):
        raise ImproperlyConfigured(
            f"GNB_VAPID_SUBJECT={GNB_VAPID_SUBJECT!r} must be a mailto: address (or https:// URL) push services can "
            "reach the operator at"
        )
GNB_PUSH_TTL_SECONDS = env_int("GNB_PUSH_TTL_SECONDS", 6 * 60 * 60, minimum=60)
GNB_PUSH_TIMEOUT_SECONDS = env_int("GNB_PUSH_TIMEOUT_SECONDS", 10, minimum=1)
# A no-show may be marked only after the traveller had time to come: after the landing at an airport, after the
# pickup time elsewhere; and only with evidence: the phone within this radius of the pickup place, or a photo.
GNB_NO_SHOW_WAIT_AFTER_LANDING_MINUTES = env_int("GNB_NO_SHOW_WAIT_AFTER_LANDING_MINUTES", 60)
GNB_NO_SHOW_WAIT_AFTER_PICKUP_MINUTES = env_int("GNB_NO_SHOW_WAIT_AFTER_PICKUP_MINUTES", 30)
GNB_NO_SHOW_RADIUS_METRES = env_int("GNB_NO_SHOW_RADIUS_METRES", 150, minimum=10)
# Evidence photos of no-shows are kept for disputes this many months, then deleted by the privacy purge.
GNB_NO_SHOW_EVIDENCE_RETENTION_MONTHS = env_int("GNB_NO_SHOW_EVIDENCE_RETENTION_MONTHS", 12, minimum=1)

# Flight tracking (gnb/fleet/flights): airport pickups follow the plane. Off while GNB_FLIGHT_PROVIDER is empty.
GNB_FLIGHT_PROVIDERS = ("aerodatabox",)
GNB_FLIGHT_PROVIDER = (env_str("GNB_FLIGHT_PROVIDER", "") or "").strip().lower()
if GNB_FLIGHT_PROVIDER and GNB_FLIGHT_PROVIDER not in GNB_FLIGHT_PROVIDERS:
    raise ImproperlyConfigured(
        f"GNB_FLIGHT_PROVIDER={GNB_FLIGHT_PROVIDER!r} is not a flight provider; use aerodatabox (or leave it empty)"
    )
# The provider's API key (AeroDataBox: the RapidAPI key).
GNB_FLIGHT_API_KEY = env_str("GNB_FLIGHT_API_KEY", "") or ""
if GNB_FLIGHT_PROVIDER and not GNB_FLIGHT_API_KEY:
    raise ImproperlyConfigured(f"GNB_FLIGHT_PROVIDER={GNB_FLIGHT_PROVIDER} needs GNB_FLIGHT_API_KEY")
# Empty: the provider's own address (AeroDataBox on RapidAPI: https://aerodatabox.p.rapidapi.com).
GNB_FLIGHT_API_BASE_URL = (env_str("GNB_FLIGHT_API_BASE_URL", "") or "").rstrip("/")
if GNB_FLIGHT_API_BASE_URL and not re.match(r"https?://[^/\s]+", GNB_FLIGHT_API_BASE_URL):
    raise ImproperlyConfigured(f"GNB_FLIGHT_API_BASE_URL={GNB_FLIGHT_API_BASE_URL!r} must be an http(s):// URL")
# A polling round every this many minutes (a divisor of 60, so the rounds fall on the same minutes every hour).
GNB_FLIGHT_POLL_INTERVAL_MINUTES = env_int("GNB_FLIGHT_POLL_INTERVAL_MINUTES", 10, minimum=1)
if 60 % GNB_FLIGHT_POLL_INTERVAL_MINUTES:
    raise ImproperlyConfigured(
        f"GNB_FLIGHT_POLL_INTERVAL_MINUTES={GNB_FLIGHT_POLL_INTERVAL_MINUTES} must divide 60 (e.g. 5, 10, 15)"
    )
# Provider calls per UTC day, bookings' checks included: the rounds spread them evenly over the day.
GNB_FLIGHT_DAILY_QUOTA = env_int("GNB_FLIGHT_DAILY_QUOTA", 300, minimum=1)
GNB_FLIGHT_TIMEOUT_SECONDS = env_int("GNB_FLIGHT_TIMEOUT_SECONDS", 10, minimum=1)
# How long the day planner (gnb.fleet.planning.solver) searches for a plan before it returns the best found.
GNB_DISPATCH_TIME_LIMIT_SECONDS = float(
    env_decimal("GNB_DISPATCH_TIME_LIMIT_SECONDS", "5", minimum=Decimal("0.1"), maximum=Decimal("600"))
)

# --- PayTR (Turkish cards, instalments) --------------------------------------------------------------------
# Enabled when the merchant id, key and salt (PayTR panel, "Bilgi" page) are all set; a partial set stops the start.
PAYTR_MERCHANT_ID = env_str("PAYTR_MERCHANT_ID", "") or ""
PAYTR_MERCHANT_KEY = env_str("PAYTR_MERCHANT_KEY", "") or ""
PAYTR_MERCHANT_SALT = env_str("PAYTR_MERCHANT_SALT", "") or ""
_paytr_secrets = [PAYTR_MERCHANT_ID, PAYTR_MERCHANT_KEY, PAYTR_MERCHANT_SALT]
if any(_paytr_secrets) and not all(_paytr_secrets):
    raise ImproperlyConfigured(
        "PAYTR_MERCHANT_ID, PAYTR_MERCHANT_KEY and PAYTR_MERCHANT_SALT are set together or not at all"
    )
if PAYTR_MERCHANT_ID and not PAYTR_MERCHANT_ID.isdigit():
    raise ImproperlyConfigured(f"PAYTR_MERCHANT_ID={PAYTR_MERCHANT_ID!r} must be the numeric merchant id")
# Test mode: PayTR takes test cards only and moves no money. On until the live account is approved.
PAYTR_TEST_MODE = env_bool("PAYTR_TEST_MODE", True)
# Most instalments offered: 0 = as many as the PayTR panel allows (up to 12), 1 = single payment only.
PAYTR_MAX_INSTALLMENT = env_int("PAYTR_MAX_INSTALLMENT", 0)
if PAYTR_MAX_INSTALLMENT > 12:
    raise ImproperlyConfigured(f"PAYTR_MAX_INSTALLMENT={PAYTR_MAX_INSTALLMENT} must be between 0 and 12")
PAYTR_API_BASE = (env_str("PAYTR_API_BASE", "https://www.paytr.com") or "").rstrip("/")
if not PAYTR_API_BASE.startswith(("https://", "http://")):
    raise ImproperlyConfigured(f"PAYTR_API_BASE={PAYTR_API_BASE!r} must start with https://")
# Booking currencies paid through PayTR (it charges TL, EUR, USD and GBP).
PAYTR_CURRENCIES = frozenset(code.upper() for code in env_list("PAYTR_CURRENCIES", "TRY"))
if not PAYTR_CURRENCIES or not PAYTR_CURRENCIES.issubset({"TRY", "EUR", "USD", "GBP"}):
    raise ImproperlyConfigured(f"PAYTR_CURRENCIES={sorted(PAYTR_CURRENCIES)} must be some of TRY, EUR, USD, GBP")
# --- customer accounts and sign-in limits -------------------------------------------------------------------
# Website sign-in, password reset, sign-up, verification resend and the manage-booking lookup: at most this many
# attempts per account (email address or booking reference) and per client address in each window
# (gnb/website/throttling.py). The "email me a sign-in link" request has its own, separate budget.
GNB_AUTH_LIMIT_PER_ACCOUNT = env_int("GNB_AUTH_LIMIT_PER_ACCOUNT", 5, minimum=1)
GNB_AUTH_LIMIT_PER_IP = env_int("GNB_AUTH_LIMIT_PER_IP", 30, minimum=1)
GNB_AUTH_LIMIT_WINDOW_SECONDS = env_int("GNB_AUTH_LIMIT_WINDOW_SECONDS", 15 * 60, minimum=1)
GNB_SIGNIN_LINK_LIMIT_PER_ACCOUNT = env_int("GNB_SIGNIN_LINK_LIMIT_PER_ACCOUNT", 3, minimum=1)
GNB_SIGNIN_LINK_LIMIT_PER_IP = env_int("GNB_SIGNIN_LINK_LIMIT_PER_IP", 10, minimum=1)
# Customers sign in by email address (staff by username, in the back office only).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "gnb.accounts.backends.EmailBackend",
]
# A password reset link works for one hour (and once: Django's token changes with the password).
PASSWORD_RESET_TIMEOUT = 60 * 60
# --- payments: Stripe ---------------------------------------------------------------------------------------
# Card payments through Stripe Checkout (gnb/payments/providers/stripe, docs/payments-stripe.md). Offered only while
# both keys are set; one without the other stops the start, as does a key of the wrong kind.
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "") or ""
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "") or ""
if STRIPE_SECRET_KEY and not STRIPE_SECRET_KEY.startswith(("sk_", "rk_")):
    raise ImproperlyConfigured("STRIPE_SECRET_KEY must be a secret (sk_…) or restricted (rk_…) Stripe key")
if STRIPE_WEBHOOK_SECRET and not STRIPE_WEBHOOK_SECRET.startswith("whsec_"):
    raise ImproperlyConfigured("STRIPE_WEBHOOK_SECRET must be the webhook endpoint's signing secret (whsec_…)")
if bool(STRIPE_SECRET_KEY) != bool(STRIPE_WEBHOOK_SECRET):
    raise ImproperlyConfigured("STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are set together (or neither)")
# The currencies travellers may pay by Stripe in (ISO 4217 codes).
STRIPE_CURRENCIES = [code.upper() for code in env_list("STRIPE_CURRENCIES", "EUR,GBP,USD,TRY")]
for _code in STRIPE_CURRENCIES:
    if len(_code) != 3 or not _code.isalpha() or not _code.isascii():
        raise ImproperlyConfigured(f"STRIPE_CURRENCIES: {_code!r} is not a three-letter currency code")
# Only for tests and development: the base URL of a local server that answers like api.stripe.com. Empty: Stripe.
STRIPE_API_BASE = (env_str("STRIPE_API_BASE", "") or "").rstrip("/")
if STRIPE_API_BASE and not STRIPE_API_BASE.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"STRIPE_API_BASE={STRIPE_API_BASE!r} must be an http:// or https:// URL")

# --- public website ---------------------------------------------------------------------------------------
# Shown on the site, vouchers and in the business's structured data; empty values are simply left out.
GNB_COMPANY_NAME = env_str("GNB_COMPANY_NAME", "GNB Transfer") or "GNB Transfer"
GNB_OPERATOR_PHONE = env_str("GNB_OPERATOR_PHONE", "") or ""
# The WhatsApp number travellers can write to (international form); every page, email and voucher links it as
# https://wa.me/<digits>, so a number that cannot make such a link stops the start.
GNB_OPERATOR_WHATSAPP = (env_str("GNB_OPERATOR_WHATSAPP", "") or "").strip()
if GNB_OPERATOR_WHATSAPP and not re.fullmatch(r"\+[0-9][0-9 ().-]{6,24}", GNB_OPERATOR_WHATSAPP):
    raise ImproperlyConfigured(
        f"GNB_OPERATOR_WHATSAPP={GNB_OPERATOR_WHATSAPP!r} must be an international number with its country code, "
        "e.g. +90 532 123 45 67"
    )
GNB_COMPANY_ADDRESS = env_str("GNB_COMPANY_ADDRESS", "") or ""
# Analytics load only for visitors who consented (cookie gnb_consent=analytics); empty IDs load nothing at all.
GA4_MEASUREMENT_ID = env_str("GA4_MEASUREMENT_ID", "") or ""
if GA4_MEASUREMENT_ID and not re.fullmatch(r"G-[A-Z0-9]{4,20}", GA4_MEASUREMENT_ID):
    raise ImproperlyConfigured(f"GA4_MEASUREMENT_ID={GA4_MEASUREMENT_ID!r} must look like G-XXXXXXXXXX")
CLARITY_PROJECT_ID = env_str("CLARITY_PROJECT_ID", "") or ""
if CLARITY_PROJECT_ID and not re.fullmatch(r"[a-z0-9]{6,20}", CLARITY_PROJECT_ID):
    raise ImproperlyConfigured(f"CLARITY_PROJECT_ID={CLARITY_PROJECT_ID!r} must be the lower-case project id")
