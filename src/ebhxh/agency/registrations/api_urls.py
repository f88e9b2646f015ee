"""Gateway endpoints owned by registrations: activation and "Lấy lao động".

Mounted at `/gateway/v1/` beside the gateway's own; every route is described in
`ebhxh/agency/gateway/openapi.yaml` under the `registrations` tag.
"""

from django.urls import path

from ebhxh.agency.registrations import api

app_name = "registrations_api"

urlpatterns = [
    path("activations", api.activate, name="activate"),
    path("activations/resend", api.resend, name="resend"),
    path("units/<str:unit_code>/employees", api.employees, name="employees"),
    path("units/<str:unit_code>/registration", api.registration_status, name="registration"),
]
