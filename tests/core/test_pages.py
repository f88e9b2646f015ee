import os
import subprocess
import sys

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_leads_to_every_role_in_vietnamese(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi">' in html
    for title, url_name in [
        ("Cổng dịch vụ công BHXH", "agency:portal"),
        ("I-VAN", "ivan:home"),
        ("eSign", "esign:home"),
        ("Cán bộ BHXH", "agency:officer"),
    ]:
        assert title in html
        assert f'href="{reverse(url_name)}"' in html
    assert reverse("demo:mailbox") in html  # the demo banner leads to the mailbox


@pytest.mark.parametrize("url_name", ["agency:portal", "ivan:home", "esign:home"])
def test_each_public_role_page_is_served(client, url_name):
    assert client.get(reverse(url_name)).status_code == 200


def test_officer_console_requires_staff_login(client, django_user_model):
    response = client.get(reverse("agency:officer"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    citizen = django_user_model.objects.create_user("dan", password="x-Strong-Pass-1")
    client.force_login(citizen)
    assert client.get(reverse("agency:officer")).status_code == 302
    officer = django_user_model.objects.create_user("canbo", password="x", is_staff=True)
    client.force_login(officer)
    html = client.get(reverse("agency:officer")).content.decode()
    assert "Bảo hiểm xã hội Thành phố Hà Nội" in html


def test_vietnamese_even_when_the_browser_asks_for_english(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="vi">' in response.content.decode()
    assert response["Content-Language"] == "vi"


def test_english_when_the_person_chooses_it(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "BHXH public service portal" in html
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    assert '<html lang="vi">' in client.get("/").content.decode()


def test_unknown_language_cookie_falls_back_to_vietnamese(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert '<html lang="vi">' in client.get("/").content.decode()


def test_healthz_reports_the_database(client):
    data = client.get("/healthz").json()
    assert data["status"] == "ok" and data["database"] in {"sqlite", "postgresql"}


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "EBHXH_DEMO", "DEBUG"}}
    env.update({"EBHXH_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "ebhxh.settings"})
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "SECRET_KEY is required" in done.stderr
    assert not (tmp_path / "demo-secret-key").exists()


def test_demo_generates_and_keeps_its_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update({"EBHXH_VAR_DIR": str(tmp_path), "EBHXH_DEMO": "1"})
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.SECRET_KEY)"
    )
    env["DJANGO_SETTINGS_MODULE"] = "ebhxh.settings"
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout and len(first.stdout.strip()) >= 50
