# Tries to reach a host outside loopback: the guard must abort and report it.
from pyscript import document, window

document.body.dataset.ready = "true"
window.fetch("https://example.com/should-never-leave")
