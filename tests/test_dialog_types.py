"""The dialogue's typed pieces on their own: the callback-data codec and the draft's JSON form."""

from datetime import date

from handlers import catalog  # noqa: F401  (registers the forms, as the application does)
from handlers.dialog import Draft, Op, Press


def test_callback_data_round_trips_and_refuses_what_it_did_not_make():
    press = Press("tetapkan", 0, Op.pick, "12")
    assert press.encode() == "tetapkan|0|p|12"
    assert Press.decode(press.encode()) == press
    assert Press.decode("tetapkan|0|p|a|b") == Press("tetapkan", 0, Op.pick, "a|b")  # the argument is the rest
    for junk in ("", "usul", "usul|x|c|1", "usul|0|z|1", "usul|0"):
        assert Press.decode(junk) is None, junk


def test_a_draft_keeps_real_dates_and_stores_them_as_iso_text():
    draft = Draft("usul", step=2, values={"kind": "perwali", "title": "T", "date": date(2026, 3, 1)}, seen=[5])
    stored = draft.to_json()
    assert stored["values"]["date"] == "2026-03-01"
    assert Draft.from_json(stored) == draft


def test_a_draft_stored_by_the_previous_version_reads_the_same():
    stored = {"form": "tetapkan", "step": 3, "values": {"product": 1, "number": 7, "date": "2026-03-10"}, "page": 0}
    draft = Draft.from_json(stored | {"typing": False, "seen": [1], "touched": "2026-03-10T01:00:00+00:00"})
    assert draft is not None and draft.values["date"] == date(2026, 3, 10)
    assert Draft.from_json({"form": "gone"}) is None  # a form that no longer exists ends the dialogue


def test_ubah_keeps_text_values_as_text():
    values = {"entity": "product", "id": 1, "field": "title", "value": "2026-03-01"}
    draft = Draft.from_json({"form": "ubah", "step": 2, "values": values})
    assert draft is not None and draft.values["value"] == "2026-03-01"  # a title that looks like a date
    values = values | {"field": "proposed_on"}
    draft = Draft.from_json({"form": "ubah", "step": 1, "values": values})
    assert draft is not None and draft.values["value"] == date(2026, 3, 1)
