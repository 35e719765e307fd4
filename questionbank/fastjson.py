"""JSON encoding with orjson, for the kits' snapshots and the API's bodies.

A kit's snapshot (10 to 20 KB of text) is encoded twice on every kit
created: stored in `Kit.content`, and rendered as the response body. The
standard library's encoder took a tenth of the request; orjson takes a
hundredth. Values orjson does not know (dates and times, `Decimal`, lazy
translations) go through Django's or DRF's encoder, so they come out
exactly as before; anything orjson refuses (an integer wider than 64 bits)
falls back to the standard library whole.
"""

import re

import orjson
from django.core.serializers.json import DjangoJSONEncoder

# Dates and times through the fallback encoder: the text stays Django's (or DRF's).
OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
# U+2028 and U+2029: valid JSON, but not valid JavaScript before ES2019, so a body escapes
# them, as DRF does. Found in one pass: dashes and curly quotes share their first two bytes,
# which made two `in` searches of a 13 KB snapshot cost 17 microseconds.
LINE_SEPARATORS = re.compile(b"\xe2\x80[\xa8\xa9]")
ESCAPED = {b"\xe2\x80\xa8": rb"\u2028", b"\xe2\x80\xa9": rb"\u2029"}


def dumps(value, default, *, for_javascript: bool = True) -> bytes | None:
    """Compact UTF-8 JSON; None if orjson cannot encode the value (the caller falls back).

    `for_javascript=False` leaves the line separators as they are: for text that no browser
    reads as script, such as a JSON column's.
    """
    try:
        body = orjson.dumps(value, default=default, option=OPTIONS)
    except orjson.JSONEncodeError:
        return None
    if for_javascript and LINE_SEPARATORS.search(body):
        body = LINE_SEPARATORS.sub(lambda match: ESCAPED[match.group()], body)
    return body


class JSONEncoder(DjangoJSONEncoder):
    """`DjangoJSONEncoder` through orjson: for model JSONFields (`encoder=JSONEncoder`).

    The stored text is compact and keeps non-ASCII characters as they are; it
    decodes to the same value as the standard library's.
    """

    def encode(self, o):
        body = dumps(o, self.default, for_javascript=False) if self.indent is None else None
        return super().encode(o) if body is None else body.decode()
