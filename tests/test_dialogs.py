"""Guided dialogues end to end through the real Application: buttons are callback-query updates."""

from datetime import date, timedelta

from sqlmodel import col, select

from models.tables import Case, Product
from tests.conftest import running_harness
from tests.helpers import SECOND_ADMIN, STAF_BANKUM

TOPICS = [
    "Arsip",
    "Pajak",
    "Retribusi",
    "Kepegawaian",
    "Pasar",
    "Perizinan",
    "Kebersihan",
    "Pendidikan",
    "Kesehatan",
    "Perhubungan",
]


async def products(harness) -> list[Product]:
    async with harness.db.session() as session:
        return list((await session.exec(select(Product).order_by(col(Product.id)))).all())


async def cases(harness) -> list[Case]:
    async with harness.db.session() as session:
        return list((await session.exec(select(Case).order_by(col(Case.id)))).all())


def labels(harness) -> list[str]:
    return [label for label, _, _ in harness.buttons()]


async def test_usul_dialog_from_kind_to_saved_record(harness):
    reply = await harness.say("/usul")
    assert "Pilih jenis" in reply
    assert labels(harness) == ["Perda", "Perwali", "Kepwali", "Batal"]
    assert "judul" in (await harness.press("Perwali"))[0]
    assert "Tanggal usulan" in await harness.say("Tata Cara <Pengelolaan> & Arsip 📁")
    summary = (await harness.press("Kemarin"))[0]
    assert "Tata Cara <Pengelolaan> & Arsip 📁" in summary and "23 November 2026" in summary
    assert labels(harness) == ["Simpan", "Batal"]
    saved = (await harness.press("Simpan"))[0]
    assert "Usulan dicatat" in saved and "#1 Perwali" in saved
    [product] = await products(harness)
    assert (product.kind, product.title, product.proposed_on) == (
        "perwali",
        "Tata Cara <Pengelolaan> & Arsip 📁",
        date(2026, 11, 23),
    )


async def test_typing_a_label_works_like_pressing_it_and_wrong_text_reasks(harness):
    await harness.say("/usul")
    reply = await harness.say("Peraturan Presiden")
    assert "pilih salah satu tombol" in reply.lower() and "Pilih jenis" in reply
    assert "judul" in await harness.say("perda")


async def test_tetapkan_pages_eight_proposals_at_a_time(harness):
    for n in range(1, 11):
        assert "dicatat" in await harness.say(f"/usul perwali 2026-03-{n:02d} {TOPICS[n - 1]}")
    reply = await harness.say("/tetapkan")
    assert "halaman 1 dari 2" in reply
    first_page = labels(harness)
    assert len([label for label in first_page if label.startswith("#")]) == 8
    assert first_page[0].startswith("#10 ")  # newest first
    assert "›" in first_page and "‹" not in first_page
    reply = (await harness.press("›"))[0]
    assert "halaman 2 dari 2" in reply
    second_page = labels(harness)
    assert [label for label in second_page if label.startswith("#")] == ["#2 Perwali — Pajak", "#1 Perwali — Arsip"]
    assert "‹" in second_page and "›" not in second_page
    await harness.press("#1 Perwali — Arsip")
    await harness.say("7")
    await harness.press("Hari ini")
    assert "Penetapan dicatat" in (await harness.press("Simpan"))[0]
    enacted = [p for p in await products(harness) if p.enacted_on]
    assert [(p.id, p.number, p.enacted_on) for p in enacted] == [(1, 7, date(2026, 11, 24))]


async def test_batal_leaves_the_dialogue_and_nothing_is_written(harness):
    await harness.say("/usul")
    await harness.press("Perda")
    assert "dibatalkan" in (await harness.say("/batal")).lower()
    assert "Silakan gunakan perintah" in await harness.say("Judul yang terlambat")
    assert await products(harness) == []
    assert "Tidak ada dialog" in await harness.say("/batal")


async def test_cancel_button_writes_nothing(harness):
    await harness.say("/perkara")
    await harness.say("12/Pdt.G/2026/PN Prb")
    await harness.press("Lewati")
    await harness.press("Hari ini")
    assert "dibatalkan" in (await harness.press("Batal"))[0].lower()
    assert await cases(harness) == []


async def test_idle_dialogue_ends_after_ten_minutes(harness):
    await harness.say("/usul")
    await harness.press("Perwali")
    # The proactive timeout: python-telegram-bot schedules it on the JobQueue; run it instead of waiting.
    jobs = [
        job
        for job in harness.app.job_queue.jobs()
        if "conversation" in job.name.lower() or "timeout" in job.name.lower()
    ]
    assert jobs, [job.name for job in harness.app.job_queue.jobs()]
    start = len(harness.api.calls)
    await jobs[0].run(harness.app)
    sent = [c.params["text"] for c in harness.api.sent(start)]
    assert any("10 menit" in text for text in sent)
    assert "Silakan gunakan perintah" in await harness.say("Judul")
    assert await products(harness) == []


async def test_idle_dialogue_found_expired_by_the_clock_ends_with_a_message(harness):
    await harness.say("/usul")
    await harness.press("Perwali")
    harness.clock.advance(timedelta(minutes=11))
    assert "10 menit" in await harness.say("Judul terlambat")
    assert await products(harness) == []


async def test_dialogue_and_its_buttons_survive_a_restart(db_url, clock):
    async with running_harness(db_url, clock) as one:
        await one.say("/usul")
        await one.press("Kepwali")
        await one.say("Penunjukan Tim Evaluasi")
        date_buttons = one.buttons()

    async with running_harness(db_url, clock, first_update_id=1000) as two:
        hari_ini = next(data for label, data, _ in date_buttons if label == "Hari ini")
        summary = (await two.press_data(hari_ini))[0]
        assert "Penunjukan Tim Evaluasi" in summary and "Kepwali" in summary
        assert "Usulan dicatat" in (await two.press("Simpan"))[0]
        [product] = await products(two)
        assert (product.kind, product.title) == ("kepwali", "Penunjukan Tim Evaluasi")


async def test_stale_button_after_someone_else_handled_the_item(harness):
    await harness.say("/usul perwali 2026-03-01 Judul A")
    await harness.say("/tetapkan")
    pick = next(data for label, data, _ in harness.buttons() if label.startswith("#1"))
    await harness.say(f"/anggota tambah {SECOND_ADMIN} admin Admin Kedua")
    # Another admin enacts #1 with the one-line form meanwhile.
    assert "Penetapan dicatat" in await harness.say("/tetapkan 1 5 2026-03-05", user=SECOND_ADMIN)
    replies = await harness.press_data(pick)
    assert any("sudah ditetapkan" in r for r in replies)
    [product] = await products(harness)
    assert product.number == 5


async def test_button_of_a_finished_dialogue_is_answered_and_changes_nothing(harness):
    await harness.say("/usul")
    old = harness.buttons()
    await harness.say("/batal")
    replies = await harness.press_data(old[0][1])
    assert replies == []
    assert "tidak berlaku" in harness.last_answer
    assert await products(harness) == []


async def test_button_from_an_earlier_step_changes_nothing(harness):
    await harness.say("/usul")
    kinds = harness.buttons()
    await harness.press("Perda")
    await harness.press_data(kinds[1][1])  # "Perwali" from the first step, pressed again
    assert "tidak berlaku" in harness.last_answer
    assert "Tanggal usulan" in await harness.say("Judul Perda")
    summary = (await harness.press("Hari ini"))[0]
    assert "Jenis: Perda" in summary


async def test_rejected_step_is_asked_again_not_restarted(harness):
    await harness.say("/usul perwali 2026-03-10 Judul B")
    await harness.say("/tetapkan")
    await harness.press("#1 Perwali — Judul B")
    reply = await harness.say("tujuh")
    assert "angka" in reply and "nomor penetapannya" in reply
    await harness.say("7")
    await harness.press("Tanggal lain")
    reply = await harness.say("2026-03-01")
    assert "tidak boleh sebelum tanggal usulan" in reply and "Ketik tanggalnya" in reply
    reply = await harness.say("31-02-2026")
    assert "tidak valid" in reply
    summary = await harness.say("2026-03-12")
    assert "Nomor 7 Tahun 2026" in summary and "12 Maret 2026" in summary


async def test_number_taken_at_save_asks_the_number_again(harness):
    await harness.say("/usul perwali 2026-03-01 Judul Satu")
    await harness.say("/usul perwali 2026-03-02 Judul Dua Berbeda Sekali")
    await harness.say("/tetapkan 1 7 2026-03-03")
    await harness.say("/tetapkan")
    await harness.press("#2 Perwali — Judul Dua Berbeda Sekali")
    await harness.say("7")
    await harness.press("Hari ini")
    reply = (await harness.press("Simpan"))[0]
    assert "sudah dipakai" in reply and "nomor penetapannya" in reply
    await harness.say("8")
    await harness.press("Hari ini")
    assert "Nomor 8 Tahun 2026" in (await harness.press("Simpan"))[0]


async def test_selesai_with_typed_outcome(harness):
    await harness.say("/perkara 3/Pdt.G/2026/PN Prb 2026-01-05 Sengketa lahan")
    await harness.say("/selesai")
    await harness.press("#1 3/Pdt.G/2026/PN Prb")
    await harness.press("Kemarin")
    assert labels(harness)[:5] == ["Menang", "Kalah", "Damai", "Dicabut", "Lainnya"]
    await harness.press("Lainnya")
    await harness.say("Gugatan tidak dapat diterima")
    summary = (await harness.press("Belum diketahui"))[0]
    assert "Gugatan tidak dapat diterima" in summary and "Hasil bagi Pemkot: Lainnya" in summary
    await harness.press("Simpan")
    [case] = await cases(harness)
    assert (case.resolved_on, case.result, case.outcome, case.final_on) == (
        date(2026, 11, 23),
        "lainnya",
        "Gugatan tidak dapat diterima",
        None,
    )


async def test_publikasi_dialogue_with_skipped_link(harness):
    await harness.say("/usul perda 2026-02-01 Pajak Daerah")
    await harness.say("/tetapkan 1 3 2026-02-10")
    await harness.say("/publikasi")
    await harness.press("#1 Perda — Pajak Daerah")
    await harness.press("Hari ini")
    summary = (await harness.press("Lewati"))[0]
    assert "Tanggal publikasi: 24 November 2026" in summary and "Tautan" not in summary
    await harness.press("Simpan")
    [product] = await products(harness)
    assert (product.published_on, product.link) == (date(2026, 11, 24), None)


async def test_empty_pick_list_says_so(harness):
    assert "Tidak ada usulan yang menunggu" in await harness.say("/tetapkan")


async def test_members_see_only_their_dialogues(harness):
    await harness.say(f"/anggota tambah {STAF_BANKUM} staf bankum Siti")
    assert "tidak tersedia" in await harness.say("/usul", user=STAF_BANKUM)
    assert "nomor register" in await harness.say("/perkara", user=STAF_BANKUM)


async def test_similar_title_asks_for_confirmation(harness):
    await harness.say("/usul perwali 2026-03-01 Tata Cara Pengelolaan Arsip Daerah")
    reply = await harness.say("/usul perwali Tata cara pengelolaan arsip daerah.")
    assert "mirip" in reply and "#1 Perwali" in reply
    assert labels(harness) == ["Simpan", "Batal"]
    await harness.press("Batal")
    assert len(await products(harness)) == 1
    await harness.say("/usul perwali Tata cara pengelolaan arsip daerah.")
    await harness.press("Simpan")
    assert len(await products(harness)) == 2
    # A title from another year does not trigger the question.
    reply = await harness.say("/usul perwali 2025-03-01 Tata Cara Pengelolaan Arsip Daerah")
    assert "Usulan dicatat" in reply


async def test_similar_numbered_title_asks_only_when_its_numbers_match(harness):
    await harness.say("/usul perwali Perubahan Atas Peraturan Wali Kota Nomor 5 Tahun 2020 tentang Arsip")
    await harness.say("/usul perwali Perubahan Atas Peraturan Wali Kota Nomor 15 Tahun 2021 tentang Pajak")
    reply = await harness.say("/usul perwali perubahan atas peraturan wali kota nomor 5 tahun 2020 tentang arsip.")
    assert "mirip" in reply and "#1 Perwali" in reply
    await harness.press("Batal")
    # Other numbers (6 and 2020; 5 and 2021 in another order) are other products, however alike the words.
    for title in ("Nomor 6 Tahun 2020 tentang Arsip", "Nomor 2021 Tahun 5 tentang Arsip"):
        reply = await harness.say(f"/usul perwali Perubahan Atas Peraturan Wali Kota {title}")
        assert "Usulan dicatat" in reply, reply
    assert len(await products(harness)) == 4


async def test_callback_data_stays_small_with_long_titles(harness):
    title = "Perubahan 🚀 <&> " * 25
    await harness.say(f"/usul perda 2026-01-01 {title}")
    await harness.say("/tetapkan")
    for _, data, _ in harness.buttons():
        assert len(data.encode()) <= 64


async def test_perkara_dialogue_saves_register_description_and_date(harness):
    await harness.say("/perkara")
    reply = await harness.say("12/Pdt.G/2026/PN Prb")
    assert "uraian" in reply
    await harness.say("Gugatan <wanprestasi> & ganti rugi")
    await harness.press("Tanggal lain")
    await harness.say("1 Mar 2026")
    summary = (await harness.press("Tergugat"))[0]
    assert "12/Pdt.G/2026/PN Prb" in summary and "1 Maret 2026" in summary
    assert "Pengadilan: Pengadilan Negeri Probolinggo" in summary and "Jenis perkara: perdata" in summary
    assert "Perkara dicatat" in (await harness.press("Simpan"))[0]
    [case] = await cases(harness)
    assert (case.register_number, case.description, case.started_on) == (
        "12/Pdt.G/2026/PN Prb",
        "Gugatan <wanprestasi> & ganti rugi",
        date(2026, 3, 1),
    )
    # The same register number again is refused at its step.
    await harness.say("/perkara")
    reply = await harness.say("12/pdt.g/2026/pn prb")
    assert "sudah tercatat" in reply and "nomor register" in reply


async def test_ubah_perkara_outcome(harness):
    await harness.say("/perkara 5/Pdt.G/2026/PN Prb 2026-02-01 Sengketa")
    await harness.say("/selesai 1 2026-05-01 Menang")
    await harness.say("/ubah perkara 1")
    assert labels(harness) == [
        "Nomor register",
        "Uraian",
        "Tanggal mulai",
        "Pengadilan",
        "Kedudukan Pemkot",
        "Jenis perkara",
        "Tanggal selesai",
        "Hasil bagi Pemkot",
        "Hasil",
        "Tanggal inkracht",
        "Batal",
    ]
    await harness.press("Hasil")
    await harness.say("Damai")
    await harness.press("Simpan")
    [case] = await cases(harness)
    assert case.outcome == "Damai"
    history = await harness.say("/riwayat perkara 1")
    assert "Hasil: — → Damai" in history


async def test_redelivered_dialogue_steps_are_taken_once(harness):
    """After a crash Telegram delivers updates again; each step's input counts once."""
    start = harness.message_update("/usul")
    await harness.process(start)
    kind = harness.callback_update(harness.buttons()[1][1], message_id=harness.buttons()[1][2])
    await harness.process(kind)
    title = harness.message_update("Pengelolaan Arsip")
    await harness.process(title)
    for again in (start, kind, title):
        assert await harness.process(again) == []
    summary = (await harness.press("Hari ini"))[0]
    assert "Jenis: Perwali" in summary and "Judul: Pengelolaan Arsip" in summary
    await harness.press("Simpan")
    assert [p.title for p in await products(harness)] == ["Pengelolaan Arsip"]


async def test_a_huge_mistyped_answer_is_refused_within_telegrams_limit(harness):
    await harness.say("/usul")
    await harness.press("Perda")
    await harness.say("Judul")
    await harness.press("Tanggal lain")
    reply = await harness.say("x" * 4000)
    assert "tidak dikenali sebagai tanggal" in reply and "Ketik tanggalnya" in reply
    assert len(reply) < 1000
