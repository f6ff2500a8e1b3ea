"""Who may open the dashboard: Telegram's Mini App `initData`, one-time links and browser sessions.

Inside Telegram
  The page sends the `initData` Telegram gave it. It is checked exactly as Telegram documents ("Validating
  data received via the Mini App"): secret_key = HMAC-SHA256(key="WebAppData", message=bot token);
  data_check_string = every field except `hash`, sorted by key, `key=value` joined by "\\n";
  hash = hex HMAC-SHA256(key=secret_key, message=data_check_string), compared in constant time. The data
  is accepted for 24 hours after its `auth_date`, by the bot's clock.
In a browser
  `/dasbor` in a private chat hands out a link valid for 10 minutes that can be redeemed once; redeeming it
  opens a session of 8 hours (kept in a cookie). Only hashes of the tokens are stored (table `web_token`),
  so they hold across restarts and processes, and a copy of the database opens nothing.
Either way the user must then be a member allowed to read (models/permissions.py), checked on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import delete, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models.db import as_utc
from models.tables import WebToken

INIT_DATA_MAX_AGE = timedelta(hours=24)
# Clocks of phones and servers differ a little; initData dated further ahead than this is refused.
INIT_DATA_FUTURE_SLACK = timedelta(minutes=5)
LINK_VALIDITY = timedelta(minutes=10)
SESSION_VALIDITY = timedelta(hours=8)
MAX_INIT_DATA = 8192  # Telegram's initData is a few hundred bytes
LINK = "link"
SESSION = "session"


class Refused(Exception):
    """Why access was refused; for the log only (the caller answers 401 without saying why)."""


@dataclass(frozen=True)
class WebUser:
    user_id: int
    first_name: str = ""


def _hmac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def init_data_hash(fields: dict[str, str], bot_token: str) -> str:
    """The hash Telegram signs `fields` (without `hash`) with."""
    secret_key = _hmac(b"WebAppData", bot_token.encode())
    data_check_string = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    return hmac.new(secret_key, data_check_string.encode(), hashlib.sha256).hexdigest()


def sign_init_data(fields: dict[str, str], bot_token: str) -> str:
    """`fields` as Telegram would send them, signed (for tests and local trials)."""
    return urlencode({**fields, "hash": init_data_hash(fields, bot_token)})


def check_init_data(init_data: str, bot_token: str, now: datetime) -> WebUser:
    """The Telegram user `init_data` was signed for; Refused if it is not Telegram's, altered or too old."""
    if not init_data or len(init_data) > MAX_INIT_DATA:
        raise Refused("initData missing or too long")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError as exc:
        raise Refused("initData is not a query string") from exc
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise Refused("a field of initData appears twice")
    given = fields.pop("hash", "")
    if not hmac.compare_digest(given.encode(), init_data_hash(fields, bot_token).encode()):
        raise Refused("initData hash does not match")
    try:
        signed_at = datetime.fromtimestamp(int(fields.get("auth_date", "")), UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise Refused("initData has no valid auth_date") from exc
    age = now.astimezone(UTC) - signed_at
    if age > INIT_DATA_MAX_AGE:
        raise Refused("initData is older than 24 hours")
    if age < -INIT_DATA_FUTURE_SLACK:
        raise Refused("initData is dated in the future")
    try:
        user = json.loads(fields.get("user", ""))
        user_id = user["id"]
    except (ValueError, TypeError, KeyError) as exc:
        raise Refused("initData names no user") from exc
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        raise Refused("initData names no user")
    first_name = user.get("first_name", "")
    return WebUser(user_id, first_name if isinstance(first_name, str) else "")


# --- one-time links and sessions -------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _issue(session: AsyncSession, kind: str, user_id: int, now: datetime, validity: timedelta) -> str:
    token = secrets.token_urlsafe(32)
    moment = now.astimezone(UTC)
    session.add(
        WebToken(token_hash=_digest(token), kind=kind, user_id=user_id, created_at=moment, expires_at=moment + validity)
    )
    return token


async def new_link(session: AsyncSession, user_id: int, now: datetime) -> str:
    """A one-time link's token for `user_id`, valid for 10 minutes. Expired rows are forgotten on the way."""
    await session.exec(delete(WebToken).where(col(WebToken.expires_at) < now.astimezone(UTC)))
    return await _issue(session, LINK, user_id, now, LINK_VALIDITY)


async def redeem_link(session: AsyncSession, token: str, now: datetime) -> tuple[int, str]:
    """(user id, session token) for a link not used before and not expired; Refused otherwise. Marking the
    link used is one conditional UPDATE, so of two requests with one link (two processes too) one wins."""
    row = await session.get(WebToken, _digest(token)) if token else None
    if row is None or row.kind != LINK:
        raise Refused("unknown link")
    if row.used_at is not None:
        raise Refused("link already used")
    if as_utc(row.expires_at) <= now.astimezone(UTC):
        raise Refused("link expired")
    claimed = await session.exec(
        update(WebToken)
        .where(col(WebToken.token_hash) == row.token_hash, col(WebToken.used_at).is_(None))
        .values(used_at=now.astimezone(UTC))
    )
    if claimed.rowcount != 1:
        raise Refused("link already used")
    return row.user_id, await _issue(session, SESSION, row.user_id, now, SESSION_VALIDITY)


async def session_user(session: AsyncSession, token: str, now: datetime) -> int:
    """The user of a browser session still valid; Refused otherwise."""
    row = await session.get(WebToken, _digest(token)) if token else None
    if row is None or row.kind != SESSION:
        raise Refused("unknown session")
    if as_utc(row.expires_at) <= now.astimezone(UTC):
        raise Refused("session expired")
    return row.user_id
