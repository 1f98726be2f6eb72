"""What V8 compiles while a page's scripts run, read from a Chrome trace (``bench/startup.py``).

A page's Python runs in CPython compiled to WebAssembly. V8 compiles each wasm
function when it is first called (lazily, with its baseline compiler, on the
thread that calls it: the page's main thread) and compiles the functions
that get hot again with its optimizing compiler (TurboFan) on other threads.
So the first run of any Python code pays for compiling the parts of CPython
it is the first to use, and every page pays it afresh (the runtime's snapshot
holds the interpreter's memory, not V8's machine code). A traced load tells
how much of a page's scripts phase (PyScript's ``py:ready`` → ``py:done``)
that took.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import BrowserContext

__all__ = ["CATEGORIES", "MARKS", "Compiled", "compiled", "traced_load"]

#: The trace categories: V8's wasm compile events, and the page's marks.
CATEGORIES = "v8.wasm,disabled-by-default-v8.wasm.detailed,blink.user_timing"
_READY, _DONE = "pyfritz-bench:py:ready", "pyfritz-bench:py:done"
#: An init script marking the scripts phase (user timings, in the trace).
MARKS = f"""
document.addEventListener("py:ready", () => performance.mark("{_READY}"), {{ once: true }});
document.addEventListener("py:done", () => performance.mark("{_DONE}"), {{ once: true }});
"""
_LAZY = "wasm.CompileLazy"  # one function's first compile, on the thread that calls it
_TOP_TIER = "wasm.TopTierCompilation"  # TurboFan, on V8's worker threads


@dataclass(frozen=True)
class Compiled:
    """V8's wasm compiling during one page's scripts phase."""

    #: The scripts phase, ``py:ready`` → ``py:done`` (ms).
    scripts_ms: float
    #: Wasm functions compiled on first call on the main thread, and the time it took (ms).
    lazy_functions: int
    lazy_ms: float
    #: TurboFan's time on other threads within the phase (ms of CPU, summed over threads).
    top_tier_ms: float


def compiled(events: list[dict[str, Any]]) -> Compiled:
    """Sum up the trace ``events`` of one page load (its renderer's, with :data:`MARKS`)."""
    marks = {event["name"]: event for event in events if event.get("name") in (_READY, _DONE)}
    if set(marks) != {_READY, _DONE}:
        raise ValueError(f"the trace lacks the page's marks: {sorted(marks)}")
    ready, done = marks[_READY], marks[_DONE]
    main = (ready["pid"], ready["tid"])
    start, end = ready["ts"], done["ts"]
    lazy_functions = 0
    lazy_time = 0.0
    top_tier = 0.0
    for event in events:
        if event.get("ph") != "X" or event.get("pid") != main[0]:
            continue
        begin = event["ts"]
        finish = begin + event.get("dur", 0)
        if event["name"] == _LAZY and event["tid"] == main[1] and start <= begin < end:
            lazy_functions += 1
            lazy_time += finish - begin
        elif event["name"] == _TOP_TIER and event["tid"] != main[1]:
            top_tier += max(0, min(finish, end) - max(begin, start))
    return Compiled((end - start) / 1000, lazy_functions, lazy_time / 1000, top_tier / 1000)


def traced_load(context: BrowserContext, path: str, timeout_ms: float) -> Compiled:
    """Load ``path`` in a new page of ``context`` (with :data:`MARKS`) under a Chrome trace."""
    page = context.new_page()
    try:
        cdp = context.new_cdp_session(page)
        events: list[dict[str, Any]] = []
        complete: list[bool] = []
        cdp.on("Tracing.dataCollected", lambda params: events.extend(params["value"]))
        cdp.on("Tracing.tracingComplete", lambda params: complete.append(True))
        cdp.send("Tracing.start", {"categories": CATEGORIES, "transferMode": "ReportEvents"})
        page.goto(path)
        page.wait_for_function("window.__pyDone !== undefined", polling=10, timeout=timeout_ms)
        cdp.send("Tracing.end")
        # The events arrive with the session's messages, handled while
        # Playwright waits: poll for the completion, up to a real deadline.
        deadline = time.monotonic() + timeout_ms / 1000
        while not complete:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the trace of {path} did not complete")
            page.wait_for_timeout(20)
        return compiled(events)
    finally:
        page.close()
