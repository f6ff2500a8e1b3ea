"""How the weekly digest reads: gathered once per run, rendered per group.

Only the comparison with a group's previous digest differs between groups, so the queries and the
chart run once however many groups are due. HTML, every dynamic part escaped, within Telegram's limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from html import escape
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_decimal
from telegram import Bot

from handlers import chart, replies
from handlers.telegram_limits import MAX_CAPTION_CHARS, MAX_MESSAGE_CHARS, shorten, tg_len
from models import cases, digests, indicators, targets
from models.db import Database
from models.digests import Activity, Baseline, Schedule
from models.indicators import Figure, Period
from models.tables import Case, Product, Subscription
from models.targets import Assessment, Bands
from models.validation import human_date, without_bidi_controls
from models.workdays import Calendar, DayOff

RECENT_ITEMS = 3  # most recent items shown per kind of activity
ATTENTION_ITEMS = 5  # items shown per attention list
TITLE_CHARS = 70
# When the text would not fit in one message, fewer items are shown: (recent, attention) per attempt.
_SHRINK = ((RECENT_ITEMS, ATTENTION_ITEMS), (2, 3), (1, 2), (0, 1), (0, 0))
ACTIVITY_LABELS = {
    "proposed": "Diusulkan",
    "enacted": "Ditetapkan",
    "promulgated": "Diundangkan",
    "published": "Dipublikasikan",
    "started": "Perkara mulai ditangani",
    "resolved": "Perkara selesai",
}


@dataclass(frozen=True)
class Digest:
    """Everything a digest shows, as of `today` in `tz`."""

    today: date
    tz: ZoneInfo
    period: Period
    figures: list[Figure]
    activity: Activity
    stale_days: int
    stale: list[Product]
    stale_total: int
    open_cases: list[Case]
    open_total: int
    # The year-to-date figures against the running quarter's target (its own, else the annual one).
    assessments: list[Assessment] = field(default_factory=list)

    def values(self) -> dict[str, list[int]]:
        return {f.indicator.code: [f.numerator, f.denominator] for f in self.figures}

    def record(self, sent: dict[str, int] | None = None) -> dict:
        return digests.figures_record(self.period.year, self.values(), sent)

    @property
    def chart_caption(self) -> str:
        # Escaped: captions are HTML too (the application's Defaults).
        return escape(
            shorten(f"Grafik capaian IKU {self.period.label} s.d. {human_date(self.today)}", MAX_CAPTION_CHARS)
        )


async def collect(db: Database, today: date, tz: ZoneInfo, stale_days: int, *, bands: Bands) -> Digest:
    """Year to date figures against the running quarter's target (year to date is "s.d. TW n" of the
    running quarter), the last seven full days (today excluded, so consecutive weekly digests never count
    a day twice), and what needs attention."""
    period = Period(today.year)
    async with db.long_read() as session:
        figures = await indicators.compute(session, period, today)
        running = Period(today.year, indicators.quarter_of(today), cumulative=True)
        judged = targets.judge(figures, running, await targets.of_year(session, today.year), bands)
        week = await digests.activity(
            session, today - timedelta(days=7), today - timedelta(days=1), recent=RECENT_ITEMS
        )
        stale, stale_total = await digests.stale_unpublished(
            session, enacted_before=today - timedelta(days=stale_days), limit=ATTENTION_ITEMS
        )
        open_rows, open_total = await cases.open_cases(session, limit=ATTENTION_ITEMS)
    return Digest(today, tz, period, figures, week, stale_days, stale, stale_total, open_rows, open_total, judged)


# --- the digest text -----------------------------------------------------------------------------------


def render(digest: Digest, baseline: Baseline | None = None, moved_by: DayOff | None = None) -> str:
    """The digest for one group; `baseline` is that group's previous digest, if any; `moved_by` the
    holiday that moved it to today. Rows stored before titles were normalised may still hold
    bidirectional controls: they never reach a group."""
    text = ""
    heading = _heading(digest) + (f"\n{holiday_note(moved_by)}" if moved_by is not None else "")
    for recent, attention in _SHRINK:
        text = "\n\n".join(
            (
                heading,
                _indicators(digest, baseline),
                _activity(digest, recent),
                _attention(digest, attention),
                "Rincian: /iku · /daftar",
            )
        )
        if tg_len(text) <= MAX_MESSAGE_CHARS:
            break
    return without_bidi_controls(text)


def holiday_note(day_off: DayOff) -> str:
    """Why a weekly digest arrives a day (or more) late."""
    return (
        f"<i>Ringkasan ini dikirim hari ini karena {human_date(day_off.day)} adalah hari libur: "
        f"{escape(day_off.name)}.</i>"
    )


def _heading(digest: Digest) -> str:
    day = format_date(digest.today, format="EEEE, d MMMM y", locale="id")
    return f"📊 <b>Ringkasan Mingguan IKU Bagian Hukum</b>\n<i>{escape(day)}</i>"


def _indicators(digest: Digest, baseline: Baseline | None) -> str:
    lines = [f"<b>Capaian {escape(digest.period.label)}</b> (s.d. {human_date(digest.today)})"]
    comparable = baseline if baseline is not None and baseline.year == digest.period.year else None
    judged = {a.indicator.code: a for a in digest.assessments}
    for figure in digest.figures:
        lines.append(f"<b>{figure.indicator.code}</b> {escape(figure.indicator.name)}\n{replies.ratio(figure)}")
        assessment = judged.get(figure.indicator.code)
        if assessment is not None:
            lines.append(_against_target(assessment))
        change = _change(figure, comparable, digest.tz)
        if change:
            lines.append(f"<i>{change}</i>")
    return "\n".join(lines)


BELOW_TARGET = "🔻 di bawah target"


def _against_target(assessment: Assessment) -> str:
    """`Target TW 4: 80,00% · Capaian: 83,33% (Berhasil)`, marked when below target."""
    line = replies.assessment_lines(assessment).splitlines()[-1]  # the realisation is the figure above
    return line + (f" {BELOW_TARGET}" if assessment.below_target else "")


def _change(figure: Figure, baseline: Baseline | None, tz: ZoneInfo) -> str | None:
    if baseline is None or figure.indicator.code not in baseline.values:
        return None
    numerator, denominator = baseline.values[figure.indicator.code]
    before = Figure(figure.indicator, int(numerator), int(denominator))
    since = f"sejak ringkasan {human_date(baseline.slot.astimezone(tz).date())}"
    if figure.percent is None or before.percent is None:
        if (before.numerator, before.denominator) == (figure.numerator, figure.denominator):
            return f"Tetap {since}"
        return f"{since.capitalize()}: sebelumnya {replies.ratio(before)}"
    if (before.numerator, before.denominator) == (figure.numerator, figure.denominator):
        return f"Tetap {since}"
    delta = figure.percent - before.percent
    if delta == 0:
        return f"= tetap {since} (sebelumnya {replies.ratio(before)})"
    arrow, word = ("▲", "naik") if delta > 0 else ("▼", "turun")
    return f"{arrow} {word} {_points(abs(delta))} poin {since} (sebelumnya {replies.ratio(before)})"


def _points(value: Decimal) -> str:
    return format_decimal(value, format="#,##0.00", locale="id")


def _activity(digest: Digest, recent: int) -> str:
    week = digest.activity
    head = f"<b>Sepekan terakhir</b> ({escape(date_range(week.start, week.end))})"
    if not any(week.counts.values()):
        return head + "\nTidak ada usulan, penetapan, publikasi, atau perkara yang tercatat."
    lines = [head]
    for name, label in ACTIVITY_LABELS.items():
        count = week.counts.get(name, 0)
        lines.append(f"{label}: <b>{replies.count(count)}</b>")
        items = week.recent.get(name, [])[:recent]
        for item in items:
            lines.append(_product_item(item, name) if isinstance(item, Product) else _case_item(item, name))
        if items and count > len(items):
            lines.append(f"<i>… dan {replies.count(count - len(items))} lainnya</i>")
    return "\n".join(lines)


def _attention(digest: Digest, limit: int) -> str:
    lines = ["<b>Perlu perhatian</b>"]
    head = (
        f"Ditetapkan lebih dari {replies.count(digest.stale_days)} hari, belum dipublikasikan: "
        f"<b>{replies.count(digest.stale_total)}</b>"
    )
    lines.append(head)
    lines += _some([_waiting_item(p, digest.today) for p in digest.stale], digest.stale_total, limit)
    lines.append(
        f"Perkara belum selesai: <b>{replies.count(digest.open_total)}</b>"
        + (", yang terlama:" if digest.open_total and limit else "")
    )
    lines += _some([_open_item(c, digest.today) for c in digest.open_cases], digest.open_total, limit)
    return "\n".join(lines)


def _some(lines: Sequence[str], total: int, limit: int) -> list[str]:
    shown = list(lines[:limit])
    if shown and total > len(shown):
        shown.append(f"<i>… dan {replies.count(total - len(shown))} lainnya</i>")
    return shown


def _product_item(product: Product, event: str) -> str:
    ref = escape(replies.product_ref(product))
    title = escape(shorten(product.title, TITLE_CHARS))
    day = {
        "proposed": product.proposed_on,
        "enacted": product.enacted_on,
        "promulgated": product.promulgated_on,
        "published": product.published_on,
    }[event]
    assert day is not None  # listed under an event only when it has that date
    number = f", No. {product.number}/{product.number_year}" if event != "proposed" and product.number else ""
    return f"• <b>{ref}</b> {title} ({human_date(day)}{number})"


def _case_item(case: Case, event: str) -> str:
    day = case.started_on if event == "started" else case.resolved_on
    assert day is not None  # listed under an event only when it has that date
    text = f"• <b>#{case.id}</b> {escape(shorten(case.register_number, 40))}"
    said = [replies.RESULT_LABEL.get(case.result, case.result)] if case.result else []
    said += [case.outcome] if case.outcome else []
    if event == "resolved" and said:
        text += f" — {escape(shorten(': '.join(said), 40))}"
    elif case.description:
        text += f" — {escape(shorten(case.description, 40))}"
    return text + f" ({human_date(day)})"


def _waiting_item(product: Product, today: date) -> str:
    ref = escape(replies.product_ref(product))
    assert product.enacted_on is not None  # only enacted products wait for publication
    days = (today - product.enacted_on).days
    return (
        f"• <b>{ref}</b> {escape(shorten(product.title, TITLE_CHARS))} — ditetapkan "
        f"{human_date(product.enacted_on)} ({replies.count(days)} hari)"
    )


def _open_item(case: Case, today: date) -> str:
    return replies.case_line(case, today, description_chars=40)


def date_range(start: date, end: date) -> str:
    """`23–29 November 2026`, `30 November – 6 Desember 2026`, `29 Desember 2026 – 4 Januari 2027`."""
    if start.year != end.year:
        return f"{human_date(start)} – {human_date(end)}"
    if start.month != end.month:
        return f"{format_date(start, format='d MMMM', locale='id')} – {human_date(end)}"
    return f"{start.day}–{human_date(end)}"


# --- subscriptions ---------------------------------------------------------------------------------------


def moment(slot: datetime, tz: ZoneInfo) -> str:
    """`Senin, 30 November 2026 pukul 08.00 WIB`."""
    local = slot.astimezone(tz)
    day = format_date(local.date(), format="EEEE, d MMMM y", locale="id")
    return f"{day} pukul {local:%H.%M} {local.tzname()}"


def schedule_label(schedule: Schedule, tz: ZoneInfo, now: datetime) -> str:
    """`Senin pukul 08.00 WIB` (the zone's abbreviation as it will be at the next slot)."""
    zone = digests.next_slot(schedule, now, tz).astimezone(tz).tzname()
    return f"{schedule.day_name.capitalize()} pukul {schedule.clock} {zone}"


def subscribed(sub: Subscription, started: bool, tz: ZoneInfo, now: datetime) -> str:
    schedule = Schedule.of(sub)
    first = "✅ Ringkasan mingguan IKU akan dikirim ke grup ini" if started else "✅ Jadwal ringkasan mingguan diubah"
    return (
        f"{first} setiap <b>{escape(schedule_label(schedule, tz, now))}</b>.\n"
        f"Pengiriman berikutnya: {escape(moment(digests.next_slot(schedule, now, tz), tz))}.\n"
        "Ubah jadwal dengan /langganan, hentikan dengan /berhenti."
    )


def stopped() -> str:
    return (
        f"Ringkasan mingguan IKU untuk grup ini dihentikan. Aktifkan lagi dengan "
        f"<code>{escape(digests.EXAMPLE_SUBSCRIBE)}</code>."
    )


def schedule_of_group(sub: Subscription | None, tz: ZoneInfo, now: datetime, calendar: Calendar | None = None) -> str:
    if sub is None or not sub.active:
        return (
            "Grup ini belum berlangganan ringkasan mingguan IKU.\n"
            f"Admin atau kasubbag dapat mengaktifkannya: <code>{escape(digests.EXAMPLE_SUBSCRIBE)}</code>"
        )
    schedule = Schedule.of(sub)
    when, day_off = (
        digests.next_send(sub, now, tz, calendar)
        if calendar is not None
        else (digests.next_slot(schedule, now, tz), None)
    )
    moved = f" (hari libur {human_date(day_off.day)}: {escape(day_off.name)})" if day_off is not None else ""
    return (
        f"Ringkasan mingguan IKU dikirim ke grup ini setiap <b>{escape(schedule_label(schedule, tz, now))}</b>.\n"
        f"Pengiriman berikutnya: {escape(moment(when, tz))}{moved}."
    )


def schedules(subs: Sequence[Subscription], tz: ZoneInfo, now: datetime) -> str:
    lines = []
    for sub in subs:
        schedule = Schedule.of(sub)
        title = escape(shorten(sub.title, 60)) if sub.title else "<i>tanpa nama</i>"
        lines.append(f"• <b>{title}</b> (<code>{sub.chat_id}</code>) — {escape(schedule_label(schedule, tz, now))}")
    return replies.listing(
        "Grup penerima ringkasan mingguan",
        lines,
        len(subs),
        "Belum ada grup yang berlangganan. Ketik /langganan di grup.",
    )


async def chart_png(digest: Digest) -> bytes:
    return await chart.png(
        digest.figures,
        f"Capaian IKU {digest.period.label}",
        f"Bagian Hukum Setda Kota Probolinggo · s.d. {human_date(digest.today)}",
        [a.target for a in digest.assessments] if digest.assessments else None,
    )


async def send_now(bot: Bot, chat_id: int, data: Digest, baseline: Baseline | None = None) -> None:
    """The digest outside any schedule (/ringkasan, `iku-bot digest --chat`): no slot, no claim."""
    await bot.send_message(chat_id, render(data, baseline))  # HTML, no preview: the application's Defaults
    await bot.send_photo(chat_id, photo=await chart_png(data), caption=data.chart_caption)
