"""Codec: DynamoDB JSON <-> plain values with no type loss (property-based)."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ddbtui.dynamo import codec
from ddbtui.dynamo.errors import ValidationError

# Numbers DynamoDB can hold: up to 38 significant digits, exponent within range.
numbers = st.builds(
    lambda digits, exp, neg: Decimal(("-" if neg else "") + digits + f"E{exp}"),
    st.from_regex(r"[1-9][0-9]{0,37}", fullmatch=True), st.integers(-60, 60), st.booleans(),
) | st.integers(-(10**38) + 1, 10**38 - 1).map(Decimal)
scalars = st.one_of(st.text(max_size=20), numbers, st.binary(max_size=20), st.booleans(), st.none())
sets = st.one_of(st.frozensets(st.text(max_size=8), min_size=1, max_size=5).map(set),
                 st.frozensets(numbers, min_size=1, max_size=5).map(set),
                 st.frozensets(st.binary(max_size=8), min_size=1, max_size=5).map(set))
values = st.recursive(st.one_of(scalars, sets),
                      lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=4),
                      max_leaves=12)
items = st.dictionaries(st.text(min_size=1, max_size=10), values, min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(items)
def test_typed_round_trip(item):
    assert codec.deserialize_item(codec.serialize_item(item)) == item


@settings(max_examples=300, deadline=None)
@given(items)
def test_ddb_json_text_round_trip_keeps_types(item):
    back = codec.ddb_json_to_item(codec.item_to_ddb_json(item))
    assert back == item
    for k in item:
        assert codec.type_tag(back[k]) == codec.type_tag(item[k])


@settings(max_examples=300, deadline=None)
@given(items)
def test_plain_json_with_template_round_trip(item):
    back = codec.plain_json_to_item(codec.item_to_plain_json(item), template=item)
    assert back == item


def test_big_numbers_stay_exact():
    n = Decimal("123456789012345678901234567890.12345678")  # 38 digits, beyond 2**53
    typed = codec.serialize({"n": n})
    assert typed == {"M": {"n": {"N": "123456789012345678901234567890.12345678"}}}
    assert codec.deserialize(typed)["n"] == n
    assert "123456789012345678901234567890.12345678" in codec.item_to_plain_json({"n": n})
    assert codec.plain_json_to_item('{"n": 9007199254740993}')["n"] == Decimal(9007199254740993)


def test_all_types_have_their_tags():
    item = {"s": "x", "n": Decimal(1), "b": b"\x00", "t": True, "z": None, "ss": {"a"},
            "ns": {Decimal(2)}, "bs": {b"\x01"}, "l": [1], "m": {"k": "v"}}
    assert {k: codec.type_tag(v) for k, v in item.items()} == {
        "s": "S", "n": "N", "b": "B", "t": "BOOL", "z": "NULL", "ss": "SS", "ns": "NS",
        "bs": "BS", "l": "L", "m": "M"}


@pytest.mark.parametrize("bad, msg", [
    (Decimal("1" * 39), "at most 38"),
    (Decimal("1E+200"), "out of DynamoDB's range"),
    (float("nan"), "finite"),
    (set(), "cannot be empty"),
    ({1, "a"}, "only strings"),
    (object(), "cannot be stored"),
])
def test_invalid_values_have_clear_messages(bad, msg):
    with pytest.raises(ValidationError) as e:
        codec.serialize(bad)
    assert msg in str(e.value)


def test_bad_json_reports_position():
    with pytest.raises(ValidationError) as e:
        codec.ddb_json_to_item('{"a": {"S": "x"},\n "b": }')
    assert "line 2" in str(e.value)


def test_bad_type_tag():
    with pytest.raises(ValidationError) as e:
        codec.ddb_json_to_item('{"a": {"X": "x"}}')
    assert "unknown DynamoDB type" in str(e.value)


def test_item_size_limits():
    assert codec.item_size({"ab": "xyz"}) == 5
    small = {"k": "x" * 1000}
    assert codec.check_item_size(small) == 1001
    with pytest.raises(ValidationError) as e:
        codec.check_item_size({"k": "x" * 409_600})
    assert "400 KB" in str(e.value)


def test_floats_become_exact_decimals():
    assert codec.serialize(0.1) == {"N": "0.1"}
