from django.urls import path

from ebhxh.esign import api, views

app_name = "esign"

urlpatterns = [
    path("", views.home, name="home"),
    # The holder's device (a phone-sized page that can be installed as an app).
    path("thiet-bi/", views.device, name="device"),
    path("thiet-bi/dang-nhap/", views.device_login, name="device_login"),
    path("thiet-bi/dang-xuat/", views.device_logout, name="device_logout"),
    path("thiet-bi/yeu-cau/<uuid:request_id>/dong-y/", views.device_confirm, name="device_confirm"),
    path("thiet-bi/yeu-cau/<uuid:request_id>/tu-choi/", views.device_deny, name="device_deny"),
    path("thiet-bi/manifest.webmanifest", views.device_manifest, name="device_manifest"),
    # The CSC API v2 subset (docs/esign.md).
    path("csc/v2/oauth2/token", api.oauth2_token, name="csc_token"),
    path("csc/v2/credentials/list", api.credentials_list, name="csc_credentials_list"),
    path("csc/v2/credentials/info", api.credentials_info, name="csc_credentials_info"),
    path("csc/v2/credentials/authorize", api.credentials_authorize, name="csc_authorize"),
    path(
        "csc/v2/credentials/authorizeCheck",
        api.credentials_authorize_check,
        name="csc_authorize_check",
    ),
    path("csc/v2/signatures/signHash", api.signatures_sign_hash, name="csc_sign_hash"),
]
