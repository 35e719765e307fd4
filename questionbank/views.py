"""Printable kits for interviewers: the print view (HTML) and its PDF.

Same authentication as the API (token or session). A browser without a
session is sent to the admin login instead of getting a bare 401.
"""

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from rest_framework.exceptions import NotAuthenticated
from rest_framework.views import APIView

from .api.renderers import JSONRenderer
from .models import Kit
from .printing import pdf_filename, render_kit_html, render_kit_pdf


class PrintViewBase(APIView):
    renderer_classes = [JSONRenderer]  # for error bodies only
    schema = None  # pages for people, not part of the API schema

    def handle_exception(self, exc):
        if isinstance(exc, NotAuthenticated) and "HTTP_AUTHORIZATION" not in self.request.META:
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)


class KitPrintView(PrintViewBase):
    def get(self, request, pk):
        kit = get_object_or_404(Kit, pk=pk)
        return HttpResponse(render_kit_html(kit), content_type="text/html; charset=utf-8")


class KitPDFView(PrintViewBase):
    def get(self, request, pk):
        kit = get_object_or_404(Kit, pk=pk)
        return pdf_response(kit)


def pdf_response(kit: Kit) -> HttpResponse:
    response = HttpResponse(render_kit_pdf(kit), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf_filename(kit)}"'
    response["Content-Language"] = kit.language
    return response


class FixedKitBody:
    """The benchmark's upper bound: the newest kit's JSON, serialised once, then returned as is.

    Routed only with BENCHMARK_ENDPOINT=1. Same server, same middleware, no
    authentication, no database, no serialisation per request.
    """

    body: bytes | None = None

    @classmethod
    def view(cls, request):
        if cls.body is None:
            from .api.serializers import KitSerializer, kit_payload

            kit = Kit.objects.select_related("created_by").order_by("-created_at").first()
            if kit is None:
                return HttpResponse(b'{"detail": "No kit yet."}', status=404)
            cls.body = JSONRenderer().render(KitSerializer(kit_payload(kit)).data)
        return HttpResponse(cls.body, content_type="application/json")
