from django.contrib.auth import get_user_model
from rest_framework import serializers

from . import tokens
from .models import Order, Product

User = get_user_model()


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "sku", "name", "price", "stock"]


class OrderSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", read_only=True)
    owner_id = serializers.IntegerField(read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "owner",
            "owner_id",
            "product",
            "product_name",
            "quantity",
            "total",
            "status",
            "shipping_address",
            "card_last4",
            "created_at",
        ]
        read_only_fields = ["id", "owner", "owner_id", "total", "card_last4", "created_at"]


class OrderCreateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = ["product", "quantity", "shipping_address"]

    def validate_quantity(self, value):
        if value < 1 or value > 100:
            raise serializers.ValidationError("quantity must be between 1 and 100")
        return value


class OrderUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = ["status", "shipping_address"]


class SafeUserSerializer(serializers.ModelSerializer):
    """HARDENED user representation: no secrets, no hashes."""

    role = serializers.CharField(source="profile.role", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "email", "role", "is_active", "date_joined"]


class MeSerializer(serializers.ModelSerializer):
    role = serializers.CharField(source="profile.role", read_only=True)

    class Meta:
        model = User
        fields = [
            "id", "username", "email", "first_name", "last_name", "role", "is_staff", "date_joined",
        ]
        read_only_fields = fields


class MeUpdateSerializer(serializers.ModelSerializer):
    """HARDENED profile update: an explicit allow-list; DRF drops other keys."""

    class Meta:
        model = User
        fields = ["email", "first_name", "last_name"]


class AllFieldsUserSerializer(serializers.ModelSerializer):
    """VULNERABLE profile update (PROP-004, mass assignment): every model field
    is writable, is_staff and is_superuser included."""

    class Meta:
        model = User
        fields = "__all__"


class LeakyUserSerializer(serializers.ModelSerializer):
    """VULNERABLE user representation (PROP-001 / LEAK-006): password hash,
    personal API key and a freshly minted, valid bearer token for every user."""

    role = serializers.CharField(source="profile.role", read_only=True)
    api_key = serializers.CharField(source="profile.api_key", read_only=True)
    phone = serializers.CharField(source="profile.phone", read_only=True)
    access_token = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "phone",
            "role",
            "is_staff",
            "is_superuser",
            "password",
            "api_key",
            "access_token",
            "last_login",
            "date_joined",
        ]

    def get_access_token(self, user):
        return tokens.issue(user)
