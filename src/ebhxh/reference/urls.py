from django.urls import path

from ebhxh.reference import views

app_name = "reference"

urlpatterns = [
    path("co-quan-bhxh/", views.agencies, name="agencies"),
    path("thu-tuc/", views.procedures, name="procedures"),
    path("ma-loi/", views.rejections, name="rejections"),
    path("to-chuc-ivan/", views.ivan_providers, name="ivan_providers"),
    path("ngay-lam-viec/", views.working_days, name="working_days"),
]
