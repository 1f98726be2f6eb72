"""Tests of pyfritz.resource: the default JSON codec, Resource and unique_id."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from typing import Any, Literal, NewType, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyfritz.errors import DecodeError
from pyfritz.resource import JsonCodec, Resource, unique_id


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


@dataclass(frozen=True)
class Address:
    city: str
    zip: Optional[str] = None  # noqa: UP045 -- Optional must work as well as X | None


@dataclass(frozen=True)
class Item:
    name: str
    price: float
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Order:
    id: int
    address: Address
    items: list[Item]
    color: Color
    level: Level
    status: Literal["open", "closed"]
    paid: bool
    note: str | None
    point: tuple[int, float]
    counts: dict[str, int]
    extra: list[Item] = field(default_factory=list)


@dataclass
class Mutable:
    count: int = 0
    names: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Node:
    label: str
    children: list[Node] = field(default_factory=list)


@dataclass(frozen=True)
class Positive:
    n: int

    def __post_init__(self) -> None:
        if self.n <= 0:
            raise ValueError("n must be positive")


@dataclass(frozen=True)
class Derived:
    base: int
    double: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "double", self.base * 2)


UserId = NewType("UserId", str)


@dataclass(frozen=True)
class Misc:
    anything: Any
    user: UserId
    pair: tuple[()] = ()
    bare: list = field(default_factory=list)  # type: ignore[type-arg]
    number: int | str = 0


@dataclass(frozen=True)
class Person:
    name: str
    age: int
    _id: str = field(default_factory=unique_id)


ORDER = Order(
    id=7,
    address=Address("Oslo", "0150"),
    items=[Item("pen", 1.5, ("office",)), Item("ink", 3)],
    color=Color.GREEN,
    level=Level.HIGH,
    status="open",
    paid=False,
    note=None,
    point=(1, 2.5),
    counts={"a": 1},
)


def valid_order_json(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(JsonCodec(Order).encode(ORDER))
    data.update(changes)
    return data


def decode_error(tp: Any, obj: Any) -> DecodeError:
    with pytest.raises(DecodeError) as info:
        JsonCodec(tp).decode(json.dumps(obj))
    return info.value


# --- encoding ------------------------------------------------------------------


def test_encode_writes_dataclasses_as_objects_and_enums_as_values() -> None:
    assert json.loads(JsonCodec(Order).encode(ORDER)) == {
        "id": 7,
        "address": {"city": "Oslo", "zip": "0150"},
        "items": [
            {"name": "pen", "price": 1.5, "tags": ["office"]},
            {"name": "ink", "price": 3, "tags": []},
        ],
        "color": "green",
        "level": 2,
        "status": "open",
        "paid": False,
        "note": None,
        "point": [1, 2.5],
        "counts": {"a": 1},
        "extra": [],
    }


def test_encode_is_compact_and_keeps_non_ascii_text() -> None:
    assert JsonCodec(Address).encode(Address("Zürich")) == '{"city":"Zürich","zip":null}'


def test_encode_names_the_path_of_a_value_json_cannot_carry() -> None:
    with pytest.raises(TypeError, match=r"cannot encode a set as JSON \(at names\[1\]\)"):
        JsonCodec(Mutable).encode(Mutable(names=["a", {"b"}]))  # type: ignore[list-item]


def test_encode_refuses_nan() -> None:
    with pytest.raises(ValueError, match=r"nan.*\(at price\)"):
        JsonCodec(Item).encode(Item("x", float("nan")))


def test_encode_refuses_non_string_dict_keys() -> None:
    with pytest.raises(TypeError, match="dict key of type int"):
        JsonCodec(dict[str, int]).encode({1: 2})  # type: ignore[dict-item]


# --- round trips -------------------------------------------------------------


def test_round_trip_of_a_rich_dataclass() -> None:
    codec = JsonCodec(Order)
    decoded = codec.decode(codec.encode(ORDER))
    assert decoded == ORDER
    assert type(decoded.items[1].price) is float
    assert decoded.level is Level.HIGH


def test_round_trip_of_a_recursive_dataclass() -> None:
    tree = Node("root", [Node("a", [Node("a1")]), Node("b")])
    codec = JsonCodec(Node)
    assert codec.decode(codec.encode(tree)) == tree


def test_round_trip_of_a_mutable_dataclass() -> None:
    codec = JsonCodec(Mutable)
    assert codec.decode(codec.encode(Mutable(3, ["a"]))) == Mutable(3, ["a"])


def test_round_trip_of_a_top_level_list() -> None:
    codec = JsonCodec(list[Address])
    value = [Address("Oslo"), Address("Rome", "00100")]
    assert codec.decode(codec.encode(value)) == value


def test_round_trip_of_any_newtype_unions_and_empty_tuples() -> None:
    codec = JsonCodec(Misc)
    value = Misc({"x": [1, None]}, UserId("u1"), (), [1, "a"], "seven")
    assert codec.decode(codec.encode(value)) == value


def test_decode_accepts_bytes() -> None:
    assert JsonCodec(Address).decode(b'{"city": "Oslo"}') == Address("Oslo")


def test_init_false_fields_are_recomputed_not_read() -> None:
    codec = JsonCodec(Derived)
    assert json.loads(codec.encode(Derived(2))) == {"base": 2, "double": 4}
    assert codec.decode('{"base": 3, "double": 99}') == Derived(3)


json_text = st.text(max_size=8)
finite = st.floats(allow_nan=False, allow_infinity=False)
addresses = st.builds(Address, city=json_text, zip=st.none() | json_text)
items = st.builds(Item, name=json_text, price=finite, tags=st.tuples(json_text) | st.just(()))
orders = st.builds(
    Order,
    id=st.integers(),
    address=addresses,
    items=st.lists(items, max_size=3),
    color=st.sampled_from(Color),
    level=st.sampled_from(Level),
    status=st.sampled_from(["open", "closed"]),
    paid=st.booleans(),
    note=st.none() | json_text,
    point=st.tuples(st.integers(), finite),
    counts=st.dictionaries(json_text, st.integers(), max_size=3),
    extra=st.lists(items, max_size=2),
)


@given(orders)
def test_decode_of_encode_is_the_identity(order: Order) -> None:
    codec = JsonCodec(Order)
    assert codec.decode(codec.encode(order)) == order


@given(orders)
def test_encode_of_decode_is_the_identity_on_valid_json(order: Order) -> None:
    codec = JsonCodec(Order)
    text = codec.encode(order)
    assert codec.encode(codec.decode(text)) == text


trees = st.recursive(
    st.builds(Node, label=json_text),
    lambda children: st.builds(Node, label=json_text, children=st.lists(children, max_size=3)),
    max_leaves=10,
)


@given(trees)
def test_recursive_round_trip(tree: Node) -> None:
    codec = JsonCodec(Node)
    assert codec.decode(codec.encode(tree)) == tree


# --- decoding: defaults and forward compatibility ----------------------------


def test_missing_fields_with_defaults_take_them() -> None:
    order = JsonCodec(Order).decode(json.dumps({k: v for k, v in valid_order_json().items()}))
    assert order == ORDER
    data = valid_order_json()
    del data["extra"]
    del data["address"]["zip"]
    decoded = JsonCodec(Order).from_json_value(data)
    assert decoded.extra == []
    assert decoded.address.zip is None


def test_default_factory_runs_per_decode() -> None:
    codec = JsonCodec(Person)
    first, second = codec.decode('{"name": "a", "age": 1}'), codec.decode('{"name": "a", "age": 1}')
    assert first._id != second._id


def test_unknown_extra_fields_are_ignored() -> None:
    assert JsonCodec(Address).decode('{"city": "Oslo", "country": "NO"}') == Address("Oslo")


def test_int_is_accepted_for_float() -> None:
    item = JsonCodec(Item).decode('{"name": "x", "price": 2}')
    assert item.price == 2.0
    assert type(item.price) is float


# --- decoding: errors ----------------------------------------------------------


def test_malformed_json_is_a_decode_error() -> None:
    with pytest.raises(DecodeError, match="malformed JSON") as info:
        JsonCodec(Address).decode('{"city": ')
    assert info.value.path == ""
    assert isinstance(info.value.__cause__, json.JSONDecodeError)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_standard_json_constants_are_decode_errors(constant: str) -> None:
    with pytest.raises(DecodeError, match="malformed JSON"):
        JsonCodec(Item).decode(f'{{"name": "x", "price": {constant}}}')


def test_missing_required_field_names_its_path() -> None:
    data = valid_order_json()
    del data["address"]["city"]
    error = decode_error(Order, data)
    assert error.path == "address.city"
    assert "missing required field" in error.reason


def test_wrong_type_in_a_list_element_names_index_and_expectation() -> None:
    data = valid_order_json()
    data["items"][1]["name"] = 5
    error = decode_error(Order, data)
    assert error.path == "items[1].name"
    assert error.reason == "expected str, got int 5"
    assert str(error) == "items[1].name: expected str, got int 5"


def test_bool_is_not_an_int() -> None:
    error = decode_error(Order, valid_order_json(id=True))
    assert (error.path, error.reason) == ("id", "expected int, got bool True")


def test_int_is_not_a_bool() -> None:
    assert decode_error(Order, valid_order_json(paid=0)).reason == "expected bool, got int 0"


def test_float_is_not_an_int() -> None:
    assert decode_error(Order, valid_order_json(id=1.5)).path == "id"


def test_bool_is_not_a_float() -> None:
    data = valid_order_json()
    data["items"][0]["price"] = True
    assert decode_error(Order, data).path == "items[0].price"


def test_unknown_enum_value_lists_the_allowed_ones() -> None:
    error = decode_error(Order, valid_order_json(color="blue"))
    assert error.path == "color"
    assert error.reason == "expected one of 'red', 'green' (Color), got str 'blue'"


def test_int_enum_refuses_bools() -> None:
    assert decode_error(Order, valid_order_json(level=True)).path == "level"


def test_literal_refuses_other_values() -> None:
    error = decode_error(Order, valid_order_json(status="pending"))
    assert error.reason == "expected one of 'open', 'closed', got str 'pending'"


def test_optional_refuses_wrong_types() -> None:
    error = decode_error(Order, valid_order_json(note=3))
    assert (error.path, error.reason) == ("note", "expected str | null, got int 3")


def test_fixed_tuple_checks_its_length_and_items() -> None:
    assert (
        "expected list of 2 items, got 3 items"
        in decode_error(Order, valid_order_json(point=[1, 2, 3])).reason
    )
    assert decode_error(Order, valid_order_json(point=[1, "x"])).path == "point[1]"


def test_variadic_tuple_element_error_names_the_index() -> None:
    data = valid_order_json()
    data["items"][0]["tags"] = ["ok", None]
    assert decode_error(Order, data).path == "items[0].tags[1]"


def test_dict_value_error_names_the_key() -> None:
    error = decode_error(Order, valid_order_json(counts={"a": 1, "b c": "x"}))
    assert error.path == 'counts["b c"]'


def test_object_expected_but_got_a_list() -> None:
    error = decode_error(Order, valid_order_json(address=["Oslo"]))
    assert (error.path, error.reason) == ("address", "expected object (Address), got list")


def test_top_level_type_error_has_an_empty_path() -> None:
    error = decode_error(Address, [])
    assert error.path == ""
    assert str(error) == "<root>: expected object (Address), got list"


def test_error_deep_in_a_recursive_type_names_the_whole_path() -> None:
    error = decode_error(Node, {"label": "r", "children": [{"label": "a", "children": [{}]}]})
    assert error.path == "children[0].children[0].label"


def test_post_init_failure_is_a_decode_error_chained_to_the_cause() -> None:
    with pytest.raises(DecodeError, match="invalid Positive: n must be positive") as info:
        JsonCodec(list[Positive]).decode('[{"n": 1}, {"n": 0}]')
    assert info.value.path == "[1]"
    assert isinstance(info.value.__cause__, ValueError)


def test_long_values_are_shortened_in_messages() -> None:
    error = decode_error(Address, {"city": 10**60})
    assert error.reason == "expected str, got int " + "1" + "0" * 36 + "..."


def test_decode_error_never_returns_a_partial_object() -> None:
    data = valid_order_json()
    data["items"][1]["price"] = "free"
    with pytest.raises(DecodeError):
        JsonCodec(Order).from_json_value(data)


# --- unsupported types -------------------------------------------------------


def test_unsupported_field_type_is_refused_when_the_codec_is_made() -> None:
    @dataclass
    class WithSet:
        values: set[int]

    with pytest.raises(TypeError, match=r"WithSet\.values: unsupported type"):
        JsonCodec(WithSet)


def test_non_string_dict_keys_are_refused_when_the_codec_is_made() -> None:
    with pytest.raises(TypeError, match="JSON object keys are str"):
        JsonCodec(dict[int, str])


def test_unresolvable_hints_are_a_type_error() -> None:
    @dataclass
    class Local:
        child: Undefined  # type: ignore[name-defined]  # noqa: F821

    with pytest.raises(TypeError, match="cannot resolve the type hints of"):
        JsonCodec(Local)


# --- Resource ------------------------------------------------------------------


PERSONS = Resource(Person, id=lambda p: p._id, empty=Person("", 0, "empty"))


def test_resource_exposes_type_id_and_empty() -> None:
    ann = Person("Ann", 3, "p1")
    assert PERSONS.type is Person
    assert PERSONS.id(ann) == "p1"
    assert PERSONS.empty == Person("", 0, "empty")
    assert isinstance(PERSONS.codec, JsonCodec)
    assert repr(PERSONS) == "Resource(Person)"


def test_resource_round_trips_through_text_and_json_values() -> None:
    ann = Person("Ann", 3, "p1")
    assert PERSONS.decode(PERSONS.encode(ann)) == ann
    assert PERSONS.to_json_value(ann) == {"name": "Ann", "age": 3, "_id": "p1"}
    assert PERSONS.from_json_value({"name": "Ann", "age": 3, "_id": "p1"}) == ann


def test_resource_decode_errors_name_the_path() -> None:
    with pytest.raises(DecodeError) as info:
        PERSONS.decode('{"name": "Ann", "age": "3"}')
    assert info.value.path == "age"


def test_resource_refuses_an_empty_of_the_wrong_type() -> None:
    with pytest.raises(TypeError, match="empty must be a Person, not dict"):
        Resource(Person, id=repr, empty={})


class UpperCodec:
    """A user codec: a bare JSON string, upper-cased on the wire."""

    def encode(self, value: str) -> str:
        return json.dumps(value.upper())

    def decode(self, text: str) -> str:
        value = json.loads(text)
        if not isinstance(value, str):
            raise DecodeError("", "expected a string")
        return value.lower()


def test_a_user_codec_replaces_the_default() -> None:
    resource = Resource(str, id=lambda s: s, empty="", codec=UpperCodec())
    assert resource.encode("abc") == '"ABC"'
    assert resource.decode('"ABC"') == "abc"
    assert resource.to_json_value("abc") == "ABC"
    assert resource.from_json_value("ABC") == "abc"


def test_a_codec_set_later_is_the_one_used_by_every_method() -> None:
    resource = Resource(str, id=lambda s: s, empty="")
    assert resource._to_json("abc") == "abc"
    resource.codec = UpperCodec()
    assert resource.encode("abc") == '"ABC"'
    assert resource._to_json("abc") == resource.to_json_value("abc") == "ABC"
    assert resource._from_json("ABC") == resource.from_json_value("ABC") == "abc"
    resource.codec = JsonCodec(str)
    assert resource._to_json("abc") == "abc"
    assert resource._from_json("ABC") == "ABC"


def test_a_user_codecs_other_exceptions_become_decode_errors() -> None:
    resource = Resource(str, id=lambda s: s, empty="", codec=UpperCodec())
    with pytest.raises(DecodeError, match="JSONDecodeError") as info:
        resource.decode("{")
    assert isinstance(info.value.__cause__, json.JSONDecodeError)
    with pytest.raises(DecodeError, match="expected a string"):
        resource.from_json_value(3)
    with pytest.raises(DecodeError, match="not a JSON value"):
        resource.from_json_value({1, 2})


def test_unique_id_is_a_short_random_hex_string() -> None:
    ids = {unique_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(i) == 16 and int(i, 16) >= 0 for i in ids)
