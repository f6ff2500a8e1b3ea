"""Configuration from the environment or `.env`; every field is listed in `.env.example`."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from models import targets
from models.jdih import Publisher
from models.report import ReportSettings
from models.validation import number

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/iku.db"
LOCAL_HOSTS = ("127.0.0.1", "localhost")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    database_url: str = DEFAULT_DATABASE_URL
    timezone: str = "Asia/Jakarta"
    admin_ids: Annotated[list[int], NoDecode] = []
    log_level: str = "INFO"

    bot_mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_secret: SecretStr | None = None

    # The dashboard (issue 14): off while DASHBOARD_URL is empty. Its path is where the page lives, the JSON API
    # under it. Polling mode serves it on WEB_LISTEN:WEB_PORT; webhook mode on the webhook's own server.
    dashboard_url: str | None = None
    web_listen: str = "127.0.0.1"
    web_port: int = 8080

    digest_stale_days: int = 14
    digest_grace_hours: int = 12
    # Flood control (bot/gate.py): updates one account may send within a minute before it is ignored.
    flood_updates_per_minute: int = 30
    # Telegram's sending limits (bot/rate_limiter.py). Off only for measuring how fast the bot itself
    # handles updates (benchmarks/roundtrip.py, against a local Bot API stand-in): real Telegram answers
    # 429 to a bot that goes over them.
    send_rate_limit: bool = True

    # Private reminders (issue 11): the local time of day (in `timezone`) they go out, and how many days an
    # enacted Perda or Perwali may stay unpublished before dokinfo is reminded.
    reminder_time: str = "07:00"
    publish_reminder_days: int = 7

    # The yearly report (/ekspor) and the JDIH feed (/ekspor jdih): fixed values written into them.
    report_institution: str = "Bagian Hukum Sekretariat Daerah Kota Probolinggo"
    jdih_place: str = "Probolinggo"
    jdih_teu_badan: str = "Kota Probolinggo"
    jdih_language: str = "Indonesia"
    # Predikat of a capaian (issue 12): `<lowest capaian>:<predikat>` bands separated by `;`, one from 0.
    predikat_bands: str = targets.DEFAULT_BANDS_TEXT

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        # Operators write "123, 456" in .env; JSON lists would be a trap.
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
            ids = [number(part) for part in parts]
            if None in ids:
                raise ValueError("user ids are written with the digits 0-9, separated by commas")
            return ids
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("dashboard_url", mode="before")
    @classmethod
    def _dashboard_url(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            return value
        url = value.strip().rstrip("/")
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("https", "http") or not host or parts.query or parts.fragment:
            raise ValueError(f"{url!r} is not an URL like https://bot.example.go.id/dasbor")
        if parts.scheme != "https" and host not in LOCAL_HOSTS:
            raise ValueError(
                f"{url!r} must use https (Telegram opens Mini Apps only over https, and the session cookie must "
                "not travel in clear); plain http is accepted only for 127.0.0.1 or localhost"
            )
        if not parts.path or parts.path == "/":
            raise ValueError(f"{url!r} needs a path of its own, e.g. https://bot.example.go.id/dasbor")
        return url

    @field_validator("web_port")
    @classmethod
    def _port(cls, value: int) -> int:
        if not 1 <= value <= 65535:
            raise ValueError("a TCP port from 1 to 65535")
        return value

    @property
    def dashboard_path(self) -> str | None:
        """The dashboard's path (`/dasbor`), None while it is off."""
        return urlsplit(self.dashboard_url).path if self.dashboard_url else None

    @property
    def dashboard_is_local(self) -> bool:
        """Served to this machine only (http allowed, cookies without Secure)."""
        return bool(self.dashboard_url) and (urlsplit(self.dashboard_url).hostname or "").lower() in LOCAL_HOSTS

    @field_validator("reminder_time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        hour, _, minute = value.strip().partition(":")
        h, m = number(hour), number(minute)
        if h is None or m is None or not (0 <= h <= 23 and 0 <= m <= 59) or len(minute) != 2:
            raise ValueError("a time of day written HH:MM, e.g. 07:00")
        return f"{h:02d}:{m:02d}"

    @field_validator("publish_reminder_days")
    @classmethod
    def _positive_days(cls, value: int) -> int:
        if value < 1:
            raise ValueError("at least 1 day")
        return value

    @field_validator("predikat_bands")
    @classmethod
    def _bands(cls, value: str) -> str:
        targets.parse_bands(value)  # ValueError names the band that is wrong
        return value

    @property
    def bands(self) -> targets.Bands:
        return targets.parse_bands(self.predikat_bands)

    @property
    def report(self) -> ReportSettings:
        publisher = Publisher(self.jdih_place, self.jdih_teu_badan, self.jdih_language)
        return ReportSettings(self.report_institution, publisher)

    @property
    def reminder_hour_minute(self) -> tuple[int, int]:
        hour, minute = self.reminder_time.split(":")
        return int(hour), int(minute)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _empty_token_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def token(self) -> str | None:
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None

    @property
    def async_database_url(self) -> str:
        """The URL with an async driver, whatever the operator wrote."""
        url = self.database_url
        for plain, async_ in (
            ("sqlite://", "sqlite+aiosqlite://"),
            ("sqlite+pysqlite://", "sqlite+aiosqlite://"),
            ("postgresql://", "postgresql+psycopg://"),
            ("postgres://", "postgresql+psycopg://"),
        ):
            if url.startswith(plain):
                return async_ + url[len(plain) :]
        return url

    def ensure_data_dir(self) -> None:
        """An SQLite file's folder is created on first start, so a fresh clone just runs."""
        url = self.async_database_url
        prefix = "sqlite+aiosqlite:///"
        if url.startswith(prefix) and ":memory:" not in url:
            Path(url[len(prefix) :]).expanduser().parent.mkdir(parents=True, exist_ok=True)
