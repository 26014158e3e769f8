"""The shared record fields: each factory's defaults, limits and messages, and the lists that bound themselves."""

import datetime as dt

import pytest
from marshmallow import ValidationError, fields

from traceability.formats import fields as f
from traceability.vocabulary import BusinessScale, CertificateStatus, Origin


def load(field: fields.Field, data: dict) -> dict:
    loaded: dict = f.Strict.from_dict({"value": field})().load(data)
    return loaded


def messages(field: fields.Field, data: dict) -> dict | list:
    with pytest.raises(ValidationError) as raised:
        load(field, data)
    return raised.value.messages


def test_text_is_required_non_empty_and_bounded():
    assert load(f.text(5), {"value": "Garam"}) == {"value": "Garam"}
    assert messages(f.text(5), {}) == {"value": ["Missing data for required field."]}
    assert messages(f.text(5), {"value": ""}) == {"value": ["Length must be between 1 and 5."]}
    assert messages(f.text(5), {"value": "Garam!"}) == {"value": ["Length must be between 1 and 5."]}


def test_text_with_a_default_is_optional():
    assert load(f.text(5, load_default="-"), {}) == {"value": "-"}


def test_optional_text_and_date_default_to_none_and_take_null():
    assert load(f.optional_text(3), {}) == {"value": None}
    assert load(f.optional_text(3), {"value": None}) == {"value": None}
    assert load(f.optional_text(3), {"value": ""}) == {"value": ""}
    assert messages(f.optional_text(3), {"value": "abcd"}) == {"value": ["Longer than maximum length 3."]}
    assert load(f.optional_date(), {"value": "2025-11-24"}) == {"value": dt.date(2025, 11, 24)}
    assert load(f.optional_date(), {}) == {"value": None}


def test_flag_defaults_to_false_or_to_what_it_is_told():
    assert load(f.flag(), {}) == {"value": False}
    assert load(f.flag(True), {}) == {"value": True}


def test_choice_loads_an_enum_by_value_and_names_the_choices():
    assert load(f.choice(Origin), {"value": "plant"}) == {"value": Origin.PLANT}
    assert messages(f.choice(Origin), {}) == {"value": ["Missing data for required field."]}
    assert messages(f.choice(Origin), {"value": "PLANT"}) == {
        "value": ["Must be one of: plant, animal, aquatic, insect, microbial, mineral, synthetic, human, unknown."]
    }


def test_choice_with_a_default_is_optional_and_may_allow_null():
    assert load(f.choice(CertificateStatus, default=CertificateStatus.ACTIVE), {}) == {
        "value": CertificateStatus.ACTIVE
    }
    assert load(f.choice(Origin, default=None, allow_none=True), {"value": None}) == {"value": None}
    assert messages(f.choice(Origin, default=Origin.UNKNOWN), {"value": None}) == {"value": ["Field may not be null."]}


def test_a_nib_is_13_digits_and_optional_only_when_told():
    assert load(f.nib_field(required=True), {"value": "1208230044517"}) == {"value": "1208230044517"}
    assert messages(f.nib_field(required=True), {"value": "12082300445"}) == {
        "value": ["NIB must be exactly 13 digits."]
    }
    assert messages(f.nib_field(required=True), {}) == {"value": ["Missing data for required field."]}
    assert load(f.nib_field(required=False), {}) == {"value": None}
    assert messages(f.nib_field(required=False), {"value": "120823004451x"}) == {
        "value": ["NIB must be exactly 13 digits."]
    }


def test_a_gtin_needs_its_check_digit():
    assert load(f.gtin_field(), {"value": "8994471000237"}) == {"value": "8994471000237"}
    assert load(f.gtin_field(), {}) == {"value": None}
    assert messages(f.gtin_field(), {"value": "8994471000238"}) == {
        "value": ["GTIN must be 8, 12, 13 or 14 digits with a correct check digit."]
    }


@pytest.mark.parametrize("value", [0, 2.5, f.MAX_QUANTITY - 1])
def test_quantities_from_zero_to_below_a_trillion_are_taken(value):
    assert load(f.quantity_field(), {"value": value}) == {"value": value}


@pytest.mark.parametrize("value", [-0.001, f.MAX_QUANTITY, 10**15])
def test_quantities_out_of_range_are_refused(value):
    assert messages(f.quantity_field(), {"value": value}) == {
        "value": ["Quantities are numbers from 0 to below 1,000,000,000,000."]
    }


def test_a_quantity_is_never_nan():
    assert messages(f.quantity_field(), {"value": "nan"}) == {
        "value": ["Special numeric values (nan or infinity) are not permitted."]
    }


def test_a_bounded_list_is_refused_whole_past_its_limit_and_says_so_in_its_metadata():
    field = f.BoundedList(fields.Integer(), max_items=3)

    assert load(field, {"value": [1, 2, 3]}) == {"value": [1, 2, 3]}
    assert messages(f.BoundedList(fields.Integer(), max_items=3), {"value": [1, "x", 3, 4]}) == {
        "value": ["Give at most 3 items (got 4)."]
    }
    assert field.metadata == {"maxItems": 3}


def test_a_bounded_list_defaults_to_the_common_limit():
    assert f.BoundedList(fields.Integer()).max_items == f.MAX_ITEMS == 1_000


def test_a_unique_list_refuses_repeats_and_too_few_items():
    field = f.unique_list(fields.String(), min_length=2, required=True)

    assert load(field, {"value": ["a", "b"]}) == {"value": ["a", "b"]}
    assert messages(f.unique_list(fields.String(), min_length=2), {"value": ["a"]}) == {
        "value": ["Give at least 2 item(s)."]
    }
    assert messages(f.unique_list(fields.String()), {"value": ["a", "b", "a"]}) == {
        "value": ["Each item may appear only once."]
    }


def test_strict_schemas_refuse_unknown_fields():
    assert messages(f.text(), {"value": "x", "colour": "red"}) == {"colour": ["Unknown field."]}


@pytest.mark.parametrize(("value", "ok"), [(1, True), (f.MAX_ID, True), (0, False), (f.MAX_ID + 1, False)])
def test_stored_ids_fit_a_postgresql_integer(value, ok):
    field = fields.Integer(validate=f.STORED_ID)

    if ok:
        assert load(field, {"value": value}) == {"value": value}
    else:
        assert messages(fields.Integer(validate=f.STORED_ID), {"value": value}) == {
            "value": ["Ids are whole numbers from 1 to 2147483647."]
        }


def test_countries_are_iso_alpha_2_codes():
    country = fields.String(validate=f.COUNTRY)

    assert load(country, {"value": "MY"}) == {"value": "MY"}
    assert messages(fields.String(validate=f.COUNTRY), {"value": "IDN"}) == {
        "value": ["Use an ISO 3166 alpha-2 country code such as ID or MY."]
    }


def test_record_fields_take_their_references_from_the_factories_given():
    ref, opt_ref = (lambda: fields.Integer(required=True)), (lambda: fields.Integer(allow_none=True))

    lot = f.lot_fields(ref, opt_ref)

    assert list(lot) == ["material", "supplier", "certificate", "lot_code", "quantity", "unit", "received_on"]
    assert (lot["material"].required, lot["certificate"].required) == (True, False)


def test_a_business_defaults_its_country_and_empty_sjph_records():
    business = f.Strict.from_dict(f.business_fields())().load(
        {"name": "Rendang Bundo", "nib": "1208230044517", "scale": "small"}
    )

    assert business == {
        "name": "Rendang Bundo",
        "nib": "1208230044517",
        "scale": BusinessScale.SMALL,
        "annual_turnover_idr": None,
        "country": "ID",
        "address": None,
        "region": None,
        "halal_supervisor": None,
        "sjph": {"last_training_on": None, "last_internal_audit_on": None, "last_management_review_on": None},
    }


def test_a_material_e_number_is_written_like_e471():
    material = f.Strict.from_dict(f.material_fields(lambda: f.unique_list(fields.String(), load_default=list)))
    body = {"name": "Pengemulsi", "kind": "additive", "e_number": "471"}

    with pytest.raises(ValidationError) as raised:
        material().load(body)

    assert raised.value.messages == {"e_number": ["Write E-numbers like E471 or E160a."]}
    assert material().load({**body, "e_number": "E160a"})["e_number"] == "E160a"
