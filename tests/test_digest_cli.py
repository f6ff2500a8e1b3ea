"""`iku-bot digest --preview` and `--chat`."""

from io import BytesIO

from PIL import Image

from bot import cli, digest_cli
from tests.botapi import RecordingBotApi
from tests.conftest import make_settings


def test_preview_prints_the_text_and_writes_the_chart(db_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    out = tmp_path / "chart.png"
    assert cli.main(["digest", "--preview", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Ringkasan Mingguan IKU Bagian Hukum" in printed and "IKU-3" in printed and "<b>" not in printed
    assert Image.open(BytesIO(out.read_bytes())).format == "PNG"


def test_chat_without_a_token_is_refused(db_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    assert cli.main(["digest", "--chat", "-100123"]) == 2
    assert "TELEGRAM_BOT_TOKEN" in capsys.readouterr().err


async def test_chat_sends_text_and_chart_now(db_url):
    api = RecordingBotApi()
    await digest_cli.send(make_settings(db_url), -100123, request=api)
    sent = [(c.method, int(c.params["chat_id"])) for c in api.calls if c.method.startswith("send")]
    assert sent == [("sendMessage", -100123), ("sendPhoto", -100123)]
    assert "Ringkasan Mingguan" in api.calls[-2].params["text"]
