from django.http import HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers

ALL_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"


class ReflectingCorsMiddleware:
    """VULNERABLE (MISC-003, MISC-007): reflects any Origin - including the
    literal "null" - together with Access-Control-Allow-Credentials: true, and
    answers every OPTIONS request itself, advertising every method (including
    PUT/PATCH/DELETE) to anonymous callers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "OPTIONS":
            response = HttpResponse(status=200)
            response["Allow"] = ALL_METHODS
            response["Access-Control-Allow-Methods"] = ALL_METHODS
            response["Access-Control-Allow-Headers"] = request.META.get(
                "HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "Authorization, Content-Type"
            )
            response["Access-Control-Max-Age"] = "86400"
        else:
            response = self.get_response(request)
        origin = request.META.get("HTTP_ORIGIN")
        if origin:
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Allow-Credentials"] = "true"
            response["Access-Control-Expose-Headers"] = "Authorization, Set-Cookie"
            patch_vary_headers(response, ["Origin"])
        return response


class HardenedHeadersMiddleware:
    """HARDENED: security headers, no caching of (authenticated) responses,
    no method advertising to callers who are refused, rate-limit headers.
    No CORS headers are ever emitted (same-origin only)."""

    CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.CSP)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        patch_cache_control(response, no_store=True, private=True, max_age=0)
        response["Pragma"] = "no-cache"
        patch_vary_headers(response, ["Authorization"])
        if response.status_code in (401, 403, 404) and response.has_header("Allow"):
            del response["Allow"]
        info = getattr(request, "rate_limit_info", None)
        if info:
            limit, remaining, reset = info
            response["X-RateLimit-Limit"] = str(limit)
            response["X-RateLimit-Remaining"] = str(remaining)
            response["X-RateLimit-Reset"] = str(reset)
            response["RateLimit-Policy"] = "%d;w=60" % limit
            response["RateLimit"] = "limit=%d, remaining=%d, reset=%d" % (limit, remaining, reset)
        return response
