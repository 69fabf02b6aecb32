"""Discount coupons (issue 14, BFLA-002): a DRF ModelViewSet behind a router.

Customers list and read the active coupons; creating, changing and deleting them
is for staff (the OpenAPI document says "(staff only)" in those summaries).

  * VULNERABLE: ``permission_classes = [IsAuthenticated]`` on the whole viewset, so
    every action, writes included, is open to any signed-in customer: alice creates
    a 100 % coupon, rewrites one, or deletes one.
  * HARDENED: ``get_permissions()`` per action: reads for any authenticated user,
    writes need IsAdmin (is_staff in the database plus the admin scope) -> 403.
"""
from django.conf import settings
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from .models import Coupon
from .permissions import IsAdmin
from .statelog import record


class CouponSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)

    class Meta:
        model = Coupon
        fields = ["id", "code", "description", "percent_off", "active", "created_by"]
        read_only_fields = ["id", "created_by"]

    def validate_percent_off(self, value):
        if not 1 <= value <= 100:
            raise serializers.ValidationError("percent_off must be between 1 and 100")
        return value


class CouponViewSet(viewsets.ModelViewSet):
    queryset = Coupon.objects.select_related("created_by").all()
    serializer_class = CouponSerializer

    def get_permissions(self):
        if settings.VULNERABLE or self.action in ("list", "retrieve"):
            # VULNERABLE: the viewset-wide IsAuthenticated also covers the writes.
            return [IsAuthenticated()]
        return [IsAdmin()]

    def perform_create(self, serializer):
        coupon = serializer.save(created_by=self.request.user)
        record(self.request, f"coupon {coupon.id} created by {self.request.user.username}")

    def perform_update(self, serializer):
        coupon = serializer.save()
        record(self.request, f"coupon {coupon.id} changed by {self.request.user.username}")

    def perform_destroy(self, instance):
        record(self.request, f"coupon {instance.id} deleted by {self.request.user.username}")
        instance.delete()
