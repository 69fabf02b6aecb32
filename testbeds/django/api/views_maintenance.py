"""A maintenance function (issue 13: a state-changing function exposed).

VULNERABLE: ``GET /api/v2/admin/maintenance/`` purges cancelled orders for anyone.
Its path names no action: only the OpenAPI document says what it does
(``operationId: purgeCancelledOrders``, summary "Purge cancelled orders and rebuild
the order totals", ``security: []``). A scanner that follows the document with GET
deletes data; a read-only scan must report it without calling it.
HARDENED: the same function answers POST only, and only for staff users.

Every call that changes state is recorded in ``STATE_DIR/state_changes.log``, which
the safety test reads.
"""
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Order
from .statelog import record as _record


def _purge(request):
    deleted, _ = Order.objects.filter(status="cancelled").delete()
    _record(request, f"purged {deleted} cancelled orders")
    return Response({"purged": deleted})


class VulnerableMaintenanceView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    def get(self, request):
        return _purge(request)


class HardenedMaintenanceView(APIView):
    permission_classes = [IsAdminUser]

    def post(self, request):
        return _purge(request)
