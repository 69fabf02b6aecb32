"""Documented /api/v2 views plus the site root and the OpenAPI document.

Every planted weakness is switched by settings.VULNERABLE; see README.md and
ground_truth.toml for the list.
"""
import json
import secrets
import urllib.parse
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from . import outbound, tokens
from .models import Order, Product
from .permissions import IsAdmin, ScopedPermission
from .serializers import (
    AllFieldsUserSerializer,
    LeakyUserSerializer,
    MeSerializer,
    MeUpdateSerializer,
    OrderCreateSerializer,
    OrderSerializer,
    OrderUpdateSerializer,
    ProductSerializer,
    SafeUserSerializer,
)

User = get_user_model()
OPENAPI_FILE = Path(settings.BASE_DIR) / "openapi.json"
SERVICE_ACCOUNT = "svc-link-preview"
# HARDENED fetch proxy allow-list. Empty in the testbed: nothing is fetched.
FETCH_ALLOWED_HOSTS = frozenset()


def _set_cookie(response, name, value):
    if settings.VULNERABLE:
        # MISC-004: no Secure, no HttpOnly, no SameSite
        response.set_cookie(name, value, path="/", samesite=None)
    else:
        response.set_cookie(
            name, value, path="/", secure=True, httponly=True, samesite="Strict"
        )


# --------------------------------------------------------------------------
# site root and API description
# --------------------------------------------------------------------------
@require_safe
def index(request):
    response = JsonResponse(
        {
            "service": "tollgate-testbed shop api",
            "api": "/api/v2/",
            "openapi": "/api/schema/openapi.json",
        }
    )
    _set_cookie(response, "sessionid", secrets.token_hex(16))
    return response


def openapi_for_mode(vulnerable):
    """openapi.json as this mode serves it: HARDENED documents the maintenance
    function as POST for staff (views_maintenance.py), the allow-lists of the avatar
    import and of hook targets as patterns (views_outbound.py), and 6-digit
    two-factor codes (views_twofactor.py)."""
    doc = json.loads(OPENAPI_FILE.read_text())
    if not vulnerable:
        maintenance = doc["paths"]["/api/v2/admin/maintenance/"]
        operation = maintenance.pop("get")
        operation.pop("security")
        operation["responses"]["403"] = {"$ref": "#/components/responses/Forbidden"}
        maintenance["post"] = operation
        avatar = doc["paths"]["/api/v2/me/avatar/"]["post"]["requestBody"]["content"]
        for media in avatar.values():
            media["schema"]["properties"]["image_url"]["pattern"] = r"^https://media\.shop\.tollgate\.test/"
        doc["components"]["schemas"]["HookCreate"]["properties"]["target"]["pattern"] = (
            r"^https://hooks\.partners\.tollgate\.test/"
        )
        verify = doc["paths"]["/api/v2/auth/2fa/verify/"]["post"]["requestBody"]["content"]
        otp = verify["application/json"]["schema"]["properties"]["otp"]
        otp["pattern"], otp["example"] = "^[0-9]{6}$", "000000"
    return doc


@require_safe
def openapi_document(request):
    doc = openapi_for_mode(settings.VULNERABLE)
    doc["servers"] = [{"url": request.build_absolute_uri("/").rstrip("/")}]
    return JsonResponse(doc, json_dumps_params={"indent": 2})


# --------------------------------------------------------------------------
# auth
# --------------------------------------------------------------------------
class LoginView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    def post(self, request):
        username = request.data.get("username")
        password = request.data.get("password")
        user = authenticate(request._request, username=username, password=password)
        if user is None:
            return Response(
                {"detail": "Invalid username or password."},
                status=status.HTTP_401_UNAUTHORIZED,
                headers={"WWW-Authenticate": 'Bearer realm="tollgate-testbed"'},
            )
        token = tokens.issue(user)
        response = Response(
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": settings.JWT_LIFETIME_SECONDS,
            }
        )
        _set_cookie(response, "auth_token", token)
        return response


class MeView(APIView):
    def get(self, request):
        data = MeSerializer(request.user).data
        data["scopes"] = sorted(request.auth.scopes) if request.auth else []
        return Response(data)

    def patch(self, request):
        if settings.VULNERABLE:
            # PROP-004: a fields="__all__" serializer binds the whole body onto
            # the user: {"is_staff": true} makes the caller staff.
            ser = AllFieldsUserSerializer(request.user, data=request.data, partial=True)
        else:
            ser = MeUpdateSerializer(request.user, data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        ser.save()
        return self.get(request)


# --------------------------------------------------------------------------
# products (public catalogue)
# --------------------------------------------------------------------------
class ProductListView(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = ProductSerializer
    queryset = Product.objects.all()


class ProductDetailView(APIView):
    permission_classes = [AllowAny]

    def get(self, request, pk):
        if settings.VULNERABLE:
            # LEAK-002: pk is an unconverted string; Product.objects.get(pk="abc")
            # raises ValueError -> unhandled -> technical 500 page (DEBUG=True).
            try:
                product = Product.objects.get(pk=pk)
            except Product.DoesNotExist:
                raise Http404
        else:
            product = generics.get_object_or_404(Product, pk=pk)
        return Response(ProductSerializer(product).data)


# --------------------------------------------------------------------------
# orders
# --------------------------------------------------------------------------
class OrderListView(generics.ListCreateAPIView):
    permission_classes = [ScopedPermission]
    # HARDENED enforces these; VULNERABLE ignores scopes (AUTH-014)
    required_scopes = {"GET": "orders:read", "HEAD": "orders:read", "POST": "orders:write"}

    def get_queryset(self):
        return (
            Order.objects.filter(owner=self.request.user)
            .select_related("owner", "product")
            .order_by("id")
        )

    def get_serializer_class(self):
        return OrderCreateSerializer if self.request.method == "POST" else OrderSerializer

    def create(self, request, *args, **kwargs):
        ser = OrderCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        product = ser.validated_data["product"]
        qty = ser.validated_data["quantity"]
        order = Order.objects.create(
            owner=request.user,
            product=product,
            quantity=qty,
            total=product.price * Decimal(qty),
            shipping_address=ser.validated_data["shipping_address"],
            card_last4="4242",
        )
        return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED)


class OrderDetailView(APIView):
    permission_classes = [ScopedPermission]
    required_scopes = {"GET": "orders:read", "HEAD": "orders:read", "PATCH": "orders:write"}

    def get_object(self, request, pk):
        qs = Order.objects.select_related("owner", "product")
        if settings.VULNERABLE:
            # BOLA-001: no owner filter - any authenticated caller reads any
            # order by its sequential id. pk is an unconverted string, so a
            # non-numeric id crashes (LEAK-002).
            try:
                return qs.get(pk=pk)
            except Order.DoesNotExist:
                raise Http404
        return generics.get_object_or_404(qs, pk=pk, owner=request.user)

    def get(self, request, pk):
        return Response(OrderSerializer(self.get_object(request, pk)).data)

    def patch(self, request, pk):
        # VULNERABLE (BOLA-003): get_object() has no owner filter, so any caller
        # rewrites any order's status or shipping address. HARDENED: owner only.
        order = self.get_object(request, pk)
        ser = OrderUpdateSerializer(order, data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        ser.save()
        return Response(OrderSerializer(order).data)


# --------------------------------------------------------------------------
# users
# --------------------------------------------------------------------------
def _users():
    return User.objects.select_related("profile").order_by("id")


class UserListView(APIView):
    """VULNERABLE: unauthenticated (AUTH-001), leaks hashes, API keys and live
    tokens (PROP-001, LEAK-006). HARDENED: admin only, safe fields."""

    def get_permissions(self):
        return [AllowAny()] if settings.VULNERABLE else [IsAdmin()]

    def get(self, request):
        serializer = LeakyUserSerializer if settings.VULNERABLE else SafeUserSerializer
        return Response({"count": _users().count(), "results": serializer(_users(), many=True).data})


class AdminUserListView(APIView):
    """VULNERABLE (BFLA-001): any authenticated identity. HARDENED: admin."""

    def get_permissions(self):
        return [IsAuthenticated()] if settings.VULNERABLE else [IsAdmin()]

    def get(self, request):
        data = []
        for user in _users():
            row = SafeUserSerializer(user).data
            row.update(
                {
                    "is_staff": user.is_staff,
                    "is_superuser": user.is_superuser,
                    "last_login": user.last_login,
                    "orders": user.orders.count(),
                }
            )
            data.append(row)
        return Response({"count": len(data), "results": data})


class AdminSettingsView(APIView):
    """VULNERABLE (AUTH-014): IsAdmin trusts the token's role/scope claims.
    HARDENED: IsAdmin checks is_staff in the DB plus the admin scope."""

    permission_classes = [IsAdmin]

    def get(self, request):
        return Response(
            {
                "maintenance_mode": False,
                "signup_open": True,
                "max_order_quantity": 100,
                "jwt": {"issuer": settings.JWT_ISSUER, "audience": settings.JWT_AUDIENCE},
                "feature_flags": {"link_previews": settings.VULNERABLE, "legacy_v1": settings.VULNERABLE},
            }
        )


# --------------------------------------------------------------------------
# link preview / outbound fetch
# --------------------------------------------------------------------------
_service_token = None


def service_token():
    global _service_token
    if _service_token is None:
        svc = User.objects.select_related("profile").get(username=SERVICE_ACCOUNT)
        _service_token = tokens.issue(svc, lifetime=30 * 24 * 3600)
    return _service_token


class FetchView(APIView):
    """VULNERABLE: reflected SSRF (SSRF-001/002), forwards the service's own
    bearer token to the destination (SSRF-004) and echoes it in error bodies;
    reaches the Docker Engine API on loopback (CONT-002).
    HARDENED: authenticated, and only allow-listed hosts (none) are fetched."""

    def get_permissions(self):
        return [AllowAny()] if settings.VULNERABLE else [IsAuthenticated()]

    def get(self, request):
        url = request.query_params.get("url")
        if not url:
            return Response({"detail": "query parameter 'url' is required"}, status=400)
        if not settings.VULNERABLE:
            host = (urllib.parse.urlsplit(url).hostname or "").lower()
            if host not in FETCH_ALLOWED_HOSTS:
                return Response({"detail": "destination host is not allow-listed"}, status=400)
        headers = {
            "Authorization": "Bearer %s" % service_token(),
            "User-Agent": "tollgate-linkpreview/2.3 (+internal)",
            "Accept": "*/*",
        }
        try:
            result = outbound.fetch(url, headers=headers)
        except Exception as exc:  # noqa: BLE001
            return Response(
                {
                    "detail": "upstream fetch failed",
                    "error": "%s: %s" % (type(exc).__name__, exc),
                    "upstream_request": {"method": "GET", "url": url, "headers": headers},
                },
                status=status.HTTP_502_BAD_GATEWAY,
            )
        response = HttpResponse(
            result.body,
            status=200,
            content_type=result.headers.get("Content-Type", "application/octet-stream"),
        )
        response["X-Upstream-Status"] = str(result.status)
        return response


# --------------------------------------------------------------------------
# debug helpers (VULNERABLE only; not routed in hardened mode)
# --------------------------------------------------------------------------
class DebugHeadersView(APIView):
    """AUTH-005: echoes every request header, Authorization included."""

    permission_classes = [AllowAny]

    def get(self, request):
        meta = request.META
        headers = {
            key[5:].replace("_", "-").title(): value
            for key, value in meta.items()
            if key.startswith("HTTP_")
        }
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if meta.get(key):
                headers[key.replace("_", "-").title()] = meta[key]
        return Response(
            {
                "method": request.method,
                "path": request.get_full_path(),
                "remote_addr": meta.get("REMOTE_ADDR"),
                "headers": headers,
            }
        )


class DebugCrashView(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("debug crash requested (tollgate testbed)")
