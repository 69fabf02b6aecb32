"""Server-side HTTP requests: the fetch proxy, jku resolution, avatar imports and
REST-hook pings.

TESTBED SAFETY GUARD (both modes, not a product feature): the testbed only
ever opens connections to loopback addresses. Destinations are never resolved
through DNS: only 'localhost' and literal 127.0.0.0/8 or ::1 addresses are
contacted, redirects are re-checked hop by hop, and anything else fails as if
the connection had been refused. A scanner's SSRF probes aimed at e.g.
169.254.169.254 therefore produce an error, never traffic off this machine.
"""
import ipaddress
import urllib.error
import urllib.parse
import urllib.request

FETCH_TIMEOUT_SECONDS = 3.0
MAX_BODY_BYTES = 256 * 1024


class BlockedDestination(urllib.error.URLError):
    pass


def is_loopback_url(url: str) -> bool:
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https"):
        return False
    host = (parts.hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check(url: str):
    if not is_loopback_url(url):
        host = urllib.parse.urlsplit(url).hostname if "://" in url else url
        raise BlockedDestination(
            "[Errno 111] Connection refused (testbed only reaches loopback; "
            "destination %r not contacted)" % host
        )


class _GuardedRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        _check(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_opener = urllib.request.build_opener(
    urllib.request.ProxyHandler({}),  # never go through an environment proxy
    _GuardedRedirects(),
)


class FetchResult:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body


def fetch(url: str, headers=None, timeout=FETCH_TIMEOUT_SECONDS, max_bytes=MAX_BODY_BYTES,
          method="GET", data=None):
    """GET url (or `method` with the bytes `data`); returns FetchResult (HTTP error
    statuses included).

    Raises urllib.error.URLError / OSError / ValueError on failure."""
    _check(url)
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        resp = _opener.open(req, timeout=timeout)
    except urllib.error.HTTPError as err:  # upstream answered with 4xx/5xx
        body = err.read(max_bytes) if err.fp else b""
        return FetchResult(err.code, err.headers, body)
    with resp:
        return FetchResult(resp.status, resp.headers, resp.read(max_bytes))
