"""Seeds a fresh `tollgate serve` for the schemathesis run (scripts/schemathesis).

Creates what the operations with an `{id}` in their path need to reach their real
answers: a target with an identity, a finished scan of a stub target (so reports,
findings and diffs exist), a spare key to revoke, and a webhook to the stub. Prints a
schemathesis.toml that pins those ids, so the fuzzer checks the 200 answers against
the document too.

Environment: TOLLGATE_URL (http://127.0.0.1:PORT), TOLLGATE_KEY (an admin key),
STUB_URL (a loopback HTTP server the scan may reach). Standard library only.
"""

import json
import os
import sys
import time
import urllib.error
import urllib.request

BASE = os.environ["TOLLGATE_URL"]
KEY = os.environ["TOLLGATE_KEY"]
STUB = os.environ["STUB_URL"]


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + KEY)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.load(resp)
    except urllib.error.HTTPError as e:
        sys.exit(f"seed: {method} {path} answered {e.code}: {e.read()[:300]!r}")


def wait_for_stub():
    deadline = time.monotonic() + 15
    while True:
        try:
            with urllib.request.urlopen(STUB, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                sys.exit(f"seed: the stub target {STUB} does not answer")
            time.sleep(0.1)


def main():
    wait_for_stub()
    target = call(
        "POST",
        "/api/v1/targets",
        {
            "url": STUB,
            "name": "schemathesis stub",
            "profile": "quick",
            "identities": [{"name": "fuzz", "bearer": "fuzz-token-not-a-secret-0001"}],
        },
    )
    scan = call("POST", "/api/v1/scans", {"target_id": target["id"]})
    deadline = time.monotonic() + 180
    while True:
        done = call("GET", f"/api/v1/scans/{scan['id']}")
        state = done["state"]
        if state in ("completed", "failed", "cancelled"):
            break
        if time.monotonic() > deadline:
            sys.exit(f"seed: the scan of the stub did not finish in 180 s ({state})")
        time.sleep(0.5)
    spare = call("POST", "/api/v1/keys", {"name": "revoked by schemathesis", "role": "viewer"})
    # Two webhooks: DELETE /webhooks/{id} removes one; the other keeps its deliveries
    # and test endpoints reachable.
    hook, deleted = (
        call(
            "POST",
            "/api/v1/webhooks",
            {"url": STUB, "events": ["scan.completed"], "name": name},
        )
        for name in ("schemathesis", "deleted by schemathesis")
    )
    why = f": {done['error']}" if done.get("error") else ""
    print(f"seed: target {target['id']}, scan {scan['id']} ({state}{why})", file=sys.stderr)
    pins = [
        (r"^/api/v1/targets/\{id\}", target["id"]),
        (r"^/api/v1/scans/\{id\}", scan["id"]),
        (r"^/api/v1/keys/\{id\}$", spare["id"]),
        (r"^/api/v1/webhooks/\{id\}/", hook["id"]),
        (r"^/api/v1/webhooks/\{id\}$", deleted["id"]),
    ]
    for regex, value in pins:
        print("[[operations]]")
        print(f"include-path-regex = {json.dumps(regex)}")
        print(f"parameters = {{ id = {json.dumps(value)} }}")
        print()


if __name__ == "__main__":
    main()
