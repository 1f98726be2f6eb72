# Boots pyfritz in the page and shows what the browser runs.
import sys

from pyscript import document

import pyfritz

out = document.querySelector("#app")
out.textContent = f"pyfritz {pyfritz.__version__} on {sys.version_info[0]}.{sys.version_info[1]}"
document.body.dataset.ready = "true"
