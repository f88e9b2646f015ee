"""Gateway endpoints for I-VANs: intake, receipts, status."""

from django.urls import URLPattern

app_name = "gateway"

urlpatterns: list[URLPattern] = []
