"""The webhook endpoint refuses a request from its headers, before its body is read: without the right
secret (compared in constant time) or over 1 MB (issue 9, defect 8). Served in-process on a free port."""

from __future__ import annotations

import asyncio
import json
import socket

import httpx
import pytest
from telegram import Bot
from telegram.ext._utils.webhookhandler import WebhookServer

from bot import webhook
from bot.webhook import MAX_BODY, SECRET_HEADER, GuardedWebhookApp

SECRET = "s3cret-Webhook_token"
UPDATE = {
    "update_id": 1,
    "message": {
        "message_id": 1,
        "date": 1_790_000_000,
        "text": "/iku",
        "chat": {"id": 5, "type": "private", "first_name": "Uji"},
        "from": {"id": 5, "is_bot": False, "first_name": "Uji"},
    },
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def endpoint():
    queue: asyncio.Queue = asyncio.Queue()
    port = free_port()
    server = WebhookServer("127.0.0.1", port, GuardedWebhookApp("/hook", Bot("123456:TEST"), queue, SECRET), None)
    await server.serve_forever()
    yield port, queue
    await server.shutdown()


def headers(secret: str | None = SECRET) -> dict[str, str]:
    out = {"Content-Type": "application/json"}
    if secret is not None:
        out[SECRET_HEADER] = secret
    return out


async def test_the_right_secret_and_a_small_body_are_accepted(endpoint):
    port, queue = endpoint
    async with httpx.AsyncClient() as client:
        response = await client.post(f"http://127.0.0.1:{port}/hook", content=json.dumps(UPDATE), headers=headers())
    assert response.status_code == 200
    assert queue.get_nowait().update_id == 1


@pytest.mark.parametrize("secret", [None, "", "guessed", SECRET[:-1], SECRET + "x", SECRET.upper()])
async def test_a_missing_or_wrong_secret_is_refused(endpoint, secret):
    port, queue = endpoint
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"http://127.0.0.1:{port}/hook", content=json.dumps(UPDATE), headers=headers(secret)
        )
    assert response.status_code == 403
    assert queue.empty()


async def test_a_client_keeping_the_connection_alive_gets_every_refusal_and_then_in(endpoint):
    """A refusal leaves the body unread, so the server closes that connection and says so; a client that
    keeps connections alive (as Telegram and httpx do) opens a new one for its next request."""
    port, queue = endpoint
    url = f"http://127.0.0.1:{port}/hook"
    async with httpx.AsyncClient() as client:
        refused = [await client.post(url, content=json.dumps(UPDATE), headers=headers(s)) for s in (None, "x", "y")]
        accepted = await client.post(url, content=json.dumps(UPDATE), headers=headers())
    assert [r.status_code for r in refused] == [403, 403, 403]
    assert all(r.headers.get("connection", "").lower() == "close" for r in refused)
    assert accepted.status_code == 200 and not queue.empty()


async def raw_request(port: int, head: dict[str, str], first_bytes: bytes = b"{") -> bytes:
    """Headers and only the first bytes of the announced body: an answer proves the server judged the
    request without waiting for the rest."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = ["POST /hook HTTP/1.1", "Host: 127.0.0.1"] + [f"{k}: {v}" for k, v in head.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + first_bytes)
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(200), 5)
    finally:
        writer.close()


async def test_a_wrong_secret_is_refused_before_the_body_arrives(endpoint):
    port, queue = endpoint
    answer = await raw_request(port, {**headers("guessed"), "Content-Length": str(50 * MAX_BODY)})
    assert answer.startswith(b"HTTP/1.1 403")
    assert queue.empty()


async def test_a_body_announced_over_1_mb_is_refused_before_it_arrives(endpoint):
    port, queue = endpoint
    answer = await raw_request(port, {**headers(), "Content-Length": str(MAX_BODY + 1)})
    assert answer.startswith(b"HTTP/1.1 413")
    assert queue.empty()


async def test_a_chunked_body_growing_over_1_mb_is_cut_off(endpoint):
    port, queue = endpoint

    async def chunks():
        for _ in range(3):
            yield b" " * (MAX_BODY // 2)
        yield json.dumps(UPDATE).encode()

    async with httpx.AsyncClient() as client:
        try:
            response = await client.post(f"http://127.0.0.1:{port}/hook", content=chunks(), headers=headers())
        except httpx.HTTPError:  # the server closed the connection mid-body
            pass
        else:
            assert response.status_code >= 400
    assert queue.empty()


async def test_the_secret_is_compared_in_constant_time(endpoint, monkeypatch):
    port, _ = endpoint
    compared = []
    real = webhook.hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(webhook.hmac, "compare_digest", spy)
    async with httpx.AsyncClient() as client:
        await client.post(f"http://127.0.0.1:{port}/hook", content=b"{}", headers=headers("guessed"))
    assert compared == [(b"guessed", SECRET.encode())]
