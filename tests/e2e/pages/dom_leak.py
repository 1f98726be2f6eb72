# 1,000 re-renders of subtrees full of bindings and listeners leak nothing.
import asyncio
import json

from pyscript import document

from pyfritz import _js
from pyfritz.dom import (
    button,
    div,
    input_,
    li,
    live_bindings,
    live_listeners,
    live_scopes,
    render,
    render_each,
    render_flow,
    span,
    ul,
)
from pyfritz.flows import MutableStateFlow

count = MutableStateFlow(0)
rows = MutableStateFlow([(key, f"{key}:0") for key in range(20)])
seen: list[str] = []


def block(n: int) -> None:
    with div(classes="block", data_n=n):
        span(count.map(str), classes={"odd": count.map(lambda v: v % 2 == 1)})
        clicker = button(f"button {n}")
        clicker.clicks.handled_by(seen.append)
        clicker.events("mouseover").prevent_default().handled_by(seen.append)
        input_(value=count.map(str)).inputs.values().handled_by(seen.append)
        render_flow(count.map(lambda v: v % 3), lambda r: span(f"rest {r}", classes="rest"))


def item(row: tuple[int, str]) -> None:
    with li(row[1]) as element:
        element.clicks.handled_by(seen.append)


def app() -> None:
    with div(id="box"):
        render_flow(count, block)
        with ul(id="rows"):
            render_each(rows, id=lambda r: r[0], item=item)


def snapshot() -> dict[str, int]:
    return {
        "bindings": live_bindings(),
        "listeners": live_listeners(),
        "proxies": _js.live_proxies(),
        "scopes": live_scopes(),
        "tasks": len(asyncio.all_tasks()),
        "nodes": len(document.querySelectorAll("#app *")),
    }


async def settle(tasks: int) -> None:
    # Ended handled_by tasks finish on their next step; give them the steps.
    for _ in range(1000):
        if len(asyncio.all_tasks()) <= tasks:
            return
        await asyncio.sleep(0)


base_tasks = len(asyncio.all_tasks())
mount = render("#app", app)
before = snapshot()
for i in range(1, 1001):
    count.value = i
    keys = [(k + i) % 25 for k in range(20)]  # rotates; keys come and go
    rows.value = [(k, f"{k}:{i if k == i % 25 else 0}") for k in keys]
await settle(before["tasks"])
after = snapshot()
block_text = document.querySelector(".block span").textContent
mount.unmount()
await settle(base_tasks)
unmounted = snapshot()
result = {
    "base_tasks": base_tasks,
    "before": before,
    "after": after,
    "unmounted": unmounted,
    "shown": block_text,
}
out = document.createElement("pre")
out.id = "result"
out.textContent = json.dumps(result)
document.body.append(out)
