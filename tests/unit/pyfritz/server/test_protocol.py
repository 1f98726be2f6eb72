"""The sync protocol's frames: parsing refuses bad input precisely; built frames are JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyfritz.server.errors import ProtocolError
from pyfritz.server.protocol import (
    MAX_SAFE_INT,
    Join,
    Leave,
    Ping,
    Put,
    encode_value,
    error_frame,
    is_valid_id,
    parse_frame,
    pong_frame,
    snapshot_frame,
    state_frame,
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)


def refusal(text: str, **kwargs: Any) -> ProtocolError:
    with pytest.raises(ProtocolError) as info:
        parse_frame(text, **kwargs)
    return info.value


def test_parses_each_client_op() -> None:
    assert parse_frame('{"op":"join","id":"p1","rev":null}') == Join("p1", None)
    assert parse_frame('{"op":"join","id":"p1","rev":7}') == Join("p1", 7)
    assert parse_frame('{"op":"leave","id":"p1"}') == Leave("p1")
    assert parse_frame('{"op":"put","id":"p1","seq":3,"base":2,"value":{"a":[1]}}') == Put(
        "p1", 3, 2, {"a": [1]}
    )
    assert parse_frame('{"op":"put","id":"p1","seq":0,"base":null,"value":0}') == Put(
        "p1", 0, None, 0
    )
    assert parse_frame('{"op":"ping","t":12.5}') == Ping(12.5)
    assert parse_frame('{"op":"ping"}') == Ping(None)


def test_ignores_unknown_extra_fields() -> None:
    assert parse_frame('{"op":"leave","id":"p1","future":true}') == Leave("p1")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not json", "not JSON"),
        ("", "not JSON"),
        ('{"op":"put","id":"p","seq":1,"base":0,"value":NaN}', "not JSON"),
        ('{"op":"put","id":"p","seq":1,"base":0,"value":Infinity}', "not JSON"),
        ("[1, 2]", "must be a JSON object, not list"),
        ('"join"', "must be a JSON object, not str"),
        ('{"id":"p"}', "missing field 'op'"),
        ('{"op":5}', "missing field 'op'"),
        ('{"op":"delete","id":"p"}', "unknown op 'delete'"),
        ('{"op":"join","rev":null}', "join: field 'id' must be a non-empty string"),
        ('{"op":"join","id":"","rev":null}', "field 'id' must be a non-empty string"),
        ('{"op":"join","id":7,"rev":null}', "field 'id' must be a non-empty string"),
        ('{"op":"join","id":"' + "x" * 257 + '","rev":null}', "at most 256 characters"),
        ('{"op":"join","id":"\\ud800","rev":null}', "field 'id' must be"),
        ('{"op":"join","id":"p"}', "join: missing field 'rev'"),
        ('{"op":"join","id":"p","rev":"3"}', "field 'rev' must be an integer >= 0 or null"),
        ('{"op":"join","id":"p","rev":-1}', "field 'rev' must be an integer >= 0 or null"),
        ('{"op":"join","id":"p","rev":true}', "field 'rev' must be an integer"),
        ('{"op":"join","id":"p","rev":1.0}', "field 'rev' must be an integer"),
        ('{"op":"put","id":"p","base":0,"value":1}', "put: field 'seq' must be an integer >= 0"),
        ('{"op":"put","id":"p","seq":"1","base":0,"value":1}', "field 'seq' must be an integer"),
        ('{"op":"put","id":"p","seq":1,"value":1}', "put: missing field 'base'"),
        ('{"op":"put","id":"p","seq":1,"base":false,"value":1}', "field 'base' must be an integer"),
        ('{"op":"put","id":"p","seq":1,"base":0}', "put: missing field 'value'"),
        ('{"op":"put","id":"p","seq":1,"base":0,"value":null}', "field 'value' must not be null"),
        ('{"op":"leave","id":null}', "leave: field 'id' must be"),
    ],
)
def test_refuses_bad_frames_with_a_reason(text: str, reason: str) -> None:
    assert reason in refusal(text).reason


def test_refuses_integers_javascript_cannot_represent() -> None:
    assert (
        "seq"
        in refusal(f'{{"op":"put","id":"p","seq":{MAX_SAFE_INT + 1},"base":0,"value":1}}').reason
    )
    assert parse_frame(f'{{"op":"join","id":"p","rev":{MAX_SAFE_INT}}}') == Join("p", MAX_SAFE_INT)


def test_refusal_carries_the_id_and_seq_it_could_read() -> None:
    error = refusal('{"op":"put","id":"p1","seq":4,"base":"x","value":1}')
    assert (error.id, error.seq) == ("p1", 4)
    error = refusal('{"op":"put","id":"p1","seq":-4,"base":0,"value":1}')
    assert (error.id, error.seq) == ("p1", None)
    error = refusal('{"op":"join","id":"p1","seq":4}')
    assert (error.id, error.seq) == ("p1", None)
    error = refusal("garbage")
    assert (error.id, error.seq) == (None, None)


def test_refuses_deeply_nested_json_without_crashing() -> None:
    error = refusal('{"op":"put","id":"p","seq":1,"base":0,"value":' + "[" * 100_000)
    assert error.reason.startswith("not JSON")


def test_oversize_frame_is_refused_unparsed_with_salvaged_id_and_seq() -> None:
    text = json.dumps({"op": "put", "id": "p1", "seq": 9, "base": 2, "value": "x" * 2000})
    error = refusal(text, max_frame=1000)
    assert error.reason == f"frame too large: {len(text)} bytes > 1000"
    assert (error.id, error.seq) == ("p1", 9)


def test_oversize_frame_salvage_ignores_keys_inside_the_value() -> None:
    text = json.dumps({"op": "put", "value": {"id": "inner", "seq": 5, "pad": "x" * 2000}})
    error = refusal(text, max_frame=1000)
    assert (error.id, error.seq) == (None, None)


def test_frame_size_counts_utf8_bytes_not_characters() -> None:
    text = json.dumps({"op": "ping", "t": "é" * 600}, ensure_ascii=False)
    assert len(text) < 1000 < len(text.encode())
    assert "frame too large" in refusal(text, max_frame=1000).reason
    assert parse_frame(text, max_frame=len(text.encode())) == Ping("é" * 600)


@given(st.text(max_size=200))
def test_parse_frame_raises_only_protocol_errors_on_any_text(text: str) -> None:
    try:
        parse_frame(text)
    except ProtocolError as error:
        assert error.reason


@given(json_values.filter(lambda v: v is not None))
def test_state_frame_round_trips_any_json_value(value: Any) -> None:
    value_json, size = encode_value(value)
    assert size == len(value_json.encode())
    frame = json.loads(state_frame("p1", 3, value_json, "c1", 7))
    assert frame == {"op": "state", "id": "p1", "rev": 3, "value": value, "origin": "c1", "seq": 7}


def test_snapshot_frame_has_null_value_for_an_entity_without_state() -> None:
    assert json.loads(snapshot_frame("p1", 0, None, "c1")) == {
        "op": "snapshot",
        "id": "p1",
        "rev": 0,
        "value": None,
        "client": "c1",
    }
    assert json.loads(snapshot_frame('q"\\', 2, '{"a":1}', "c1"))["id"] == 'q"\\'


def test_state_frame_from_the_server_has_null_origin_and_seq() -> None:
    frame = json.loads(state_frame("p1", 1, "[]", None, None))
    assert (frame["origin"], frame["seq"]) == (None, None)


def test_error_and_pong_frames_are_json_even_for_hostile_input() -> None:
    assert json.loads(error_frame(None, None, 'bad "op" \ud800')) == {
        "op": "error",
        "id": None,
        "seq": None,
        "reason": 'bad "op" \ud800',
    }
    pong = pong_frame({"t": "\ud800"})
    pong.encode("utf-8")  # a lone surrogate is escaped, so the frame can be sent
    assert json.loads(pong) == {"op": "pong", "t": {"t": "\ud800"}}


@pytest.mark.parametrize("value", [float("nan"), {1, 2}, "\ud800", {"k": object()}])
def test_encode_value_refuses_what_is_not_json(value: Any) -> None:
    with pytest.raises(ValueError, match="value is not JSON"):
        encode_value(value)


def test_encode_value_is_compact_utf8() -> None:
    assert encode_value({"a": [1, "é"]}) == ('{"a":[1,"é"]}', 14)


def test_is_valid_id() -> None:
    assert is_valid_id("p1")
    assert is_valid_id("x" * 256)
    assert not is_valid_id("x" * 257)
    assert not is_valid_id("")
    assert not is_valid_id(1)
    assert not is_valid_id("\udfff")
