"""A stand-in for Telegram's Bot API, served over HTTP on 127.0.0.1 inside the test process.

It answers like Telegram for what the bot uses: getUpdates long-polls and confirms by offset, setWebhook
makes it post updates to the bot (with X-Telegram-Bot-Api-Secret-Token) until they are answered 200, and
getUpdates is refused while a webhook is set. Requests may be form-encoded, multipart or JSON. Every call is
recorded and checked with tests/botapi.check_call against the Bot API description: unknown methods and
parameters, missing required ones, HTML that Telegram would reject and over-long texts are answered 400 and
kept in `violations`, which the fixture asserts empty. Tests can inject 429s, 5xx answers and dropped
connections per method.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import socket
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import tornado.httpserver
import tornado.iostream
import tornado.netutil
import tornado.web
from tornado.httputil import parse_body_arguments

from bot.offline_api import BOT_USER, message_data
from tests.botapi import BotApiViolation, check_call, visible_text

LONG_POLL_CAP = 30.0


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    encoding: str  # form | multipart | json | query
    at: float
    status: int = 200
    fault: str | None = None
    returned: list[int] = field(default_factory=list)  # getUpdates: the update ids handed out

    @property
    def ok(self) -> bool:
        return self.status == 200

    def visible(self) -> str:
        text = self.params.get("text") or self.params.get("caption") or ""
        return visible_text(text) if self.params.get("parse_mode") == "HTML" else text


@dataclass
class Fault:
    kind: str  # "status" | "drop"
    status: int = 500
    retry_after: int | None = None


@dataclass
class WebhookAttempt:
    update_id: int
    status: int | None  # None: no connection


@dataclass
class _Webhook:
    url: str
    secret: str | None
    task: asyncio.Task | None = None
    attempts: list[WebhookAttempt] = field(default_factory=list)


class BotApiStandIn:
    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.updates: list[dict[str, Any]] = []
        self.confirmed = 1  # updates with a smaller id were confirmed (Telegram forgets them)
        self.deliveries: Counter[int] = Counter()  # update_id -> times handed to the bot
        self.faults: dict[str, list[Fault]] = {}
        self.latency: dict[str, float] = {}  # method -> seconds Telegram takes to answer it
        # Run when a call arrives, before it is answered (a test may kill the bot right there).
        self.before_answer: list[Callable[[Call], None]] = []
        self.webhook: _Webhook | None = None
        self.webhook_attempts: list[WebhookAttempt] = []
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._changed = asyncio.Event()
        self._poller: asyncio.Future | None = None
        self._in_flight = 0
        self._server: tornado.httpserver.HTTPServer | None = None
        self.port = 0

    # --- serving ---------------------------------------------------------------------------------

    async def start(self) -> None:
        app = tornado.web.Application(
            [(r"/bot([^/]+)/([A-Za-z]+)", _MethodHandler, {"standin": self})], log_function=lambda handler: None
        )  # calls are in self.calls
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1", family=socket.AF_INET)
        self.port = sockets[0].getsockname()[1]
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.add_sockets(sockets)

    async def stop(self) -> None:
        self._stop_webhook()
        if self._poller is not None and not self._poller.done():
            self._poller.set_result([])  # end a long poll now rather than when the loop closes
        if self._server is not None:
            self._server.stop()
            deadline = time.monotonic() + 10
            # Polled rather than signalled: in-flight requests are counted by tornado callbacks.
            while self._in_flight and time.monotonic() < deadline:  # noqa: ASYNC110 - see above
                await asyncio.sleep(0.01)
            await asyncio.wait_for(self._server.close_all_connections(), 10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- what tests do -------------------------------------------------------------------------

    def message(
        self, user: int, text: str, *, chat: int | None = None, first_name: str = "Uji", chat_type: str = "private"
    ) -> int:
        """Queue a message from `user` as Telegram would deliver it; returns its update_id."""
        message = message_data(
            text,
            message_id=next(self._message_ids),
            user_id=user,
            date=int(time.time()),
            chat_id=chat,
            chat_type=chat_type,
            first_name=first_name,
            chat_title="Grup Bagian Hukum",
        )
        update_id = next(self._ids)
        self.updates.append({"update_id": update_id, "message": message})
        self._touch()
        return update_id

    def fail(self, method: str, *faults: Fault) -> None:
        """The next calls of `method` fail like this, in order."""
        self.faults.setdefault(method, []).extend(faults)

    def sent(self, chat: int | None = None) -> list[Call]:
        """Messages the bot sent (and Telegram accepted), oldest first."""
        return [
            c
            for c in self.calls
            if c.method == "sendMessage" and c.ok and (chat is None or int(c.params["chat_id"]) == chat)
        ]

    def texts(self, chat: int | None = None) -> list[str]:
        return [c.visible() for c in self.sent(chat)]

    def handed_out_since(self, calls: int, attempts: int) -> set[int]:
        """Update ids given to the bot after the first `calls` calls / `attempts` webhook posts."""
        polled = {uid for c in self.calls[calls:] if c.method == "getUpdates" for uid in c.returned}
        posted = {a.update_id for a in self.webhook_attempts[attempts:]}
        return polled | posted

    def pending(self) -> list[dict[str, Any]]:
        return [u for u in self.updates if u["update_id"] >= self.confirmed]

    async def wait_until(self, condition: Callable[[], Any], timeout: float = 30, what: str = "") -> Any:
        """Wait for `condition()` to be truthy, re-checking after every call to the stand-in; fails after
        `timeout` seconds with the last calls for context."""
        deadline = time.monotonic() + timeout
        while True:
            result = condition()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                recent = [(c.method, c.status, c.visible()[:60]) for c in self.calls[-8:]]
                raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}; last calls {recent}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.25))

    async def wait_for_reply(self, chat: int, count: int = 1, timeout: float = 30) -> list[str]:
        """The texts sent to `chat`, once at least `count` of them arrived."""
        await self.wait_until(lambda: len(self.sent(chat)) >= count, timeout, f"{count} messages to chat {chat}")
        return self.texts(chat)

    # --- the API ---------------------------------------------------------------------------------

    def _touch(self) -> None:
        self._changed.set()

    async def answer(self, handler: tornado.web.RequestHandler, token: str, method: str) -> None:
        params, encoding = _params(handler.request)
        call = Call(method, params, encoding, time.monotonic())
        self.calls.append(call)
        self._in_flight += 1
        for hook in list(self.before_answer):
            hook(call)
        try:
            if token != self.token:
                return self._error(handler, call, 401, "Unauthorized")
            queued = self.faults.get(method)
            if queued:
                fault = queued.pop(0)
                call.fault = fault.kind if fault.kind == "drop" else str(fault.status)
                if fault.kind == "drop":
                    call.status = 0
                    handler.detach().close()
                    return
                extra = {"retry_after": fault.retry_after} if fault.retry_after is not None else None
                description = (
                    f"Too Many Requests: retry after {fault.retry_after}"
                    if fault.status == 429
                    else "Internal Server Error"
                    if fault.status == 500
                    else "Bad Gateway"
                )
                return self._error(handler, call, fault.status, description, extra)
            try:
                check_call(method, params)
            except BotApiViolation as exc:
                self.violations.append(f"{method}: {exc}")
                status = 404 if "unknown Bot API method" in str(exc) else 400
                return self._error(handler, call, status, f"Bad Request: {exc}")
            if self.latency.get(method):
                await asyncio.sleep(self.latency[method])
            result = await self._result(call, handler)
            if result is _CONFLICT:
                return self._error(
                    handler,
                    call,
                    409,
                    "Conflict: can't use getUpdates method while webhook is "
                    "active; use deleteWebhook to delete the webhook first",
                )
            if result is _TERMINATED:
                return self._error(
                    handler,
                    call,
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
                )
            self._finish(handler, 200, {"ok": True, "result": result})
        finally:
            self._in_flight -= 1
            self._touch()

    def _error(self, handler, call: Call, status: int, description: str, parameters: dict | None = None) -> None:
        call.status = status
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        self._finish(handler, status, body)

    @staticmethod
    def _finish(handler, status: int, body: dict) -> None:
        if handler.request.connection.stream is None or handler.request.connection.stream.closed():
            return
        handler.set_status(status)
        handler.set_header("Content-Type", "application/json")
        with contextlib.suppress(tornado.iostream.StreamClosedError):  # the bot went away (killed) meanwhile
            handler.finish(json.dumps(body))

    async def _result(self, call: Call, handler) -> Any:
        p = call.params
        method = call.method
        if method == "getMe":
            return BOT_USER
        if method == "getUpdates":
            return await self._get_updates(p, handler, call)
        if method == "setWebhook":
            self._start_webhook(p["url"], p.get("secret_token"), _true(p.get("drop_pending_updates")))
            return True
        if method == "deleteWebhook":
            self._stop_webhook()
            if _true(p.get("drop_pending_updates")):
                self.confirmed = next(self._ids)
            return True
        if method == "getWebhookInfo":
            return {
                "url": self.webhook.url if self.webhook else "",
                "has_custom_certificate": False,
                "pending_update_count": len(self.pending()),
            }
        if method in ("sendMessage", "editMessageText", "editMessageReplyMarkup", "sendPhoto", "sendDocument"):
            chat_id = int(p["chat_id"])
            message: dict[str, Any] = {
                "message_id": int(p.get("message_id") or next(self._message_ids)),
                "date": int(time.time()),
                "chat": {
                    "id": chat_id,
                    "type": "private" if chat_id > 0 else "supergroup",
                    **({"first_name": "Uji"} if chat_id > 0 else {"title": "Grup Bagian Hukum"}),
                },
                "from": BOT_USER,
            }
            for key in ("text", "caption"):
                if key in p:
                    message[key] = p[key]
            if "reply_markup" in p:
                message["reply_markup"] = (
                    json.loads(p["reply_markup"]) if isinstance(p["reply_markup"], str) else p["reply_markup"]
                )
            if method == "sendPhoto":
                message["photo"] = [{"file_id": "photo", "file_unique_id": "photo", "width": 1, "height": 1}]
            return message
        if method == "getMyCommands":
            return []
        return True

    async def _get_updates(self, p: dict[str, Any], handler, call: Call) -> Any:
        if self.webhook is not None:
            return _CONFLICT
        offset = int(p.get("offset") or 0)
        if offset > self.confirmed:
            self.confirmed = offset
        limit = max(1, min(100, int(p.get("limit") or 100)))
        timeout = min(float(p.get("timeout") or 0), LONG_POLL_CAP)
        # Telegram ends an earlier long poll when a new one arrives.
        if self._poller is not None and not self._poller.done():
            self._poller.set_result(_TERMINATED)
        me = asyncio.get_running_loop().create_future()
        self._poller = me
        deadline = time.monotonic() + timeout
        while True:
            if me.done():
                return me.result()
            ready = self.pending()[:limit]
            if ready or time.monotonic() >= deadline:
                for update in ready:
                    self.deliveries[update["update_id"]] += 1
                call.returned = [u["update_id"] for u in ready]
                return ready
            self._changed.clear()
            waiter = asyncio.ensure_future(self._changed.wait())
            await asyncio.wait(
                {waiter, me},
                timeout=min(0.25, max(0.0, deadline - time.monotonic())),
                return_when=asyncio.FIRST_COMPLETED,
            )
            waiter.cancel()
            if handler.request.connection.stream is None or handler.request.connection.stream.closed():
                return []

    # --- webhook delivery ------------------------------------------------------------------------

    def _start_webhook(self, url: str, secret: str | None, drop_pending: bool) -> None:
        self._stop_webhook()
        if drop_pending:
            self.confirmed = next(self._ids)
        self.webhook = _Webhook(url, secret)
        self.webhook.task = asyncio.ensure_future(self._deliver(self.webhook))

    def _stop_webhook(self) -> None:
        if self.webhook is not None and self.webhook.task is not None:
            self.webhook.task.cancel()
        self.webhook = None

    async def _deliver(self, hook: _Webhook) -> None:
        """Like Telegram: one update at a time, in order, until the bot answers 2xx; retried otherwise."""
        headers = {"Content-Type": "application/json"}
        if hook.secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret
        async with httpx.AsyncClient(timeout=60) as client:
            while True:
                pending = self.pending()
                if not pending:
                    self._changed.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), 0.25)
                    continue
                update = pending[0]
                self.deliveries[update["update_id"]] += 1
                try:
                    response = await client.post(hook.url, content=json.dumps(update), headers=headers)
                    status: int | None = response.status_code
                except httpx.HTTPError:
                    status = None
                attempt = WebhookAttempt(update["update_id"], status)
                hook.attempts.append(attempt)
                self.webhook_attempts.append(attempt)
                if status is not None and 200 <= status < 300:
                    self.confirmed = max(self.confirmed, update["update_id"] + 1)
                else:
                    await asyncio.sleep(0.2)
                self._touch()


_CONFLICT = object()
_TERMINATED = object()


def _true(value: Any) -> bool:
    return str(value).lower() in ("true", "1")


def _params(request) -> tuple[dict[str, Any], str]:
    """Parameters as Telegram reads them: query string, then the body (form, multipart or JSON)."""
    params: dict[str, Any] = {k: v[-1].decode() for k, v in request.query_arguments.items()}
    content_type = request.headers.get("Content-Type", "")
    encoding = "query"
    if content_type.startswith("application/json"):
        encoding = "json"
        body = json.loads(request.body or b"{}")
        params.update(
            {
                k: v if isinstance(v, str) else json.dumps(v) if isinstance(v, (dict, list)) else v
                for k, v in body.items()
            }
        )
    elif request.body:
        encoding = "multipart" if content_type.startswith("multipart/") else "form"
        arguments: dict[str, list[bytes]] = {}
        files: dict[str, list] = {}
        parse_body_arguments(content_type, request.body, arguments, files)
        params.update({k: v[-1].decode() for k, v in arguments.items()})
        params.update({k: f"<file {v[-1].filename}>" for k, v in files.items()})
    return params, encoding


class _MethodHandler(tornado.web.RequestHandler):
    def initialize(self, standin: BotApiStandIn) -> None:
        self.standin = standin

    async def post(self, token: str, method: str) -> None:
        await self.standin.answer(self, token, method)

    async def get(self, token: str, method: str) -> None:
        await self.standin.answer(self, token, method)

    def log_exception(self, typ, value, tb) -> None:
        self.standin.violations.append(f"stand-in error: {value!r}")
        super().log_exception(typ, value, tb)
