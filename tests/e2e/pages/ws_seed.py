# The seed's example from issue 3, exactly as written there, against /ws/echo.
from pyscript import document, window

from pyfritz import websocket

PORT = window.location.port


def show(text: str) -> None:
    line = document.createElement("p")
    line.className = "said"
    line.textContent = text
    document.querySelector("#app").append(line)


socket = websocket(f"ws://127.0.0.1:{PORT}/ws/echo", "proto-a")  # optional sub-protocols
session = socket.connect()
session.messages.body.on_each(lambda text: show(f"Server said: {text}")).watch()
await session.send("Hello")
await session.close(reason="finished")

document.body.dataset.protocol = session.protocol
document.body.dataset.close = f"{session.close_event.code} {session.close_event.reason}"
document.body.dataset.done = "true"
