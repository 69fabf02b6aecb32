"""HARDENED throttles that also publish their state as X-RateLimit-* headers
(see middleware.HardenedHeadersMiddleware), so a client can see the limit
without having to exhaust it."""
import math

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class _Publishing:
    def allow_request(self, request, view):
        allowed = super().allow_request(request, view)
        if self.rate is not None and getattr(self, "key", None) and hasattr(self, "history"):
            remaining = max(0, self.num_requests - len(self.history))
            reset = (
                math.ceil(self.duration - (self.now - self.history[-1]))
                if self.history
                else self.duration
            )
            request._request.rate_limit_info = (self.num_requests, remaining, reset)
        return allowed


class AnonBurstThrottle(_Publishing, AnonRateThrottle):
    pass


class UserBurstThrottle(_Publishing, UserRateThrottle):
    pass
