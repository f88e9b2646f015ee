"""What every Playwright browser test shares: Debian's /usr/bin/chromium launched headless
through Playwright (no browser download; `scripts/install-system-deps.sh` installs it), the
screenshots folder, a SoftHSM2 token loaded with demo-PKI certificates, and the real signer
agent allowing only the live server's origin.

The fixtures are registered under their own names (`browser`, `agent`) so that a test module
imports `browser_fixture` / `agent_fixture` and its tests take `browser` / `agent` without
shadowing the import. `agent` needs a `token` fixture from the module: each module puts its
own certificates on the token (`load_token`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from ebhxh.pki.demo import DemoPki
from ebhxh.signer_agent import AgentServer
from ebhxh.signers.pkcs11 import load_into_token
from ebhxh.signers.softhsm import init_softhsm_token

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(name="browser")
def browser_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    # Playwright's sync API runs an event loop in this thread; the test itself is synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def shot(page: Page, name: str) -> None:
    """A full-page screenshot at test-artifacts/screenshots/<name>.png: the name is given
    whole, so a screenshot can be found from its file name."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def load_token(
    module_path: Path,
    pki: DemoPki,
    slugs: Iterable[str] | Mapping[str, str],
    *,
    label: str,
    pin: str,
    so_pin: str,
) -> str:
    """A fresh SoftHSM2 token `label` holding each demo-PKI entity's key and certificate, as
    a CA hands them out. With a mapping, each slug's objects get the label it maps to (what
    the token's owner sees); otherwise the slug itself. Returns the token label."""
    objects = slugs if isinstance(slugs, Mapping) else {slug: slug for slug in slugs}
    init_softhsm_token(token_label=label, so_pin=so_pin, pin=pin)
    for slug, object_label in objects.items():
        entity = pki.entity(slug)
        load_into_token(
            module_path,
            token_label=label,
            pin=pin,
            p12=pki.path(entity.files.pkcs12).read_bytes(),
            p12_password=entity.p12_password.encode(),
            label=object_label,
        )
    return label


@pytest.fixture(name="agent")
def agent_fixture(live_server, settings, token: str, module_path: Path) -> Iterator[AgentServer]:
    """The real signer agent over the module's `token`, allowing only the live server's
    origin; the pages are told where it listens."""
    server = AgentServer(port=0, module=module_path, allowed_origins=[live_server.url]).start()
    settings.SIGNER_AGENT_URL = server.url
    yield server
    server.stop()
