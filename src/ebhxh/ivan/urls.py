from django.urls import path

from ebhxh.ivan import views

app_name = "ivan"

urlpatterns = [
    path("", views.home, name="home"),
]
