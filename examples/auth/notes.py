# The auth example's page (examples/auth/server.py): log in, then edit your notes.
# The token from /login goes with the socket (websocket(url, token=...)), asked
# again at every reconnect. ?entity=<id> opens another entity (someone else's:
# refused); ?token=<token> skips the login (an expired one: refused at the handshake).
import asyncio
import base64
import json
import time
from dataclasses import dataclass

from pyodide.ffi import create_proxy
from pyscript import document, fetch, window

from pyfritz import Resource, RootStore, websocket

PARAMS = window.URLSearchParams.new(window.location.search)


def param(name: str) -> str | None:
    return str(PARAMS.get(name)) if PARAMS.has(name) else None


@dataclass(frozen=True)
class Note:
    text: str
    _id: str


app = document.querySelector("#app")
app.innerHTML = (
    '<form id="login"><input id="user" autocomplete="username">'
    '<input id="password" type="password" autocomplete="current-password">'
    '<button id="go">Log in</button></form>'
    '<p id="who"></p><input id="text" disabled><p id="shown"></p>'
    '<p id="status"></p><p id="error"></p>'
)
who, text, shown, status, error = (
    document.querySelector(s) for s in ("#who", "#text", "#shown", "#status", "#error")
)
credentials = {"token": param("token")}


def token() -> str | None:
    """The token source: asked at every (re)connect, so a new login takes effect."""
    return credentials["token"]


def expired(token: str) -> bool:
    payload = token.split(".")[0]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return bool(claims["exp"] <= time.time())


def start(user: str) -> None:
    entity = param("entity") or f"user:{user}:notes"
    who.textContent = f"{user}: {entity}"
    notes = Resource(Note, id=lambda note: note._id, empty=Note("", entity))
    store = RootStore(notes.empty)
    sync = store.sync_with(websocket(f"ws://{window.location.host}/sync", token=token), notes)
    reached = {"server": False}

    def show(note: Note) -> None:
        shown.textContent = note.text
        if text.value != note.text:
            text.value = note.text

    def on_status(state: str) -> None:
        status.textContent = state
        if state in ("synced", "pending", "error"):
            reached["server"] = True
        elif state == "reconnecting" and not reached["server"]:
            # A browser cannot see the handshake's HTTP status: say what it likely was.
            current = credentials["token"] or ""
            why = "your login has expired" if current and expired(current) else "not allowed"
            error.textContent = f"the server refused the connection: {why}; log in again"

    store.data.on_each(show).watch()
    sync.status.on_each(on_status).watch()
    sync.errors.on_each(lambda exc: setattr(error, "textContent", str(exc))).watch()
    text.disabled = False
    text.addEventListener("change", create_proxy(lambda _: store.update(Note(text.value, entity))))


async def log_in() -> None:
    body = {"user": document.querySelector("#user").value}
    body["password"] = document.querySelector("#password").value
    response = await fetch(
        "/login",
        method="POST",
        headers={"Content-Type": "application/json"},
        body=json.dumps(body),
    )
    answer = json.loads(await response.text())
    if not response.ok:
        error.textContent = f"login failed: {answer['error']}"
        return
    credentials["token"] = answer["token"]
    start(answer["user"])


pending = set()


def on_submit(event: object) -> None:
    event.preventDefault()  # at once: the form must not navigate
    task = asyncio.ensure_future(log_in())
    pending.add(task)
    task.add_done_callback(pending.discard)


if credentials["token"] is not None:
    start(param("user") or "?")
else:
    document.querySelector("#login").addEventListener("submit", create_proxy(on_submit))
document.body.dataset.ready = "true"
