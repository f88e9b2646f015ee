"""Portal pages for organisations and individuals, and the officer console for Mẫu 01.

Mounted at /portal/ after `ebhxh.agency.urls` (which serves /portal/ itself), so every page
here has a sub-path: tai-khoan/ (accounts), ca-nhan/ (individuals), can-bo/ (officers).
"""

from django.urls import path

from ebhxh.agency.portal import officer_views, organisation_views, views

app_name = "portal"

urlpatterns = [
    # Accounts
    path("tai-khoan/", views.account, name="account"),
    path("tai-khoan/dang-nhap/", views.LoginView.as_view(), name="login"),
    path("tai-khoan/dang-xuat/", views.LogoutView.as_view(), name="logout"),
    path("tai-khoan/doi-mat-khau/", views.password_change, name="password_change"),
    path("tai-khoan/quen-mat-khau/", views.password_reset_request, name="password_reset"),
    path(
        "tai-khoan/quen-mat-khau/nhap-ma/",
        views.password_reset_complete,
        name="password_reset_complete",
    ),
    # Individuals: Mẫu số 01
    path("ca-nhan/dang-ky/", views.registration_start, name="registration_start"),
    path("ca-nhan/dang-ky/ky-so/", views.register_signed, name="register_signed"),
    path("ca-nhan/dang-ky/ky-so/ky/", views.sign, name="sign"),
    path(
        "ca-nhan/dang-ky/khong-chung-thu-so/",
        views.register_reception,
        name="register_reception",
    ),
    path(
        "ca-nhan/dang-ky/khong-chung-thu-so/xac-nhan/",
        views.confirm_reception,
        name="confirm_reception",
    ),
    path("ca-nhan/tra-cuu/", views.registration_lookup, name="registration_lookup"),
    path(
        "ca-nhan/to-khai/<uuid:public_id>/", views.registration_status, name="registration_status"
    ),
    path(
        "ca-nhan/to-khai/<uuid:public_id>/mau-01.pdf",
        views.registration_pdf,
        name="registration_pdf",
    ),
    # Organisations: the transaction account of a unit (seed 001)
    path("dang-ky/", organisation_views.register_choose, name="register_choose"),
    path(
        "to-chuc/dang-ky/",
        organisation_views.organisation_register,
        name="organisation_register",
    ),
    path("to-chuc/dang-ky/ky-so/", organisation_views.organisation_sign, name="organisation_sign"),
    path(
        "to-chuc/to-khai/<uuid:public_id>/",
        organisation_views.organisation_status,
        name="organisation_status",
    ),
    path(
        "to-chuc/to-khai/<uuid:public_id>/to-khai.pdf",
        organisation_views.organisation_pdf_view,
        name="organisation_pdf",
    ),
    path(
        "to-chuc/kich-hoat/<uuid:public_id>/",
        organisation_views.organisation_activate,
        name="organisation_activate",
    ),
    path("can-bo/to-chuc/", organisation_views.officer_queue, name="officer_organisations"),
    path(
        "can-bo/to-chuc/<str:tracking_number>/",
        organisation_views.officer_detail,
        name="officer_organisation_detail",
    ),
    path(
        "can-bo/to-chuc/<str:tracking_number>/chap-nhan/",
        organisation_views.officer_accept,
        name="officer_organisation_accept",
    ),
    path(
        "can-bo/to-chuc/<str:tracking_number>/tu-choi/",
        organisation_views.officer_refuse,
        name="officer_organisation_refuse",
    ),
    # Officers
    path("can-bo/", officer_views.home, name="officer_home"),
    path("can-bo/tiep-nhan/", officer_views.reception_queue, name="officer_reception"),
    path("can-bo/mot-cua/", officer_views.counter_queue, name="officer_counter"),
    path("can-bo/mot-cua/nhap-to-khai/", officer_views.counter_new, name="officer_counter_new"),
    path("can-bo/to-khai/<str:tracking_number>/", officer_views.detail, name="officer_detail"),
    path(
        "can-bo/to-khai/<str:tracking_number>/chap-nhan/",
        officer_views.accept,
        name="officer_accept",
    ),
    path(
        "can-bo/to-khai/<str:tracking_number>/tu-choi/",
        officer_views.refuse,
        name="officer_refuse",
    ),
]
