"""Lao động URLs, included under `lao-dong/` in the I-VAN's namespace (`ivan:`)."""

from django.urls import path

from ebhxh.ivan.employees import views

urlpatterns = [
    path("", views.employee_units, name="employees"),
    path("don-vi/<int:unit_id>/", views.unit_employees, name="employees_unit"),
    path("don-vi/<int:unit_id>/lay-lao-dong/", views.fetch_start, name="employees_fetch"),
    path("lan-lay/<int:fetch_id>/", views.fetch_status, name="employees_fetch_status"),
]
