# The smallest PyScript page: Python starts, marks the page, nothing else (bench/boot.py).
from pyscript import document

document.body.dataset.ready = "true"
