"""An example with real credentials: log in, get a signed token, sync only your own notes.

* ``POST /login`` with ``{"user": ..., "password": ...}`` checks the password
  (PBKDF2-SHA256, compared in constant time) and answers ``{"token": ...,
  "user": ..., "role": ...}``: a token signed with :class:`TokenSigner`,
  valid 15 minutes.
* The page passes it when it opens the socket (``websocket(url, token=...)``
  sends it as the ``token`` query parameter, asked again at every reconnect).
* ``authenticate`` verifies it at the handshake (a bad or expired token: HTTP 403);
  ``authorize`` lets each user read their own entities (``user:<name>:...``)
  and write them if their role is ``editor``; nobody else may do either.

Run it (then open http://127.0.0.1:8000/harness.html?py=notes and log in as
ada/lovelace, bob/babbage or the read-only eve/reader)::

    python examples/auth/server.py

Set ``PYFRITZ_SECRET`` (64 hex digits) to keep tokens valid across restarts.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pyfritz.dev import create_app
from pyfritz.server import Hub, MemoryStorage, SyncApp, sync_app
from pyfritz.server.tokens import TokenSigner

__all__ = ["Principal", "User", "create", "main"]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


@dataclass(frozen=True)
class User:
    """An account: its role and its password's PBKDF2 hash."""

    role: str  # "editor" or "reader"
    salt: bytes
    hash: bytes


def _hash(password: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 100_000)


def _account(role: str, password: str) -> User:
    salt = secrets.token_bytes(16)
    return User(role, salt, _hash(password, salt))


#: The example's accounts (a real app keeps the hashes in its database).
USERS = {
    "ada": _account("editor", "lovelace"),
    "bob": _account("editor", "babbage"),
    "eve": _account("reader", "reader"),
}


@dataclass(frozen=True)
class Principal:
    """Who is connected, as the verified token says."""

    name: str
    role: str


def create(secret: bytes | None = None, *, ttl: float = 15 * 60) -> tuple[Starlette, Hub, SyncApp]:
    """The example's app (pages, ``/login``, ``/sync``), its hub and its sync endpoint."""
    signer = TokenSigner(secret or secrets.token_bytes(32), ttl=ttl)

    async def login(request: Request) -> Response:
        try:
            body = await request.json()
            name, password = str(body["user"]), str(body["password"])
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": "send {user, password} as JSON"}, status_code=400)
        user = USERS.get(name)
        # Hash even for an unknown name, so the answer takes as long either way.
        given = _hash(password, user.salt if user else b"no such user....")
        if user is None or not hmac.compare_digest(given, user.hash):
            return JSONResponse({"error": "wrong name or password"}, status_code=401)
        token = signer.issue(name, role=user.role)
        return JSONResponse({"token": token, "user": name, "role": user.role})

    async def authenticate(connection: HTTPConnection) -> Principal | None:
        claims = signer.verify(connection.query_params.get("token", ""))
        return None if claims is None else Principal(claims["sub"], str(claims.get("role")))

    def authorize(principal: Principal, entity_id: str, action: str) -> bool:
        if not entity_id.startswith(f"user:{principal.name}:"):
            return False
        return action == "join" or principal.role == "editor"

    hub = Hub(MemoryStorage())
    endpoint = sync_app(hub, authenticate=authenticate, authorize=authorize)
    app = create_app(
        ROOT,
        extra_roots=[HERE],
        harness=True,
        sync=endpoint,
        routes=[Route("/login", login, methods=["POST"])],
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # What the app wrote for the read-only user: eve may read it, never change it.
        notes = {"text": "Welcome, eve: read me, you cannot change me.", "_id": "user:eve:notes"}
        await hub.set("user:eve:notes", notes)
        yield
        await hub.close()

    app.router.lifespan_context = lifespan
    app.state.signer = signer  # for tests: tokens of their own making
    return app, hub, endpoint


def main() -> int:
    """Serve the example on 127.0.0.1:8000."""
    import uvicorn

    from pyfritz.server import MAX_FRAME
    from pyfritz.server.transport import uvicorn_config

    key = os.environ.get("PYFRITZ_SECRET")
    app, _, endpoint = create(bytes.fromhex(key) if key else None)
    print("auth example: http://127.0.0.1:8000/harness.html?py=notes")
    print(f"auth example: {endpoint.describe_access()}", flush=True)
    config = uvicorn_config(app, max_frame=MAX_FRAME, host="127.0.0.1", port=8000)
    uvicorn.Server(config).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
