"""The dashboard: a page (Telegram Mini App, or an ordinary browser) and its JSON API, served by tornado.

python-telegram-bot's webhook server is tornado, so in webhook mode these routes join the webhook's own
application (`bot.webhook.GuardedWebhookApp`, built in `bot.intake.DrainingUpdater`): one server, one port.
In polling mode `start` opens a tornado HTTPServer on WEB_LISTEN:WEB_PORT and `stop` closes it.

Routes under the path of DASHBOARD_URL (`/dasbor` below):
  GET  /dasbor                 the page (static shell; its script asks the API)
  GET  /dasbor/static/<file>   the page's script and style sheet, from bot/dashboard_page/
  GET  /dasbor/masuk           the landing page of a one-time link (the token travels in the fragment,
                               which never reaches a server, a log or a link prefetcher)
  POST /dasbor/masuk           redeems the token: a session cookie, then a redirect to the page
  GET  /dasbor/api/iku         the indicators of a year (?tahun=YYYY) with their per-quarter series
  GET  /dasbor/api/daftar      the three lists
The API answers a member allowed to read, identified by `Authorization: tma <initData>` or the session
cookie; anyone else gets 401 and no data. Every figure comes from the computations behind /iku
(models/dashboard.py); every text is formatted as the chat shows it (handlers/replies.py).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from html import escape
from http import HTTPStatus
from pathlib import Path
from string import Template
from typing import Any

import tornado.httpserver
import tornado.web
from telegram.ext import Application

from bot import services
from handlers import replies
from models import dashboard as view
from models import members, web_access
from models.cases import level_label
from models.clock import Clock
from models.db import Database
from models.hearings import when as hearing_when
from models.indicators import INDICATORS
from models.permissions import Action, allowed
from models.products import KIND_SHORT, official_name
from models.tables import Kind, Member
from models.targets import NO_DATA, QUARTERS, Assessment, Bands
from models.validation import human_date, number

log = logging.getLogger(__name__)

PAGE_DIR = Path(__file__).resolve().parent / "dashboard_page"
STATIC_FILES = {"app.js": "text/javascript", "login.js": "text/javascript", "app.css": "text/css"}
TELEGRAM_SCRIPT = "https://telegram.org/js/telegram-web-app.js"
# Scripts only from the bot itself and Telegram's Mini App script; nothing else from anywhere else.
# Telegram Web shows Mini Apps in a frame, hence its origin among the frame ancestors.
CSP = (
    "default-src 'none'; "
    f"script-src 'self' {TELEGRAM_SCRIPT}; "
    "style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'self' https://web.telegram.org"
)
COOKIE = "iku_dasbor"
SERVER_KEY = "dashboard_server"
REFUSED = "Akses ditolak. Buka dasbor dari bot Telegram: tombol menu di chat pribadi atau perintah /dasbor."


@dataclass(frozen=True)
class Dashboard:
    """What the routes need from the application."""

    path: str  # `/dasbor`, no trailing slash
    db: Database
    clock: Clock
    bot_token: str
    bands: Bands
    local: bool  # served to this machine only: the cookie goes without Secure

    @classmethod
    def of(cls, application: Application) -> Dashboard:
        svc = services.of(application)
        settings = svc.settings
        assert settings.dashboard_path is not None
        return cls(
            settings.dashboard_path.rstrip("/"),
            svc.db,
            svc.clock,
            application.bot.token,
            svc.bands,
            settings.dashboard_is_local,
        )


class Unauthorized(Exception):
    pass


class _Base(tornado.web.RequestHandler):
    def initialize(self, dashboard: Dashboard) -> None:
        self.dashboard = dashboard

    def set_default_headers(self) -> None:
        self.set_header("Content-Security-Policy", CSP)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")
        self.set_header("Cache-Control", "no-store")

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Never a traceback: a short Indonesian message (tornado logs the error for the operator)."""
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        message = REFUSED if status_code == HTTPStatus.UNAUTHORIZED else "Terjadi kesalahan. Silakan coba lagi."
        self.finish(json.dumps({"error": message}))


class PageHandler(_Base):
    async def get(self) -> None:
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(page(self.dashboard.path, "index.html"))


class StaticHandler(_Base):
    async def get(self, name: str) -> None:
        kind = STATIC_FILES.get(name)
        if kind is None:
            raise tornado.web.HTTPError(HTTPStatus.NOT_FOUND)
        self.set_header("Content-Type", f"{kind}; charset=UTF-8")
        self.set_header("Cache-Control", "no-cache")
        self.finish((PAGE_DIR / name).read_bytes())


class LoginHandler(_Base):
    async def get(self) -> None:
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(page(self.dashboard.path, "masuk.html"))

    async def post(self) -> None:
        token = self.get_body_argument("t", "")
        try:
            async with self.dashboard.db.session() as session:
                user_id, session_token = await web_access.redeem_link(session, token, self.dashboard.clock.now())
                member = await members.get(session, user_id)
            if not allowed(member, Action.read):
                raise web_access.Refused(f"user {user_id} is not a member")
        except web_access.Refused as exc:
            log.info("dashboard: one-time link refused: %s", exc)
            self.set_status(HTTPStatus.UNAUTHORIZED)
            self.set_header("Content-Type", "text/html; charset=UTF-8")
            self.finish(page(self.dashboard.path, "ditolak.html"))
            return
        log.info("dashboard: browser session opened for user %s", user_id)
        self.set_cookie(
            COOKIE,
            session_token,
            path=self.dashboard.path,
            max_age=int(web_access.SESSION_VALIDITY.total_seconds()),
            httponly=True,
            secure=not self.dashboard.local,
            samesite="Strict",
        )
        self.redirect(self.dashboard.path, status=HTTPStatus.SEE_OTHER)


class _Api(_Base):
    async def member(self) -> Member:
        """The member asking; Unauthorized (401, no data) for anyone else."""
        now = self.dashboard.clock.now()
        header = self.request.headers.get("Authorization")
        cookie = self.get_cookie(COOKIE)
        try:
            async with self.dashboard.db.session() as session:
                if header is not None:
                    scheme, _, value = header.strip().partition(" ")
                    if scheme.lower() != "tma":
                        raise web_access.Refused("Authorization is not `tma <initData>`")
                    user_id = web_access.check_init_data(value.strip(), self.dashboard.bot_token, now).user_id
                elif cookie:
                    user_id = await web_access.session_user(session, cookie, now)
                else:
                    raise web_access.Refused("no credentials")
                member = await members.get(session, user_id)
            if not allowed(member, Action.read):
                raise web_access.Refused(f"user {user_id} is not a member")
        except web_access.Refused as exc:
            log.info("dashboard: %s %s refused: %s", self.request.method, self.request.path, exc)
            raise tornado.web.HTTPError(HTTPStatus.UNAUTHORIZED) from None
        return member

    def reply(self, data: dict[str, Any], status: int = HTTPStatus.OK) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps(data, ensure_ascii=False))


class IkuApi(_Api):
    async def get(self) -> None:
        await self.member()
        today = self.dashboard.clock.today()
        written = self.get_query_argument("tahun", "").strip()
        year = today.year if not written else number(written)
        if year is None or not 2000 <= year <= today.year:
            self.reply(
                {
                    "error": f"Tahun «{written[:20]}» tidak valid: tulis tahun 2000 sampai {today.year}.",
                    "example": f"?tahun={today.year}",
                },
                HTTPStatus.BAD_REQUEST,
            )
            return
        async with self.dashboard.db.long_read() as session:
            overview = await view.overview(session, year, today, self.dashboard.bands)
        self.reply(iku_json(overview))


class DaftarApi(_Api):
    async def get(self) -> None:
        await self.member()
        today = self.dashboard.clock.today()
        async with self.dashboard.db.long_read() as session:
            attention = await view.attention(session, today)
        self.reply(daftar_json(attention))


def routes(dashboard: Dashboard) -> list[tuple[str, type[tornado.web.RequestHandler], dict[str, Any]]]:
    base = re.escape(dashboard.path)
    kwargs = {"dashboard": dashboard}
    return [
        (rf"{base}/?", PageHandler, kwargs),
        (rf"{base}/static/([a-z]+\.(?:js|css))", StaticHandler, kwargs),
        (rf"{base}/masuk", LoginHandler, kwargs),
        (rf"{base}/api/iku", IkuApi, kwargs),
        (rf"{base}/api/daftar", DaftarApi, kwargs),
    ]


def page(base: str, name: str) -> str:
    return Template((PAGE_DIR / name).read_text(encoding="utf-8")).substitute(
        base=escape(base, quote=True), telegram_script=TELEGRAM_SCRIPT
    )


# --- serving in polling mode ------------------------------------------------------------------------------


def enabled(application: Application) -> bool:
    return services.of(application).settings.dashboard_url is not None


async def start(application: Application) -> None:
    """Polling mode: the dashboard's own server on WEB_LISTEN:WEB_PORT (post_init)."""
    if not enabled(application):
        return
    settings = services.of(application).settings
    server = tornado.httpserver.HTTPServer(tornado.web.Application(routes(Dashboard.of(application))))
    try:
        server.listen(settings.web_port, address=settings.web_listen)
    except OSError as exc:
        raise RuntimeError(
            f"the dashboard cannot listen on WEB_LISTEN:WEB_PORT {settings.web_listen}:{settings.web_port}: {exc}"
        ) from exc
    application.bot_data[SERVER_KEY] = server
    log.info("dashboard: serving %s on %s:%s", settings.dashboard_url, settings.web_listen, settings.web_port)


async def stop(application: Application) -> None:
    server = application.bot_data.pop(SERVER_KEY, None)
    if server is not None:
        server.stop()
        await server.close_all_connections()


# --- the API's JSON ---------------------------------------------------------------------------------------


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def capaian_text(assessment: Assessment) -> str:
    """`83,33% (Berhasil)`, or why there is none (as /iku says it, without the HTML)."""
    value = assessment.capaian
    if value is None:
        return assessment.missing or NO_DATA
    return f"{replies.percent(value)} ({assessment.predikat})"


def assessment_json(assessment: Assessment) -> dict[str, Any]:
    figure = assessment.realisation
    return {
        "numerator": figure.numerator,
        "denominator": figure.denominator,
        "percent": _number(figure.percent),
        "target": _number(assessment.target),
        "capaian": _number(assessment.capaian),
        "predikat": assessment.predikat,
        "missing": assessment.missing,
        "below_target": assessment.below_target,
        "text": {
            "realisasi": replies.ratio(figure),
            "target": "—" if assessment.target is None else replies.percent(assessment.target),
            "capaian": capaian_text(assessment),
        },
    }


def iku_json(overview: view.Overview) -> dict[str, Any]:
    cutoff = min(overview.today, date(overview.year, 12, 31))
    out: list[dict[str, Any]] = []
    for i, indicator in enumerate(INDICATORS):
        series = [
            {
                "year": year,
                "quarters": [
                    {"quarter": q, **assessment_json(reports[i].quarters[q])} for q in sorted(reports[i].quarters)
                ],
            }
            for year, reports in overview.years.items()
        ]
        out.append(
            {
                "code": indicator.code,
                "key": indicator.key,
                "name": indicator.name,
                "subsection": indicator.subsection_name,
                **assessment_json(overview.chosen[i].year),
                "series": series,
                "chart_svg": chart_svg(overview, i),
            }
        )
    return {
        "year": overview.year,
        "current_year": overview.today.year,
        "as_of": cutoff.isoformat(),
        "as_of_text": human_date(cutoff),
        "indicators": out,
    }


def _hearing_json(hearing: Any) -> dict[str, Any]:
    return {
        "id": hearing.id,
        "day": hearing.day.isoformat(),
        "time": hearing.time_of_day,
        "agenda": hearing.agenda,
        "text": hearing_when(hearing),
    }


def daftar_json(attention: view.Attention) -> dict[str, Any]:
    unpublished = [
        {
            "id": w.product.id,
            "kind": w.product.kind,
            "kind_text": KIND_SHORT[Kind(w.product.kind)],
            "name": official_name(w.product),
            "title": w.product.title,
            "enacted_on": w.product.enacted_on.isoformat() if w.product.enacted_on else None,
            "enacted_text": human_date(w.product.enacted_on) if w.product.enacted_on else "",
            "days_waiting": w.days,
        }
        for w in attention.unpublished
    ]
    open_cases = [
        {
            "id": o.case.id,
            "register_number": o.case.register_number,
            "description": o.case.description,
            "court": o.case.court,
            "level": o.case.level,
            "level_text": level_label(o.case.level or "pertama"),
            "started_on": o.case.started_on.isoformat(),
            "started_text": human_date(o.case.started_on),
            "next_hearing": None if o.next_hearing is None else _hearing_json(o.next_hearing),
        }
        for o in attention.open_cases
    ]
    hearings = [
        {
            **_hearing_json(h),
            "case": {"id": c.id, "register_number": c.register_number, "court": c.court},
        }
        for h, c in attention.hearings
    ]
    return {
        "as_of": attention.today.isoformat(),
        "as_of_text": human_date(attention.today),
        "unpublished": {"total": attention.unpublished_total, "items": unpublished},
        "open_cases": {"total": attention.open_cases_total, "items": open_cases},
        "hearings": {"days": view.HEARING_DAYS, "total": attention.hearings_total, "items": hearings},
    }


# --- the chart: SVG drawn here, styled by the page's style sheet ------------------------------------------

WIDTH, HEIGHT = 320, 200
LEFT, RIGHT, TOP, BOTTOM = 40, 24, 10, 140
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def _x(quarter: int) -> float:
    return LEFT + (quarter - 1) * (WIDTH - LEFT - RIGHT) / 3


def _y(percent: Decimal) -> float:
    return BOTTOM - float(percent) / 100 * (BOTTOM - TOP)


def _runs(points: Sequence[tuple[int, Decimal | None]]) -> list[list[tuple[int, Decimal]]]:
    """Consecutive quarters with a value: a quarter without data breaks the line."""
    runs: list[list[tuple[int, Decimal]]] = []
    previous = None
    for quarter, value in points:
        if value is None:
            previous = None
            continue
        if previous is None or quarter != previous + 1:
            runs.append([])
        runs[-1].append((quarter, value))
        previous = quarter
    return runs


def _polyline(points: Sequence[tuple[int, Decimal]], css: str) -> str:
    coords = " ".join(f"{_x(q):.1f},{_y(v):.1f}" for q, v in points)
    return f'<polyline class="{css}" points="{coords}"/>'


def chart_svg(overview: view.Overview, index: int) -> str:
    """Realisation s.d. each quarter (cumulative, as e-SAKIP reports it) of the last three years, and the
    chosen year's target per quarter as a dashed line. Every text is escaped."""
    indicator = INDICATORS[index]
    years = list(overview.years)
    label = (
        f"Grafik {indicator.code}: realisasi kumulatif per triwulan tahun {years[0]}–{years[-1]} "
        f"dan target tahun {overview.year}"
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="grafik" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label, quote=True)}">',
        f"<title>{escape(label)}</title>",
    ]
    for tick in (0, 25, 50, 75, 100):
        y = _y(Decimal(tick))
        parts.append(f'<line class="kisi" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"/>')
        parts.append(f'<text class="sumbu" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}%</text>')
    for quarter in QUARTERS:
        x, name = _x(quarter), ROMAN[quarter]
        parts.append(f'<text class="sumbu" x="{x:.1f}" y="{BOTTOM + 16}" text-anchor="middle">TW {name}</text>')
    target_points = [(q, overview.year_targets.of_quarter(indicator, q)) for q in QUARTERS]
    for run in _runs(target_points):
        parts.append(_polyline(run, "target") if len(run) > 1 else "")
        for q, value in run:
            parts.append(
                f'<circle class="target" cx="{_x(q):.1f}" cy="{_y(value):.1f}" r="2">'
                f"<title>Target TW {ROMAN[q]} {overview.year}: {escape(replies.percent(value))}</title></circle>"
            )
    for k, year in enumerate(years):
        report = overview.years[year][index]
        series = k - len(years) + 3  # s2: the chosen year, s1 and s0 the years before
        points = [(q, report.quarters[q].realisation.percent if q in report.quarters else None) for q in QUARTERS]
        for run in _runs(points):
            if len(run) > 1:
                parts.append(_polyline(run, f"garis s{series}"))
            for q, value in run:
                text = replies.ratio(report.quarters[q].realisation)
                parts.append(
                    f'<circle class="titik s{series}" cx="{_x(q):.1f}" cy="{_y(value):.1f}" r="3.5">'
                    f"<title>s.d. TW {ROMAN[q]} {year}: {escape(text)}</title></circle>"
                )
    legend_y = HEIGHT - 14
    x = float(LEFT)
    entries = [(f"garis s{k - len(years) + 3}", str(year)) for k, year in enumerate(years)]
    entries.append(("target", f"Target {overview.year}"))
    for css, text in entries:
        parts.append(f'<line class="{css}" x1="{x:.1f}" y1="{legend_y - 4}" x2="{x + 14:.1f}" y2="{legend_y - 4}"/>')
        parts.append(f'<text class="legenda" x="{x + 18:.1f}" y="{legend_y}">{escape(text)}</text>')
        x += 18 + 7 * len(text) + 12
    parts.append("</svg>")
    return "".join(parts)
