"""The partner portal's account store: a MongoDB collection, used through pymongo's
API. In the testbed the client is mongomock's in-process MongoClient (no server, no
network); a deployment would construct ``pymongo.MongoClient(PARTNER_MONGO_URL)``
here and nothing else would change.

Partner accounts were imported from the old portal and keep its plain-text
``password`` field (the testbed's own fake data).
"""
import threading

import mongomock

PARTNERS = [
    {
        "email": "orders@acme-supplies.test",
        "password": "Acme-Partner-2024!",
        "company": "Acme Supplies",
        "discount_tier": "gold",
        "credit_limit": 25000,
    },
    {
        "email": "buying@globex.test",
        "password": "Globex-Partner-2024!",
        "company": "Globex Wholesale",
        "discount_tier": "silver",
        "credit_limit": 10000,
    },
]

_client = mongomock.MongoClient()
_lock = threading.Lock()
_seeded = False


def collection():
    """The ``partner_portal.partners`` collection, seeded on first use."""
    global _seeded
    coll = _client["partner_portal"]["partners"]
    with _lock:
        if not _seeded:
            coll.delete_many({})
            coll.insert_many([dict(p) for p in PARTNERS])
            _seeded = True
    return coll
