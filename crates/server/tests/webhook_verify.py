#!/usr/bin/env python3
"""Verifies a tollgate webhook delivery, independently of tollgate's own code.

Usage: TOLLGATE_WEBHOOK_SECRET=whsec_... webhook_verify.py '<Tollgate-Signature header>' < body
Exit 0 when the signature matches the body and the timestamp is at most 5 minutes
old (the replay window), 1 otherwise. Only the standard library: hmac, hashlib.
"""
import hashlib
import hmac
import os
import sys
import time

REPLAY_WINDOW_SECONDS = 5 * 60


def verify(secret: bytes, header: str, body: bytes, now: float) -> bool:
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        t = int(fields["t"])
        given = fields["v1"]
    except (KeyError, ValueError):
        return False
    if abs(now - t) > REPLAY_WINDOW_SECONDS:
        return False
    expected = hmac.new(secret, str(t).encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given)


def main() -> int:
    secret = os.environ.get("TOLLGATE_WEBHOOK_SECRET", "").encode()
    if not secret or len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 1
    ok = verify(secret, sys.argv[1], sys.stdin.buffer.read(), time.time())
    print("valid" if ok else "INVALID")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
