"""URLs in request bodies that the server calls (issue 14): an avatar import and
REST hooks. Both go through outbound.py (loopback only, never resolves names).

  * POST /api/v2/me/avatar/  form-encoded (or JSON) ``image_url``: VULNERABLE fetches
    any http(s) URL and answers with what it got, base64-encoded (SSRF-005).
    HARDENED: only https://media.shop.tollgate.test/..., else 400.
  * /api/v2/hooks/  REST hooks in the django-rest-hooks shape (``event``,
    ``target``): VULNERABLE POSTs a verification ping to ``target`` while the hook
    is registered (SSRF-006). HARDENED: only https://hooks.partners.tollgate.test/...,
    and no request at registration.
"""
import base64
import json
import urllib.parse

from django.conf import settings
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from . import outbound
from .models import Hook
from .statelog import record

AVATAR_HOSTS = frozenset({"media.shop.tollgate.test"})
HOOK_HOSTS = frozenset({"hooks.partners.tollgate.test"})
AVATAR_MAX_BYTES = 512 * 1024


def _allowed(url, hosts):
    parts = urllib.parse.urlsplit(url)
    return parts.scheme == "https" and (parts.hostname or "").lower() in hosts


class AvatarImportSerializer(serializers.Serializer):
    image_url = serializers.URLField(max_length=2000)


class AvatarImportView(APIView):
    parser_classes = [FormParser, MultiPartParser, JSONParser]

    def post(self, request):
        ser = AvatarImportSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        url = ser.validated_data["image_url"]
        if not settings.VULNERABLE and not _allowed(url, AVATAR_HOSTS):
            return Response(
                {"image_url": ["Avatars are imported from https://media.shop.tollgate.test only."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            # VULNERABLE (in effect): any host, any content type.
            result = outbound.fetch(url, headers={"User-Agent": "shop-avatar-import/1.4"},
                                    max_bytes=AVATAR_MAX_BYTES)
        except Exception as exc:  # noqa: BLE001
            return Response({"detail": "could not fetch the image: %s" % exc}, status=502)
        if result.status >= 400:
            return Response({"detail": "the image URL answered HTTP %d" % result.status}, status=502)
        content_type = (result.headers.get("Content-Type") or "application/octet-stream").split(";")[0]
        encoded = base64.b64encode(result.body).decode()
        profile = request.user.profile
        profile.avatar = "%s;base64,%s" % (content_type, encoded)
        profile.save(update_fields=["avatar"])
        record(request, "avatar of %s imported from %s" % (request.user.username, url))
        return Response(
            {
                "image_url": url,
                "avatar": {"content_type": content_type, "size": len(result.body), "base64": encoded},
            },
            status=status.HTTP_201_CREATED,
        )


class HookSerializer(serializers.ModelSerializer):
    event = serializers.ChoiceField(choices=["order.created", "order.paid", "order.shipped"])
    target = serializers.URLField(max_length=500)

    class Meta:
        model = Hook
        fields = ["id", "event", "target", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate_target(self, value):
        if not settings.VULNERABLE and not _allowed(value, HOOK_HOSTS):
            raise serializers.ValidationError(
                "Hook targets must be on https://hooks.partners.tollgate.test."
            )
        return value


class HookViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                  mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = HookSerializer

    def get_queryset(self):
        return Hook.objects.filter(owner=self.request.user)

    def create(self, request, *args, **kwargs):
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        hook = ser.save(owner=request.user)
        record(request, "hook %d registered by %s" % (hook.id, request.user.username))
        data = dict(ser.data)
        if settings.VULNERABLE:
            # VULNERABLE: the target is called from the server right away.
            data["verification"] = _ping(hook)
        return Response(data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        record(self.request, "hook %d deleted" % instance.id)
        instance.delete()


def _ping(hook):
    body = json.dumps({"event": "hook.verify", "hook": hook.id, "subscribed": hook.event}).encode()
    try:
        result = outbound.fetch(
            hook.target,
            method="POST",
            data=body,
            headers={"Content-Type": "application/json", "User-Agent": "shop-rest-hooks/0.9"},
        )
    except Exception as exc:  # noqa: BLE001
        return "failed: %s" % exc
    return "delivered (HTTP %d)" % result.status
