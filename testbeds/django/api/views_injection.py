"""Injection plants (issue 14): SQL built by string formatting, a template built from
the caller's text, a shell command line, a backtracking regular expression and a
document-store query fed the JSON body as it is.

  * GET /api/v2/products/search/?q=  VULNERABLE formats q into
    `... WHERE name LIKE '%<q>%'` with cursor.execute() and answers a DatabaseError
    with its message (INJ-001); HARDENED uses the ORM (`name__icontains`).
  * GET /api/v2/products/by-sku/?sku=  VULNERABLE formats sku into
    `... WHERE sku = '<sku>'`, swallows errors into 404, so a condition appended to
    the SKU decides whether the product is found (INJ-002); HARDENED passes sku as a
    bound parameter.
  * GET /api/v2/greeting/?name=  VULNERABLE renders Template("Hello " + name + "!")
    with the Django template engine, so template tags in the name run (INJ-004);
    HARDENED renders the fixed template "Hello {{ name }}!" with the name in the
    context.
  * POST /api/v2/orders/export/  VULNERABLE runs `date -u -d "<since>" +%Y-%m-%d`
    through /bin/sh (subprocess shell=True, 5 s timeout) to read a natural-language
    date; the output comes back in the 400 answer when it is not a date (INJ-003).
    HARDENED passes an argument list, no shell.
  * POST /api/v2/wishlists/check-slug/  VULNERABLE checks the slug (at most 24
    characters) with ^([a-z0-9]+-?)*$ (nested quantifier: a near-miss backtracks
    exponentially, about 0.6 s at 24 characters on the 2-core host); HARDENED uses the linear
    ^[a-z0-9]+(?:-[a-z0-9]+)*$ (INJ-006).
  * POST /api/v2/partners/session/  VULNERABLE passes the JSON body's values to
    pymongo's find_one() as they are, so {"$ne": ...} matches any password
    (INJ-005); HARDENED requires both to be strings (serializer CharFields).
"""
import datetime as _dt
import re
import subprocess

from django.conf import settings
from django.core import signing
from django.db import DatabaseError, connection
from django.template import Context, Engine, TemplateSyntaxError
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from . import partners
from .models import Order, Product
from .permissions import ScopedPermission

_COLUMNS = ("id", "sku", "name", "price", "stock")
_TEMPLATES = Engine()  # the default tags and filters, no loaders


def _row(row):
    out = dict(zip(_COLUMNS, row))
    out["price"] = str(out["price"])
    return out


def _product(p):
    return {"id": p.id, "sku": p.sku, "name": p.name, "price": str(p.price), "stock": p.stock}


class ProductSearchView(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        q = request.query_params.get("q", "")[:100]
        if settings.VULNERABLE:
            # VULNERABLE: the value is formatted into the SQL text.
            sql = "SELECT id, sku, name, price, stock FROM api_product WHERE name LIKE '%%%s%%' ORDER BY id LIMIT 20" % q
            try:
                with connection.cursor() as cur:
                    cur.execute(sql)
                    rows = cur.fetchall()
            except DatabaseError as e:
                return Response({"error": "%s: %s" % (type(e).__name__, e)}, status=500)
            return Response({"results": [_row(r) for r in rows]})
        qs = Product.objects.filter(name__icontains=q).order_by("id")[:20]
        return Response({"results": [_product(p) for p in qs]})


class ProductBySkuView(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        sku = request.query_params.get("sku", "")[:100]
        row = None
        with connection.cursor() as cur:
            if settings.VULNERABLE:
                # VULNERABLE: formatted SQL, errors swallowed (boolean-based injection).
                try:
                    cur.execute("SELECT id, sku, name, price, stock FROM api_product WHERE sku = '%s' LIMIT 1" % sku)
                    row = cur.fetchone()
                except DatabaseError:
                    row = None
            else:
                cur.execute("SELECT id, sku, name, price, stock FROM api_product WHERE sku = %s LIMIT 1", [sku])
                row = cur.fetchone()
        if row is None:
            return Response({"detail": "Not found."}, status=404)
        return Response(_row(row))


class GreetingView(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        name = request.query_params.get("name", "friend")[:200]
        try:
            if settings.VULNERABLE:
                # VULNERABLE: the caller's text becomes template source.
                message = _TEMPLATES.from_string("Hello " + name + "!").render(Context())
            else:
                message = _TEMPLATES.from_string("Hello {{ name }}!").render(Context({"name": name}))
        except TemplateSyntaxError:
            return Response({"detail": "template error"}, status=400)
        return Response({"message": message})


class OrderExportSerializer(serializers.Serializer):
    since = serializers.CharField(max_length=100)
    format = serializers.ChoiceField(choices=["json", "csv"], default="json")


def _resolve_date(since):
    """GNU date reads "last monday", "30 days ago", "2026-11-01"."""
    if settings.VULNERABLE:
        # VULNERABLE: the text is pasted into a shell command line.
        cmd = 'date -u -d "%s" +%%Y-%%m-%%d' % since
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=5)
    return subprocess.run(
        ["date", "-u", "-d", since, "+%Y-%m-%d"], capture_output=True, text=True, timeout=5
    )


class OrderExportView(APIView):
    permission_classes = [ScopedPermission]
    required_scopes = {"POST": "orders:read"}

    def post(self, request):
        ser = OrderExportSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        since = ser.validated_data["since"]
        try:
            proc = _resolve_date(since)
        except subprocess.TimeoutExpired:
            return Response({"detail": "date parsing timed out"}, status=504)
        try:
            start = _dt.date.fromisoformat(proc.stdout.strip())
        except ValueError:
            output = (proc.stdout + proc.stderr).strip()[:500]
            return Response({"detail": "could not read 'since' as a date", "output": output}, status=400)
        begin = timezone.make_aware(_dt.datetime.combine(start, _dt.time()), _dt.timezone.utc)
        orders = Order.objects.filter(owner=request.user, created_at__gte=begin).order_by("id")
        rows = [
            {"id": o.id, "status": o.status, "total": str(o.total), "created_at": o.created_at.isoformat()}
            for o in orders[:500]
        ]
        if ser.validated_data["format"] == "csv":
            lines = ["id,status,total,created_at"] + [
                "%(id)s,%(status)s,%(total)s,%(created_at)s" % r for r in rows
            ]
            return Response({"since": start.isoformat(), "count": len(rows), "csv": "\n".join(lines)})
        return Response({"since": start.isoformat(), "count": len(rows), "orders": rows})


SLUG_MAX = 24
_SLUG_VULNERABLE = re.compile(r"^([a-z0-9]+-?)*$")
_SLUG_HARDENED = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class SlugCheckSerializer(serializers.Serializer):
    slug = serializers.CharField(max_length=SLUG_MAX)

    def validate_slug(self, value):
        pattern = _SLUG_VULNERABLE if settings.VULNERABLE else _SLUG_HARDENED
        if not pattern.match(value):
            raise serializers.ValidationError(
                "Use lower-case letters and digits, words separated by single hyphens."
            )
        return value


class WishlistSlugCheckView(APIView):
    """Whether a wishlist share-link slug is well-formed (/w/<slug>)."""

    def post(self, request):
        ser = SlugCheckSerializer(data=request.data)
        if not ser.is_valid():
            return Response({"valid": False, "errors": ser.errors})
        return Response({"valid": True, "slug": ser.validated_data["slug"]})


class PartnerLoginSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128)


class PartnerSessionView(APIView):
    """Partner portal sign-in against the partners collection (partners.py)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    def post(self, request):
        if settings.VULNERABLE:
            # VULNERABLE: the JSON values (objects included) go into the query.
            body = request.data if isinstance(request.data, dict) else {}
            doc = partners.collection().find_one(
                {"email": body.get("email"), "password": body.get("password")}
            )
        else:
            ser = PartnerLoginSerializer(data=request.data)
            ser.is_valid(raise_exception=True)
            doc = partners.collection().find_one({"email": ser.validated_data["email"]})
            if doc and not constant_time_compare(doc["password"], ser.validated_data["password"]):
                doc = None
        if doc is None:
            return Response(
                {"detail": "Invalid partner e-mail or password."},
                status=401,
                headers={"WWW-Authenticate": 'Bearer realm="partner-portal"'},
            )
        token = signing.dumps({"partner": str(doc["_id"]), "email": doc["email"]}, salt="partner-portal")
        return Response(
            {
                "token": token,
                "partner": {"company": doc["company"], "discount_tier": doc["discount_tier"]},
            }
        )
