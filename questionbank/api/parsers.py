"""DRF's JSON parser, through orjson: the same data from a request body, faster."""

import io
import re

import orjson
from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# orjson reads an integer past 64 bits as a float; the standard library keeps it whole.
LONG_DIGITS = re.compile(rb"\d{19}")


class JSONParser(parsers.JSONParser):
    """Parses a UTF-8 body with orjson (a third of the time of DRF's parser on a kit request).

    orjson and the standard library read valid JSON to the same values, except integers of
    19 digits or more, which orjson may turn into floats: a body with such a run of digits,
    a body orjson refuses (NaN, a lone surrogate, a byte order mark, nesting past 1,024
    levels, a number too large for a double), and a body in another charset go through
    DRF's parser, so they are read, or refused with DRF's message, exactly as before. One
    refusal is new: a body nested deeper than Python's recursion allows is a 400, where
    DRF's parser let the RecursionError through as a 500.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        if encoding.lower() in ("utf-8", "utf8"):
            body = stream.read()
            if not LONG_DIGITS.search(body):
                try:
                    return orjson.loads(body)
                except orjson.JSONDecodeError:
                    pass
            stream = io.BytesIO(body)
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:  # DRF's parser lets it through: a 500 for a 4 KB body
            raise ParseError("JSON parse error - the body nests too deeply.") from None
