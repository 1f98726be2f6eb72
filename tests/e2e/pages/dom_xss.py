# Text flows carrying HTML show as literal text and run no script.
from pyscript import document

from pyfritz.dom import div, input_, p, render, text
from pyfritz.flows import MutableStateFlow

PAYLOAD = '<img src=x onerror="window.pwned = 1">'
message = MutableStateFlow("")


def app() -> None:
    p(message, id="flow-text")
    p("static " + PAYLOAD, id="static-text")
    with p(id="mixed"):
        text("before ")
        text(message)
    div(id="attr", title=message)
    input_(id="value", value=message)
    div(id="trusted", unsafe_html="<b>opted in</b>")


render("#app", app)
message.value = PAYLOAD  # the update path, not only the first value
message.value = PAYLOAD + "!"
document.body.dataset.ready = "true"
