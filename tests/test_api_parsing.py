"""Request bodies read through orjson, and the shortcut through content negotiation, give what
DRF's own parser and negotiation give."""

import io

import pytest
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from questionbank.api.parsers import JSONParser
from questionbank.api.renderers import JSONRenderer, PDFRenderer, StrictContentNegotiation


def parsed(parser, body: bytes, encoding="utf-8"):
    try:
        value = parser.parse(io.BytesIO(body), "application/json", {"encoding": encoding})
    except ParseError as exc:
        return ("refused", str(exc.detail))
    return (type(value).__name__, value)


BODIES = [
    b'{"role": "agent", "stage": "final", "seed": 42}',
    b' {"a" : [1, 2.5, true, null, "\\u00e9\\u20ac", "\xc3\xa9\xe2\x82\xac"]} ',
    b'{"a": 1, "a": 2}',  # the last one wins
    b'{"x": 1.0000000000000002, "y": -0, "z": -0.0, "big": 18446744073709551615}',
    b'{"seed": 123456789012345678901234567890}',  # an integer past 64 bits stays whole
    b'{"seed": -9223372036854775809}',
    b'"\\ud800"',  # a lone surrogate: valid for the standard library
    b"1e400",  # infinity for the standard library
    b"NaN",
    b"\xef\xbb\xbf{}",
    b'{"a": 1',
    b"[" * 900 + b"]" * 900,  # deeper than orjson goes (1,024 levels) below
    b"",
]


@pytest.mark.parametrize("body", BODIES, ids=range(len(BODIES)))
def test_a_body_reads_or_is_refused_as_drf_s_parser_does(body):
    assert parsed(JSONParser(), body) == parsed(parsers.JSONParser(), body)


def test_a_body_nested_deeper_than_python_recurses_is_refused_not_a_crash():
    body = b"[" * 5000 + b"]" * 5000
    with pytest.raises(RecursionError):
        parsers.JSONParser().parse(io.BytesIO(body), "application/json", {})
    assert parsed(JSONParser(), body) == (
        "refused",
        "JSON parse error - the body nests too deeply.",
    )


def test_a_long_integer_is_not_read_as_a_float():
    assert parsed(JSONParser(), b'{"seed": 123456789012345678901234567890}') == (
        "dict",
        {"seed": 123456789012345678901234567890},
    )


def test_a_body_in_another_charset_goes_through_drf_s_parser():
    body = '{"name": "Müller"}'.encode("latin-1")
    assert parsed(JSONParser(), body, "latin-1") == ("dict", {"name": "Müller"})


@pytest.mark.django_db
def test_the_api_reads_bodies_with_the_orjson_parser(recruiter):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(recruiter)
    response = api.post("/api/v1/questions/", b'{"code": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")
    deep = b"[" * 5000 + b"]" * 5000  # a 500 before: DRF's parser let the RecursionError out
    response = api.post("/api/v1/questions/", deep, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "JSON parse error - the body nests too deeply."


def negotiate(negotiation, path, accept=None, renderers=(JSONRenderer, PDFRenderer)):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(APIRequestFactory().get(path, **headers))
    try:
        renderer, media_type = negotiation.select_renderer(request, [r() for r in renderers])
    except Exception as exc:  # the same refusal is what is compared
        return type(exc).__name__
    return type(renderer).__name__, media_type


@pytest.mark.parametrize(
    "path, accept",
    [
        ("/api/v1/kits/1/", None),
        ("/api/v1/kits/1/", "*/*"),
        ("/api/v1/kits/1/", "application/pdf"),
        ("/api/v1/kits/1/", "application/json; indent=4"),
        ("/api/v1/kits/1/", "text/html"),
        ("/api/v1/kits/1/?format=pdf", None),
        ("/api/v1/kits/1/?format=pdf", "*/*"),
        ("/api/v1/kits/1/?format=json", "*/*"),
    ],
)
def test_the_renderer_chosen_is_drf_s(path, accept):
    assert negotiate(StrictContentNegotiation(), path, accept) == negotiate(
        DefaultContentNegotiation(), path, accept
    )


def test_a_first_renderer_for_any_media_type_is_negotiated_in_full():
    class AnyRenderer(JSONRenderer):
        media_type = "*/*"

    assert negotiate(StrictContentNegotiation(), "/", "*/*", [AnyRenderer]) == (
        "AnyRenderer",
        "*/*",
    )


def test_a_request_accepting_anything_skips_parsing_the_header(monkeypatch):
    def full_negotiation(*args, **kwargs):
        raise AssertionError("negotiated in full")

    monkeypatch.setattr(DefaultContentNegotiation, "select_renderer", full_negotiation)
    assert negotiate(StrictContentNegotiation(), "/api/v1/kits/1/", "*/*") == (
        "JSONRenderer",
        "application/json",
    )
    assert negotiate(StrictContentNegotiation(), "/api/v1/kits/1/", "application/json") == (
        "AssertionError"
    )
