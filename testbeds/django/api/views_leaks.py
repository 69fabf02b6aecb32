"""Files a careless deployment serves from its web root (VULNERABLE only)."""
from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

from . import planted


@require_safe
def dotenv(request):
    """LEAK-004: the production .env served at /.env"""
    return HttpResponse(planted.dotenv_text(settings.DOCKER_PORT), content_type="text/plain")


@require_safe
def access_log(request):
    """LEAK-005: an access log with full Authorization headers at /logs/access.log
    (written into the state dir by serve.py with tokens valid in this run)."""
    path = settings.STATE_DIR / "public" / "access.log"
    try:
        body = path.read_bytes()
    except FileNotFoundError:
        raise Http404
    return HttpResponse(body, content_type="text/plain; charset=utf-8")
