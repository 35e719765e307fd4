from django.urls import path

from .views import KitPDFView, KitPrintView

urlpatterns = [
    path("kits/<uuid:pk>/print/", KitPrintView.as_view(), name="kit-print"),
    path("kits/<uuid:pk>/pdf/", KitPDFView.as_view(), name="kit-pdf"),
]
