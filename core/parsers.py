"""DRF parsers of the shared core. Kept apart from core.api: DRF imports them while it builds
`APIView`, so this module must not import rest_framework.views."""

from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing with 400 what the json module cannot parse without running
    out of stack (a body of ten thousand "[" raises RecursionError, a 500 otherwise)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from error
