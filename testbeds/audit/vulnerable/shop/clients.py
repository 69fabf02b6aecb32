"""Outbound calls of the shop API (vulnerable fixture: every PY- rule fires here)."""
import logging
import os
import pickle
import subprocess

import requests
import yaml

logger = logging.getLogger(__name__)
PAYMENT_API_KEY = "sk_live_TollgateFakeStripeKey0000000001"
session = requests.Session()
session.verify = False


def link_preview(request):
    url = request.GET.get("url", "")
    logger.info("preview for %s with %s", url, request.headers)
    resp = session.get(url)
    return resp.text


def charge(token, amount):
    return requests.post(
        "http://payments.internal.example/charge",
        headers={"Authorization": "Bearer " + token},
        json={"amount": amount},
        timeout=5,
    )


def load_cached(blob):
    return pickle.loads(blob)


def thumbnail(name):
    subprocess.run(f"convert {name} /tmp/thumb.png", shell=True)


def report(expr):
    return eval(expr)


def load_rules(text):
    return yaml.load(text)
