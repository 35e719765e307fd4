from django.conf import settings
from django.urls import path

from .views import FixedKitBody, KitPDFView, KitPrintView

urlpatterns = [
    path("kits/<uuid:pk>/print/", KitPrintView.as_view(), name="kit-print"),
    path("kits/<uuid:pk>/pdf/", KitPDFView.as_view(), name="kit-pdf"),
]

if settings.BENCHMARK_ENDPOINT:
    urlpatterns.append(path("bench/fixed-kit/", FixedKitBody.view, name="bench-fixed-kit"))
