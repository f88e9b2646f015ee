"""Gateway endpoints for I-VANs: intake, receipts, status, and the API description.

Every route here and in `ebhxh.agency.registrations.api_urls` (mounted at the same prefix)
must be documented in `openapi.yaml`; `tests/agency/gateway/test_openapi.py` checks it.
Dossier numbers appear in URLs with dashes: `00001/2026/01001` is `00001-2026-01001`.
"""

from django.urls import path

from ebhxh.agency.gateway import views

app_name = "gateway"

urlpatterns = [
    path("dossiers", views.submit, name="submit"),
    path("dossiers/<str:number>", views.dossier_status, name="dossier_status"),
    path("dossiers/<str:number>/receipt", views.dossier_receipt, name="dossier_receipt"),
    path("messages/<str:message_id>", views.message_status, name="message_status"),
    path("openapi.yaml", views.openapi, name="openapi"),
]
