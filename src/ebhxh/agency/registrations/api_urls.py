"""Gateway endpoints owned by registrations: activation and "Lấy lao động"."""

from django.urls import path  # noqa: F401 - endpoints are added with their views

app_name = "registrations_api"

urlpatterns: list = []  # type: ignore[type-arg]
