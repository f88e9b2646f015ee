"""Gateway endpoints owned by registrations: activation and "Lấy lao động"."""

from django.urls import URLPattern

app_name = "registrations_api"

urlpatterns: list[URLPattern] = []
