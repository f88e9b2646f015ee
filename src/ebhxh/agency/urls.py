from django.urls import include, path

from ebhxh.agency import views

app_name = "agency"

urlpatterns = [
    path("portal/", views.portal, name="portal"),
    path("officer/", views.officer, name="officer"),
    # /portal/kich-hoat/ and /officer/cap-ma-don-vi/..., /officer/dang-ky-giao-dich/...
    path("", include("ebhxh.agency.registrations.urls")),
]
