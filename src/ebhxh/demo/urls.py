from django.urls import path

from ebhxh.demo import pki_views, views
from ebhxh.demo.signing_views import sign_with_token

app_name = "demo"

urlpatterns = [
    path("mailbox/", views.mailbox, name="mailbox"),
    path("mailbox/email/<str:key>/", views.email_detail, name="email_detail"),
    path("sms-gateway/", views.sms_gateway, name="sms_gateway"),
    path("chung-thu-so/", pki_views.certificates, name="pki"),
    path("chung-thu-so/<slug:slug>.<str:kind>", pki_views.download, name="pki_download"),
    path("ky-thu-usb-token/", sign_with_token, name="sign_with_token"),
]
