"""SMS two-factor step-up (issue 14, AUTH-018).

``POST /api/v2/auth/2fa/`` texts a one-time code to the caller's phone (the testbed
writes the SMS to ``STATE_DIR/sms.log``); ``POST /api/v2/auth/2fa/verify/`` with
``{"otp": "..."}`` checks it and returns a token with ``amr: ["pwd", "otp"]``, which
the shop asks for before payouts and e-mail changes.

  * VULNERABLE: 4 digits, 10 minutes, unlimited wrong attempts (the same 400 each
    time): 10,000 guesses at most.
  * HARDENED: 6 digits; the fifth wrong attempt burns the code (429, request a new
    one).
"""
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from . import tokens
from .models import OneTimeCode
from .statelog import record

CODE_LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5


def _digits():
    return 4 if settings.VULNERABLE else 6


class OtpSerializer(serializers.Serializer):
    otp = serializers.RegexField(r"^[0-9]{4,8}$", max_length=8)


class ChallengeSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=["sms"], default="sms")


class TwoFactorChallengeView(APIView):
    def post(self, request):
        ChallengeSerializer(data=request.data).is_valid(raise_exception=True)
        k = _digits()
        code = "%0*d" % (k, secrets.randbelow(10**k))
        OneTimeCode.objects.filter(user=request.user).delete()
        OneTimeCode.objects.create(user=request.user, code=code, expires_at=timezone.now() + CODE_LIFETIME)
        phone = request.user.profile.phone or "(no phone)"
        with open(settings.STATE_DIR / "sms.log", "a", encoding="utf-8") as f:
            f.write("to=%s user=%s text=\"Your shop code is %s\"\n" % (phone, request.user.username, code))
        record(request, "2fa code sent to %s" % request.user.username)
        return Response({"detail": "A code was sent by SMS.", "digits": k}, status=status.HTTP_202_ACCEPTED)


class TwoFactorVerifyView(APIView):
    def post(self, request):
        ser = OtpSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        otp = ser.validated_data["otp"]
        with transaction.atomic():
            entry = (
                OneTimeCode.objects.select_for_update()
                .filter(user=request.user, expires_at__gt=timezone.now())
                .first()
            )
            if entry is None:
                return Response({"detail": "Invalid or expired code."}, status=status.HTTP_400_BAD_REQUEST)
            if not secrets.compare_digest(entry.code, otp):
                entry.attempts += 1
                if not settings.VULNERABLE and entry.attempts >= MAX_ATTEMPTS:
                    entry.delete()
                    return Response(
                        {"detail": "Too many attempts; request a new code."},
                        status=status.HTTP_429_TOO_MANY_REQUESTS,
                    )
                entry.save(update_fields=["attempts"])
                return Response({"detail": "Invalid or expired code."}, status=status.HTTP_400_BAD_REQUEST)
            entry.delete()
        record(request, "2fa verified for %s" % request.user.username)
        token = tokens.issue(request.user, extra={"amr": ["pwd", "otp"]})
        return Response({"verified": True, "access_token": token})
