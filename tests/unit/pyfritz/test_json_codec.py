"""The one encoder and decoder of pyfritz.json_codec behave as json.dumps / json.loads."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyfritz.json_codec import _dumps, _loads

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(deadline=None)
@given(json_values, st.sampled_from(["", " ", "\n\t "]), st.sampled_from(["", " ", "\r\n"]))
def test_loads_reads_what_json_loads_reads(value: Any, before: str, after: str) -> None:
    text = before + json.dumps(value) + after
    assert _loads(text) == json.loads(text)
    assert _loads(text.encode("utf-8")) == json.loads(text)


@settings(deadline=None)
@given(json_values)
def test_dumps_writes_compact_unescaped_json(value: Any) -> None:
    text = _dumps(value)
    assert text == json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert json.loads(text) == value


@pytest.mark.parametrize(
    "text", ["", "  ", "{not json", '{"a": 1} x', "[1]]", '"open', "\ufeff{}", "01"]
)
def test_loads_refuses_what_json_loads_refuses(text: str) -> None:
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    with pytest.raises(json.JSONDecodeError) as got:
        _loads(text)
    if not text.startswith("\ufeff"):  # json.loads names the BOM; the decoder cannot see it
        assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_loads_refuses_non_standard_constants(constant: str) -> None:
    with pytest.raises(ValueError, match="not valid JSON"):
        _loads(f'{{"price": {constant}}}')


def test_dumps_refuses_nan() -> None:
    with pytest.raises(ValueError):
        _dumps({"price": float("nan")})


def test_loads_keeps_no_state_between_calls() -> None:
    # The one scanner is shared: a failed parse must not affect the next.
    with pytest.raises(ValueError):
        _loads('{"a": [1, 2')
    assert _loads('{"a": [1, 2]}') == {"a": [1, 2]}


def test_dumps_of_a_cycle_raises_instead_of_hanging() -> None:
    cycle: list[Any] = []
    cycle.append(cycle)
    with pytest.raises((ValueError, RecursionError)):
        _dumps({"value": cycle})
    assert _dumps({"value": [1]}) == '{"value":[1]}'
