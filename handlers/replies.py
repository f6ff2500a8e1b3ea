"""How records and figures look in a message: one formatter per record type, HTML with every dynamic
part escaped. Messages are in formal, short Indonesian."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from html import escape
from typing import Any

from babel.dates import format_datetime
from babel.numbers import format_decimal

from handlers.telegram_limits import MAX_MESSAGE_CHARS, join_within_limit, shorten, tg_len
from models import product_links, registry
from models.cases import RESULTS, level_label
from models.corrections import FIELD_LABELS, changes
from models.db import as_utc
from models.errors import InputError
from models.hearings import when as hearing_when
from models.indicators import Figure, Period
from models.product_links import LegalStatus, Status
from models.products import KIND_SHORT, official_name, promulgation_name
from models.tables import Case, CaseStage, Hearing, Kind, LinkKind, Member, Product
from models.targets import ANNUAL, BY_KEY, QUARTERS, Assessment, Change, YearTargets
from models.validation import human_date

NO_DATA = "belum ada data"
ROLE_LABEL = {"admin": "Admin", "kasubbag": "Kasubbag", "staf": "Staf", "pimpinan": "Pimpinan"}


def percent(value) -> str:
    return format_decimal(value, format="#,##0.00", locale="id") + "%"


def count(value: int) -> str:
    """A count as Indonesian writes it: `235.526`. Every count a message shows goes through here (ids,
    years and regulation numbers are names, not counts, and are shown as written)."""
    return format_decimal(value, format="#,##0", locale="id")


def ratio(figure: Figure) -> str:
    """`2 dari 3 (66,67%)`, or `belum ada data` for an empty denominator."""
    if figure.percent is None:
        return NO_DATA
    return f"{count(figure.numerator)} dari {count(figure.denominator)} ({percent(figure.percent)})"


_QUOTED = re.compile(r"«([^»]*)»")
MAX_QUOTED_CHARS = 60  # what a user typed, quoted back in an error
MAX_ERROR_CHARS = 1000


def warning(exc: InputError) -> str:
    """`⚠️ what was wrong`, escaped and short: errors quote the user's input, which may be as long as a
    whole message, so only its start is quoted."""
    message = _QUOTED.sub(lambda m: f"«{shorten(m.group(1), MAX_QUOTED_CHARS)}»", exc.message)
    return f"⚠️ {escape(shorten(message, MAX_ERROR_CHARS))}"


def error(exc: InputError) -> str:
    """The answer to bad input, with a correct example."""
    text = warning(exc)
    if exc.example:
        text += f"\nContoh: <code>{escape(exc.example)}</code>"
    return text


# --- legal products -------------------------------------------------------------------------------


def product_ref(product: Product) -> str:
    return f"#{product.id} {KIND_SHORT[Kind(product.kind)]}"


def product_card(product: Product, status: LegalStatus | None = None) -> str:
    """The product's card; with its legal status (models/product_links.py), also the status and the
    products it amends or revokes, or that amend or revoke it."""
    lines = [
        f"<b>{escape(product_ref(product))}</b>: {escape(product.title)}",
        f"Diusulkan: {human_date(product.proposed_on)}",
    ]
    if product.enacted_on is not None:
        lines.append(f"Ditetapkan: {escape(official_name(product))}, {human_date(product.enacted_on)}")
    promulgation = promulgation_name(product)
    if promulgation is not None and product.promulgated_on is not None:
        lines.append(f"Diundangkan: {escape(promulgation)}, {human_date(product.promulgated_on)}")
    if product.published_on is not None:
        published = f"Dipublikasikan: {human_date(product.published_on)}"
        if product.link:
            published += f" — {escape(product.link)}"
        lines.append(published)
    return "\n".join(lines + _shown_lines(product) + (status_lines(status) if status is not None else []))


MAX_RELATIONS_SHOWN = 5  # per direction on a card: an omnibus Perda may revoke dozens of Perwali
STATUS_LABEL = {
    Status.not_enacted: "Belum ditetapkan",
    Status.in_force: "Berlaku",
    Status.amended: "Berlaku, diubah",
    Status.revoked: "Dicabut (tidak berlaku)",
}


def status_lines(status: LegalStatus) -> list[str]:
    """`Status: Berlaku sejak …`, then `Diubah oleh …`/`Dicabut oleh …` and `Mengubah …`/`Mencabut …`."""
    head = f"Status: {STATUS_LABEL[status.status]}"
    if status.since is not None:
        head += f" sejak {human_date(status.since)}"
    lines = [head]
    for r in status.by[-MAX_RELATIONS_SHOWN:]:  # the latest: the earlier ones are in /status of those
        verb = product_links.verb(r.relation, passive=True).capitalize()
        lines.append(
            f"{verb} oleh {escape(product_links.name(r.other))} (#{r.other.id}) sejak {human_date(r.effective_on)}"
        )
    lines += _more(len(status.by))
    for r in status.of[:MAX_RELATIONS_SHOWN]:
        verb = product_links.verb(r.relation, passive=False).capitalize()
        lines.append(f"{verb} {escape(product_links.name(r.other))} (#{r.other.id})")
    lines += _more(len(status.of))
    return lines


def _more(total: int) -> list[str]:
    hidden = total - MAX_RELATIONS_SHOWN
    return [f"<i>… dan {hidden} lainnya</i>"] if hidden > 0 else []


def status_summary(status: LegalStatus) -> str:
    """A product named by its number with its status lines: the second product of a new link, beside the
    full card of the first (two full cards may not fit one message)."""
    head = f"<b>{escape(product_ref(status.product))}</b>: {escape(product_links.name(status.product))}"
    return "\n".join([head, *status_lines(status)])


def status_chain(chain: Sequence[tuple[int, LinkKind | None, LegalStatus]]) -> str:
    """`/status`: the product's card with its status, then whatever amends or revokes it, indented by
    how far down the chain it is."""
    (_, _, first), rest = chain[0], chain[1:]
    text = product_card(first.product, first)
    if not rest:
        return text
    lines = []
    for depth, relation, item in rest:
        verb = product_links.verb(relation, passive=True) if relation is not None else ""
        lines.append(
            f"{'    ' * (depth - 1)}↳ {verb} oleh <b>#{item.product.id}</b> "
            f"{escape(product_links.name(item.product))} — {STATUS_LABEL[item.status].lower()}"
        )
    return join_within_limit(text + "\n\n<b>Rantai perubahan</b>", lines, lambda count: f"<i>… dan {count} lainnya</i>")


def product_line(product: Product, today: date | None = None) -> str:
    title = escape(shorten(product.title, 120))
    if product.enacted_on is None:
        when = f"diusulkan {human_date(product.proposed_on)}"
    else:
        when = f"No. {product.number}/{product.number_year}, ditetapkan {human_date(product.enacted_on)}"
        if today is not None:
            when += f" ({count((today - product.enacted_on).days)} hari)"
    return f"• <b>{escape(product_ref(product))}</b> {title} — {when}{_shown_suffix(product)}"


def _shown_lines(record: object) -> list[str]:
    """`Label: value` for the fields the record's spec marks as shown (the ones without a layout of
    their own above): a new field appears in cards without touching this module."""
    return [
        f"{escape(label)}: {escape(str(value))}" for label, value in registry.of_record(record).shown_fields(record)
    ]


def _shown_suffix(record: object) -> str:
    return "".join(
        f"; {escape(label)}: {escape(shorten(str(value), 80))}"
        for label, value in registry.of_record(record).shown_fields(record)
    )


# --- cases ---------------------------------------------------------------------------------------


RESULT_LABEL = {r: r.capitalize() for r in RESULTS}


def case_card(case: Case, stages: Sequence[CaseStage] = ()) -> str:
    """The case; with `stages`, the registers of its higher levels too."""
    lines = [f"<b>Perkara #{case.id}</b>: {escape(case.register_number)}"]
    if case.description:
        lines.append(f"Uraian: {escape(case.description)}")
    lines.append(f"Mulai ditangani: {human_date(case.started_on)}")
    for stage in stages:
        register = f" — {escape(stage.register_number)}" if stage.register_number else ""
        lines.append(f"{escape(level_label(stage.level).capitalize())}: sejak {human_date(stage.started_on)}{register}")
    if case.level and case.level != "pertama" and not stages:
        lines.append(f"Tingkat: {escape(level_label(case.level))}")
    if case.resolved_on is not None:
        done = f"Selesai: {human_date(case.resolved_on)}"
        said = [RESULT_LABEL.get(case.result, case.result)] if case.result else []
        said += [case.outcome] if case.outcome else []
        if said:
            done += f" — {escape(': '.join(said))}"
        lines.append(done)
        if case.final_on is not None:
            lines.append(f"Berkekuatan hukum tetap: {human_date(case.final_on)}")
    return "\n".join(lines + _shown_lines(case))


def case_line(case: Case, today: date | None = None, description_chars: int = 80) -> str:
    text = f"• <b>#{case.id}</b> {escape(case.register_number)}"
    if case.description:
        text += f" — {escape(shorten(case.description, description_chars))}"
    text += f" (sejak {human_date(case.started_on)}"
    if today is not None:
        text += f", {count((today - case.started_on).days)} hari"
    if case.level and case.level != "pertama":
        text += f", {escape(level_label(case.level))}"
    return text + ")" + _shown_suffix(case)


def hearing_line(hearing: Hearing, case: Case | None = None) -> str:
    """`• Sidang #5 — 10 Desember 2026 09:00 — Perkara #3 12/Pdt.G/2026/PN Prb (Pengadilan …) — agenda`."""
    text = f"• <b>Sidang #{hearing.id}</b> — {hearing_when(hearing)}"
    if case is not None:
        text += f" — Perkara #{case.id} {escape(shorten(case.register_number, 60))}"
        if case.court:
            text += f" ({escape(shorten(case.court, 60))})"
    if hearing.agenda:
        text += f" — {escape(shorten(hearing.agenda, 120))}"
    if hearing.cancelled_at is not None:
        text += " <i>(dibatalkan)</i>"
    return text


CARDS: dict[str, Callable[[Any], str]] = {"product": product_card, "case": case_card}


def card(record: Product | Case) -> str:
    """The card of any record, by its record type (models/registry.py)."""
    return CARDS[registry.of_record(record).entity](record)


# --- members -------------------------------------------------------------------------------------


def role_label(member: Member) -> str:
    """`Staf bankum`."""
    role = ROLE_LABEL.get(member.role, member.role)
    return f"{role} {member.subsection}" if member.subsection else role


def member_line(member: Member) -> str:
    who = escape(member.name) if member.name else "<i>tanpa nama</i>"
    return f"• {who} — <code>{member.user_id}</code> — {escape(role_label(member))}"


# --- indicators ----------------------------------------------------------------------------------


def indicators(figures: Sequence[Figure], period: Period, today: date, assessments: Sequence[Assessment] = ()) -> str:
    """/iku: each indicator's figure over the period, then (with `assessments`) its realisation from
    1 January against the target, the capaian and the predikat."""
    judged = {a.indicator.code: a for a in assessments}
    heading = f"<b>Capaian IKU Bagian Hukum — {escape(period.label)}</b>"
    if period.is_running(today):
        heading += f"\n<i>Periode berjalan, data s.d. {human_date(today)}</i>"
    else:
        heading += f"\n<i>{human_date(period.start)} – {human_date(period.end)}</i>"
    blocks = [heading]
    for figure in figures:
        assessment = judged.get(figure.indicator.code)
        blocks.append(
            f"<b>{figure.indicator.code}</b> {escape(figure.indicator.name)}\n"
            f"{ratio(figure)}\n"
            + ("" if assessment is None else assessment_lines(assessment) + "\n")
            + f"Penanggung jawab: {escape(figure.indicator.subsection_name)}"
        )
    return "\n\n".join(blocks)


# --- targets, capaian, predikat ----------------------------------------------------------------------


def quarter_name(quarter: int) -> str:
    return "tahunan" if quarter == ANNUAL else f"TW {quarter}"


def target_label(assessment: Assessment) -> str:
    """`Target`, or `Target TW 2` for a quarter."""
    quarter = assessment.period.quarter
    return "Target" if quarter is None else f"Target TW {quarter}"


def capaian_text(assessment: Assessment) -> str:
    """`83,33% (Berhasil)`, or why there is none."""
    value = assessment.capaian
    if value is None:
        return escape(assessment.missing or NO_DATA)
    return f"{percent(value)} ({escape(assessment.predikat or '')})"


def assessment_lines(assessment: Assessment) -> str:
    """Under an indicator in /iku: for a quarter, the realisation s.d. that quarter first (the figure above
    counts the quarter alone); then the target, the capaian and the predikat."""
    lines = []
    if assessment.period.quarter is not None:
        lines.append(f"Realisasi {escape(assessment.period.label)}: {ratio(assessment.realisation)}")
    if assessment.target is None:
        lines.append(f"Capaian: {escape(assessment.missing or '')}")  # target belum ditetapkan
        return "\n".join(lines)
    target = percent(assessment.target) + (" (target tahunan)" if assessment.from_annual else "")
    lines.append(f"{target_label(assessment)}: {target} · Capaian: {capaian_text(assessment)}")
    return "\n".join(lines)


def targets_table(year_targets: YearTargets) -> str:
    """/target: each indicator's annual target and the one each quarter uses."""
    blocks = [f"<b>Target IKU Bagian Hukum — Tahun {year_targets.year}</b>"]
    for indicator in BY_KEY.values():
        annual = year_targets.annual(indicator)
        quarters = []
        for quarter in QUARTERS:
            own = year_targets.own(indicator, quarter)
            if own is not None:
                quarters.append(f"TW {quarter}: {percent(own)}")
            elif annual is not None:
                quarters.append(f"TW {quarter}: {percent(annual)} (tahunan)")
            else:
                quarters.append(f"TW {quarter}: —")
        blocks.append(
            f"<b>{indicator.code}</b> {escape(indicator.name)}\n"
            f"Tahunan: {'belum ditetapkan' if annual is None else percent(annual)}\n" + " · ".join(quarters)
        )
    blocks.append(
        "Atur target tahunan: <code>/target iku1 80</code>; target triwulan: <code>/target iku1 tw2 85,5</code> "
        "(triwulan tanpa target sendiri memakai target tahunan); hapus: <code>/target iku1 tw2 hapus</code>."
    )
    return "\n\n".join(blocks)


def target_saved(change: Change, earlier) -> str:
    was = "" if earlier is None else f" (sebelumnya {percent(earlier)})"
    if change.percent is None:
        after = "memakai target tahunan" if change.quarter != ANNUAL else "tanpa target tahunan"
        return f"✅ {escape(change.label)} dihapus{was}; kini {after}.\nBatalkan dengan /urungkan bila keliru."
    text = f"✅ {escape(change.label)} disimpan: <b>{percent(change.percent)}</b>{was}."
    if change.quarter == ANNUAL:
        text += "\nTriwulan tanpa target sendiri memakai target ini."
    return text + "\nBatalkan dengan /urungkan bila keliru."


def target_refused(change: Change) -> str:
    return (
        f"Target {change.indicator.code} hanya dapat diatur oleh admin atau Kasubbag "
        f"{escape(change.indicator.subsection_name.removeprefix('Subbag '))}."
    )


def _target_change(entry) -> str:
    """`IKU-1 TW 2 2026: 80,00% → 85,00%` for a target's audit entry."""
    before, after = entry.before or {}, entry.after or {}
    subject = after or before
    indicator = BY_KEY.get(str(subject.get("indicator", "")))
    code = indicator.code if indicator is not None else str(subject.get("indicator", ""))
    when = quarter_name(int(subject.get("quarter", ANNUAL)))

    def shown(snapshot: dict) -> str:
        return "—" if not snapshot else percent(snapshot["percent"])

    return f"{escape(code)} {when} {escape(str(subject.get('year', '')))}: {shown(before)} → {shown(after)}"


def listing(title: str, lines: Sequence[str], total: int, empty: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """A titled list that never exceeds Telegram's limit; says how many items did not fit."""
    head = f"<b>{escape(title)}</b> ({count(total)})"
    if not lines:
        return f"{head}\n{escape(empty)}"
    hidden = total - len(lines)

    def more(extra: int) -> str:
        return f"<i>… dan {count(extra + hidden)} lainnya</i>"

    # When rows are hidden anyway, room is kept for saying so after the last row that fits.
    reserve = tg_len(more(0)) + 1 if hidden > 0 else 0
    text = join_within_limit(head, lines, more, limit - reserve)
    if hidden > 0 and not text.endswith("</i>"):
        text += "\n" + more(0)
    return text


# --- audit trail ---------------------------------------------------------------------------------

ACTION_LABEL = {
    "product.propose": "usulan dicatat",
    "product.enact": "penetapan dicatat",
    "product.publish": "publikasi dicatat",
    "product.promulgate": "pengundangan dicatat",
    "product_link.add": "status dicatat",
    "product.edit": "data diubah",
    "case.open": "perkara dicatat",
    "case.resolve": "penyelesaian dicatat",
    "case.edit": "data diubah",
    "case.move": "naik tingkat",
    "case_stage.add": "tingkat baru dicatat",
    "hearing.schedule": "sidang dijadwalkan",
    "hearing.cancel": "sidang dibatalkan",
    "hearing.close": "sidang dibatalkan karena perkara selesai",
    "product.import": "diimpor dari spreadsheet",
    "case.import": "diimpor dari spreadsheet",
    "member.put": "anggota ditambahkan/diubah",
    "member.remove": "anggota dihapus",
    "member.seed": "admin awal",
    "target.set": "target ditetapkan",
    "target.remove": "target dihapus",
    "undo": "perubahan diurungkan",
    "member.reminders": "pengingat diubah",
    "holiday.add": "hari libur ditambahkan",
    "holiday.remove": "hari libur dihapus",
}
ENTITY_LABEL = {
    "product_link": "hubungan status",
    "product": "produk hukum",
    "case": "perkara",
    "member": "anggota",
    "hearing": "sidang",
    "case_stage": "tingkat perkara",
    "holiday": "hari libur",
    "target": "target",
}


def _audit_value(value) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):  # the member's reminder switch
        return "nyala" if value else "mati"
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return human_date(date.fromisoformat(value))
        except ValueError:
            pass
    return escape(shorten(str(value), 120))


def _named(name: str, value):
    """Stored codes shown in words (a link's relation)."""
    return product_links.RELATION_LABELS.get(value, value) if name == "relation" else value


def audit_changes(entry) -> str:
    if entry.entity == "target":
        return _target_change(entry)
    parts = [
        f"{escape(FIELD_LABELS.get(name, name))}: {_audit_value(_named(name, old))} → {_audit_value(_named(name, new))}"
        for name, old, new in changes(entry)
    ]
    return "; ".join(parts)


def audit_line(entry, names: dict[int, str], tz) -> str:
    when = format_datetime(as_utc(entry.at).astimezone(tz), format="d MMM y HH.mm", locale="id")
    who = escape(names.get(entry.actor_id, str(entry.actor_id)))
    line = f"• {when} — {who}: {escape(ACTION_LABEL.get(entry.action, entry.action))}"
    if entry.entity == "hearing":
        line += f" (sidang #{escape(entry.entity_id)})"
    if entry.undone_at is not None:
        line += " <i>(diurungkan)</i>"
    detail = audit_changes(entry)
    return line + (f"\n  {detail}" if detail else "")


def undone_with(entries: Sequence[Any]) -> str:
    """The other rows one undo took back with the first (hearings of a resolution, a level's stage)."""
    if not entries:
        return ""
    parts = [
        f"{escape(ACTION_LABEL.get(e.action, e.action))} pada {ENTITY_LABEL.get(e.entity, e.entity)} "
        f"#{escape(e.entity_id)}"
        for e in entries
    ]
    return "\nBeserta: " + "; ".join(parts)


def audit_summary(entry, names: dict[int, str], tz) -> str:
    noun = ENTITY_LABEL.get(entry.entity, entry.entity)
    # A target's row id means nothing to anyone; the change line below names the indicator and quarter.
    subject = "" if entry.entity == "target" else f" pada {noun} #{escape(entry.entity_id)}"
    return f"{escape(ACTION_LABEL.get(entry.action, entry.action))}{subject}\n" + audit_line(entry, names, tz)
