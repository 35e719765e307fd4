from rest_framework import renderers
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer

from .. import fastjson


class PDFRenderer(BaseRenderer):
    """Passes a rendered PDF through: `?format=pdf` or `Accept: application/pdf`."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class StrictContentNegotiation(DefaultContentNegotiation):
    """An unknown `?format=` is a 400 naming the formats on offer, not a bare 404.

    A request that asks for no format and accepts anything (`Accept: */*`, or no `Accept`,
    as most API clients send) gets the view's first renderer, as DRF's negotiation would
    choose it, without parsing the header into media types (a tenth of a cached kit's
    fetch). Any other request is negotiated in full.
    """

    def select_renderer(self, request, renderers, format_suffix=None):
        first = renderers[0] if renderers else None
        if (
            first is not None
            and not format_suffix
            and request.META.get("HTTP_ACCEPT", "*/*") == "*/*"
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
            and "*" not in first.media_type
        ):
            return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)

    def filter_renderers(self, renderers, format):
        matching = [renderer for renderer in renderers if renderer.format == format]
        if not matching:
            offered = ", ".join(sorted({renderer.format for renderer in renderers}))
            raise ValidationError(
                {"format": [f"Unknown format {format!r}. Choose from: {offered}."]},
                code="invalid_choice",
            )
        return matching


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON renderer, through orjson (see fastjson.py): the same JSON, faster.

    Compact bodies only: an `indent` asked for in the media type (`application/json;
    indent=4`) goes through DRF's own rendering.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is not None and self.compact and not self.ensure_ascii:
            indent = self.get_indent(accepted_media_type, renderer_context or {})
            if indent is None:
                body = fastjson.dumps(data, self.encoder_class().default)
                if body is not None:
                    return body
        return super().render(data, accepted_media_type, renderer_context)
