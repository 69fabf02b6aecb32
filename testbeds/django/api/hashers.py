from django.contrib.auth.hashers import PBKDF2PasswordHasher


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2 with few iterations: the DB is re-seeded at every start and must
    be ready in well under a second. Not a planted weakness; same in both modes."""

    algorithm = "pbkdf2_sha256_fast"
    iterations = 2000
