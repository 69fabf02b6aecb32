"""The record of requests that changed the testbed's state (both modes).

Every view that writes appends one line to ``STATE_DIR/state_changes.log``; the
harness's read-only test reads it (a default scan must leave it empty).
"""
from datetime import datetime, timezone

from django.conf import settings


def record(request, what):
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    with open(settings.STATE_DIR / "state_changes.log", "a", encoding="utf-8") as f:
        f.write(f"{stamp} {request.method} {request.get_full_path()} {what}\n")
