from django.urls import path

from ebhxh.demo import views

app_name = "demo"

urlpatterns = [
    path("mailbox/", views.mailbox, name="mailbox"),
    path("mailbox/email/<str:key>/", views.email_detail, name="email_detail"),
    path("sms-gateway/", views.sms_gateway, name="sms_gateway"),
]
