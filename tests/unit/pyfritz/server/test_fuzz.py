"""A fuzzer of the hub and the protocol: whatever clients send, the server stays sound.

Several sessions send random frames (random JSON, random text and bytes,
every op with random fields, sizes around the limits), interleaved. After
each run: every frame the server sent is strict JSON (no NaN or Infinity), no
exception escaped, entities the fuzzing sessions may not write are unchanged,
and a well-behaved session on the side still joins and puts.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

from fakes.sync_server import Frames
from hypothesis import given, settings
from hypothesis import strategies as st

from pyfritz.server import Action, Hub, Limits
from pyfritz.server.protocol import MAX_SAFE_INT

LIMITS = Limits(max_frame=2048, max_joined=4, put_rate=1000.0, put_burst=20)
PROTECTED = {"user:other:notes": {"text": "not yours"}, "public:news": ["read", "only"]}
IDS = ["user:fuzz:a", "user:fuzz:b", *PROTECTED, "user:good:x", "", "x" * 257, "\ud800", "a\nb"]
SERVER_OPS = {"snapshot", "state", "error", "pong"}


def authorize(principal: Any, entity_id: str, action: Action) -> bool:
    if entity_id.startswith("public:"):
        return action == "join"
    return entity_id.startswith(f"user:{principal}:")


def _no_constant(name: str) -> NoReturn:
    raise AssertionError(f"the server sent {name}")


def strict(frame: str) -> dict[str, Any]:
    """Parse a frame the server sent; fail on anything that is not strict JSON."""
    parsed = json.loads(frame, parse_constant=_no_constant)
    assert isinstance(parsed, dict) and parsed.get("op") in SERVER_OPS, frame[:200]
    return parsed


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
numbers = st.sampled_from([0, 1, -1, MAX_SAFE_INT, MAX_SAFE_INT + 1, 2**64, 1.5, True, None, "1"])


@st.composite
def op_frames(draw: st.DrawFn) -> str:
    """A frame shaped like an op, with fields drawn from good and bad values."""
    frame: dict[str, Any] = {
        "op": draw(st.sampled_from(["join", "leave", "put", "ping", "nope", 1]))
    }
    for field in ("id", "rev", "seq", "base", "value", "t"):
        if draw(st.booleans()):
            if field == "id":
                frame[field] = draw(st.sampled_from(IDS) | json_values)
            elif field in ("value", "t"):
                frame[field] = draw(json_values | st.text(min_size=1500, max_size=2100))
            else:
                frame[field] = draw(numbers)
    return json.dumps(frame)


raw_numbers = st.sampled_from(["1e999", "-1e999", "NaN", "Infinity", "1e308", "-0", "1E400"])
frames = (
    op_frames()
    | json_values.map(json.dumps)
    | st.text(max_size=64)
    | st.binary(max_size=64)
    | raw_numbers.map(lambda n: f'{{"op":"ping","t":{n}}}')
    | raw_numbers.map(lambda n: f'{{"op":"put","id":"user:fuzz:a","seq":1,"base":0,"value":{n}}}')
    | st.integers(2040, 2056).map(lambda n: '{"op":"ping","t":"' + "x" * (n - 21) + '"}')
)


@settings(max_examples=300, deadline=None)
@given(steps=st.lists(st.tuples(st.integers(0, 2), frames), max_size=40))
async def test_no_frame_breaks_the_hub(steps: list[tuple[int, str | bytes]]) -> None:
    hub = Hub(max_value=1024)
    revs = {id: await hub.set(id, value) for id, value in PROTECTED.items()}
    good_frames = Frames()
    good = hub.connect(good_frames, limits=LIMITS, principal="good", authorize=authorize)
    await good.receive('{"op":"join","id":"user:good:x","rev":null}')
    await good.receive('{"op":"put","id":"user:good:x","seq":1,"base":0,"value":"mine"}')
    outputs = [Frames() for _ in range(3)]
    sessions = [
        hub.connect(out, limits=LIMITS, principal="fuzz", authorize=authorize) for out in outputs
    ]
    for index, frame in steps:
        await sessions[index].receive(frame)  # must not raise

    for out in (*outputs, good_frames):
        for frame in out.raw:
            strict(frame)
    for id, value in PROTECTED.items():
        assert await hub.get(id) == (revs[id], value)
    assert await hub.get("user:good:x") == (1, "mine")
    # The well-behaved session still works.
    good_frames.raw.clear()
    await good.receive('{"op":"put","id":"user:good:x","seq":2,"base":1,"value":"still mine"}')
    assert [strict(f)["op"] for f in good_frames.raw] == ["state"]
    for session in sessions:
        session.close()
    assert hub.session_count == 1
