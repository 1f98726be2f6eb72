# DOM benchmark: store updates bound to a text node, and keyed render_each,
# each against raw JavaScript doing the same DOM work in the same page.
#
# (a) 10,000 store updates bound to one text node vs a JS loop writing textContent.
# (b) render_each of 1,000 keyed rows, then 10 rows changed, then the list reversed,
#     vs rebuilding the whole list with raw JS for each step. Layout is forced
#     after every step in both variants.
# (c) a change unrelated to a keyed list (the board's title) with 0 / 100 / 300
#     rows on the page: ms per edit, against the same edit with 0 rows.
# (d) adding 300 rows one at a time to a keyed list (layout forced after each),
#     against raw JS appending one <li> per add.
# (e) the cost of one add by the rows already in the list: 20 adds to a list
#     of 10 and of 300 rows, both on the page, the adds alternating between
#     them, ms per add (the update timed, layout forced after each add
#     untimed; Python's garbage collector timed apart), pyfritz and raw JS
#     appending.
# The first render of (b) is also made by three bare Python loops doing the
# DOM work with no framework (3 DOM calls per row, 1 JS call per row, 1 JS
# call for all rows): the floors of a Python-driven render.
# Variants are interleaved in rounds; round 0 is a warm-up and not counted.
import gc
import json
import sys
import traceback
from dataclasses import dataclass

import js
from pyodide.ffi import to_js
from pyscript import document, window

import pyfritz
from pyfritz import RootStore, _js
from pyfritz.dom import div, li, p, render, render_each, ul

UPDATES = 10_000
ROWS = 1_000
CHANGED = 10
ROUNDS = 7
EDITS = 100
LIST_SIZES = (0, 100, 300)
ADDS = 300
ADD_SIZES = (10, 300)
ADD_SAMPLE = 20
now = js.performance.now


@dataclass(frozen=True)
class Board:
    title: str
    todos: tuple


def board_view(store):
    with div():
        p(store.sub("title").data)
        with ul():
            render_each(
                store.sub("todos"),
                id=lambda row: row[0],
                item=lambda row: li(row.data.map(lambda r: r[1])),
            )


def pyfritz_unrelated_edit(rows):
    """ms per edit of the title, with ``rows`` keyed rows on the page."""
    store = RootStore(Board("title", tuple((f"r{i}", f"row {i}") for i in range(rows))))
    mount = render("#app", lambda: board_view(store))
    title = store.sub("title")
    start = now()
    for i in range(EDITS):
        title.update(f"title {i}")
    elapsed = (now() - start) / EDITS
    assert document.querySelector("#app p").textContent == f"title {EDITS - 1}"
    mount.unmount()
    return elapsed


def pyfritz_add_rows():
    store = RootStore(Board("title", ()))
    mount = render("#app", lambda: board_view(store))
    todos = store.sub("todos")
    listing = document.querySelector("#app ul")
    start = now()
    for i in range(ADDS):
        todos.update((*todos.current, (f"r{i}", f"row {i}")))
        _ = listing.offsetHeight
    elapsed = now() - start
    assert listing.children.length == ADDS
    mount.unmount()
    return elapsed


def pyfritz_add_cost():
    """ms per add of one row to keyed lists already holding each of ``ADD_SIZES`` rows.

    The lists are on the page together and the adds alternate between them
    (which goes first alternates too), so that both see the same machine: a
    busy machine's speed drifts within a round more than an add's cost
    differs. Only the update is timed (store update to DOM changed); layout
    is forced after each add, untimed, as it grows with the list in any
    framework.

    Python's garbage collector is reported apart, per add of either list:
    it runs after 2,000 allocations of objects it tracks, so when it runs
    in a round it runs once, always at the same add, whatever the list's
    length. Counted in that add, its 1-5 ms made whichever list that add
    went to look slower (1.7-2.0x, when an add made 62 such objects; it
    makes 25 now, and a round's 40 adds stay under the count). It also runs
    once before the adds, so that building the lists is not collected
    during them.
    """
    stores = [
        RootStore(Board("title", tuple((f"r{i}", f"row {i}") for i in range(rows))))
        for rows in ADD_SIZES
    ]
    mount = render("#app", lambda: [board_view(store) for store in stores])
    lists = [store.sub("todos") for store in stores]
    listings = document.querySelectorAll("#app ul")
    _ = listings[0].offsetHeight
    started = 0.0  # when the running collection started
    collecting = 0.0  # ms collected so far

    def on_collect(phase, info):
        nonlocal started, collecting
        if phase == "start":
            started = now()
        else:
            collecting += now() - started

    gc.collect()
    gc.callbacks.append(on_collect)
    totals = [0.0] * len(lists)
    collected = 0.0
    try:
        for i in range(ADD_SAMPLE):
            order = range(len(lists)) if i % 2 == 0 else reversed(range(len(lists)))
            for at in order:
                todos = lists[at]
                before = collecting
                start = now()
                todos.update((*todos.current, (f"n{i}", f"new {i}")))
                elapsed = now() - start
                during = collecting - before
                totals[at] += elapsed - during
                collected += during
                _ = listings[at].offsetHeight
    finally:
        gc.callbacks.remove(on_collect)
    for rows, listing in zip(ADD_SIZES, listings, strict=True):
        assert listing.children.length == rows + ADD_SAMPLE
    mount.unmount()
    pairs = zip(ADD_SIZES, totals, strict=True)
    return {
        **{f"pyfritz, {rows} rows": total / ADD_SAMPLE for rows, total in pairs},
        "pyfritz, Python's GC per add": collected / (ADD_SAMPLE * len(lists)),
    }


def raw_add_cost(lib):
    stage = document.querySelector("#app")
    stage.replaceChildren()
    lists = [document.createElement("ul") for _ in ADD_SIZES]
    stage.append(*lists)
    costs = lib.appendCost(to_js(lists), to_js(list(ADD_SIZES)), ADD_SAMPLE)
    return {f"raw JS, {rows} rows": cost for rows, cost in zip(ADD_SIZES, costs, strict=True)}


def raw_add_rows(lib):
    stage = document.querySelector("#app")
    stage.replaceChildren()
    listing = document.createElement("ul")
    stage.append(listing)
    return lib.appendRows(listing, ADDS)


def python_builds_rows():
    """The same DOM calls as the raw JS rebuild, made from a Python loop (3 per row)."""
    listing = fresh_list()
    rows = rows_initial()
    start = now()
    items = []
    for key, text in rows:
        item = document.createElement("li")
        item.setAttribute("data-id", key)
        item.textContent = text
        items.append(item)
    listing.replaceChildren(*items)
    _ = listing.offsetHeight
    return now() - start


def python_builds_rows_one_call():
    """A Python loop making each row in one JS call, as pyfritz.dom does (_js.element_maker)."""
    listing = fresh_list()
    rows = rows_initial()
    make = _js.element_maker()
    start = now()
    items = [make(None, "li", text, "data-id", key) for key, text in rows]
    listing.replaceChildren(*items)
    _ = listing.offsetHeight
    return now() - start


def python_builds_rows_in_one_call():
    """A Python loop writing every row into one string, then one JS call making them all.

    The same builder render_each's new rows go through (_js.elements_builder),
    with no framework and no function per row: the floor of any
    Python-driven render once rows cross together.
    """
    listing = fresh_list()
    end = document.createComment("")
    listing.append(end)
    rows = rows_initial()
    build = _js.elements_builder()
    start = now()
    spec = "\x1f".join([f"-1\x1f1\x1fli\x1f{text}\x1fdata-id\x1f{key}" for key, text in rows])
    build(spec, None, [], end)
    _ = listing.offsetHeight
    return now() - start


def fresh_list():
    stage = document.querySelector("#app")
    stage.replaceChildren()
    listing = document.createElement("ul")
    stage.append(listing)
    return listing


def rows_initial():
    return [(f"r{i}", f"row {i}") for i in range(ROWS)]


def rows_changed(rows):
    step = ROWS // CHANGED
    return [
        (key, f"{text} *") if i % step == 0 else (key, text) for i, (key, text) in enumerate(rows)
    ]


def pyfritz_text_updates():
    store = RootStore(-1)
    mount = render("#app", lambda: p(store.data.map(str)))
    update = store.update
    start = now()
    for i in range(UPDATES):
        update(i)
    elapsed = now() - start
    assert document.querySelector("#app p").textContent == str(UPDATES - 1)
    mount.unmount()
    return elapsed


def python_direct_text_updates():
    # Python writing textContent itself: the floor for any Python-driven update.
    document.querySelector("#app").replaceChildren()
    node = document.createElement("p")
    document.querySelector("#app").append(node)
    start = now()
    for i in range(UPDATES):
        node.textContent = str(i)
    return now() - start


def raw_text_updates(lib):
    stage = document.querySelector("#app")
    stage.replaceChildren()
    node = document.createElement("p")
    stage.append(node)
    return lib.textUpdates(node, UPDATES)


def pyfritz_keyed():
    store = RootStore([])
    mount = render(
        "#app",
        lambda: ul_with_rows(store),
    )
    listing = document.querySelector("#app ul")
    times = []
    rows = rows_initial()
    for new in (rows, rows_changed(rows), list(reversed(rows_changed(rows)))):
        start = now()
        store.update(new)
        _ = listing.offsetHeight
        times.append(now() - start)
    assert listing.children.length == ROWS
    assert listing.firstElementChild.textContent == rows_changed(rows)[-1][1]
    mount.unmount()
    return times


def ul_with_rows(store):
    with ul():
        render_each(store.data, id=lambda row: row[0], item=lambda row: li(row[1], data_id=row[0]))


def raw_keyed(lib):
    stage = document.querySelector("#app")
    stage.replaceChildren()
    listing = document.createElement("ul")
    stage.append(listing)
    rows = rows_initial()
    times = []
    for new in (rows, rows_changed(rows), list(reversed(rows_changed(rows)))):
        times.append(lib.rebuild(listing, to_js([list(row) for row in new])))
    assert listing.children.length == ROWS
    return times


def pyfritz_first_render(rows):
    """ms of one first render of ``rows`` by render_each, layout forced (what the target times)."""
    store = RootStore([])
    mount = render("#app", lambda: ul_with_rows(store))
    listing = document.querySelector("#app ul")
    start = now()
    store.update(rows)
    _ = listing.offsetHeight
    elapsed = now() - start
    mount.unmount()  # one DOM call: next to nothing in the profile
    return elapsed


def pyfritz_first_renders():
    """ms of 20 first renders of 1,000 keyed rows (``profile=first``)."""
    rows = rows_initial()
    return sum(pyfritz_first_render(rows) for _ in range(20))


def raw_first_renders(lib):
    """The same 20 renders by the raw JS baseline, for a profile beside it."""
    listing = fresh_list()
    rows = to_js([list(row) for row in rows_initial()])
    return sum(lib.rebuild(listing, rows) for _ in range(20))


def first_render_ratios(lib, rounds=15):
    """Medians of ``rounds`` interleaved first renders: pyfritz / raw JS, floor / raw JS, their ms.

    One render of each variant per round (raw JS, the one-call Python loop,
    pyfritz), so the page's load hits all three alike (``profile=ratio``).
    """
    rows = rows_initial()
    raw_rows = to_js([list(row) for row in rows])
    times = {"raw": [], "floor": [], "pyfritz": []}
    for _ in range(rounds):
        times["raw"].append(lib.rebuild(fresh_list(), raw_rows))
        times["floor"].append(python_builds_rows_in_one_call())
        times["pyfritz"].append(pyfritz_first_render(rows))
    median = {name: sorted(ms)[len(ms) // 2] for name, ms in times.items()}
    return [
        round(median["pyfritz"] / median["raw"], 3),
        round(median["floor"] / median["raw"], 3),
        *(round(median[name], 2) for name in ("raw", "floor", "pyfritz")),
    ]


def first_render_split(lib, rounds=15):
    """Medians (ms) of a first render's parts: Python before the JS call, the call, layout.

    For pyfritz (the builder of pyfritz._batch timed through a wrapper) and
    for the one-call Python loop, interleaved (``profile=split``).
    """
    from pyfritz import _batch

    build = _batch._elements()
    marks = []

    def timed(*args):
        marks.append(now())
        nodes = build(*args)
        marks.append(now())
        return nodes

    rows = rows_initial()
    parts = {"pyfritz": [], "floor": []}
    for _ in range(rounds):
        store = RootStore([])
        mount = render("#app", lambda: ul_with_rows(store))  # noqa: B023 -- runs at once
        listing = document.querySelector("#app ul")
        marks.clear()
        _batch._builder = timed
        start = now()
        store.update(rows)
        done = now()
        _ = listing.offsetHeight
        laid = now()
        _batch._builder = build
        parts["pyfritz"].append((marks[0] - start, marks[1] - marks[0], laid - done))
        mount.unmount()
        listing = fresh_list()
        end = document.createComment("")
        listing.append(end)
        start = now()
        spec = "\x1f".join([f"-1\x1f1\x1fli\x1f{text}\x1fdata-id\x1f{key}" for key, text in rows])
        marks.clear()
        timed(spec, None, [], end)
        done = now()
        _ = listing.offsetHeight
        parts["floor"].append((marks[0] - start, marks[1] - marks[0], now() - done))
    return {
        name: [round(sorted(part)[len(part) // 2], 2) for part in zip(*values, strict=True)]
        for name, values in parts.items()
    }


PROFILES = {
    "split": first_render_split,
    "ratio": first_render_ratios,
    "first": lambda lib: pyfritz_first_renders(),
    "first-raw": raw_first_renders,
    "first-floor": lambda lib: sum(python_builds_rows_one_call() for _ in range(20)),
    "first-floor-all": lambda lib: sum(python_builds_rows_in_one_call() for _ in range(20)),
    "render": lambda lib: pyfritz_keyed()[0],
    "adds": lambda lib: pyfritz_add_rows(),
    "floor": lambda lib: python_builds_rows_one_call(),
}


async def profile(name):
    """``?profile=first|first-raw|first-floor(-all)|ratio|split|render|adds|floor`` (bench.profile).

    Repeats of one variant: one warm-up run, then ``<body data-ready>``; the
    driver starts the profiler and resolves ``window.profileGo``; five runs
    follow. ``first*``: 20 first renders of 1,000 rows each, by pyfritz, by
    the raw JS baseline, by the Python loop with one JS call per row.
    ``ratio``: each run is [pyfritz / raw JS, one-call floor / raw JS, then
    raw, floor, pyfritz in ms], the medians of 15 interleaved first renders
    (an A/B of pyfritz's code under the machine's load: compare runs of this
    mode, not times). ``split``: where a first render's time goes.
    """
    lib = await js.eval(f"import('{window.location.origin}/bench_dom.js')")
    run = PROFILES[name]
    run(lib)
    go = js.Promise.new(lambda resolve, reject: setattr(window, "profileGo", resolve))
    document.body.dataset.ready = ""
    await go
    return {"variant": name, "ms": [run(lib) for _ in range(5)]}


async def main():
    params = js.URLSearchParams.new(window.location.search)
    if params.has("profile"):
        publish("bench-result", json.dumps(await profile(str(params.get("profile")))))
        return
    # An absolute URL: a relative one would resolve against Pyodide's module.
    lib = await js.eval(f"import('{window.location.origin}/bench_dom.js')")
    text = {"raw JS textContent": [], "Python writes textContent": [], "pyfritz store → text": []}
    steps = ("render 1,000 rows", "update 10 rows", "reverse")
    keyed = {
        name: {step: [] for step in steps}
        for name in ("raw JS full rebuild", "pyfritz render_each")
    }
    floors = {
        "Python loop, 3 DOM calls per row": [],
        "Python loop, 1 JS call per row": [],
        "Python loop, 1 JS call for all rows": [],
    }
    unrelated = {f"{rows} rows": [] for rows in LIST_SIZES}
    adds = {"raw JS appends a row": [], "pyfritz render_each": []}
    add_cost = {f"{who}, {rows} rows": [] for who in ("pyfritz", "raw JS") for rows in ADD_SIZES}
    add_cost["pyfritz, Python's GC per add"] = []
    # ?rounds= for a longer run by hand on a busy machine (make bench: 7).
    rounds = int(params.get("rounds") or ROUNDS)
    for round_number in range(rounds + 1):
        unrelated_results = {f"{rows} rows": pyfritz_unrelated_edit(rows) for rows in LIST_SIZES}
        add_results = {
            "raw JS appends a row": raw_add_rows(lib),
            "pyfritz render_each": pyfritz_add_rows(),
        }
        add_cost_results = {**pyfritz_add_cost(), **raw_add_cost(lib)}
        results = {
            "raw JS textContent": raw_text_updates(lib),
            "Python writes textContent": python_direct_text_updates(),
            "pyfritz store → text": pyfritz_text_updates(),
        }
        keyed_results = {
            "raw JS full rebuild": raw_keyed(lib),
            "pyfritz render_each": pyfritz_keyed(),
        }
        floor_results = {
            "Python loop, 3 DOM calls per row": python_builds_rows(),
            "Python loop, 1 JS call per row": python_builds_rows_one_call(),
            "Python loop, 1 JS call for all rows": python_builds_rows_in_one_call(),
        }
        if round_number == 0:
            continue  # warm-up
        for name, elapsed in floor_results.items():
            floors[name].append(elapsed)
        for name, elapsed in add_cost_results.items():
            add_cost[name].append(elapsed)
        for name, elapsed in results.items():
            text[name].append(UPDATES / elapsed * 1000)
        for name, times in keyed_results.items():
            for step, elapsed in zip(steps, times, strict=True):
                keyed[name][step].append(elapsed)
        for name, elapsed in unrelated_results.items():
            unrelated[name].append(elapsed)
        for name, elapsed in add_results.items():
            adds[name].append(elapsed)
    metrics = [
        {
            "label": f"{UPDATES:,} store updates bound to one text node",
            "unit": "updates/s",
            "better": "higher",
            "baseline": "raw JS textContent",
            "samples": text,
        }
    ]
    for step in steps:
        samples = {name: keyed[name][step] for name in keyed}
        if step == steps[0]:
            samples = {"raw JS full rebuild": samples["raw JS full rebuild"], **floors, **samples}
        metrics.append(
            {
                "label": f"keyed list: {step}",
                "unit": "ms",
                "better": "lower",
                "baseline": "raw JS full rebuild",
                "samples": samples,
            }
        )
    metrics.append(
        {
            "label": "a change unrelated to a keyed list (the title), by rows on the page",
            "unit": "ms/edit",
            "better": "lower",
            "baseline": "0 rows",
            "samples": unrelated,
        }
    )
    metrics.append(
        {
            "label": f"adding {ADDS} rows one at a time to a keyed list",
            "unit": "ms",
            "better": "lower",
            "baseline": "raw JS appends a row",
            "samples": adds,
        }
    )
    metrics.append(
        {
            "label": f"one add to a keyed list, by the rows already in it ({ADD_SAMPLE} adds)",
            "unit": "ms/add",
            "better": "lower",
            "baseline": f"pyfritz, {ADD_SIZES[0]} rows",
            "samples": add_cost,
        }
    )
    result = {
        "environment": {
            "userAgent": str(window.navigator.userAgent),
            "crossOriginIsolated": bool(window.crossOriginIsolated),
            "python": sys.version.split()[0],
            "pyfritz": pyfritz.__version__,
            "rounds": rounds,
        },
        "metrics": metrics,
    }
    publish("bench-result", json.dumps(result))


def publish(element_id, text):
    out = document.createElement("pre")
    out.id = element_id
    out.textContent = text
    document.body.append(out)


try:
    await main()
except Exception:
    publish("bench-error", traceback.format_exc())
