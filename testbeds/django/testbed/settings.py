"""Settings of the tollgate Django testbed.

The mode comes from the environment (set by serve.py):
  TESTBED_MODE       vulnerable | hardened
  TESTBED_STATE_DIR  directory holding the SQLite DB, tokens and logs
  TESTBED_DOCKER_PORT  port of the fake Docker Engine API (vulnerable only)
"""
import os
import secrets
from pathlib import Path

from api import planted

BASE_DIR = Path(__file__).resolve().parent.parent

TESTBED_MODE = os.environ.get("TESTBED_MODE", "vulnerable")
if TESTBED_MODE not in ("vulnerable", "hardened"):
    raise RuntimeError("TESTBED_MODE must be vulnerable or hardened")
VULNERABLE = TESTBED_MODE == "vulnerable"
STATE_DIR = Path(os.environ.get("TESTBED_STATE_DIR", BASE_DIR / ".state")).resolve()
DOCKER_PORT = int(os.environ.get("TESTBED_DOCKER_PORT") or 0) or None
STATE_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = VULNERABLE
SECRET_KEY = (
    planted.INSECURE_DJANGO_SECRET_KEY if VULNERABLE else secrets.token_urlsafe(50)
)
ALLOWED_HOSTS = ["*"] if VULNERABLE else ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "api",
]
if VULNERABLE:
    # runserver serves the browsable API's CSS/JS through staticfiles
    INSTALLED_APPS.append("django.contrib.staticfiles")

if VULNERABLE:
    # No SecurityMiddleware, no XFrameOptionsMiddleware: missing
    # X-Content-Type-Options / X-Frame-Options / Referrer-Policy.
    MIDDLEWARE = [
        "api.middleware.ReflectingCorsMiddleware",
        "django.middleware.common.CommonMiddleware",
    ]
else:
    MIDDLEWARE = [
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
        "api.middleware.HardenedHeadersMiddleware",
    ]

ROOT_URLCONF = "testbed.urls"
WSGI_APPLICATION = "testbed.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": STATE_DIR / "db.sqlite3",
        "OPTIONS": {"timeout": 20},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A cheap PBKDF2 so seeding users at every start stays fast (same in both modes).
PASSWORD_HASHERS = ["api.hashers.FastPBKDF2PasswordHasher"]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True
STATIC_URL = "static/"
APPEND_SLASH = True

# ---- JWT -----------------------------------------------------------------
JWT_AUDIENCE = "tollgate-testbed-api"
JWT_ISSUER = "tollgate-testbed-auth"
JWT_LIFETIME_SECONDS = 12 * 3600
if VULNERABLE:
    JWT_SIGNING_KEY = planted.WEAK_JWT_SECRET
else:
    JWT_SIGNING_KEY = secrets.token_urlsafe(64)

# ---- DRF -----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "PAGE_SIZE": 20,
}
if VULNERABLE:
    REST_FRAMEWORK.update(
        {
            "DEFAULT_RENDERER_CLASSES": [
                "rest_framework.renderers.JSONRenderer",
                "rest_framework.renderers.BrowsableAPIRenderer",
            ],
            "DEFAULT_PAGINATION_CLASS": "api.pagination.LegacyPagination",
            "DEFAULT_THROTTLE_CLASSES": [],
        }
    )
else:
    REST_FRAMEWORK.update(
        {
            "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
            "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
            "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.negotiation.JSONOnlyNegotiation",
            "DEFAULT_PAGINATION_CLASS": "api.pagination.CappedPagination",
            "DEFAULT_THROTTLE_CLASSES": [
                "api.throttling.AnonBurstThrottle",
                "api.throttling.UserBurstThrottle",
            ],
            # Deliberately generous: a scanner sending a few hundred requests
            # in a few seconds must not be throttled into false negatives.
            # Limits are advertised in X-RateLimit-* headers on every response.
            "DEFAULT_THROTTLE_RATES": {"anon": "1000/minute", "user": "1000/minute"},
        }
    )

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# ---- hardened transport / header settings --------------------------------
if not VULNERABLE:
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "no-referrer"
    SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
    # Only ever emitted on https requests (Django checks request.is_secure()).
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True

# ---- logging: everything into the state dir, never to the console --------
# (the harness may not drain the child's stdout/stderr pipes)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "file": {
            "class": "logging.FileHandler",
            "filename": str(STATE_DIR / "django.log"),
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["file"], "level": "INFO"},
    "loggers": {
        "django": {"handlers": ["file"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["file"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["file"], "level": "INFO", "propagate": False},
    },
}
