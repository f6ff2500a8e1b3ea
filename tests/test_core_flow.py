"""The scenario of the core issue's "done when", through the real Application."""

from tests.conftest import ADMIN


async def test_four_perwali_four_cases_give_the_expected_indicators(harness):
    for title in ("Satu", "Dua", "Tiga", "Empat"):
        assert "Usulan dicatat" in await harness.say(f"/usul perwali 2026-03-01 {title}")
    for product_id, number in ((1, 7), (2, 8), (3, 9)):
        assert "Penetapan dicatat" in await harness.say(f"/tetapkan {product_id} {number} 2026-03-10")
    for product_id in (1, 2):
        assert "Publikasi dicatat" in await harness.say(f"/publikasi {product_id} 2026-03-15")
    for n in range(1, 5):
        assert "Perkara dicatat" in await harness.say(f"/perkara {n}/Pdt.G/2026/PN Prb 2026-02-01 Gugatan {n}")
    assert "Penyelesaian perkara dicatat" in await harness.say("/selesai 1 2026-06-30 Menang")

    reply = await harness.say("/iku")
    assert "IKU-1" in reply and "2 dari 3 (66,67%)" in reply
    assert "IKU-2" in reply and "3 dari 4 (75,00%)" in reply
    assert "IKU-3" in reply and "1 dari 4 (25,00%)" in reply


async def test_html_in_titles_is_escaped_and_shown_verbatim(harness):
    reply = await harness.say("/usul perda Tentang <b>Pajak</b> & Retribusi 🚀")
    assert "Tentang <b>Pajak</b> & Retribusi 🚀" in reply
    sent = harness.api.sent()[-1].params["text"]
    assert "&lt;b&gt;Pajak&lt;/b&gt; &amp; Retribusi" in sent


async def test_stranger_is_refused_with_their_id_and_nothing_is_written(harness):
    reply = await harness.say("/usul perwali Judul", user=555)
    assert "555" in reply and "admin" in reply
    assert "Tidak ada usulan" in (await harness.send("/daftar usulan", user=ADMIN))[0]
