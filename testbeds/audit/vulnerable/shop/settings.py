"""Settings of the shop API (vulnerable fixture: every DJ- rule fires here)."""
import os

DEBUG = os.environ.get("DJANGO_DEBUG", "True") == "True"
SECRET_KEY = "django-insecure-7h1s-1s-n0t-a-r34l-k3y-but-l00ks-l1ke-0ne"
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "rest_framework", "shop"]
MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
ROOT_URLCONF = "shop.urls"
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
EMAIL_HOST_PASSWORD = "mailpass-2024!"
LOGGING = {
    "version": 1,
    "formatters": {
        "verbose": {"format": "%(asctime)s %(levelname)s %(request.headers)s %(message)s"},
    },
    "handlers": {
        "mail_admins": {"class": "django.utils.log.AdminEmailHandler", "include_html": True},
    },
    "loggers": {
        "django.db.backends": {"level": "DEBUG", "handlers": ["mail_admins"]},
    },
}
