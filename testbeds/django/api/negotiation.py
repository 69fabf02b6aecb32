from rest_framework.negotiation import BaseContentNegotiation


class JSONOnlyNegotiation(BaseContentNegotiation):
    """HARDENED: always answer with the first (JSON) renderer, whatever the
    Accept header says - no 406s, no HTML."""

    def select_parser(self, request, parsers):
        for parser in parsers:
            if parser.media_type == request.content_type.split(";")[0].strip():
                return parser
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
