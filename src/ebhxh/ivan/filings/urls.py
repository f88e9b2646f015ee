"""Hồ sơ URLs, included under `ho-so/` in the I-VAN's namespace (`ivan:`)."""

from django.urls import path

from ebhxh.ivan.filings import d02_views, views

urlpatterns = [
    path("", views.filing_list, name="dossiers"),
    path("<int:filing_id>/", views.filing_detail, name="filing_detail"),
    path("<int:filing_id>/trang-thai/", views.filing_status, name="filing_status"),
    path("<int:filing_id>/ky/", views.filing_sign, name="filing_sign"),
    path("<int:filing_id>/ky/usb-token/", views.filing_token, name="filing_token"),
    path("<int:filing_id>/ky/tu-xa/", views.filing_remote, name="filing_remote"),
    path("<int:filing_id>/gui/", views.filing_submit, name="filing_submit"),
    path("<int:filing_id>/cap-nhat/", views.filing_refresh, name="filing_refresh"),
    path("<int:filing_id>/huy/", views.filing_cancel, name="filing_cancel"),
    path("<int:filing_id>/ho-so-da-ky.xml", views.filing_envelope, name="filing_envelope"),
    path("<int:filing_id>/bien-nhan.xml", views.filing_receipt, name="filing_receipt"),
    # 600: báo tăng, giảm, điều chỉnh lao động (D02-TS)
    path("600/lap-moi/", d02_views.d02_new, name="d02_new"),
    path("600/tep-mau/", d02_views.d02_template, name="d02_template"),
]
