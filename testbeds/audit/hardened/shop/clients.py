"""Outbound calls of the shop API (hardened fixture: no PY- rule fires here)."""
import json
import logging
import subprocess

import requests
import yaml
from django.conf import settings

logger = logging.getLogger(__name__)
session = requests.Session()


def link_preview(request):
    item = request.GET.get("id", "")
    logger.info("preview for item %s", item)
    resp = session.get(f"https://images.shop.example/preview/{item}", timeout=(3.05, 10), allow_redirects=False)
    return resp.text


def charge(token, amount):
    return requests.post(
        "https://payments.shop.example/charge",
        headers={"Authorization": "Bearer " + token},
        json={"amount": amount},
        timeout=5,
    )


def load_cached(blob):
    return json.loads(blob)


def thumbnail(name):
    subprocess.run(["convert", name, "/tmp/thumb.png"], check=True)


def load_rules(text):
    return yaml.safe_load(text)


def payment_key():
    return settings.PAYMENT_API_KEY
