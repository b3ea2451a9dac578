"""A staff member clears a flagged prescription in Chromium: log in with the keyboard, open it, fix
the code, resolve the alert, approve. Screenshots of each page go to test-artifacts/.

Debian's chromium (from apt) is driven by Playwright; the app runs under uvicorn on a free
loopback port with a real SQLite file.
"""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest

from tests.conftest import ROOT
from tests.review_seed import PASSWORD, make_env
from tests.servers import free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
LABELS_JS = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(e => e.type !== 'hidden')
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
  .map(e => e.name || e.id)"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):  # noqa: ANN201
    import uvicorn

    data = tmp_path_factory.mktemp("browser-data")
    env = make_env(f"sqlite:///{data / 'rxintake.sqlite3'}", data)
    env.add_user("maria")
    env.flagged = env.seed(codes=("M54.5",), name="Jane Browser", dob=date(1981, 3, 4))
    env.ending = env.seed(codes=("M25.511",), end=date.today() + timedelta(days=4))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(env.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the review app did not start"
        time.sleep(0.05)
    env.base = f"http://127.0.0.1:{port}"
    yield env
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():  # noqa: ANN201
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


def shot(page, name: str) -> None:  # noqa: ANN001
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"review-{name}.png"), full_page=True)


def test_clear_a_flagged_prescription(site, browser):  # noqa: ANN001
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(15_000)
    page.goto(site.base + "/queue")
    expect(page).to_have_url(f"{site.base}/login?next=%2Fqueue")
    assert page.evaluate(LABELS_JS) == []
    shot(page, "1-login")

    # log in with the keyboard only: the user name field has focus, Tab moves on, Enter submits
    expect(page.get_by_label("User name")).to_be_focused()
    page.keyboard.type("maria")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Log in")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(site.base + "/queue")
    expect(page.get_by_role("heading", name="Prescriptions to review")).to_be_visible()
    expect(page.get_by_text("M54.5 is not billable since Oct 2021: use M54.50, M54.51 or M54.59")).to_be_visible()
    assert page.evaluate(LABELS_JS) == []
    shot(page, "2-queue")

    page.get_by_role("link", name=f"Review prescription {site.flagged} for Jane Browser").click()
    expect(page.get_by_role("heading", name=f"Prescription #{site.flagged}")).to_be_visible()
    image = page.get_by_alt_text("Page 1 of rx.pdf")
    expect(image).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 500", arg=image.element_handle())
    assert page.evaluate(LABELS_JS) == []
    shot(page, "3-detail")

    # fix the code: checked against the code set while typing
    code = page.get_by_label("Code 1", exact=True)
    code.fill("M54.5")
    expect(page.locator("#dx-1-info")).to_contain_text("not billable")
    code.fill("M54.50")
    expect(page.locator("#dx-1-info")).to_contain_text("Low back pain, unspecified")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status").filter(has_text="Saved: diagnoses")).to_be_visible()

    # approving before the alert is resolved is refused with the reason
    page.get_by_role("button", name="Approve and file").click()
    expect(page.get_by_role("alert").filter(has_text="Resolve the open errors first")).to_be_visible()

    page.get_by_label("Note for resolving “ICD-10 code not billable”").fill("Corrected to M54.50 with the office")
    page.get_by_label("Note for resolving “ICD-10 code not billable”").press("Enter")
    expect(page.get_by_role("status").filter(has_text="Alert resolved")).to_be_visible()
    expect(page.locator("#audit")).to_contain_text("M54.50")
    expect(page.locator("#audit")).to_contain_text("Corrected to M54.50 with the office")
    shot(page, "4-corrected")

    page.get_by_role("button", name="Approve and file").click()
    expect(page).to_have_url(site.base + "/queue")
    expect(page.get_by_role("status").filter(has_text=f"Prescription #{site.flagged} approved and filed")).to_be_visible()
    expect(page.get_by_role("link", name=f"Review prescription {site.flagged} for Jane Browser")).to_have_count(0)
    shot(page, "5-queue-after")

    page.get_by_role("link", name="Renewals").click()
    expect(page.get_by_role("heading", name="Renewal needed")).to_be_visible()
    with page.expect_download() as dl:
        page.get_by_role("link", name=f"Renewal letter for prescription {site.ending} (PDF)").click()
    assert dl.value.suggested_filename == f"renewal-request-{site.ending}.pdf"
    assert open(dl.value.path(), "rb").read(5) == b"%PDF-"
    shot(page, "6-renewals")

    from records.models import Prescription
    with site.factory() as s:
        rx = s.get(Prescription, site.flagged)
        assert rx.status == "filed" and rx.reviewed_by == "maria"
        assert rx.diagnoses[0]["code"] == "M54.50"


def test_skip_link_and_keyboard_focus_on_the_queue(site, browser):  # noqa: ANN001
    from playwright.sync_api import expect

    context = browser.new_context()
    page = context.new_page()
    page.goto(site.base + "/login")
    page.get_by_label("User name").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page).to_have_url(site.base + "/queue")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Review queue")).to_be_focused()
    cookie = next(c for c in context.cookies() if c["name"] == "rxreview")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    context.close()
