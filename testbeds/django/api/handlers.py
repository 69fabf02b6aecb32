"""JSON error handlers. With DEBUG=True (vulnerable) Django ignores handler404
and handler500 and renders its technical pages instead; with DEBUG=False
(hardened) these produce terse JSON."""
from django.http import JsonResponse


def bad_request(request, exception=None):
    return JsonResponse({"detail": "Bad request."}, status=400)


def permission_denied(request, exception=None):
    return JsonResponse({"detail": "Forbidden."}, status=403)


def not_found(request, exception=None):
    return JsonResponse({"detail": "Not found."}, status=404)


def server_error(request):
    return JsonResponse({"detail": "Internal server error."}, status=500)
