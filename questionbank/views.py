"""Printable kits for interviewers: the print view (HTML) and its PDF.

Same authentication as the API (token or session). A browser without a
session is sent to the admin login instead of getting a bare 401.
"""

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from rest_framework.exceptions import NotAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

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
