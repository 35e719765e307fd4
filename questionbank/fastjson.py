"""JSON encoding with orjson, for the kits' snapshots and the API's bodies.

A kit's snapshot (10 to 20 KB of text) is encoded twice on every kit
created: stored in `Kit.content`, and rendered as the response body. The
standard library's encoder took a tenth of the request; orjson takes a
hundredth. Values orjson does not know (dates and times, `Decimal`, lazy
translations) go through Django's or DRF's encoder, so they come out
exactly as before; anything orjson refuses (an integer wider than 64 bits)
falls back to the standard library whole.
"""

import orjson
from django.core.serializers.json import DjangoJSONEncoder

# Dates and times through the fallback encoder: the text stays Django's (or DRF's).
OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
# Valid JSON, but not valid JavaScript before ES2019: escaped, as DRF escapes them.
LINE_SEPARATORS = ((b"\xe2\x80\xa8", rb"\u2028"), (b"\xe2\x80\xa9", rb"\u2029"))


def dumps(value, default) -> bytes | None:
    """Compact UTF-8 JSON; None if orjson cannot encode the value (the caller falls back)."""
    try:
        body = orjson.dumps(value, default=default, option=OPTIONS)
    except orjson.JSONEncodeError:
        return None
    for raw, escaped in LINE_SEPARATORS:
        if raw in body:
            body = body.replace(raw, escaped)
    return body


class JSONEncoder(DjangoJSONEncoder):
    """`DjangoJSONEncoder` through orjson: for model JSONFields (`encoder=JSONEncoder`).

    The stored text is compact and keeps non-ASCII characters as they are; it
    decodes to the same value as the standard library's.
    """

    def encode(self, o):
        body = dumps(o, self.default) if self.indent is None else None
        return super().encode(o) if body is None else body.decode()
