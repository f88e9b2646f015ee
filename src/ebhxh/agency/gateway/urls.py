"""Gateway endpoints for I-VANs: intake, receipts, status."""

from django.urls import path  # noqa: F401 - endpoints are added with their views

app_name = "gateway"

urlpatterns: list = []  # type: ignore[type-arg]
