"""The counting rules of the three indicators, at year, quarter and time-zone boundaries, as /iku shows them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, text

from handlers import replies
from models import indicators
from models.errors import InputError
from models.indicators import IKU1, Figure, Period
from models.tables import Product
from tests.conftest import JAKARTA
from tests.helpers import all_rows, custom_harness, fresh_db, ids_in, statements_run


def figures(reply: str) -> dict[str, str]:
    """`{"IKU-1": "2 dari 3 (66,67%)", ...}` from an /iku reply."""
    out = {}
    for code in ("IKU-1", "IKU-2", "IKU-3"):
        match = re.search(rf"{code} [^\n]*\n([^\n]*)\n", reply)
        assert match, reply
        out[code] = match.group(1)
    return out


async def iku(harness, args: str = "") -> dict[str, str]:
    return figures(await harness.say(f"/iku {args}".strip()))


_titles = iter(range(1, 1_000_000))


async def propose(harness, kind: str, day: str, title: str | None = None) -> int:
    # Distinct numbers keep the near-duplicate title check (a later feature) out of these tests.
    title = title or f"Judul {next(_titles)}"
    reply = await harness.say(f"/usul {kind} {day} {title}")
    assert "Usulan dicatat" in reply, reply
    return ids_in(reply)[0]


async def enact(harness, product_id: int, number: int, day: str) -> None:
    reply = await harness.say(f"/tetapkan {product_id} {number} {day}")
    assert "Penetapan dicatat" in reply, reply


async def publish(harness, product_id: int, day: str) -> None:
    reply = await harness.say(f"/publikasi {product_id} {day}")
    assert "Publikasi dicatat" in reply, reply


async def open_case(harness, register: str, day: str) -> int:
    reply = await harness.say(f"/perkara {register} {day} Gugatan")
    assert "Perkara dicatat" in reply, reply
    return ids_in(reply)[0]


async def resolve(harness, case_id: int, day: str) -> None:
    reply = await harness.say(f"/selesai {case_id} {day} Menang")
    assert "Penyelesaian perkara dicatat" in reply, reply


# --- empty and formatting ------------------------------------------------------------------------


async def test_empty_database_shows_no_data_for_every_indicator(harness):
    reply = await harness.say("/iku")
    for code, shown in figures(reply).items():
        assert shown == "belum ada data", (code, reply)
    assert "%" not in reply and "0 dari" not in reply


async def test_reply_names_each_indicator_with_its_subsection_and_period(harness):
    reply = await harness.say("/iku 2025")
    assert "Tahun 2025" in reply
    assert "1 Januari 2025 – 31 Desember 2025" in reply
    for indicator in indicators.INDICATORS:
        block = reply.split(indicator.code, 1)[1].split("\n\n", 1)[0]
        assert f"Penanggung jawab: {indicator.subsection_name}" in block
    assert "Dokumentasi dan Informasi Hukum" in reply.split("IKU-1", 1)[1].split("IKU-2", 1)[0]
    assert "Peraturan Perundang-undangan" in reply.split("IKU-2", 1)[1].split("IKU-3", 1)[0]
    assert "Bantuan Hukum" in reply.split("IKU-3", 1)[1]


async def test_running_period_says_data_up_to_today(harness):
    reply = await harness.say("/iku")
    assert "Tahun 2026" in reply and "Periode berjalan, data s.d. 24 November 2026" in reply


@pytest.mark.parametrize(
    "numerator, denominator, shown",
    [
        (1, 3, "1 dari 3 (33,33%)"),
        (2, 3, "2 dari 3 (66,67%)"),
        (1, 1, "1 dari 1 (100,00%)"),
        (0, 2, "0 dari 2 (0,00%)"),
        (1, 8, "1 dari 8 (12,50%)"),
        (1, 800, "1 dari 800 (0,13%)"),  # half up, not to even
        (5, 6, "5 dari 6 (83,33%)"),
        (0, 0, "belum ada data"),
    ],
)
def test_ratio_format(numerator, denominator, shown):
    assert replies.ratio(Figure(IKU1, numerator, denominator)) == shown


async def test_one_third_and_two_thirds_through_the_bot(harness):
    ids = [await propose(harness, "perwali", "2025-02-01", f"P{i}") for i in range(3)]
    await enact(harness, ids[0], 1, "2025-03-01")
    await enact(harness, ids[1], 2, "2025-03-01")
    await publish(harness, ids[0], "2025-04-01")
    shown = await iku(harness, "2025")
    assert shown["IKU-2"] == "2 dari 3 (66,67%)"
    assert shown["IKU-1"] == "1 dari 2 (50,00%)"
    for i in range(3):
        await open_case(harness, f"{i + 1}/Pdt.G/2025/PN Prb", "2025-01-10")
    await resolve(harness, 1, "2025-05-01")
    assert (await iku(harness, "2025"))["IKU-3"] == "1 dari 3 (33,33%)"
    await publish(harness, ids[1], "2025-04-02")
    assert (await iku(harness, "2025"))["IKU-1"] == "2 dari 2 (100,00%)"


# --- IKU-1 ---------------------------------------------------------------------------------------


async def test_iku1_enacted_31_december_vs_1_january(harness):
    a = await propose(harness, "perda", "2025-12-01", "Akhir Tahun")
    b = await propose(harness, "perda", "2025-12-01", "Awal Tahun")
    await enact(harness, a, 1, "2025-12-31")
    await enact(harness, b, 1, "2026-01-01")
    await publish(harness, a, "2025-12-31")
    await publish(harness, b, "2026-01-01")
    assert (await iku(harness, "2025"))["IKU-1"] == "1 dari 1 (100,00%)"
    assert (await iku(harness, "2026"))["IKU-1"] == "1 dari 1 (100,00%)"
    assert (await iku(harness, "2025 tw4"))["IKU-1"] == "1 dari 1 (100,00%)"
    assert (await iku(harness, "2026 tw1"))["IKU-1"] == "1 dari 1 (100,00%)"


async def test_iku1_published_after_the_end_of_a_past_period_does_not_count_for_it(harness):
    a = await propose(harness, "perwali", "2025-11-01")
    await enact(harness, a, 5, "2025-12-20")
    await publish(harness, a, "2026-01-02")
    assert (await iku(harness, "2025"))["IKU-1"] == "0 dari 1 (0,00%)"
    # enacted in 2025: not in the 2026 denominator, even though published in 2026
    assert (await iku(harness, "2026"))["IKU-1"] == "belum ada data"


async def test_iku1_published_on_the_last_day_of_the_period_counts(harness):
    a = await propose(harness, "perwali", "2026-01-05")
    await enact(harness, a, 5, "2026-02-01")
    await publish(harness, a, "2026-03-31")
    assert (await iku(harness, "2026 tw1"))["IKU-1"] == "1 dari 1 (100,00%)"


async def test_iku1_excludes_kepwali_but_iku2_includes_them(harness):
    k = await propose(harness, "kepwali", "2026-02-01", "Tim Koordinasi")
    await enact(harness, k, 1, "2026-02-10")
    await publish(harness, k, "2026-02-11")
    shown = await iku(harness, "2026")
    assert shown["IKU-1"] == "belum ada data"
    assert shown["IKU-2"] == "1 dari 1 (100,00%)"
    p = await propose(harness, "perda", "2026-02-01")
    w = await propose(harness, "perwali", "2026-02-01")
    await enact(harness, p, 1, "2026-02-10")
    await enact(harness, w, 1, "2026-02-10")
    await publish(harness, p, "2026-02-11")
    shown = await iku(harness, "2026")
    assert shown["IKU-1"] == "1 dari 2 (50,00%)"
    assert shown["IKU-2"] == "3 dari 3 (100,00%)"


async def test_iku1_running_period_counts_publications_up_to_today(harness, clock):
    a = await propose(harness, "perda", "2026-01-05")
    await enact(harness, a, 1, "2026-02-01")
    clock.set(datetime(2026, 6, 20, 9, 0, tzinfo=JAKARTA))
    await publish(harness, a, "2026-06-20")
    # Back in time: on 19 June the publication had not happened yet.
    clock.set(datetime(2026, 6, 19, 9, 0, tzinfo=JAKARTA))
    assert (await iku(harness, "2026"))["IKU-1"] == "0 dari 1 (0,00%)"
    assert (await iku(harness, "tw2"))["IKU-1"] == "belum ada data"
    clock.set(datetime(2026, 6, 20, 9, 0, tzinfo=JAKARTA))
    assert (await iku(harness, "2026"))["IKU-1"] == "1 dari 1 (100,00%)"


# --- IKU-2 ---------------------------------------------------------------------------------------


async def test_iku2_proposed_31_december_vs_1_january(harness):
    await propose(harness, "perda", "2025-12-31", "Lama")
    await propose(harness, "kepwali", "2026-01-01", "Baru")
    assert (await iku(harness, "2025"))["IKU-2"] == "0 dari 1 (0,00%)"
    assert (await iku(harness, "2026"))["IKU-2"] == "0 dari 1 (0,00%)"
    assert (await iku(harness, "2026 tw1"))["IKU-2"] == "0 dari 1 (0,00%)"
    assert (await iku(harness, "2025 tw4"))["IKU-2"] == "0 dari 1 (0,00%)"
    assert (await iku(harness, "2025 tw3"))["IKU-2"] == "belum ada data"


async def test_iku2_enacted_after_the_end_of_a_past_period_does_not_count_for_it(harness):
    a = await propose(harness, "perwali", "2025-12-15")
    await enact(harness, a, 1, "2026-01-01")
    assert (await iku(harness, "2025"))["IKU-2"] == "0 dari 1 (0,00%)"
    assert (await iku(harness, "2026"))["IKU-2"] == "belum ada data"
    b = await propose(harness, "perwali", "2026-03-31")
    await enact(harness, b, 2, "2026-04-01")
    assert (await iku(harness, "2026 tw1"))["IKU-2"] == "0 dari 1 (0,00%)"
    assert (await iku(harness, "2026 tw2"))["IKU-2"] == "belum ada data"
    assert (await iku(harness, "2026"))["IKU-2"] == "1 dari 1 (100,00%)"


async def test_iku2_running_period_counts_enactments_up_to_today(harness, clock):
    a = await propose(harness, "perda", "2026-03-01")
    clock.set(datetime(2026, 9, 1, 8, 0, tzinfo=JAKARTA))
    await enact(harness, a, 3, "2026-09-01")
    clock.set(datetime(2026, 8, 31, 8, 0, tzinfo=JAKARTA))
    assert (await iku(harness))["IKU-2"] == "0 dari 1 (0,00%)"
    clock.set(datetime(2026, 9, 1, 8, 0, tzinfo=JAKARTA))
    assert (await iku(harness))["IKU-2"] == "1 dari 1 (100,00%)"


@pytest.mark.parametrize(
    "quarter, proposed, enacted",
    [
        ("tw1", "2025-01-01", "2025-03-31"),
        ("tw2", "2025-04-01", "2025-06-30"),
        ("tw3", "2025-07-01", "2025-09-30"),
        ("tw4", "2025-10-01", "2025-12-31"),
    ],
)
async def test_iku2_each_quarter_covers_its_three_months(harness, quarter, proposed, enacted):
    a = await propose(harness, "perwali", proposed)
    await enact(harness, a, 1, enacted)
    quarters = {"tw1", "tw2", "tw3", "tw4"}
    assert (await iku(harness, f"2025 {quarter}"))["IKU-2"] == "1 dari 1 (100,00%)"
    for other in quarters - {quarter}:
        assert (await iku(harness, f"2025 {other}"))["IKU-2"] == "belum ada data", other
    # The period label says which quarter it is.
    reply = await harness.say(f"/iku {quarter} 2025")
    assert f"Triwulan {quarter[-1]} Tahun 2025" in reply


@pytest.mark.parametrize(
    "quarter, start, end",
    [
        (1, date(2026, 1, 1), date(2026, 3, 31)),
        (2, date(2026, 4, 1), date(2026, 6, 30)),
        (3, date(2026, 7, 1), date(2026, 9, 30)),
        (4, date(2026, 10, 1), date(2026, 12, 31)),
        (None, date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_period_bounds(quarter, start, end):
    period = Period(2026, quarter)
    assert (period.start, period.end) == (start, end)
    assert period.cutoff(date(2027, 1, 1)) == end
    assert period.cutoff(start) == start


# --- IKU-3 ---------------------------------------------------------------------------------------


async def test_iku3_carry_over_and_resolved_before_start(harness):
    carried = await open_case(harness, "1/Pdt.G/2025/PN Prb", "2025-06-01")  # still open
    done_last_year = await open_case(harness, "2/Pdt.G/2025/PN Prb", "2025-06-01")
    done_new_year = await open_case(harness, "3/Pdt.G/2025/PN Prb", "2025-06-01")
    await resolve(harness, done_last_year, "2025-12-31")
    await resolve(harness, done_new_year, "2026-01-01")
    assert carried == 1
    # 2025: all three handled, one resolved within 2025
    assert (await iku(harness, "2025"))["IKU-3"] == "1 dari 3 (33,33%)"
    # 2026: the case resolved 31 Dec 2025 is out; the open one carries over; one resolved in 2026
    assert (await iku(harness, "2026"))["IKU-3"] == "1 dari 2 (50,00%)"


async def test_iku3_case_started_on_the_last_day_counts_and_next_day_does_not(harness):
    await open_case(harness, "1/Pdt.G/2025/PN Prb", "2025-12-31")
    await open_case(harness, "2/Pdt.G/2026/PN Prb", "2026-01-01")
    assert (await iku(harness, "2025"))["IKU-3"] == "0 dari 1 (0,00%)"
    assert (await iku(harness, "2026"))["IKU-3"] == "0 dari 2 (0,00%)"


async def test_iku3_quarters(harness):
    c = await open_case(harness, "1/Pdt.G/2026/PN Prb", "2026-02-01")
    await resolve(harness, c, "2026-05-01")
    assert (await iku(harness, "2026 tw1"))["IKU-3"] == "0 dari 1 (0,00%)"
    assert (await iku(harness, "2026 tw2"))["IKU-3"] == "1 dari 1 (100,00%)"
    assert (await iku(harness, "2026 tw3"))["IKU-3"] == "belum ada data"
    assert (await iku(harness, "2026 tw4"))["IKU-3"] == "belum ada data"
    assert (await iku(harness, "2026"))["IKU-3"] == "1 dari 1 (100,00%)"
    assert (await iku(harness, "2025"))["IKU-3"] == "belum ada data"


async def test_iku3_resolved_on_the_first_day_of_the_period_counts(harness):
    c = await open_case(harness, "1/Pdt.G/2026/PN Prb", "2026-01-10")
    await resolve(harness, c, "2026-04-01")
    assert (await iku(harness, "2026 tw2"))["IKU-3"] == "1 dari 1 (100,00%)"
    assert (await iku(harness, "2026 tw1"))["IKU-3"] == "0 dari 1 (0,00%)"


async def test_iku3_running_period_counts_resolutions_up_to_today(harness, clock):
    c = await open_case(harness, "1/Pdt.G/2026/PN Prb", "2026-01-10")
    clock.set(datetime(2026, 10, 5, 8, 0, tzinfo=JAKARTA))
    await resolve(harness, c, "2026-10-05")
    clock.set(datetime(2026, 10, 4, 8, 0, tzinfo=JAKARTA))
    assert (await iku(harness, "tw4"))["IKU-3"] == "0 dari 1 (0,00%)"
    clock.set(datetime(2026, 10, 5, 8, 0, tzinfo=JAKARTA))
    assert (await iku(harness, "tw4"))["IKU-3"] == "1 dari 1 (100,00%)"


# --- periods -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, year, quarter",
    [
        ([], 2026, None),
        (["2025"], 2025, None),
        (["tw2"], 2026, 2),
        (["2025", "tw4"], 2025, 4),
        (["TW1", "2024"], 2024, 1),
    ],
)
def test_parse_period(args, year, quarter):
    assert indicators.parse_period(args, date(2026, 11, 24)) == Period(year, quarter)


@pytest.mark.parametrize(
    "args, says",
    [
        (["2027"], "di luar jangkauan"),
        (["1999"], "di luar jangkauan"),
        (["tw5"], "bukan tahun"),
        (["2025", "2024"], "Tahun disebut dua kali"),
        (["tw1", "tw2"], "Triwulan disebut dua kali"),
        (["26"], "bukan tahun"),
    ],
)
async def test_bad_period_is_explained(harness, args, says):
    reply = await harness.say("/iku " + " ".join(args))
    assert says in reply and "Contoh: /iku 2026 tw2" in reply
    with pytest.raises(InputError):
        indicators.parse_period(args, date(2026, 11, 24))


async def test_quarter_not_started_yet_is_refused(harness, clock):
    clock.set(datetime(2026, 5, 1, 8, 0, tzinfo=JAKARTA))
    reply = await harness.say("/iku tw3")
    assert "Triwulan 3 Tahun 2026 belum dimulai" in reply and "Contoh:" in reply


# --- time zone -----------------------------------------------------------------------------------


async def test_half_past_midnight_wib_on_1_january_belongs_to_the_new_year(harness, clock):
    clock.set(datetime(2026, 12, 31, 17, 30, tzinfo=UTC))  # 00:30 WIB, 1 January 2027
    reply = await harness.say("/usul perwali Tata Cara Tahun Baru")
    assert "Diusulkan: 1 Januari 2027" in reply
    (stored,) = await all_rows(harness, Product)
    assert stored.proposed_on == date(2027, 1, 1)
    assert (await iku(harness))["IKU-2"] == "0 dari 1 (0,00%)"
    assert "Tahun 2027" in await harness.say("/iku")
    assert (await iku(harness, "2026"))["IKU-2"] == "belum ada data"
    # Enacting "today" is 1 January 2027, so the number belongs to 2027.
    assert "Nomor 1 Tahun 2027" in await harness.say("/tetapkan 1 1")


async def test_one_minute_before_midnight_wib_is_still_the_old_year(harness, clock):
    clock.set(datetime(2026, 12, 31, 16, 59, tzinfo=UTC))  # 23:59 WIB, 31 December 2026
    assert "Diusulkan: 31 Desember 2026" in await harness.say("/usul perda Akhir Tahun")
    assert (await iku(harness, "2026"))["IKU-2"] == "0 dari 1 (0,00%)"
    # A date in 2027 is still in the future here.
    reply = await harness.say("/usul perda 2027-01-01 Terlalu Awal")
    assert "masa depan" in reply


async def test_timezone_setting_decides_today(tmp_path, migrated_template):
    async with custom_harness(fresh_db(tmp_path, migrated_template, "utc"), timezone="UTC") as harness:
        harness.clock.set(datetime(2026, 12, 31, 17, 30, tzinfo=UTC))
        # 17:30 UTC is still 31 December in UTC, though already 1 January in Jakarta.
        assert "Diusulkan: 31 Desember 2026" in await harness.say("/usul perwali Judul UTC")
        assert (await iku(harness))["IKU-2"] == "0 dari 1 (0,00%)"
        assert "Tahun 2026" in await harness.say("/iku")
    async with custom_harness(fresh_db(tmp_path, migrated_template, "wit"), timezone="Asia/Jayapura") as harness:
        harness.clock.set(datetime(2026, 12, 31, 15, 30, tzinfo=UTC))  # 00:30 WIT, 22:30 WIB
        assert "Diusulkan: 1 Januari 2027" in await harness.say("/usul perwali Judul WIT")
    async with custom_harness(fresh_db(tmp_path, migrated_template, "wib")) as harness:
        assert harness.clock.tz == ZoneInfo("Asia/Jakarta")  # the default zone


# --- SQL aggregates ------------------------------------------------------------------------------


async def _seed_some(harness):
    for i in range(3):
        pid = await propose(harness, "perda", f"2026-01-0{i + 1}", f"Judul {i}")
        await enact(harness, pid, i + 1, "2026-02-01")
    await publish(harness, 1, "2026-02-02")
    await open_case(harness, "1/Pdt.G/2026/PN Prb", "2026-01-10")


async def test_indicators_are_sql_aggregates_and_load_no_rows(harness):
    await _seed_some(harness)
    with statements_run(harness.db) as statements:
        reply = await harness.say("/iku 2026")
    assert "1 dari 3 (33,33%)" in reply
    touching = [s for s in statements if re.search(r"\b(product|legal_case)\b", s)]
    # The three indicators are asked in one statement (one round trip), a UNION ALL of three aggregates.
    assert len(touching) == 1, statements
    parts = touching[0].split("UNION ALL")
    assert len(parts) == 3, touching[0]
    for statement in parts:
        select_list = statement.split("FROM", 1)[0]
        assert re.search(r"count\(", select_list, re.I) and re.search(r"sum\(", select_list, re.I), statement
        assert "product.title" not in statement and "legal_case.description" not in statement
        assert "GROUP BY" not in statement.upper()


async def test_indicator_queries_use_indexes(harness):
    if not harness.db.is_sqlite:
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL rightly scans tables this small")
    await _seed_some(harness)
    today = date(2026, 11, 24)
    statements: list[tuple[str, object]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if re.search(r"\b(product|legal_case)\b", statement):
            statements.append((statement, parameters))

    engine = harness.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        async with harness.db.session() as session:
            await indicators.compute(session, Period(2026), today)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert len(statements) == 1, statements  # the three indicators in one statement
    # /iku runs it straight on SQLite (models/db.py, `Database.rows`): the same plan, values written in.
    with statements_run(harness.db) as direct:
        await indicators.compute(harness.db, Period(2026), today)
    direct = [s for s in direct if re.search(r"\b(product|legal_case)\b", s)]
    assert len(direct) == 1, direct
    statements.append((direct[0], ()))
    async with harness.db.engine.connect() as conn:
        for statement, parameters in statements:
            plan = (await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)).all()
            details = " | ".join(str(row[-1]) for row in plan)
            assert "USING INDEX" in details or "USING COVERING INDEX" in details, (statement, details)
            assert not re.search(r"SCAN (product|legal_case)(?! USING)", details), (statement, details)


async def test_compute_matches_reply(harness):
    await _seed_some(harness)
    async with harness.db.session() as session:
        figs = await indicators.compute(session, Period(2026), date(2026, 11, 24))
    assert [(f.indicator.code, f.numerator, f.denominator) for f in figs] == [
        ("IKU-1", 1, 3),
        ("IKU-2", 3, 3),
        ("IKU-3", 0, 1),
    ]
    assert figs[0].percent == Decimal("33.33")
    # Direct SQL agrees with the rule for IKU-1.
    async with harness.db.engine.connect() as conn:
        total = (
            await conn.execute(
                text(
                    "SELECT COUNT(*) FROM product WHERE kind IN ('perda','perwali') AND enacted_on BETWEEN "
                    "'2026-01-01' AND '2026-12-31'"
                )
            )
        ).scalar()
    assert total == 3


def test_unknown_timezone_setting_is_refused_at_start(monkeypatch):
    monkeypatch.delenv("TIMEZONE", raising=False)
    from pydantic import ValidationError

    from bot.settings import Settings

    with pytest.raises(ValidationError, match="unknown time zone"):
        Settings(_env_file=None, timezone="Asia/Probolinggo")
    assert Settings(_env_file=None).timezone == "Asia/Jakarta"


async def test_each_indicator_query_is_answered_from_an_index_alone(harness):
    """Migration 0004's covering indexes: no table row is read for any figure, on either database. On
    PostgreSQL the planner is told not to scan tables this small, and must then manage with the index alone
    (an Index Only Scan)."""
    await _seed_some(harness)
    statements: list[tuple[str, object]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if re.search(r"\b(product|legal_case)\b", statement) and not statement.startswith("EXPLAIN"):
            statements.append((statement, parameters))

    engine = harness.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        async with harness.db.session() as session:
            await indicators.compute(session, Period(2026), date(2026, 11, 24))
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert len(statements) == 1 and statements[0][0].count("UNION ALL") == 2, statements
    async with harness.db.engine.connect() as conn:
        if not harness.db.is_sqlite:
            for setting in ("enable_seqscan", "enable_bitmapscan"):
                await conn.exec_driver_sql(f"SET {setting} = off")
        for statement, parameters in statements:
            if harness.db.is_sqlite:
                plan = (await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)).all()
                details = " | ".join(str(row[-1]) for row in plan)
                # One index search per indicator (IKU-2 searches once per kind), none reading table rows.
                assert details.count("USING COVERING INDEX") >= 3, (statement, details)
                assert "USING INDEX" not in details.replace("USING COVERING INDEX", ""), (statement, details)
                assert not re.search(r"SCAN (product|legal_case)", details), (statement, details)
            else:
                plan = (await conn.exec_driver_sql("EXPLAIN " + statement, parameters)).all()
                details = " | ".join(str(row[0]) for row in plan)
                assert details.count("Index Only Scan") >= 3, (statement, details)
                assert "Seq Scan" not in details and "Bitmap Heap Scan" not in details, (statement, details)
