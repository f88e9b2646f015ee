from django.urls import path

from ebhxh.esign import views

app_name = "esign"

urlpatterns = [
    path("", views.home, name="home"),
]
