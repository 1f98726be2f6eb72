"""The benchmarks ``python -m bench`` knows: a page module plus a small description."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from starlette.routing import BaseRoute

from bench import endpoints

__all__ = ["BENCHES", "Bench"]


@dataclass(frozen=True)
class Bench:
    """One benchmark.

    Attributes:
        name: what ``python -m bench <name>`` selects; names the result files.
        page: the page module ``bench/pages/<page>.py``, run by the harness page.
        title: the heading of the markdown report.
        description: what is measured and how (a paragraph of markdown).
        routes: server routes the page needs besides the dev server's
            (``/ws/echo``, the harness, pages and runtime).
        params: query parameters handed to the page.
        timeout_s: how long the page may take to publish its result.
    """

    name: str
    page: str
    title: str
    description: str
    routes: Callable[[], list[BaseRoute]] = list
    params: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = 600


BENCHES: dict[str, Bench] = {
    bench.name: bench
    for bench in [
        Bench(
            name="websocket",
            page="bench_websocket",
            title="WebSocket: pyfritz against raw JavaScript and pyscript.WebSocket",
            description=(
                "One page, one run, one local server. **Burst**: the server writes "
                "10,000 small text frames while the page's main thread waits in a "
                "synchronous request that returns once all are written, so every "
                "variant then consumes the same burst from the browser's buffers; "
                "messages/s is counted from the moment the server has written the "
                "last frame to the last message handled. "
                "**Round trip**: 1,000 sequential request/responses against "
                "`/ws/echo` per round, each timed from send to handled reply. "
                "Variants run interleaved in rounds, each on a fresh connection, "
                "after one warm-up round that is not counted. **Handler cost**: "
                "JavaScript calls each variant's `onmessage` 10,000 times in a loop "
                "with a plain event, no network: what the Python layer adds per message."
            ),
            routes=endpoints.routes,
        ),
        Bench(
            name="dom",
            page="bench_dom",
            title="DOM: store updates and keyed lists against raw JavaScript",
            description=(
                "One page. **Text updates**: 10,000 store updates bound to one text node "
                "(`p(store.data.map(str))`, each `store.update(i)` writes the node on the "
                "sync push path) against a raw JS loop writing `textContent`, and against "
                "a Python loop writing `textContent` itself (the floor for any Python-driven "
                "update). **Keyed list**: `render_each` of 1,000 keyed rows, then 10 rows "
                "changed, then the list reversed, against raw JS rebuilding the whole list "
                "for each step; layout is forced after every step in both. Variants run "
                "interleaved in rounds after one warm-up round that is not counted."
            ),
        ),
    ]
}
