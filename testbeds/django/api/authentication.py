"""DRF authentication: JWT bearer tokens.

VULNERABLE: also reads the token from the `access_token` query parameter
(AUTH-003); validation per tokens.decode_vulnerable.
HARDENED: Authorization header only; strict validation.
"""
from django.conf import settings
from django.contrib.auth import get_user_model
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from . import tokens


class TokenInfo:
    """request.auth: the raw token plus its header and claims."""

    def __init__(self, raw, header, claims):
        self.raw = raw
        self.header = header
        self.claims = claims

    @property
    def scopes(self):
        return tokens.scopes_of(self.claims)

    @property
    def role(self):
        return self.claims.get("role")


def bearer_from_header(request):
    auth = request.META.get("HTTP_AUTHORIZATION", "")
    if not auth:
        return None
    parts = auth.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    return parts[1]


class JWTAuthentication(BaseAuthentication):
    www_authenticate_realm = "tollgate-testbed"

    def authenticate(self, request):
        raw = bearer_from_header(request._request)
        if raw is None and settings.VULNERABLE:
            raw = request._request.GET.get("access_token") or None
        if raw is None:
            auth = request.META.get("HTTP_AUTHORIZATION", "")
            if auth and not settings.VULNERABLE:
                raise exceptions.AuthenticationFailed("Malformed Authorization header.")
            return None
        try:
            header, claims = tokens.decode(raw)
        except tokens.TokenError as exc:
            if settings.VULNERABLE:
                raise exceptions.AuthenticationFailed("Invalid token: %s" % exc)
            raise exceptions.AuthenticationFailed("Invalid or expired token.")
        user = self._user_for(claims)
        return user, TokenInfo(raw, header, claims)

    def _user_for(self, claims):
        User = get_user_model()
        sub = claims.get("sub")
        user = None
        if sub is not None and str(sub).isdigit():
            user = User.objects.filter(pk=int(sub)).select_related("profile").first()
        if user is None and settings.VULNERABLE and claims.get("username"):
            user = (
                User.objects.filter(username=str(claims["username"]))
                .select_related("profile")
                .first()
            )
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed("Unknown or inactive subject.")
        return user

    def authenticate_header(self, request):
        # DRF sends this as WWW-Authenticate on every 401 (both modes; the
        # missing header is only planted on the legacy /api/v1 views).
        return 'Bearer realm="%s"' % self.www_authenticate_realm
