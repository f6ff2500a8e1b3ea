"""The core issue's scripted session: four Perwali proposed, three enacted, two published, four cases opened and
one resolved give IKU-1 2 of 3, IKU-2 3 of 4, IKU-3 1 of 4 — in the terminal console and through Telegram."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.e2e.conftest import ADMIN, ROOT, SETTINGS, say, week_dates

# Distinct enough that the bot's similar-title check does not ask for a confirmation.
TITLES = (
    "Tata Cara Pengelolaan Arsip Daerah",
    "Pedoman Penyusunan Anggaran Kelurahan",
    "Standar Pelayanan Minimal Kesehatan",
    "Tarif Retribusi Parkir Tepi Jalan",
)
EXPECTED = ("IKU-1", "2 dari 3 (66,67%)", "IKU-2", "3 dari 4 (75,00%)", "IKU-3", "1 dari 4 (25,00%)")


def script() -> list[str]:
    mon, tue, wed, thu, _fri = (d.isoformat() for d in week_dates())
    lines = [f"/usul perwali {mon} {title}" for title in TITLES]
    lines += [f"/tetapkan {product_id} {number} {tue}" for product_id, number in ((1, 7), (2, 8), (3, 9))]
    lines += [f"/publikasi {product_id} {wed}" for product_id in (1, 2)]
    lines += [f"/perkara {n}/Pdt.G/2026/PN Prb {mon} Gugatan {n}" for n in range(1, 5)]
    lines += [f"/selesai 1 {thu} Menang"]
    return lines


def test_console_session_gives_the_expected_indicators(db_url):
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    env.update(DATABASE_URL=db_url, ADMIN_IDS=str(ADMIN), TELEGRAM_BOT_TOKEN="", TIMEZONE="Asia/Jakarta")
    stdin = "\n".join([*script(), "/iku"]) + "\n"
    run = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--as", str(ADMIN)],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert out.count("Usulan dicatat") == 4 and out.count("Penetapan dicatat") == 3, out
    assert out.count("Publikasi dicatat") == 2 and out.count("Perkara dicatat") == 4, out
    answer = out[out.rindex("> /iku") :]
    for expected in EXPECTED:
        assert expected in answer, answer


async def test_telegram_session_gives_the_expected_indicators(standin, bots):
    await bots.start("polling")
    for line in script():
        assert "dicatat" in await say(standin, ADMIN, line)
    answer = await say(standin, ADMIN, "/iku")
    for expected in EXPECTED:
        assert expected in answer, answer
