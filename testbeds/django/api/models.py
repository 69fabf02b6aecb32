from django.conf import settings
from django.db import models
from django.utils import timezone


class Profile(models.Model):
    ROLE_CHOICES = [("user", "user"), ("admin", "admin"), ("service", "service")]
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(max_length=16, choices=ROLE_CHOICES, default="user")
    # long-lived personal API key (never needed by the API itself; it exists
    # so the vulnerable user listings have a secret to leak)
    api_key = models.CharField(max_length=64)
    phone = models.CharField(max_length=32, blank=True)
    # imported avatar (issue 14, SSRF-005): "<content type>;base64,<data>"
    avatar = models.TextField(blank=True, default="")


class Product(models.Model):
    sku = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    stock = models.IntegerField(default=0)

    class Meta:
        ordering = ["id"]


class Order(models.Model):
    STATUS_CHOICES = [
        ("pending", "pending"),
        ("paid", "paid"),
        ("shipped", "shipped"),
        ("cancelled", "cancelled"),
    ]
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="orders"
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT)
    quantity = models.IntegerField(default=1)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default="pending")
    shipping_address = models.CharField(max_length=200)
    card_last4 = models.CharField(max_length=4)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]


# ---------------------------------------------------------------- issue 14 plants
class Coupon(models.Model):
    """A discount code of the shop: shared by every customer, managed by staff."""

    code = models.CharField(max_length=32, unique=True)
    description = models.CharField(max_length=200, blank=True)
    percent_off = models.PositiveSmallIntegerField(default=10)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]


class Hook(models.Model):
    """A REST hook (the django-rest-hooks shape): POST `target` on `event`."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hooks"
    )
    event = models.CharField(max_length=64)
    target = models.URLField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]


class OneTimeCode(models.Model):
    """A two-factor code sent by SMS, with the failed attempts made against it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="one_time_codes"
    )
    code = models.CharField(max_length=8)
    attempts = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField()
