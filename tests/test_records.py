"""The record specs are complete: every column of a record table is described once, so history, /ubah,
undo and the coming import and export find every field there."""

from datetime import date

import pytest

from models import registry
from models.corrections import FIELD_LABELS
from models.errors import InputError
from models.records import FieldKind
from models.tables import Case, Product

SYSTEM_COLUMNS = {"id", "created_by", "created_at", "updated_at"}


@pytest.mark.parametrize("spec", registry.RECORDS.values(), ids=lambda s: s.entity)
def test_every_column_of_a_record_table_is_in_its_spec(spec):
    described = {f.name for f in spec.fields} | set(spec.extra_labels) | set(spec.bookkeeping)
    assert set(spec.table.model_fields) - SYSTEM_COLUMNS == described
    assert {f.name for f in spec.fields} | set(spec.extra_labels) <= set(FIELD_LABELS)


@pytest.mark.parametrize("spec", registry.RECORDS.values(), ids=lambda s: s.entity)
def test_each_field_says_how_it_is_checked_and_when_it_exists(spec):
    dates = {f.name for f in spec.dates}
    for f in spec.fields:
        assert f.label and f.action
        assert (f.clean is None) == (f.kind == FieldKind.date), f.name  # dates are checked by the date order
        assert f.stage is None or f.stage in dates, f.name
        if f.kind == FieldKind.date:
            assert f.what and f.event, f.name


def test_types_are_found_by_keyword_record_and_name():
    assert registry.by_keyword("PRODUK", "/ubah produk 1").table is Product
    assert registry.of_record(
        Case(register_number="1/x", register_key="1/x", started_on=date(2026, 1, 1), created_by=1)
    ).entity == ("case")
    with pytest.raises(InputError, match="pilih produk atau perkara"):
        registry.by_keyword("surat", "/ubah produk 1")


def test_the_date_rule_names_the_nearest_earlier_event():
    spec = registry.of("product")
    product = Product(
        kind="perwali", title="T", proposed_on=date(2026, 3, 1), enacted_on=date(2026, 3, 10), created_by=1
    )
    with pytest.raises(InputError, match="sebelum tanggal penetapan"):
        spec.check_date(product, "published_on", date(2026, 2, 1), date(2026, 6, 1), "/publikasi 1")
    with pytest.raises(InputError, match="sesudah tanggal penetapan"):
        spec.check_date(product, "proposed_on", date(2026, 3, 11), date(2026, 6, 1), "/ubah produk 1")
    with pytest.raises(InputError, match="masa depan"):
        spec.check_date(None, "proposed_on", date(2026, 7, 1), date(2026, 6, 1), "/usul")
    assert spec.check_date(product, "published_on", date(2026, 3, 10), date(2026, 6, 1), "x") == date(2026, 3, 10)
