from django.urls import path

from ebhxh.agency import views

app_name = "agency"

urlpatterns = [
    path("portal/", views.portal, name="portal"),
    path("officer/", views.officer, name="officer"),
]
