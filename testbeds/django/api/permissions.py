from django.conf import settings
from rest_framework.permissions import BasePermission


def _token(request):
    return getattr(request, "auth", None)


class IsAdmin(BasePermission):
    """VULNERABLE (AUTH-014): trusts the token's role/scope claim, never looks
    at the database. HARDENED: is_staff from the DB *and* the admin scope."""

    message = "Administrator privileges required."

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        tok = _token(request)
        if settings.VULNERABLE:
            return tok is not None and (tok.role == "admin" or "admin" in tok.scopes)
        return bool(user.is_staff) and tok is not None and "admin" in tok.scopes


def require_scope(request, scope):
    """HARDENED only: the token must carry `scope`. VULNERABLE ignores scopes."""
    if settings.VULNERABLE:
        return True
    tok = _token(request)
    return tok is not None and scope in tok.scopes


class ScopedPermission(BasePermission):
    """Maps HTTP method -> required scope via view.required_scopes."""

    message = "Token lacks the required scope."

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        needed = getattr(view, "required_scopes", {}).get(request.method)
        return needed is None or require_scope(request, needed)
