"""Portal pages for organisations and individuals."""

from django.urls import URLPattern

app_name = "portal"

urlpatterns: list[URLPattern] = []
