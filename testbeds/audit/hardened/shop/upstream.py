import requests
from django.conf import settings
from urllib.parse import quote

PUSH_CREDENTIALS = "shop.utils.push_credentials"


def product(request):
    product_id = request.GET["id"]
    url = f"{settings.CATALOGUE_URL}/products/{quote(product_id, safe='')}"
    return requests.get(url, timeout=3)
