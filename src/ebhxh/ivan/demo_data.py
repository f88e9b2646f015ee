"""Demo data of the I-VAN app: Công ty Cổ phần Sao Mai, its people, branches and units.

The MSTs are those of the demo PKI (`ebhxh.pki.demo`: sao-mai-vnpt / sao-mai-viettel hold
MST 0109234567, sao-mai-hcm 0109234567-001, hoa-binh 0109123458), so the demo USB token's
certificates fit the demo units. Loading again changes nothing (everything is looked up
first). Accounts are listed in docs/ivan.md and on the I-VAN entry page in demo mode.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from django.contrib.auth import get_user_model
from django.db import transaction

from ebhxh.ivan import services
from ebhxh.ivan.models import Company, Membership, OrgNode, Role, Unit


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    full_name: str
    role: Role
    company: str  # tax code
    note: str = ""


SAO_MAI: Final = "0109234567"
HOA_BINH: Final = "0109123458"
PASSWORD: Final = "saomai-demo"  # noqa: S105 - a published demo password
DEMO_USERS: Final = (
    DemoUser("saomai.admin", PASSWORD, "Nguyễn Thị Lan", Role.ADMIN, SAO_MAI),
    DemoUser("saomai.preparer", PASSWORD, "Trần Văn Minh", Role.PREPARER, SAO_MAI),
    DemoUser("saomai.signer", PASSWORD, "Phạm Quốc Hùng", Role.SIGNER, SAO_MAI),
    DemoUser(
        "dichvu.ketoan",
        PASSWORD,
        "Lê Thu Hà",
        Role.PREPARER,
        SAO_MAI,
        "Kế toán dịch vụ: cũng là quản trị của Công ty Hoà Bình (thử chuyển công ty).",
    ),
)
EXTRA_MEMBERSHIPS: Final = (("dichvu.ketoan", HOA_BINH, Role.ADMIN),)

COMPANIES: Final = (
    services.CompanyInput(
        name="Công ty Cổ phần Sao Mai",
        tax_code=SAO_MAI,
        address="Số 1 Tràng Tiền, Phường Hoàn Kiếm",
        province_code="01",
        contact_email="ketoan@saomai.example.vn",
        contact_phone="0912345678",
    ),
    services.CompanyInput(
        name="Công ty Cổ phần Đầu tư Thương mại Hoà Bình",
        tax_code=HOA_BINH,
        address="Số 8 Trần Thái Tông, Phường Cầu Giấy",
        province_code="01",
        contact_email="nhansu@hoabinh.example.vn",
    ),
)
# Company tax code → its first admin (who "opens" the account).
FOUNDERS: Final = {SAO_MAI: "saomai.admin", HOA_BINH: "dichvu.ketoan"}

NODES: Final = (
    services.OrgNodeInput(
        "CN-HCM",
        "Chi nhánh Công ty Cổ phần Sao Mai tại TP. Hồ Chí Minh",
        tax_code="0109234567-001",
        address="12 Lê Lợi, Phường Bến Thành",
        province_code="79",
    ),
    services.OrgNodeInput(
        "CN-LB",
        "Chi nhánh Công ty Cổ phần Sao Mai tại Long Biên",
        tax_code="0109234567-002",
        address="25 Nguyễn Văn Cừ, Phường Bồ Đề",
        province_code="01",
    ),
    services.OrgNodeInput("CN-HCM-KD", "Phòng Kinh doanh", province_code="79"),
)
NODE_PARENTS: Final = {"CN-HCM-KD": "CN-HCM"}

UNITS: Final = (
    (
        None,
        services.UnitInput(
            name="Công ty Cổ phần Sao Mai",
            province_code="01",
            tax_code=SAO_MAI,
            first_time=False,
            unit_code="TA0123K",
            contact_email="ketoan@saomai.example.vn",
        ),
    ),
    (
        "CN-LB",
        services.UnitInput(
            name="Chi nhánh Công ty Cổ phần Sao Mai tại Long Biên",
            province_code="01",
            tax_code="0109234567-002",
            first_time=True,
            contact_email="longbien@saomai.example.vn",
        ),
    ),
)


# Units of the other demo companies (company MST, unit). Hoà Bình's unit code is the one in
# the agency's demo registry, where it is already active with the VNPT I-VAN (00020): its
# registration through this I-VAN is refused CE007 and the old provider can be stopped (seed
# 004, `ebhxh.agency.registrations.demo_data`). The demo USB token holds its certificate.
OTHER_UNITS: Final = (
    (
        HOA_BINH,
        services.UnitInput(
            name="Công ty Cổ phần Đầu tư Thương mại Hoà Bình",
            province_code="01",
            tax_code=HOA_BINH,
            first_time=False,
            unit_code="0109123458DNA01",
            contact_email="nhansu@hoabinh.example.vn",
        ),
    ),
)


def load(*, log: Callable[[str], None]) -> None:
    User = get_user_model()
    with transaction.atomic():
        users = {}
        for demo in DEMO_USERS:
            user = User.objects.filter(username=demo.username).first()
            if user is None:
                user = User.objects.create_user(
                    username=demo.username,
                    password=demo.password,
                    email=f"{demo.username}@saomai.example.vn",
                    first_name=demo.full_name,  # whole name, Vietnamese order (services)
                )
            users[demo.username] = user
        memberships: dict[str, Membership] = {}
        for data in COMPANIES:
            company = Company.objects.filter(tax_code=data.tax_code).first()
            founder = users[FOUNDERS[data.tax_code]]
            if company is None:
                membership = services.company_create(user=founder, data=data)
                company = membership.company
            memberships[data.tax_code] = Membership.objects.get(company=company, user=founder)
        wanted = [(d.username, d.company, d.role) for d in DEMO_USERS] + list(EXTRA_MEMBERSHIPS)
        for username, tax_code, role in wanted:
            Membership.objects.get_or_create(
                company=memberships[tax_code].company, user=users[username], defaults={"role": role}
            )
        admin = memberships[SAO_MAI]
        for node_data in NODES:
            if not OrgNode.objects.filter(company=admin.company, code=node_data.code).exists():
                services.org_node_create(by=admin, data=node_data)
        for code, parent_code in NODE_PARENTS.items():
            node = OrgNode.objects.get(company=admin.company, code=code)
            parent = OrgNode.objects.get(company=admin.company, code=parent_code)
            if node.parent_id != parent.pk:
                spec = next(n for n in NODES if n.code == code)
                services.org_node_update(
                    by=admin,
                    node=node,
                    data=services.OrgNodeInput(
                        spec.code,
                        spec.name,
                        parent_id=parent.pk,
                        tax_code=spec.tax_code,
                        address=spec.address,
                        province_code=spec.province_code,
                    ),
                )
        created = 0
        for node_code, unit_data in UNITS:
            if Unit.objects.filter(company=admin.company, tax_code=unit_data.tax_code).exists():
                continue
            home = OrgNode.objects.get(company=admin.company, code=node_code) if node_code else None
            services.unit_create(
                by=admin,
                data=services.UnitInput(
                    name=unit_data.name,
                    province_code=unit_data.province_code,
                    tax_code=unit_data.tax_code,
                    first_time=unit_data.first_time,
                    unit_code=unit_data.unit_code,
                    contact_email=unit_data.contact_email,
                    org_node_id=home.pk if home else None,
                ),
            )
            created += 1
        for tax_code, unit_data in OTHER_UNITS:
            owner = memberships[tax_code]
            if Unit.objects.filter(company=owner.company, tax_code=unit_data.tax_code).exists():
                continue
            services.unit_create(by=owner, data=unit_data)
            created += 1
    if created:
        accounts = ", ".join(user.username for user in DEMO_USERS)
        log(f"I-VAN: đã tạo Công ty Cổ phần Sao Mai; tài khoản {accounts} (mật khẩu {PASSWORD}).")
