"""Signed, expiring tokens with the standard library (``hmac`` + SHA-256).

A token is ``<claims>.<signature>``, both base64url: the claims are compact
JSON with the subject ``sub`` and the expiry ``exp`` (Unix seconds), plus
whatever the app adds (a role, say); the signature is HMAC-SHA256 of the
claims' text under the server's secret. Anyone can read the claims; only the
holder of the secret can make a token the server accepts, and nobody can
change one without the signature failing. An app's login endpoint issues
them; its ``authenticate`` hook verifies the one the page passes.

Keep the secret out of the code (an environment variable, a secrets store),
at least 32 random bytes (``secrets.token_bytes(32)``). Tokens cannot be
revoked one by one: keep them short-lived and issue new ones (the browser's
token source is asked again at every reconnect).

Example::

    signer = TokenSigner(secret, ttl=3600)
    token = signer.issue("ada", role="editor")
    signer.verify(token)          # {"sub": "ada", "exp": ..., "role": "editor"}
    signer.verify(token + "x")    # None: bad signature
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

__all__ = ["TokenSigner"]


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    """Issues and verifies tokens under one secret.

    Args:
        secret: the signing key, at least 32 bytes.
        ttl: how long an issued token is valid, in seconds.
        clock: the current time in Unix seconds (for tests).

    Raises:
        ValueError: the secret is too short, or ``ttl`` not positive.
    """

    def __init__(
        self, secret: bytes, *, ttl: float = 3600.0, clock: Callable[[], float] = time.time
    ) -> None:
        if len(secret) < 32:
            raise ValueError("the secret must be at least 32 bytes (secrets.token_bytes(32))")
        if ttl <= 0:
            raise ValueError(f"ttl must be positive, not {ttl}")
        self._secret = secret
        self.ttl = ttl
        self._clock = clock

    def issue(self, subject: str, *, ttl: float | None = None, **claims: Any) -> str:
        """A token for ``subject`` with ``claims``, valid ``ttl`` seconds from now.

        Raises:
            TypeError: a claim is not JSON.
        """
        exp = int(self._clock() + (self.ttl if ttl is None else ttl))
        body = {**claims, "sub": subject, "exp": exp}
        payload = _b64encode(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
        return f"{payload}.{self._sign(payload)}"

    def verify(self, token: str) -> dict[str, Any] | None:
        """The token's claims if its signature holds and it has not expired; else ``None``."""
        payload, dot, signature = token.partition(".")
        if not dot or len(token) > 4096 or not token.isascii():
            return None
        # compare_digest: no timing hint about how much of a forged signature was right.
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        try:
            claims = json.loads(_b64decode(payload))
        except ValueError:
            return None
        if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int):
            return None
        if claims["exp"] <= self._clock() or not isinstance(claims.get("sub"), str):
            return None
        return claims

    def _sign(self, payload: str) -> str:
        digest = hmac.new(self._secret, payload.encode("ascii", "replace"), hashlib.sha256)
        return _b64encode(digest.digest())
