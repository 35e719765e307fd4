"""orjson renders the same JSON as DRF and Django did, and falls back where it cannot."""

import datetime
import decimal
import json
import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer

from questionbank.api.renderers import JSONRenderer
from questionbank.fastjson import JSONEncoder

VALUES = {
    "text": "Vertel over één klant: «ça va», Straße",
    "separators": "line\u2028paragraph\u2029end",
    # Dashes, quotes and the ellipsis begin with the separators' first two bytes.
    "lookalikes": "a \u2014 b \u201cc\u201d \u2026 d\u2028e \u2019\u2029",
    "numbers": [0, -7, 2**53 - 1, 1.5, None, True],
    "time": datetime.datetime(2026, 12, 2, 9, 30, 15, 123456, tzinfo=datetime.UTC),
    "date": datetime.date(2026, 12, 2),
    "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "amount": decimal.Decimal("12.50"),
    "lazy": gettext_lazy("stage"),
    "nested": {"b": [{"a": 1}], "a": ()},
    7: "an integer key",
}


def test_the_renderer_writes_drf_s_bytes():
    assert JSONRenderer().render(VALUES) == DRFJSONRenderer().render(VALUES)


def test_an_integer_orjson_refuses_falls_back_to_drf():
    value = {"big": 2**70}
    assert JSONRenderer().render(value) == DRFJSONRenderer().render(value) == b'{"big":%d}' % 2**70


def test_an_indented_body_is_drf_s():
    media = "application/json; indent=2"
    assert JSONRenderer().render(VALUES, media) == DRFJSONRenderer().render(VALUES, media)


def test_no_data_is_an_empty_body():
    assert JSONRenderer().render(None) == b""


def test_the_field_encoder_decodes_to_what_django_s_encodes():
    ours = json.dumps(VALUES, cls=JSONEncoder)
    assert json.loads(ours) == json.loads(json.dumps(VALUES, cls=DjangoJSONEncoder))
    assert "één" in ours  # UTF-8 kept, not \\u escapes
    assert "\u2028" in ours  # a column's text is not script: nothing to escape
    assert json.loads(json.dumps({"big": 2**70}, cls=JSONEncoder)) == {"big": 2**70}
