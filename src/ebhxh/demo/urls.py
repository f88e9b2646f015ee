from django.urls import path

app_name = "demo"

urlpatterns: list = []
