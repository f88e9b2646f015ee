"""Pages of registrations: the portal's activation page and the officers' console.

Included from `ebhxh.agency.urls` at the site root, so the paths below are absolute.
"""

from django.urls import path

from ebhxh.agency.registrations import views

app_name = "registrations"

urlpatterns = [
    path("portal/kich-hoat/", views.activation_page, name="activation"),
    path("officer/cap-ma-don-vi/", views.unit_code_requests, name="officer_requests"),
    path(
        "officer/cap-ma-don-vi/<int:pk>/",
        views.unit_code_request_detail,
        name="officer_request",
    ),
    path(
        "officer/cap-ma-don-vi/<int:pk>/duyet/",
        views.unit_code_request_approve,
        name="officer_request_approve",
    ),
    path(
        "officer/cap-ma-don-vi/<int:pk>/tu-choi/",
        views.unit_code_request_reject,
        name="officer_request_reject",
    ),
    path("officer/dang-ky-giao-dich/", views.registrations, name="officer_registrations"),
    path(
        "officer/dang-ky-giao-dich/<int:pk>/",
        views.registration_detail,
        name="officer_registration",
    ),
]
