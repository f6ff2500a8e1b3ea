"""No command ever prints or logs the bot token (issue 9, defect 8), even when TELEGRAM_API_URL is wrong
and the server there quotes the requested URL, token included, in its error (as a misconfigured proxy
does: "Cannot POST /wrong/bot<token>/getMe")."""

from __future__ import annotations

import asyncio
import json
import os
import sys

import pytest

from tests.e2e.conftest import ROOT, SETTINGS, TOKEN

SECRET_HALF = TOKEN.split(":", 1)[1]


async def _echoing_404(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    request_line = (await reader.readline()).decode(errors="replace").strip()
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    body = json.dumps({"ok": False, "error_code": 404, "description": f"Cannot {request_line}"}).encode()
    head = f"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    writer.write(head.encode() + b"Connection: close\r\n\r\n" + body)
    await writer.drain()
    writer.close()


@pytest.fixture
async def wrong_api_url():
    server = await asyncio.start_server(_echoing_404, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/wrong"
    server.close()
    await server.wait_closed()


@pytest.mark.parametrize(
    "args, stdin",
    [
        (("run",), b""),
        (("digest", "--chat", "-100123"), b""),
        (("digest", "--preview", "--out", "{tmp}/chart.png"), b""),
        (("db", "upgrade"), b""),
        (("console",), b"/iku\n/ringkasan\n"),
    ],
    ids=["run", "digest-chat", "digest-preview", "db", "console"],
)
async def test_no_output_of_any_command_holds_the_token(wrong_api_url, tmp_path, args, stdin):
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=wrong_api_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'iku.db'}",
        ADMIN_IDS="1001",
        LOG_LEVEL="DEBUG",
        PYTHONUNBUFFERED="1",
    )
    command = [sys.executable, "-m", "bot", *(a.format(tmp=tmp_path) for a in args)]
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin), 90)
    output = (out + err).decode(errors="replace")
    assert output, "the command said nothing at all"
    assert SECRET_HALF not in output, output
    assert TOKEN not in output
    if args[0] == "run" or "--chat" in args:  # Telegram "refused" the token: the command failed, and said so
        assert process.returncode == 1 and "[redacted]" in output, output
