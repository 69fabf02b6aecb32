"""Injection in the public catalogue (issue 14): SQL built by string formatting and a
template built from the caller's text.

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
"""
from django.conf import settings
from django.db import DatabaseError, connection
from django.template import Context, Engine, TemplateSyntaxError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Product

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
