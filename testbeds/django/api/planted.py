"""Fake-but-format-valid secrets planted in VULNERABLE mode.

Nothing here is a real credential. Everything is deterministic so the ground
truth and the scanner's expectations stay stable between runs. This module
must not import Django: serve.py uses it before Django is configured.
"""
import binascii

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _base62(n: int, width: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = _B62[r] + out
    return out.rjust(width, "0")


def github_pat(random_part: str) -> str:
    """ghp_ + 30 base62 chars + 6-char base62 CRC32 checksum (36 chars total)."""
    assert len(random_part) == 30 and all(c in _B62 for c in random_part)
    return "ghp_" + random_part + _base62(binascii.crc32(random_part.encode()), 6)


# Clearly fake ("TollgateTestbedFAKE...") but format- and checksum-valid.
FAKE_GITHUB_PAT = github_pat("TollgateTestbedFAKEpat00000001")

# Django SECRET_KEY and the JWT HMAC secret of vulnerable mode.
INSECURE_DJANGO_SECRET_KEY = (
    "django-insecure-7q$z!tollgate-testbed-fake-key-k3v9#x2m@w8p^r5n0b"
)
WEAK_JWT_SECRET = "secret"  # first entry of every JWT secret wordlist

FAKE_DATABASE_URL = (
    "postgres://tollgate_app:Tg-db-P4ssw0rd-2024@db.internal.tollgate.test:5432/tollgate"
)

DEFAULT_DOCKER_PORT = 2375


def docker_host(docker_port):
    return "tcp://127.0.0.1:%d" % (docker_port or DEFAULT_DOCKER_PORT)


# Environment variables serve.py exports in vulnerable mode. None of the names
# matches Django's SafeExceptionReporterFilter.hidden_settings regex
# (API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE), so runserver's
# request.META copy shows their values unmasked on the technical 500 page.
def planted_environment(docker_port):
    return {
        "DEPLOY_GITHUB_PAT": FAKE_GITHUB_PAT,
        "DOCKER_HOST": docker_host(docker_port),
        "DATABASE_URL": FAKE_DATABASE_URL,
    }


def dotenv_text(docker_port):
    return (
        "# tollgate api - production environment\n"
        "DJANGO_SETTINGS_MODULE=testbed.settings\n"
        "DJANGO_DEBUG=False\n"
        "DJANGO_SECRET_KEY=%s\n"
        "DATABASE_URL=%s\n"
        "JWT_SECRET=%s\n"
        "JWT_AUDIENCE=tollgate-testbed-api\n"
        "DEPLOY_GITHUB_PAT=%s\n"
        "DOCKER_HOST=%s\n"
        "REDIS_URL=redis://:r3dis-Pa55@cache.internal.tollgate.test:6379/0\n"
        % (
            INSECURE_DJANGO_SECRET_KEY,
            FAKE_DATABASE_URL,
            WEAK_JWT_SECRET,
            FAKE_GITHUB_PAT,
            docker_host(docker_port),
        )
    )
