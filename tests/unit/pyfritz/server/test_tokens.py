"""Signed, expiring tokens: issued, verified, and refused when forged or expired."""

from __future__ import annotations

import pytest

from pyfritz.server.tokens import TokenSigner

SECRET = b"k" * 32


def test_a_token_carries_its_claims_until_it_expires() -> None:
    now = [1000.0]
    signer = TokenSigner(SECRET, ttl=60, clock=lambda: now[0])
    token = signer.issue("ada", role="reader")
    assert signer.verify(token) == {"sub": "ada", "exp": 1060, "role": "reader"}
    now[0] = 1059.9
    assert signer.verify(token) is not None
    now[0] = 1060.0
    assert signer.verify(token) is None


def test_forged_changed_or_foreign_tokens_are_refused() -> None:
    signer = TokenSigner(SECRET)
    token = signer.issue("ada", role="reader")
    payload, signature = token.split(".")
    other = TokenSigner(b"z" * 32).issue("ada", role="editor")
    forged_claims = TokenSigner(b"z" * 32).issue("ada", role="editor").split(".")[0]
    for bad in [
        "",
        "garbage",
        token + "x",
        payload + ".",
        f"{forged_claims}.{signature}",  # claims changed under the old signature
        other,  # signed with another secret
        "é.é",
        "a" * 5000 + "." + signature,
    ]:
        assert signer.verify(bad) is None, bad


def test_the_secret_must_be_long_enough() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        TokenSigner(b"short")
    with pytest.raises(ValueError, match="ttl"):
        TokenSigner(SECRET, ttl=0)
