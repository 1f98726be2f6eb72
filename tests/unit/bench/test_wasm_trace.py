"""Reading V8's wasm compiling of one page's scripts phase from its trace events."""

from __future__ import annotations

from typing import Any

import pytest
from bench.wasm_trace import Compiled, compiled

_MAIN, _WORKER, _OTHER_PROCESS = (7, 1), (7, 2), (9, 1)


def _event(name: str, where: tuple[int, int], ts: int, dur: int | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {"name": name, "pid": where[0], "tid": where[1], "ts": ts}
    if dur is not None:
        event.update(ph="X", dur=dur)
    else:
        event["ph"] = "R"
    return event


def test_the_scripts_phase_is_summed_on_the_pages_threads_only() -> None:
    events = [
        _event("pyfritz-bench:py:ready", _MAIN, 10_000),
        _event("wasm.CompileLazy", _MAIN, 5_000, 400),  # before the phase
        _event("wasm.CompileLazy", _MAIN, 11_000, 300),
        _event("wasm.CompileBaseline", _MAIN, 11_000, 250),  # inside the one above
        _event("wasm.CompileLazy", _MAIN, 12_000, 200),
        _event("wasm.CompileLazy", _OTHER_PROCESS, 12_000, 900),
        _event("wasm.TopTierCompilation", _WORKER, 9_000, 2_000),  # half inside
        _event("wasm.TopTierCompilation", _WORKER, 14_000, 4_000),  # a quarter inside
        _event("wasm.TopTierCompilation", _OTHER_PROCESS, 11_000, 1_000),
        _event("pyfritz-bench:py:done", _MAIN, 15_000),
        _event("wasm.CompileLazy", _MAIN, 16_000, 700),  # after it
    ]
    assert compiled(events) == Compiled(
        scripts_ms=5.0, lazy_functions=2, lazy_ms=0.5, top_tier_ms=2.0
    )


def test_a_trace_without_the_pages_marks_is_refused() -> None:
    with pytest.raises(ValueError, match="marks"):
        compiled(
            [_event("pyfritz-bench:py:ready", _MAIN, 1), _event("wasm.CompileLazy", _MAIN, 2, 1)]
        )
