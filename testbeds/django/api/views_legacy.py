"""Undocumented legacy /api/v1 (VULNERABLE only; INV-002).

Written as plain Django views, bypassing the DRF stack of v2:
  * /api/v1/users/ needs no credentials and returns every secret field
  * /api/v1/users/<username>/ (a regex re_path route, linked nowhere) does the
    same for one user
  * /api/v1/orders/ only checks that *some* "Bearer ..." header is present
    (any string is accepted - AUTH-002), answers 401 without a
    WWW-Authenticate header (AUTH-004), and returns everyone's orders.
"""
from django.http import JsonResponse
from django.views.decorators.http import require_safe

from .models import Order
from .serializers import LeakyUserSerializer, OrderSerializer
from .views import _users


def _legacy_bearer_present(request):
    return request.META.get("HTTP_AUTHORIZATION", "").lower().startswith("bearer ")


def _unauthorized():
    return JsonResponse({"error": "unauthorized", "message": "missing bearer token"}, status=401)


@require_safe
def users(request):
    return JsonResponse({"users": LeakyUserSerializer(_users(), many=True).data})


@require_safe
def orders(request):
    if not _legacy_bearer_present(request):
        return _unauthorized()
    qs = Order.objects.select_related("owner", "product").order_by("id")
    return JsonResponse({"orders": OrderSerializer(qs, many=True).data})


@require_safe
def order_detail(request, pk):
    if not _legacy_bearer_present(request):
        return _unauthorized()
    order = Order.objects.select_related("owner", "product").filter(pk=pk).first()
    if order is None:
        return JsonResponse({"error": "not_found"}, status=404)
    return JsonResponse(OrderSerializer(order).data)


@require_safe
def user_detail(request, username):
    user = _users().filter(username=username).first()
    if user is None:
        return JsonResponse({"error": "not_found"}, status=404)
    return JsonResponse(LeakyUserSerializer(user).data)
