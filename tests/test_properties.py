# ruff: noqa: RUF001  (look-alike characters are what these tests feed the bot)
"""Property-based: random Unicode, very long, empty and oddly spaced input into every command and every
dialogue step, as every role (issue 9, "Beyond the list").

For every update: the bot answers with one message (a few commands answer with a fixed number of parts),
never the generic apology, never a traceback, and the log has no ERROR; after an answer that says the
input was wrong or not allowed, the database is as it was; a dialogue writes only on Simpan. Strangers
get at most one answer (flood control may silence them) and never write.

Bounded and derandomised, without an example database, so every run tries the same inputs and CI does not
flake; one application serves all examples of a test (its database keeps what valid input wrote).
"""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.app import SORRY
from handlers import catalog, dialog
from tests.conftest import ADMIN
from tests.helpers import PEOPLE, STRANGER, add_everyone, state

COMMANDS = sorted({name for c in catalog.COMMANDS for name in (c.name, *c.aliases)})
# Commands whose successful answer has a fixed number of parts: /daftar one per section, /ringkasan the
# digest and its chart.
MOST_PARTS = {"daftar": 3, "ringkasan": 2}
MEMBERS = {"admin": ADMIN} | {name: user_id for name, (user_id, _, _) in PEOPLE.items()}
GROUP = -100777
# How the bot says that input was wrong or not allowed; after such an answer nothing may have changed.
MISTAKE_OR_REFUSAL = ("⚠️", "Maaf")


def bounded(examples: int):
    """Derandomised, no example database, no deadline (the machine may be busy): the same inputs every run."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# Words the domain reads specially, and look-alikes of them.
TOKENS = [
    "perda", "perwali", "kepwali", "PERWALI", "ｐｅｒｗａｌｉ", "tambah", "hapus", "admin", "staf", "kasubbag",
    "pimpinan", "bankum", "dokinfo", "perundangan", "produk", "perkara", "usulan", "terbit", "senin", "jumat",
    "08:00", "²:00", "23.59", "24:00", "tw1", "tw5", "2026", "²⁰²⁶", "1999", "1", "2", "#1", "0", "-1", "①",
    "１２", "٣", "99999999999999999999", "9" * 200, "2026-03-01", "31-02-2026", "1 Maret 2026", "kemarin",
    "2 hari lalu", "Senin lalu", "hari ini", "12/Pdt.G/2026/PN Prb", "12/Pdt.G/20\u200b26/PN Prb",
    "https://jdih.probolinggokota.go.id/x", "http://", "<b>", "&amp;", "</code>", "\u202e", "\u200b", "\u00ad",
    "\ufeff", "\x00", "👨\u200d👩\u200d👧", "Menang", "\"12/Pdt.G/2026/PN Prb", "“kutip”",
]  # fmt: skip
# What each command reads, slot by slot: valid values and look-alikes of them.
IDS = ["1", "2", "3", "#1", "²", "①", "١", "１", "0", "-1", "99999999999", "9" * 200, "1.5"]
DATES = [
    "2026-03-01",
    "01-03-2026",
    "31-02-2026",
    "1 Maret 2026",
    "kemarin",
    "2 hari lalu",
    "²⁰ hari lalu",
    "２０２６-03-01",
    "2030-01-01",
    "1999-01-01",
    "29 Februari",
]
TEXTS = ["Tata Cara Arsip", "Judul \u202eterbalik", "Zero\u200bWidth", "<b>tebal</b>", "&", "\x00", "Menang"]
SLOTS: dict[str, list[list[str]]] = {
    "usul": [["perda", "perwali", "kepwali", "Perwali", "ｐｅｒｄａ", "perpres"], DATES, TEXTS],
    "tetapkan": [IDS, IDS, DATES],
    "publikasi": [IDS, DATES, ["https://jdih.probolinggokota.go.id/x", "http://", "ftp://x", "jdih\u200b.go.id"]],
    "perkara": [
        ["12/Pdt.G/2026/PN Prb", "1/Pdt.G/2026/PN Prb", "１/Pdt.G/2026/PN Prb", "\"12/Pdt", "tanpa-garis"],
        DATES,
        TEXTS,
    ],
    "selesai": [IDS, DATES, TEXTS],
    "iku": [["2026", "²⁰²⁶", "٢٠٢٦", "1999", "2027", "tw1", "tw5", "TW2"], ["tw1", "tw4", "2025", "tw²"]],
    "daftar": [["usulan", "terbit", "perkara", "USULAN", "semua"]],
    "anggota": [
        ["tambah", "hapus", "TAMBAH", "ubah"],
        ["3001", "①", "1001", "-5", "0", "9" * 30],
        ["admin", "staf", "kasubbag", "pimpinan", "raja"],
        ["bankum", "dokinfo", "perundangan", "Bankum", "hukum"],
        TEXTS,
    ],
    "langganan": [
        ["senin", "jumat", "SENIN", "minggu", "libur", "08:00"],
        ["08:00", "²:00", "23.59", "24:00", "8:5", "0８:00"],
    ],
    "riwayat": [["produk", "perkara", "PRODUK", "surat"], IDS],
    "ubah": [["produk", "perkara", "PRODUK", "surat"], IDS],
}  # fmt: skip
# Look-alikes that fit any slot: digits of other kinds, invisible characters, the extremes.
ODD = st.sampled_from(["²", "①", "١٢", "１２", "⁴", "٣", "1\u200b", "\u00ad", "\ufeff", "9" * 300, "-0", "#", "\x00"])
SPACES = st.sampled_from([" ", "  ", "\t", "\n", "\u00a0", "\u3000", "\u2028", " \u200b "])
WORD = st.one_of(st.sampled_from(TOKENS), st.sampled_from(TOKENS), st.text(min_size=1, max_size=12))


@st.composite
def odd_text(draw, command: str | None = None) -> str:
    """Empty, random Unicode, the command's own slots filled with valid values and look-alikes, words the
    domain knows, all joined by odd spacing, or very long."""
    kinds = ["empty", "random", "words", "long"] + (["slots"] * 8 if command is not None and command in SLOTS else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "empty":
        return ""
    if kind == "slots":
        assert command is not None
        slots = SLOTS[command][: draw(st.integers(1, len(SLOTS[command])))]
        words = [draw(st.one_of(st.sampled_from(pool), ODD, WORD)) for pool in slots]
        return "".join(w + draw(SPACES) for w in words)
    if kind == "random":
        return draw(st.text(max_size=60))
    if kind == "words":
        words = draw(st.lists(WORD, max_size=6))
        return "".join(w + draw(SPACES) for w in words)
    unit = draw(st.text(min_size=1, max_size=4))
    return (unit * 4000)[: draw(st.integers(600, 4000))]


def message(command: str, args: str) -> str:
    return (f"/{command} {args}" if args else f"/{command}")[:4096]


@pytest.fixture
async def seeded(harness):
    """Members of every role and a few records, so that valid input has something to act on."""
    await add_everyone(harness)
    for text in (
        "/usul perda 2026-01-05 Retribusi Parkir",
        "/usul perwali 2026-01-06 Arsip Daerah",
        "/tetapkan 2 3 2026-02-01",
        "/perkara 1/Pdt.G/2026/PN Prb 2026-01-10 Gugatan",
    ):
        assert "✅" in await harness.say(text)
    return harness


def check_log(caplog) -> None:
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, errors
    caplog.clear()


def check_answers(answers: list[str]) -> None:
    for answer in answers:
        assert answer.strip()
        assert SORRY not in answer, answer
        assert "Traceback" not in answer and "Exception" not in answer, answer


async def check_one_update(harness, caplog, text: str, user: int, chat: int | None, chat_type: str, most: int):
    before = await state(harness)
    answers = await harness.send(text, user=user, chat=chat, chat_type=chat_type)
    after = await state(harness)
    check_log(caplog)
    check_answers(answers)
    assert 1 <= len(answers) <= most, (text, answers)
    if answers[0].startswith(MISTAKE_OR_REFUSAL):
        assert after == before, text


@st.composite
def command_and_args(draw) -> tuple[str, str]:
    command = draw(st.sampled_from(COMMANDS))
    return command, draw(odd_text(command))


@bounded(150)
@example(command_args=("tetapkan", "² 7"), role="admin", in_group=False)
@example(command_args=("iku", "²⁰²⁶"), role="pimpinan", in_group=False)
@example(command_args=("langganan", "senin ²:00"), role="admin", in_group=True)
@example(command_args=("anggota", "hapus ①"), role="admin", in_group=False)
@given(
    command_args=command_and_args(),
    role=st.sampled_from(sorted(MEMBERS)),
    in_group=st.booleans(),
)
async def test_every_command_answers_odd_input_once_as_every_role(seeded, caplog, command_args, role, in_group):
    caplog.set_level(logging.WARNING)
    command, args = command_args
    chat, chat_type = (GROUP, "group") if in_group else (None, "private")
    most = MOST_PARTS.get(command, 1)
    await check_one_update(seeded, caplog, message(command, args), MEMBERS[role], chat, chat_type, most)
    await seeded.send("/batal", user=MEMBERS[role], chat=chat, chat_type=chat_type)  # no dialogue left open


@bounded(40)
@given(command_args=command_and_args())
async def test_a_stranger_gets_at_most_one_answer_and_nothing_is_written(seeded, caplog, command_args):
    caplog.set_level(logging.WARNING)
    command, args = command_args
    before = await state(seeded)
    answers = await seeded.send(message(command, args), user=STRANGER)
    check_log(caplog)
    check_answers(answers)
    assert len(answers) <= 1
    assert await state(seeded) == before


@bounded(60)
@given(
    form=st.sampled_from(sorted(dialog.FORMS)),
    role=st.sampled_from(sorted(MEMBERS)),
    moves=st.lists(st.one_of(odd_text(), st.integers(0, 20)), min_size=1, max_size=6),
)
async def test_every_dialogue_step_answers_odd_input_once(seeded, caplog, form, role, moves):
    """A move is typed text, or a press of one of the buttons on offer (an integer picks which)."""
    caplog.set_level(logging.WARNING)
    user = MEMBERS[role]
    start = await seeded.send(f"/{form}", user=user)
    check_log(caplog)
    check_answers(start)
    assert len(start) == 1, start
    for move in moves:
        before = await state(seeded)
        if isinstance(move, int):
            buttons = seeded.buttons()
            if not buttons:
                continue
            label, data, message_id = buttons[move % len(buttons)]
            answers = await seeded.press_data(data, user=user, message_id=message_id)
            assert len(answers) <= 1, (label, answers)
        else:
            answers = await seeded.send(move or "\u200b", user=user)  # Telegram sends no empty message
            assert len(answers) == 1, (move, answers)
        after = await state(seeded)
        check_log(caplog)
        check_answers(answers)
        if after != before:  # only Simpan writes, and says so
            assert answers and answers[0].startswith("✅"), answers
    await seeded.send("/batal", user=user)
