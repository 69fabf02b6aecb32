from rest_framework.pagination import PageNumberPagination


class LegacyPagination(PageNumberPagination):
    """VULNERABLE pagination.

    * page_size is honoured without any upper bound (RATE-001)
    * page / page_size are parsed with a bare int(): a non-numeric value
      raises ValueError -> unhandled exception -> Django technical 500 page
      (LEAK-002), e.g. /api/v2/products/?page=abc
    """

    page_size_query_param = "page_size"
    max_page_size = None

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        return int(raw)

    def get_page_number(self, request, paginator):
        return int(request.query_params.get(self.page_query_param, 1))


class CappedPagination(PageNumberPagination):
    """HARDENED pagination: page_size capped at 100, bad input -> 404 JSON."""

    page_size_query_param = "page_size"
    max_page_size = 100
