"""URL map: each role under its own prefix so production can mount only its own."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from ebhxh.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("danh-muc/", include("ebhxh.reference.urls")),
    path("", include("ebhxh.agency.urls")),
    path("portal/", include("ebhxh.agency.portal.urls")),
    path("gateway/v1/", include("ebhxh.agency.gateway.urls")),
    path("gateway/v1/", include("ebhxh.agency.registrations.api_urls")),
    path("ivan/", include("ebhxh.ivan.urls")),
    path("esign/", include("ebhxh.esign.urls")),
]

if settings.DEMO:
    urlpatterns += [
        path("demo/", include("ebhxh.demo.urls")),
        path("pki/", include("ebhxh.demo.pki_urls")),
    ]
