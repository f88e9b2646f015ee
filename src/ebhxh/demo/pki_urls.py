"""Mounted at /pki/ in demo mode: the URLs the demo certificates carry."""

from django.urls import path

from ebhxh.demo import pki_views

app_name = "demo_pki"

urlpatterns = [
    path("<slug:ca>/crl", pki_views.crl, name="crl"),
    path("<slug:ca>/ocsp", pki_views.ocsp, name="ocsp"),
]
