"""JWT issuing and validation.

VULNERABLE validation (deliberately broken):
  * alg "none" accepted in any capitalisation (signature ignored)
  * HS256/384/512 with the wordlist secret "secret"
  * a `jku` header URL is fetched during validation and its keys are trusted
  * exp, nbf, iat, aud and iss are never checked
HARDENED validation:
  * only HS256, with a random 512-bit secret generated at every start
  * exp, iat, sub, aud and iss required; exp/aud/iss verified
  * jku/x5u/jwk headers ignored (keys never come from the token)
"""
import base64
import json
import time
import uuid
import warnings

import jwt
from django.conf import settings

from . import outbound

# vulnerable mode signs with a 6-byte secret on purpose
warnings.filterwarnings("ignore", category=jwt.InsecureKeyLengthWarning)

ROLE_SCOPES = {
    "user": "orders:read orders:write profile:read",
    "admin": "admin users:read orders:read orders:write profile:read",
    "service": "internal admin users:read",
}


class TokenError(Exception):
    pass


def issue(
    user,
    *,
    role=None,
    scope=None,
    lifetime=None,
    audience=None,
    issued_at=None,
    extra=None,
):
    role = role or user.profile.role
    now = int(issued_at if issued_at is not None else time.time())
    lifetime = settings.JWT_LIFETIME_SECONDS if lifetime is None else lifetime
    claims = {
        "iss": settings.JWT_ISSUER,
        "aud": audience or settings.JWT_AUDIENCE,
        "sub": str(user.pk),
        "username": user.username,
        "role": role,
        "scope": scope if scope is not None else ROLE_SCOPES.get(role, ""),
        "iat": now,
        "exp": now + lifetime,
        "jti": uuid.uuid4().hex,
    }
    if extra:
        claims.update(extra)
    return jwt.encode(claims, settings.JWT_SIGNING_KEY, algorithm="HS256")


def _b64url_json(segment: str):
    padded = segment + "=" * (-len(segment) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))


def split_unverified(token: str):
    """(header, claims) without any verification; tolerant of a missing
    third segment ("header.payload" / "header.payload.")."""
    parts = token.split(".")
    if len(parts) not in (2, 3):
        raise TokenError("malformed token")
    try:
        header = _b64url_json(parts[0])
        claims = _b64url_json(parts[1])
    except Exception as exc:  # noqa: BLE001
        raise TokenError("malformed token: %s" % exc) from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise TokenError("malformed token")
    return header, claims


_LAX = {
    "verify_signature": True,
    "verify_exp": False,
    "verify_nbf": False,
    "verify_iat": False,
    "verify_aud": False,
    "verify_iss": False,
    "require": [],
}


def _keys_from_jku(url: str, alg: str):
    """Fetch a JWKS from the attacker-controlled jku URL (SSRF-003)."""
    result = outbound.fetch(
        url,
        headers={"Accept": "application/json", "User-Agent": "tollgate-testbed-jwks/1.0"},
        timeout=2.0,
        max_bytes=64 * 1024,
    )
    doc = json.loads(result.body.decode("utf-8", "replace"))
    keys = doc.get("keys", [doc]) if isinstance(doc, dict) else []
    out = []
    for jwk in keys:
        if not isinstance(jwk, dict):
            continue
        try:
            if jwk.get("kty") == "oct":
                out.append(base64.urlsafe_b64decode(jwk["k"] + "=" * (-len(jwk["k"]) % 4)))
            else:
                out.append(jwt.PyJWK(jwk, algorithm=jwk.get("alg") or alg).key)
        except Exception:  # noqa: BLE001 - skip keys we cannot load
            continue
    return out


def decode_vulnerable(token: str):
    header, claims = split_unverified(token)
    alg = str(header.get("alg", ""))
    if alg.lower() == "none":
        return header, claims  # AUTH-010: unsigned tokens accepted

    jku = header.get("jku")
    if isinstance(jku, str) and jku:
        # SSRF-003: the validator fetches whatever URL the token names and
        # trusts the keys it finds there. Fetch failures fall through to the
        # configured secret.
        try:
            for key in _keys_from_jku(jku, alg):
                try:
                    return header, jwt.decode(token, key, algorithms=[alg], options=_LAX)
                except Exception:  # noqa: BLE001
                    continue
        except Exception:  # noqa: BLE001
            pass

    try:
        claims = jwt.decode(
            token,
            settings.JWT_SIGNING_KEY,
            algorithms=["HS256", "HS384", "HS512"],
            options=_LAX,
        )
    except jwt.PyJWTError as exc:
        raise TokenError(str(exc)) from exc
    return header, claims


def decode_hardened(token: str):
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise TokenError(str(exc)) from exc
    if header.get("alg") != "HS256":
        raise TokenError("unsupported alg")
    try:
        claims = jwt.decode(
            token,
            settings.JWT_SIGNING_KEY,
            algorithms=["HS256"],
            audience=settings.JWT_AUDIENCE,
            issuer=settings.JWT_ISSUER,
            options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            leeway=0,
        )
    except jwt.PyJWTError as exc:
        raise TokenError(str(exc)) from exc
    return header, claims


def decode(token: str):
    if settings.VULNERABLE:
        return decode_vulnerable(token)
    return decode_hardened(token)


def scopes_of(claims) -> set:
    scope = claims.get("scope") or claims.get("scp") or ""
    if isinstance(scope, str):
        return set(scope.split())
    if isinstance(scope, (list, tuple)):
        return {str(s) for s in scope}
    return set()
