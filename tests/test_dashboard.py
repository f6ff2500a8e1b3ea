"""The dashboard (issue 14): who gets in (initData, one-time links, sessions), the API's figures against /iku,
the lists, the page's headers, /dasbor and the menu button, and the settings. The real tornado server on a
free port of 127.0.0.1, asked with httpx; the clock is moved instead of sleeping."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import socket
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
from pydantic import ValidationError

from bot import dashboard, runner
from bot.dashboard import COOKIE, CSP
from bot.settings import Settings
from models import web_access
from tests.conftest import ADMIN, make_settings
from tests.dashboard_support import (
    TOKEN,
    a_year_of_data,
    init_data,
    link_token,
    served,
    tma,
    visible_block,
)
from tests.helpers import PIMPINAN, STRANGER, custom_harness, join

HTTPS_URL = "https://bot.example.go.id/dasbor"

# --- initData, as Telegram documents it ------------------------------------------------------------------


def test_init_data_signed_with_the_bot_token_names_its_user(clock):
    user = web_access.check_init_data(init_data(ADMIN, clock.now()), TOKEN, clock.now())
    assert user.user_id == ADMIN


def test_init_data_check_follows_telegrams_recipe_step_by_step(clock):
    """secret_key = HMAC_SHA256("WebAppData", token); hash = HMAC_SHA256(secret_key, sorted key=value lines)."""
    fields = {"auth_date": str(int(clock.now().timestamp())), "user": '{"id":1001}', "query_id": "q"}
    secret = hmac.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    check = f"auth_date={fields['auth_date']}\nquery_id=q\nuser={fields['user']}"
    expected = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    assert web_access.init_data_hash(fields, TOKEN) == expected
    signed = urlencode({**fields, "hash": expected})
    assert web_access.check_init_data(signed, TOKEN, clock.now()).user_id == ADMIN


def _altered(data: str, key: str, value: str) -> str:
    pairs = [(k, value if k == key else v) for k, v in parse_qsl(data)]
    return urlencode(pairs)


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(lambda d: _altered(d, "user", '{"id":1002,"first_name":"Uji"}'), id="altered user"),
        pytest.param(
            lambda d: _altered(d, "auth_date", str(int(d.split("auth_date=")[1].split("&")[0]) + 1)), id="date"
        ),
        pytest.param(lambda d: _altered(d, "hash", "0" * 64), id="wrong hash"),
        pytest.param(lambda d: re.sub(r"&hash=[0-9a-f]+", "", d), id="no hash"),
        pytest.param(lambda d: d + "&extra=1", id="added field"),
        pytest.param(lambda d: "", id="empty"),
        pytest.param(lambda d: "%%%", id="not a query string"),
    ],
)
def test_init_data_altered_or_unsigned_is_refused(clock, bad):
    with pytest.raises(web_access.Refused):
        web_access.check_init_data(bad(init_data(ADMIN, clock.now())), TOKEN, clock.now())


def test_init_data_of_another_bot_is_refused(clock):
    with pytest.raises(web_access.Refused):
        web_access.check_init_data(init_data(ADMIN, clock.now()), "654321:OTHER", clock.now())


def test_init_data_holds_for_24_hours_by_the_bots_clock(clock):
    signed = init_data(ADMIN, clock.now())
    assert web_access.check_init_data(signed, TOKEN, clock.now() + timedelta(hours=24)).user_id == ADMIN
    with pytest.raises(web_access.Refused, match="older than 24 hours"):
        web_access.check_init_data(signed, TOKEN, clock.now() + timedelta(hours=24, seconds=1))
    with pytest.raises(web_access.Refused, match="future"):
        web_access.check_init_data(signed, TOKEN, clock.now() - timedelta(hours=1))


# --- the API: who gets in --------------------------------------------------------------------------------


async def test_api_answers_a_member_with_valid_init_data_and_nobody_else(db_url, clock):
    async with served(db_url, clock) as s, httpx.AsyncClient() as web:
        await a_year_of_data(s.harness)
        await join(s.harness, PIMPINAN)
        ok = await web.get(f"{s.base}/api/iku", headers=tma(PIMPINAN, clock.now()))
        assert ok.status_code == 200 and ok.json()["indicators"][1]["numerator"] == 2

        valid = init_data(ADMIN, clock.now())
        refused = {
            "missing header": {},
            "altered field": {"Authorization": "tma " + _altered(valid, "user", '{"id":1001,"first_name":"X"}')},
            "wrong hash": {"Authorization": "tma " + _altered(valid, "hash", "f" * 64)},
            "other scheme": {"Authorization": "Bearer " + valid},
            "non-member": tma(STRANGER, clock.now()),
        }
        for why, headers in refused.items():
            for path in ("iku", "daftar"):
                answer = await web.get(f"{s.base}/api/{path}", headers=headers)
                assert answer.status_code == 401, (why, path)
                body = answer.json()
                assert set(body) == {"error"} and "Akses ditolak" in body["error"], (why, body)
                assert " dari 3" not in answer.text and "Pajak" not in answer.text

        # Expired: the same initData a day and a second later, by the bot's clock.
        headers = {"Authorization": "tma " + valid}
        assert (await web.get(f"{s.base}/api/iku", headers=headers)).status_code == 200
        clock.advance(timedelta(hours=24, seconds=1))
        assert (await web.get(f"{s.base}/api/iku", headers=headers)).status_code == 401

        # A member removed loses access at once.
        fresh = tma(PIMPINAN, clock.now())
        assert (await web.get(f"{s.base}/api/daftar", headers=fresh)).status_code == 200
        assert "dihapus" in await s.harness.say(f"/anggota hapus {PIMPINAN}")
        assert (await web.get(f"{s.base}/api/daftar", headers=fresh)).status_code == 401


# --- the figures: one computation behind /iku and the API ------------------------------------------------


async def test_api_figures_are_those_of_iku_for_the_same_data(db_url, clock):
    async with served(db_url, clock) as s, httpx.AsyncClient() as web:
        await a_year_of_data(s.harness)
        for year in (None, 2025):
            iku = await s.harness.say("/iku" if year is None else f"/iku {year}")
            query = "" if year is None else f"?tahun={year}"
            data = (await web.get(f"{s.base}/api/iku{query}", headers=tma(ADMIN, clock.now()))).json()
            assert data["year"] == (year or 2026)
            assert [i["code"] for i in data["indicators"]] == ["IKU-1", "IKU-2", "IKU-3"]
            for indicator in data["indicators"]:
                shown = visible_block(iku, indicator["code"])
                # The same formatter as /iku: `2 dari 3 (66,67%)`.
                assert f"\n{indicator['text']['realisasi']}\n" in shown
                numbers = re.search(r"\n([\d.]+) dari ([\d.]+) \(([\d,]+)%\)\n", shown)
                if indicator["denominator"]:
                    assert numbers is not None
                    assert (indicator["numerator"], indicator["denominator"]) == (
                        int(numbers[1].replace(".", "")),
                        int(numbers[2].replace(".", "")),
                    )
                    assert Decimal(str(indicator["percent"])) == Decimal(numbers[3].replace(",", "."))
                if indicator["capaian"] is not None:
                    assert f"Capaian: {indicator['text']['capaian']}" in shown
                    assert f"Target: {indicator['text']['target']}" in shown
                elif indicator["missing"]:
                    assert indicator["missing"] in shown

        data = (await web.get(f"{s.base}/api/iku", headers=tma(ADMIN, clock.now()))).json()
        iku1, iku2, iku3 = data["indicators"]
        assert (iku2["numerator"], iku2["denominator"], iku2["percent"]) == (2, 3, 66.67)
        assert (iku2["target"], iku2["capaian"], iku2["predikat"]) == (80.0, 83.33, "Berhasil")
        assert iku2["text"]["realisasi"] == "2 dari 3 (66,67%)"
        assert (iku1["capaian"], iku1["predikat"], iku1["below_target"]) == (62.5, "Cukup Berhasil", True)
        assert iku3["missing"] == "target belum ditetapkan" and iku3["capaian"] is None
        # The series: the last three years, quarter by quarter from 1 January, as e-SAKIP reports them.
        assert [s["year"] for s in iku2["series"]] == [2024, 2025, 2026]
        tw = {q["quarter"]: q for q in iku2["series"][2]["quarters"]}
        assert (tw[1]["numerator"], tw[1]["denominator"]) == (1, 2)  # s.d. TW I
        assert (tw[2]["numerator"], tw[2]["denominator"], tw[2]["capaian"]) == (2, 3, 83.33)  # s.d. TW II
        assert (tw[4]["numerator"], tw[4]["denominator"]) == (iku2["numerator"], iku2["denominator"])
        assert [q["quarter"] for q in iku2["series"][1]["quarters"]] == [1, 2, 3, 4]
        # Each point is what `/iku <year> tw<n>` says of the realisation s.d. that quarter.
        for indicator in data["indicators"]:
            for series in indicator["series"][1:]:
                for point in series["quarters"]:
                    q, year = point["quarter"], series["year"]
                    shown = visible_block(await s.harness.say(f"/iku {year} tw{q}"), indicator["code"])
                    assert f"Realisasi s.d. Triwulan {q} Tahun {year}: {point['text']['realisasi']}\n" in shown
        # One chart per indicator, drawn by the bot, everything in it escaped.
        for indicator in data["indicators"]:
            svg = indicator["chart_svg"]
            assert svg.startswith("<svg") and svg.count("<svg") == 1 and "<script" not in svg
            assert "2024" in svg and "Target 2026" in svg
        assert 'class="target"' in iku2["chart_svg"] and "s.d. TW II 2026: 2 dari 3 (66,67%)" in iku2["chart_svg"]


async def test_api_refuses_a_year_it_cannot_show_with_an_example(db_url, clock):
    async with served(db_url, clock) as s, httpx.AsyncClient() as web:
        for bad in ("2027", "1999", "dua", "<b>"):
            answer = await web.get(f"{s.base}/api/iku", params={"tahun": bad}, headers=tma(ADMIN, clock.now()))
            assert answer.status_code == 400
            assert "tidak valid" in answer.json()["error"] and answer.json()["example"] == "?tahun=2026"


async def test_api_lists_what_needs_attention(db_url, clock):
    async with served(db_url, clock) as s, httpx.AsyncClient() as web:
        await a_year_of_data(s.harness)
        await s.harness.say("/sidang 1 2026-12-20 10:00 Putusan")  # beyond 14 days
        data = (await web.get(f"{s.base}/api/daftar", headers=tma(ADMIN, clock.now()))).json()
        waiting = data["unpublished"]["items"]
        # Perda and Perwali only (the Kepwali is never published for IKU-1), the longest waiting first.
        assert [(p["kind"], p["days_waiting"]) for p in waiting] == [("perwali", 339), ("perda", 198)]
        assert waiting[1]["title"] == "Pajak <Daerah> & Retribusi"  # as data: the page shows it as text
        (case,) = data["open_cases"]["items"]
        assert (case["register_number"], case["level"], case["level_text"]) == (
            "12/Pdt.G/2026/PN Prb",
            "banding",
            "banding",
        )
        assert case["next_hearing"]["day"] == "2026-11-30" and case["next_hearing"]["text"] == "30 November 2026 09:00"
        assert [h["day"] for h in data["hearings"]["items"]] == ["2026-11-30"]
        assert data["hearings"]["days"] == 14


# --- one-time links and browser sessions -----------------------------------------------------------------


async def test_one_time_link_opens_a_session_once_and_its_cookie_is_guarded(db_url, clock):
    async with served(db_url, clock) as s, httpx.AsyncClient() as web:
        reply = await s.harness.say("/dasbor")
        assert "tautan masuk sekali pakai" in reply and "berlaku 10 menit" in reply and "berlaku 8 jam" in reply
        sent = s.harness.api.sent()[-1].params["text"]
        token = link_token(sent)

        landing = await web.get(f"{s.base}/masuk")
        assert landing.status_code == 200 and "Masuk ke dasbor" in landing.text
        assert landing.headers["content-security-policy"] == CSP

        opened = await web.post(f"{s.base}/masuk", data={"t": token})
        assert opened.status_code == 303 and opened.headers["location"] == "/dasbor"
        cookie = opened.headers["set-cookie"]
        assert cookie.startswith(f"{COOKIE}=")
        flags = [part.strip().lower() for part in cookie.split(";")]
        assert "httponly" in flags and "samesite=strict" in flags and "path=/dasbor" in flags
        assert "max-age=28800" in flags  # 8 hours
        assert "secure" not in flags  # served on 127.0.0.1 only
        session = cookie.split(";")[0].split("=", 1)[1]

        api = await web.get(f"{s.base}/api/iku", headers={"Cookie": f"{COOKIE}={session}"})
        assert api.status_code == 200 and len(api.json()["indicators"]) == 3

        again = await web.post(f"{s.base}/masuk", data={"t": token})
        assert again.status_code == 401 and "set-cookie" not in again.headers
        assert "Tautan tidak berlaku" in again.text
        assert (await web.post(f"{s.base}/masuk", data={"t": "bukan-token"})).status_code == 401

        # The session lasts 8 hours, by the bot's clock.
        clock.advance(timedelta(hours=7, minutes=59))
        assert (await web.get(f"{s.base}/api/daftar", headers={"Cookie": f"{COOKIE}={session}"})).status_code == 200
        clock.advance(timedelta(minutes=2))
        assert (await web.get(f"{s.base}/api/daftar", headers={"Cookie": f"{COOKIE}={session}"})).status_code == 401
        assert (await web.get(f"{s.base}/api/daftar", headers={"Cookie": f"{COOKIE}=tebakan"})).status_code == 401


async def test_one_time_link_expires_after_ten_minutes(db_url, clock):
    async with served(db_url, clock) as s, httpx.AsyncClient() as web:
        await s.harness.say("/dasbor")
        token = link_token(s.harness.api.sent()[-1].params["text"])
        clock.advance(timedelta(minutes=10, seconds=1))
        assert (await web.post(f"{s.base}/masuk", data={"t": token})).status_code == 401


async def test_a_link_of_someone_removed_meanwhile_opens_nothing(db_url, clock):
    async with served(db_url, clock) as s, httpx.AsyncClient() as web:
        await join(s.harness, PIMPINAN)
        await s.harness.say("/dasbor", user=PIMPINAN)
        token = link_token(s.harness.api.sent()[-1].params["text"])
        await s.harness.say(f"/anggota hapus {PIMPINAN}")
        assert (await web.post(f"{s.base}/masuk", data={"t": token})).status_code == 401


async def test_the_cookie_is_secure_outside_localhost(db_url, clock):
    async with served(db_url, clock, url=HTTPS_URL) as s, httpx.AsyncClient() as web:
        await s.harness.say("/dasbor")
        token = link_token(s.harness.api.sent()[-1].params["text"])
        opened = await web.post(f"{s.base}/masuk", data={"t": token})
        assert opened.status_code == 303
        assert "secure" in [part.strip().lower() for part in opened.headers["set-cookie"].split(";")]


# --- the page ----------------------------------------------------------------------------------------------


async def test_page_and_files_carry_the_content_security_policy_and_fetch_nothing_else(db_url, clock):
    async with served(db_url, clock) as s, httpx.AsyncClient() as web:
        page = await web.get(s.base)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        csp = page.headers["content-security-policy"]
        assert "script-src 'self' https://telegram.org/js/telegram-web-app.js;" in csp
        assert "default-src 'none'" in csp and "connect-src 'self'" in csp and "unsafe" not in csp
        assert page.headers["x-content-type-options"] == "nosniff"
        # Every script and style sheet is the bot's own, except Telegram's Mini App script.
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sorted(sources) == [
            "/dasbor/static/app.css",
            "/dasbor/static/app.js",
            "https://telegram.org/js/telegram-web-app.js",
        ]
        assert '<html lang="id">' in page.text
        for name in ("app.js", "app.css", "login.js"):
            served_file = await web.get(f"{s.base}/static/{name}")
            assert served_file.status_code == 200 and served_file.headers["content-security-policy"] == CSP
            assert "http://" not in served_file.text and "https://" not in served_file.text
        assert (await web.get(f"{s.base}/static/index.py")).status_code == 404
        assert (await web.get(f"{s.base}/static/..%2Fdashboard.py")).status_code == 404


# --- /dasbor and the menu button ----------------------------------------------------------------------------


async def test_dasbor_without_dashboard_url_says_it_is_not_enabled(harness):
    reply = await harness.say("/dasbor")
    assert "Dasbor belum diaktifkan" in reply and "DASHBOARD_URL" in reply
    assert not any(c.method == "setChatMenuButton" for c in harness.api.calls)


async def test_dasbor_answers_with_a_mini_app_button_and_a_link_and_refuses_strangers(db_url, clock):
    async with custom_harness(db_url, clock, dashboard_url=HTTPS_URL + "/") as harness:
        await harness.say("/dasbor")
        call = harness.api.sent()[-1]
        markup = call.params["reply_markup"]
        markup = json.loads(markup) if isinstance(markup, str) else markup
        (button,) = [b for row in markup["inline_keyboard"] for b in row]
        assert button == {"text": "Buka dasbor", "web_app": {"url": HTTPS_URL}}
        assert f'href="{HTTPS_URL}/masuk#t=' in call.params["text"]

        group = await harness.say("/dasbor", chat=-100123, chat_type="supergroup")
        assert "chat pribadi" in group and "masuk#t=" not in harness.api.sent()[-1].params["text"]

        stranger = await harness.say("/dasbor", user=STRANGER)
        assert "masuk#t=" not in stranger and str(STRANGER) in stranger


async def test_members_get_the_dashboard_as_their_menu_button(db_url, clock):
    async with custom_harness(db_url, clock, dashboard_url=HTTPS_URL) as harness:
        at_start = [c.params for c in harness.api.calls if c.method == "setChatMenuButton"]
        assert [(int(p["chat_id"]), _button(p)) for p in at_start] == [
            (ADMIN, {"type": "web_app", "text": "Dasbor", "web_app": {"url": HTTPS_URL}})
        ]
        start = len(harness.api.calls)
        await join(harness, PIMPINAN)
        await harness.say(f"/anggota hapus {PIMPINAN}")
        buttons = [c.params for c in harness.api.calls[start:] if c.method == "setChatMenuButton"]
        kinds = [(int(p["chat_id"]), _button(p)["type"]) for p in buttons]
        assert kinds == [(PIMPINAN, "web_app"), (PIMPINAN, "default")]


async def test_turning_the_dashboard_off_gives_members_their_default_menu_button_back_once(db_url, clock):
    async with custom_harness(db_url, clock, dashboard_url=HTTPS_URL):
        pass
    async with custom_harness(db_url, clock) as off:
        buttons = [c.params for c in off.api.calls if c.method == "setChatMenuButton"]
        assert [(int(p["chat_id"]), _button(p)["type"]) for p in buttons] == [(ADMIN, "default")]
    async with custom_harness(db_url, clock) as again:
        assert not [c for c in again.api.calls if c.method == "setChatMenuButton"]


def _button(params) -> dict:
    value = params["menu_button"]
    return json.loads(value) if isinstance(value, str) else value


async def test_a_port_in_use_stops_the_start_with_a_message(db_url, clock):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        url = f"http://127.0.0.1:{port}/dasbor"
        async with custom_harness(db_url, clock, dashboard_url=url, web_port=port) as harness:
            with pytest.raises(RuntimeError, match=f"WEB_LISTEN:WEB_PORT 127.0.0.1:{port}"):
                await dashboard.start(harness.app)
            await dashboard.stop(harness.app)


# --- settings -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["http://bot.example.go.id/dasbor", "ftp://127.0.0.1/dasbor", "https://bot.example.go.id", "dasbor"],
)
def test_a_dashboard_url_that_is_not_https_or_has_no_path_is_refused_at_start(url):
    with pytest.raises(ValidationError, match=r"dashboard_url"):
        Settings(_env_file=None, dashboard_url=url)


@pytest.mark.parametrize(
    ("url", "path", "local"),
    [
        ("", None, False),
        ("https://bot.example.go.id/dasbor/", "/dasbor", False),
        ("http://127.0.0.1:8080/dasbor", "/dasbor", True),
        ("http://localhost:8080/iku/dasbor", "/iku/dasbor", True),
    ],
)
def test_accepted_dashboard_urls(url, path, local):
    settings = Settings(_env_file=None, dashboard_url=url)
    assert (settings.dashboard_path, settings.dashboard_is_local) == (path, local)
    assert (settings.web_listen, settings.web_port) == ("127.0.0.1", 8080)


def test_webhook_and_dashboard_paths_must_not_overlap(db_url):
    common = dict(bot_mode="webhook", webhook_secret="rahasia_123")
    clash = make_settings(db_url, webhook_url="https://bot.example.go.id/dasbor", dashboard_url=HTTPS_URL, **common)
    assert any("overlap" in p for p in runner.webhook_problems(clash))
    fine = make_settings(db_url, webhook_url="https://bot.example.go.id/tg", dashboard_url=HTTPS_URL, **common)
    assert runner.webhook_problems(fine) == []
