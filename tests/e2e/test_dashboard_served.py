"""The shipped program serves the dashboard (issue 14): in polling mode on its own server (WEB_LISTEN:WEB_PORT),
in webhook mode on the webhook's server beside Telegram's updates. A member's signed initData opens the API,
nothing else does."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from bot.dashboard import CSP
from tests.dashboard_support import init_data
from tests.e2e.conftest import ADMIN, TOKEN, free_port, say


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_the_running_bot_serves_the_dashboard(mode, standin, bots, bot_env):
    env = bot_env(mode)
    port = int(env["WEBHOOK_PORT"]) if mode == "webhook" else free_port()
    env.update(DASHBOARD_URL=f"http://127.0.0.1:{port}/dasbor", WEB_LISTEN="127.0.0.1", WEB_PORT=str(port))
    await bots.start(mode, env=env)
    assert "Capaian IKU" in await say(standin, ADMIN, "/iku")  # updates still arrive

    base = f"http://127.0.0.1:{port}/dasbor"
    signed = init_data(ADMIN, datetime.now(UTC), token=TOKEN)  # as Telegram signs it for this bot
    async with httpx.AsyncClient(timeout=30) as web:
        page = await web.get(base)
        assert page.status_code == 200 and page.headers["content-security-policy"] == CSP
        api = await web.get(f"{base}/api/iku", headers={"Authorization": f"tma {signed}"})
        assert api.status_code == 200, api.text
        assert [i["code"] for i in api.json()["indicators"]] == ["IKU-1", "IKU-2", "IKU-3"]
        assert (await web.get(f"{base}/api/daftar")).status_code == 401
        stranger = init_data(ADMIN + 1, datetime.now(UTC), token=TOKEN)
        assert (await web.get(f"{base}/api/iku", headers={"Authorization": f"tma {stranger}"})).status_code == 401
    assert "Dasbor IKU Bagian Hukum" in await say(standin, ADMIN, "/dasbor")
