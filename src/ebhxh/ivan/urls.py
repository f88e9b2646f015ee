from django.urls import path

from ebhxh.ivan import views

app_name = "ivan"

urlpatterns = [
    path("", views.home, name="home"),
    path("kiem-tra-lao-dong/", views.check_employees, name="check_employees"),
]
