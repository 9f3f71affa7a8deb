"""JSON request bodies parsed by orjson, with a bound on nesting: the standard library's parser
recurses and a body of a few thousand brackets ends in RecursionError (a 500). Nothing the API
accepts is nested deeper than a GeoJSON MultiPolygon inside an object."""

import orjson
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


def depth(value) -> int:
    """How deeply lists and objects nest in a parsed value (iteratively)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in item)
    return deepest


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode(encoding)
            data = orjson.loads(text)
        except (UnicodeDecodeError, orjson.JSONDecodeError) as exc:
            raise ParseError(_("The body is not valid JSON: %(error)s") % {"error": exc}) from None
        if depth(data) > MAX_DEPTH:
            raise ParseError(
                _("The JSON is nested more than %(n)s levels deep.") % {"n": MAX_DEPTH}
            )
        return data
