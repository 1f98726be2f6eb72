# A person editor synced over /sync: ?id=<entity> picks the entity.
# Rendered with plain text assignments (textContent, never HTML).
# Reconnect options for the fault tests: ?cap=<s> (backoff cap, and the first
# delay if smaller than 0.25 s), ?timeout=<s> (connect timeout) and
# ?heartbeat=<interval>,<timeout>; without any, sync_with's default.
from dataclasses import dataclass, replace

from pyodide.ffi import create_proxy
from pyscript import document, window

from pyfritz import SYNC_RECONNECT, Reconnect, Resource, RootStore, websocket

PARAMS = window.URLSearchParams.new(window.location.search)
ENTITY = PARAMS.get("id")


def param(name: str) -> str | None:
    return str(PARAMS.get(name)) if PARAMS.has(name) else None  # a missing one is JS null


def reconnect_policy() -> Reconnect | bool:
    cap, timeout, heartbeat = (param(name) for name in ("cap", "timeout", "heartbeat"))
    if cap is None and timeout is None and heartbeat is None:
        return True
    policy = SYNC_RECONNECT
    if cap is not None:
        policy = replace(policy, initial=min(policy.initial, float(cap)), cap=float(cap))
    if timeout is not None:
        policy = replace(policy, connect_timeout=float(timeout))
    if heartbeat is not None:
        interval, wait = (float(part) for part in heartbeat.split(","))
        policy = replace(policy, heartbeat=(interval, wait))
    return policy


@dataclass(frozen=True)
class Person:
    name: str
    age: int
    _id: str


people = Resource(Person, id=lambda p: p._id, empty=Person("", 0, ENTITY))


class PersonStore(RootStore[Person]):
    def __init__(self) -> None:
        super().__init__(Person("", 0, ENTITY))
        self.sync = self.sync_with(
            websocket(f"ws://{window.location.host}/sync"), people, reconnect=reconnect_policy()
        )


store = PersonStore()

app = document.querySelector("#app")
app.innerHTML = (
    '<input id="name"><button id="older">older</button>'
    '<p id="shown"></p><p id="age"></p><p id="status"></p><p id="errors">0</p>'
)
field, shown, age, status, errors = (
    document.querySelector(s) for s in ("#name", "#shown", "#age", "#status", "#errors")
)
error_count = 0


def show(person: Person) -> None:
    shown.textContent = person.name
    age.textContent = str(person.age)
    if field.value != person.name:
        field.value = person.name


def show_error(exc: Exception) -> None:
    global error_count
    error_count += 1
    errors.textContent = f"{error_count}: {exc}"


def on_input(event: object) -> None:
    store.update(replace(store.current, name=field.value))


def on_older(event: object) -> None:
    store.update(replace(store.current, age=store.current.age + 1))


store.data.on_each(show).watch()
store.sync.status.on_each(lambda s: setattr(status, "textContent", s)).watch()
store.sync.errors.on_each(show_error).watch()
field.addEventListener("input", create_proxy(on_input))
document.querySelector("#older").addEventListener("click", create_proxy(on_older))
document.body.dataset.ready = "true"
