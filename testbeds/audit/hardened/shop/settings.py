"""Settings of the shop API (hardened fixture: no DJ- rule fires here)."""
import os
from pathlib import Path

DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
SECRET_KEY = Path(os.environ["DJANGO_SECRET_KEY_FILE"]).read_text().strip()
ALLOWED_HOSTS = ["api.shop.example"]
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "rest_framework", "shop"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "shop.urls"
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31536000
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
DEFAULT_EXCEPTION_REPORTER_FILTER = "shop.errors.StrictReporterFilter"
ADMINS = [("ops", "ops@shop.example")]
EMAIL_HOST_PASSWORD = Path(os.environ["EMAIL_PASSWORD_FILE"]).read_text().strip()
LOGGING = {
    "version": 1,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "mail_admins": {"class": "django.utils.log.AdminEmailHandler"},
    },
    "loggers": {
        "django.db.backends": {"level": "INFO", "handlers": ["mail_admins"]},
    },
}
