# Shows what a page's CPython drew at start (tests/engines/test_boot.py).
import random

from pyscript import document

document.body.dataset.random = repr(random.random())
document.body.dataset.ready = "true"
