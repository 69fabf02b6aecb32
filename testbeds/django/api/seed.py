"""Seed data and per-run state files (tokens, identities.json, access log)."""
import datetime as dt
import hashlib
import json
import os
import random
import time
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from . import tokens
from .models import Order, Product, Profile

USERS = [
    # username, role, staff, password, email, phone
    ("admin", "admin", True, "Admin-Testbed-2024!", "admin@shop.tollgate.test", "+1-202-555-0100"),
    ("alice", "user", False, "Alice-Testbed-2024!", "alice@example.test", "+1-202-555-0142"),
    ("bob", "user", False, "Bob-Testbed-2024!", "bob@example.test", "+1-202-555-0187"),
    ("carol", "user", False, "Carol-Testbed-2024!", "carol@example.test", "+1-202-555-0119"),
    ("svc-link-preview", "service", True, None, "link-preview@svc.tollgate.test", ""),
]
PRODUCT_COUNT = 250
ORDER_COUNT = 300
# order i (1-based) belongs to OWNER_CYCLE[(i - 1) % 6]:
# alice 150 orders, bob 100, admin 50 -> order 1 is alice's, order 2 bob's.
OWNER_CYCLE = ["alice", "bob", "alice", "bob", "alice", "admin"]

_ADJ = ["Basic", "Deluxe", "Compact", "Rugged", "Smart", "Classic", "Eco", "Pro", "Mini", "Ultra"]
_NOUN = ["Kettle", "Lamp", "Backpack", "Router", "Headset", "Mug", "Drill", "Keyboard", "Tent", "Watch",
         "Blender", "Speaker", "Camera", "Jacket", "Monitor", "Chair", "Bottle", "Charger", "Scale", "Fan",
         "Notebook", "Toaster", "Helmet", "Mouse", "Cable"]
_STREETS = ["Main St", "Oak Ave", "Pine Rd", "Maple Dr", "Cedar Ln", "Elm St", "Lake View", "Hill Rd"]


@transaction.atomic
def seed():
    User = get_user_model()
    rng = random.Random(20240611)
    users = {}
    for username, role, staff, password, email, phone in USERS:
        user = User(
            username=username,
            email=email,
            first_name=username.split("-")[0].capitalize(),
            is_staff=staff,
            is_superuser=(username == "admin"),
        )
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        Profile.objects.create(
            user=user,
            role=role,
            phone=phone,
            api_key="tgk_live_" + hashlib.sha256(("api-key:" + username).encode()).hexdigest()[:32],
        )
        users[username] = user

    Product.objects.bulk_create(
        Product(
            sku="SKU-%05d" % i,
            name="%s %s %d" % (_ADJ[i % len(_ADJ)], _NOUN[i % len(_NOUN)], i),
            price=Decimal(rng.randrange(199, 49999)) / 100,
            stock=rng.randrange(0, 500),
        )
        for i in range(1, PRODUCT_COUNT + 1)
    )
    product_ids = list(Product.objects.values_list("id", "price"))

    now = timezone.now()
    orders = []
    for i in range(1, ORDER_COUNT + 1):
        owner = users[OWNER_CYCLE[(i - 1) % len(OWNER_CYCLE)]]
        pid, price = product_ids[rng.randrange(len(product_ids))]
        qty = rng.randrange(1, 5)
        orders.append(
            Order(
                owner=owner,
                product_id=pid,
                quantity=qty,
                total=price * qty,
                status=rng.choice(["pending", "paid", "shipped", "cancelled"]),
                shipping_address="%d %s, Springfield" % (rng.randrange(1, 999), rng.choice(_STREETS)),
                card_last4="%04d" % rng.randrange(10000),
                created_at=now - dt.timedelta(hours=ORDER_COUNT - i),
            )
        )
    Order.objects.bulk_create(orders)
    return users


def _write(path: Path, text: str):
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def write_state(state_dir: Path, users, port, docker_port):
    """Token files (content = the JWT only, no newline), identities.json and
    the public access log."""
    now = int(time.time())
    alice, bob, admin = users["alice"], users["bob"], users["admin"]
    token_files = {
        "alice.token": tokens.issue(alice),
        "bob.token": tokens.issue(bob),
        "admin.token": tokens.issue(admin),
        # probe tokens, all correctly signed for this mode:
        "alice_readonly.token": tokens.issue(alice, scope="orders:read profile:read"),
        "alice_elevated.token": tokens.issue(alice, role="admin", scope=tokens.ROLE_SCOPES["admin"]),
        "alice_expired.token": tokens.issue(alice, issued_at=now - 7200, lifetime=3600),
        "alice_wrong_aud.token": tokens.issue(alice, audience="some-other-api"),
    }
    for name, value in token_files.items():
        _write(state_dir / name, value)

    identities = {
        "mode": settings.TESTBED_MODE,
        "base_url": "http://127.0.0.1:%d" % port,
        "docker_url": (
            "http://127.0.0.1:%d" % docker_port if (settings.VULNERABLE and docker_port) else None
        ),
        "jwt": {"issuer": settings.JWT_ISSUER, "audience": settings.JWT_AUDIENCE},
        "identities": {},
        "probe_tokens": {
            "alice_readonly.token": "alice, scope orders:read only (no orders:write)",
            "alice_elevated.token": "alice (not staff in DB) with role=admin and admin scope claims",
            "alice_expired.token": "alice, exp one hour in the past",
            "alice_wrong_aud.token": "alice, aud=some-other-api",
        },
    }
    for username, role, staff, password, email, _phone in USERS:
        user = users[username]
        identities["identities"][username] = {
            "id": user.pk,
            "role": role,
            "is_staff": staff,
            "email": email,
            "password": password,
            "token_file": "%s.token" % username if username in ("alice", "bob", "admin") else None,
            "order_ids": list(user.orders.order_by("id").values_list("id", flat=True)),
        }
    _write(state_dir / "identities.json", json.dumps(identities, indent=2))

    public = state_dir / "public"
    public.mkdir(exist_ok=True)
    _write(public / "access.log", _access_log(token_files, now))


def _access_log(token_files, now):
    admin_tok = token_files["admin.token"]
    bob_tok = token_files["bob.token"]
    entries = [
        ("GET", "/api/v2/products/?page=1", 200, 6120, None),
        ("POST", "/api/v2/auth/login/", 200, 512, None),
        ("GET", "/api/v2/me/", 200, 241, bob_tok),
        ("GET", "/api/v2/orders/?page=1", 200, 7012, bob_tok),
        ("GET", "/api/v2/admin/users/", 200, 1833, admin_tok),
        ("GET", "/api/v2/admin/settings/", 200, 377, admin_tok),
        ("GET", "/api/v2/orders/6/", 200, 402, admin_tok),
        ("GET", "/favicon.ico", 404, 179, None),
        ("GET", "/api/v2/users/", 200, 4120, admin_tok),
        ("PATCH", "/api/v2/orders/2/", 200, 398, bob_tok),
    ]
    lines = []
    for n, (method, path, code, size, tok) in enumerate(entries):
        ts = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now - 3600 + n * 97))
        auth = '"Authorization: Bearer %s"' % tok if tok else '"-"'
        lines.append(
            '10.0.3.%d - - [%s] "%s %s HTTP/1.1" %d %d "-" "python-requests/2.31.0" %s'
            % (20 + n, ts, method, path, code, size, auth)
        )
    return "\n".join(lines) + "\n"
