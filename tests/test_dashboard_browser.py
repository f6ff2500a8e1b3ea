"""The dashboard in a real browser (issue 14): headless Chromium opens the page as a Telegram Mini App would
(signed initData in the URL fragment) and as a browser after a one-time link, and the test reads what a
person sees: the three indicators with their figures, a chart each, the lists. A screenshot of each is kept
in tests/artifacts/ (ignored by git).

Debian's `chromium` and `chromium-driver` are used (`make test` installs them when missing, as root); Selenium
is pointed at /usr/bin/chromedriver and runs offline, so Selenium Manager never downloads anything. Nothing
leaves 127.0.0.1: every other host fails to resolve (Telegram's script included, which the page does not need
outside Telegram)."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import ADMIN
from tests.dashboard_support import a_year_of_data, init_data, link_token, served

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # pragma: no cover - the test extras install it
    webdriver = None  # type: ignore[assignment]

_MISSING = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
pytestmark = [
    pytest.mark.skipif(webdriver is None, reason="selenium is not installed (pip install -e '.[test]')"),
    pytest.mark.skipif(
        bool(_MISSING),
        reason=f"{' and '.join(_MISSING)} not found: install Debian's chromium and chromium-driver "
        "(`make test` does so as root with apt-get) to run the browser test",
    ),
]


def _browser():
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never download a driver or a browser
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",  # root in a container
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=420,2400",  # a phone's width
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


def _read_page(driver, url: str, screenshot: Path) -> dict:
    """Open `url`, wait until the indicators and the lists are shown, and read them as a person sees them."""
    driver.get(url)
    wait = WebDriverWait(driver, 20)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "article.iku")) == 3)
    wait.until(lambda d: d.find_element(By.ID, "daftar").is_displayed())
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(screenshot))
    cards = {}
    for card in driver.find_elements(By.CSS_SELECTOR, "article.iku"):
        cards[card.get_attribute("data-kode")] = {
            "text": card.text,
            "charts": len(card.find_elements(By.CSS_SELECTOR, "svg.grafik")),
            "lines": len(card.find_elements(By.CSS_SELECTOR, "svg.grafik polyline")),
        }
    return {
        "cards": cards,
        "unpublished": driver.find_element(By.ID, "belum-terbit").text,
        "cases": driver.find_element(By.ID, "perkara").text,
        "hearings": driver.find_element(By.ID, "sidang").text,
        "message": driver.find_element(By.ID, "pesan").text,
        "year": driver.find_element(By.ID, "tahun").get_attribute("value"),
    }


def _check_what_a_person_sees(seen: dict) -> None:
    cards = seen["cards"]
    assert set(cards) == {"IKU-1", "IKU-2", "IKU-3"}
    assert "2 dari 3 (66,67%)" in cards["IKU-2"]["text"]
    assert "83,33% (Berhasil)" in cards["IKU-2"]["text"] and "80,00%" in cards["IKU-2"]["text"]
    assert "1 dari 2 (50,00%)" in cards["IKU-1"]["text"] and "Cukup Berhasil" in cards["IKU-1"]["text"]
    assert "target belum ditetapkan" in cards["IKU-3"]["text"]
    assert all(card["charts"] == 1 for card in cards.values())
    assert cards["IKU-2"]["lines"] >= 2  # this year's realisation and the target line
    assert "Pajak <Daerah> & Retribusi" in seen["unpublished"]  # shown as text, not as markup
    assert seen["unpublished"].index("Tata Tertib Lama") < seen["unpublished"].index("Pajak")  # oldest first
    assert "menunggu 339 hari" in seen["unpublished"]
    assert "12/Pdt.G/2026/PN Prb" in seen["cases"] and "Tingkat banding" in seen["cases"]
    assert "sidang berikutnya 30 November 2026 09:00" in seen["cases"]
    assert "30 November 2026 09:00" in seen["hearings"] and "Pembuktian" in seen["hearings"]
    assert seen["message"] == "" and seen["year"] == "2026"


async def test_the_page_shows_the_year_at_a_glance_as_a_mini_app_and_in_a_browser(db_url, clock):
    if shutil.which(str(CHROMEDRIVER)) is None:
        pytest.skip(f"{CHROMEDRIVER} is not executable")
    async with served(db_url, clock) as s:
        await a_year_of_data(s.harness)
        # Selenium blocks: it runs in a thread while the bot's server answers on this event loop.
        driver = await asyncio.to_thread(_browser)
        try:
            # As Telegram opens a Mini App: the signed initData in the fragment (telegram-web-app.js would
            # hand the same string to the page as Telegram.WebApp.initData).
            fragment = f"tgWebAppData={quote(init_data(ADMIN, clock.now()), safe='')}&tgWebAppVersion=8.0"
            mini_app = await asyncio.to_thread(
                _read_page, driver, f"{s.base}#{fragment}", ARTIFACTS / "dashboard-mini-app.png"
            )
            _check_what_a_person_sees(mini_app)

            # As a browser: a fresh browser state, then the one-time link from /dasbor.
            await asyncio.to_thread(driver.delete_all_cookies)
            await s.harness.say("/dasbor")
            token = link_token(s.harness.api.sent()[-1].params["text"])
            browser = await asyncio.to_thread(
                _read_page, driver, f"{s.base}/masuk#t={token}", ARTIFACTS / "dashboard-browser.png"
            )
            _check_what_a_person_sees(browser)
            assert await asyncio.to_thread(lambda: driver.current_url) == s.base  # the token left the address bar

            # Without initData or a session: no data, a message saying how to get in.
            await asyncio.to_thread(driver.delete_all_cookies)
            await asyncio.to_thread(driver.get, s.base)
            message = await asyncio.to_thread(
                lambda: WebDriverWait(driver, 20).until(
                    lambda d: (
                        "Akses ditolak" in d.find_element(By.ID, "pesan").text and d.find_element(By.ID, "pesan").text
                    )
                )
            )
            assert "/dasbor" in message
            assert await asyncio.to_thread(lambda: driver.find_elements(By.CSS_SELECTOR, "article.iku")) == []
        finally:
            await asyncio.to_thread(driver.quit)
    print(f"screenshots: {ARTIFACTS / 'dashboard-mini-app.png'}, {ARTIFACTS / 'dashboard-browser.png'}")
