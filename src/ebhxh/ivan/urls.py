from django.urls import include, path

from ebhxh.ivan import (
    account_views,
    org_views,
    settings_views,
    signature_views,
    unit_views,
    views,
)
from ebhxh.ivan.enrolment import views as enrolment_views

app_name = "ivan"

urlpatterns = [
    path("", views.home, name="home"),
    path("kiem-tra-lao-dong/", views.check_employees, name="check_employees"),
    # accounts
    path("dang-nhap/", account_views.login_view, name="login"),
    path("dang-xuat/", account_views.logout_view, name="logout"),
    path("dang-ky/", account_views.signup, name="signup"),
    path("chon-cong-ty/", account_views.choose_company, name="choose_company"),
    path("cong-ty/them-moi/", account_views.company_new, name="company_new"),
    path("loi-moi/<str:token>/", account_views.invitation, name="invitation"),
    # units (Đơn vị)
    path("don-vi/", unit_views.unit_list, name="units"),
    path("don-vi/them-moi/", unit_views.unit_new, name="unit_new"),
    path("don-vi/<int:unit_id>/", unit_views.unit_detail, name="unit"),
    path("don-vi/<int:unit_id>/sua/", unit_views.unit_edit, name="unit_edit"),
    # signatures (Thiết lập → Chữ ký số)
    path("don-vi/<int:unit_id>/chu-ky-so/", signature_views.signature, name="signature"),
    path(
        "don-vi/<int:unit_id>/chu-ky-so/usb-token/",
        signature_views.signature_token,
        name="signature_token",
    ),
    path(
        "don-vi/<int:unit_id>/chu-ky-so/tu-xa/",
        signature_views.signature_remote_login,
        name="signature_remote_login",
    ),
    path(
        "don-vi/<int:unit_id>/chu-ky-so/tu-xa/chon/",
        signature_views.signature_remote_choose,
        name="signature_remote_choose",
    ),
    # registration wizard (Đăng ký dịch vụ, seeds 000 and 004)
    path("don-vi/<int:unit_id>/dang-ky-dich-vu/", enrolment_views.enrolment, name="enrolment"),
    path(
        "don-vi/<int:unit_id>/dang-ky-dich-vu/dang-ky/",
        enrolment_views.register,
        name="enrolment_register",
    ),
    path(
        "don-vi/<int:unit_id>/dang-ky-dich-vu/dang-ky-su-dung/",
        enrolment_views.resubmit,
        name="enrolment_resubmit",
    ),
    path(
        "don-vi/<int:unit_id>/dang-ky-dich-vu/cap-ma/",
        enrolment_views.request_code,
        name="enrolment_request_code",
    ),
    path(
        "don-vi/<int:unit_id>/dang-ky-dich-vu/bieu-mau-tk3-ts.pdf",
        enrolment_views.paper_form,
        name="enrolment_paper",
    ),
    path(
        "don-vi/<int:unit_id>/dang-ky-dich-vu/kich-hoat/",
        enrolment_views.activate,
        name="enrolment_activate",
    ),
    path(
        "don-vi/<int:unit_id>/dang-ky-dich-vu/gui-lai-ma/",
        enrolment_views.resend,
        name="enrolment_resend",
    ),
    path(
        "don-vi/<int:unit_id>/dang-ky-dich-vu/cap-nhat-ma/",
        enrolment_views.update_code,
        name="enrolment_update_code",
    ),
    path(
        "don-vi/<int:unit_id>/dang-ky-dich-vu/thay-doi/",
        enrolment_views.change,
        name="enrolment_change",
    ),
    path(
        "don-vi/<int:unit_id>/dang-ky-dich-vu/ngung/",
        enrolment_views.stop,
        name="enrolment_stop",
    ),
    path(
        "don-vi/<int:unit_id>/dang-ky-dich-vu/cap-nhat-trang-thai/",
        enrolment_views.refresh,
        name="enrolment_refresh",
    ),
    path(
        "thiet-lap/thong-tin-su-dung-dich-vu/",
        enrolment_views.service_info,
        name="service_info",
    ),
    # settings (Thiết lập)
    path("thiet-lap/", settings_views.settings_home, name="settings"),
    path("thiet-lap/cong-ty/", settings_views.company_profile, name="company_profile"),
    path("thiet-lap/nguoi-dung/", settings_views.members, name="members"),
    path(
        "thiet-lap/nguoi-dung/<int:member_id>/vai-tro/",
        settings_views.member_role,
        name="member_role",
    ),
    path(
        "thiet-lap/nguoi-dung/<int:member_id>/xoa/",
        settings_views.member_remove,
        name="member_remove",
    ),
    path(
        "thiet-lap/loi-moi/<int:invitation_id>/huy/",
        settings_views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("thiet-lap/co-cau-to-chuc/", org_views.org_tree, name="org_tree"),
    path("thiet-lap/co-cau-to-chuc/them-moi/", org_views.org_node_new, name="org_node_new"),
    path(
        "thiet-lap/co-cau-to-chuc/<int:node_id>/sua/",
        org_views.org_node_edit,
        name="org_node_edit",
    ),
    path(
        "thiet-lap/co-cau-to-chuc/<int:node_id>/xoa/",
        org_views.org_node_delete,
        name="org_node_delete",
    ),
    path("thiet-lap/co-cau-to-chuc/nhap/", org_views.org_import, name="org_import"),
    path(
        "thiet-lap/co-cau-to-chuc/nhap/ap-dung/",
        org_views.org_import_apply,
        name="org_import_apply",
    ),
    path("thiet-lap/co-cau-to-chuc/xuat/", org_views.org_export, name="org_export"),
    path("thiet-lap/co-cau-to-chuc/tep-mau/", org_views.org_template, name="org_template"),
    # Hồ sơ, Lao động
    path("ho-so/", include("ebhxh.ivan.filings.urls")),
    path("lao-dong/", include("ebhxh.ivan.employees.urls")),
]
