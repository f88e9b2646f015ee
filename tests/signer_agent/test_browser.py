"""The demo page in headless Chromium: pair, sign a Hoso with a SoftHSM2 key, verify it.

And the other side of the rule: a page from an origin the agent does not allow gets nothing,
not even with a session token stolen from an allowed page.

Browser and agent (over the conftest's token) from tests/support/browser.py; screenshots in
test-artifacts/screenshots/signer-agent-*.png.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, expect

import ebhxh.core
from ebhxh.demo import pki as demo_pki_module
from ebhxh.pki.demo import DemoPki
from ebhxh.signer_agent import AgentServer
from ebhxh.signers.types import TokenCertificate
from ebhxh.xmldsig import ENVELOPE, verify_xml
from tests.pki.support import demo_dir_copy
from tests.signer_agent.conftest import PIN, TOKEN_LABEL, pair
from tests.support.browser import agent_fixture, browser_fixture, shot  # noqa: F401

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CLIENT_JS = Path(ebhxh.core.__file__).parent / "static" / "core" / "signer-agent.js"


@pytest.fixture
def served_pki(demo_pki: DemoPki, settings, tmp_path: Path) -> Iterator[DemoPki]:
    """The session's demo PKI where the demo keeps it, so the page can verify signatures."""
    settings.DEMO_PKI_DIR = tmp_path / "served-pki"
    copy = demo_dir_copy(demo_pki, settings.DEMO_PKI_DIR)
    demo_pki_module.demo_pki.cache_clear()
    yield copy
    demo_pki_module.demo_pki.cache_clear()


@pytest.fixture
def token(token_certificate: TokenCertificate) -> str:
    """The conftest's token, for the shared `agent` that allows only the live server's origin
    (this module's `agent` replaces the conftest's)."""
    return TOKEN_LABEL


def test_demo_page_pairs_signs_and_the_hoso_verifies(
    browser: Browser,
    live_server,
    agent: AgentServer,
    served_pki: DemoPki,
    token_certificate: TokenCertificate,
    tmp_path: Path,
) -> None:
    page = browser.new_page(locale="vi-VN")
    page.goto(live_server.url + reverse("demo:sign_with_token"))
    shot(page, "signer-agent-1-start")

    page.click("#check-agent")
    expect(page.locator("#agent-status")).to_contain_text("Ứng dụng ký số đang chạy")

    page.click("#start-pairing")
    expect(page.locator("#pairing-code")).to_be_enabled()
    code = agent.pending_code(live_server.url)
    assert code is not None
    page.fill("#pairing-code", code)
    shot(page, "signer-agent-2-pairing")
    page.click("#confirm-pairing")
    expect(page.locator("#pair-status")).to_contain_text("Đã ghép nối")

    expect(page.locator("#token-select")).to_have_value(TOKEN_LABEL)
    expect(page.locator("#cert-identifier")).to_have_text("MST 0109123458")
    expect(page.locator("#cert-subject")).to_contain_text("HOÀ BÌNH")
    expect(page.locator("#cert-validity")).to_contain_text("từ ")
    shot(page, "signer-agent-3-certificate")

    page.fill("#pin", PIN)
    page.click("#sign-button")
    expect(page.locator("#sign-status")).to_contain_text("Đang ký…")
    expect(page.locator("#result-status")).to_contain_text("Chữ ký hợp lệ", timeout=20_000)
    expect(page.locator("#result-tax-code")).to_have_text("0109123458")
    expect(page.locator("#result-signer")).to_contain_text("HOÀ BÌNH")
    assert page.input_value("#pin") == ""  # the PIN does not stay in the page
    shot(page, "signer-agent-4-signed")

    [event] = [e for e in agent.events if e.kind == "sign"]
    assert (event.origin, event.result) == (live_server.url, "OK")
    assert "Hồ sơ 600" in event.description

    href = page.get_attribute("#download-signed", "href")
    assert href
    download = page.request.get(live_server.url + href)
    assert download.ok
    signed = download.body()
    verified = verify_xml(signed, checker=served_pki.validator(), location=ENVELOPE)
    assert verified.validated.identity.tax_code == "0109123458"
    assert verified.signing_time is not None
    assert b"<MaSoThue>0109123458</MaSoThue>" in verified.content

    target = tmp_path / "hoso-da-ky.xml"
    target.write_bytes(signed)
    misa_ca = served_pki.path(served_pki.entity("misa-ca").files.certificate_pem)
    root = served_pki.path(served_pki.entity("root-ca").files.certificate_pem)
    checked = subprocess.run(
        [
            "xmlsec1",
            "--verify",
            "--trusted-pem",
            str(root),
            "--untrusted-pem",
            str(misa_ca),
            "--id-attr:Id",
            "http://www.w3.org/2000/09/xmldsig#:Object",
            str(target),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert checked.returncode == 0, checked.stderr
    assert "OK" in checked.stdout + checked.stderr


def test_wrong_pin_shows_the_token_message(
    browser: Browser, live_server, agent: AgentServer, served_pki: DemoPki
) -> None:
    page = browser.new_page()
    page.goto(live_server.url + reverse("demo:sign_with_token"))
    page.click("#check-agent")
    page.click("#start-pairing")
    expect(page.locator("#pairing-code")).to_be_enabled()
    page.fill("#pairing-code", agent.pending_code(live_server.url) or "")
    page.click("#confirm-pairing")
    expect(page.locator("#pin")).to_be_enabled()
    page.fill("#pin", "000000")
    page.click("#sign-button")
    expect(page.locator("#sign-status")).to_contain_text("Mã PIN không đúng")
    expect(page.locator("#sign-status")).to_contain_text("TOKEN_PIN_INCORRECT")
    shot(page, "signer-agent-5-wrong-pin")


@pytest.fixture
def foreign_site(tmp_path: Path, agent: AgentServer) -> Iterator[str]:
    """A web page on another origin (another port) that loads the client and tries to sign."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "signer-agent.js").write_bytes(CLIENT_JS.read_bytes())
    (site / "index.html").write_text(
        f"""<!doctype html><meta charset="utf-8"><title>Trang lạ</title>
<script src="signer-agent.js"></script>
<script>
window.attempt = async function (stolenToken) {{
  const agent = new EbhxhSignerAgent({{ baseUrl: "{agent.url}", storage: null }});
  const seen = {{}};
  for (const [name, call] of [
    ["status", () => agent.status()],
    ["pair", () => agent.startPairing()],
    ["sign", () => {{
      agent._keep(stolenToken);
      return agent.signDigest({{ token: "{TOKEN_LABEL}", pin: "{PIN}",
        digestBase64: btoa("x".repeat(32)), description: "trang lạ" }});
    }}],
  ]) {{
    try {{ await call(); seen[name] = "ANSWERED"; }}
    catch (error) {{ seen[name] = error.code + ": " + error.message; }}
  }}
  return seen;
}};
</script>""",
        encoding="utf-8",
    )
    handler = partial(SimpleHTTPRequestHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_a_page_from_another_origin_cannot_get_a_signature(
    browser: Browser, live_server, agent: AgentServer, foreign_site: str
) -> None:
    stolen = pair(agent, live_server.url)  # even a valid token of the allowed page
    page = browser.new_page()
    page.goto(foreign_site + "/index.html")
    seen = page.evaluate("token => window.attempt(token)", stolen)
    assert set(seen) == {"status", "pair", "sign"}
    for outcome in seen.values():
        assert outcome.startswith("AGENT_UNREACHABLE: Chưa chạy ứng dụng ký số ebhxh"), seen
    refused = [e for e in agent.events if e.origin == foreign_site]
    assert refused and all(e.result == "ORIGIN_NOT_ALLOWED" for e in refused)
    assert {e.path for e in refused} >= {"/status", "/pair/start", "/sign"}
    assert not [e for e in agent.events if e.kind == "sign"]
    assert agent.pending_code(foreign_site) is None
