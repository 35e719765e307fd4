from rest_framework.renderers import BaseRenderer


class PDFRenderer(BaseRenderer):
    """Passes a rendered PDF through: `?format=pdf` or `Accept: application/pdf`."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data
