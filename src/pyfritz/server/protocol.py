"""The sync protocol's frames, sans I/O: parse what clients send, build what they get.

Every frame is a JSON text frame holding an object with an ``op``
(DESIGN.md section 4):

========  ====  =============================================  ==============================
op        dir   fields                                         meaning
========  ====  =============================================  ==============================
join      c→s   ``id``, ``rev`` (int or null)                  follow an entity
leave     c→s   ``id``                                         stop following it
put       c→s   ``id``, ``seq``, ``base`` (int or null),       propose a whole new state
                ``value``
ping      c→s   ``t`` (optional, any JSON)                     heartbeat; answered by pong
snapshot  s→c   ``id``, ``rev``, ``value`` (or null),          the current state (rev 0 and
                ``client``                                     null: none yet); your client id
state     s→c   ``id``, ``rev``, ``value``, ``origin``,        an accepted state, sent to every
                ``seq``                                        follower (origin/seq null when
                                                               the server itself set it)
error     s→c   ``id``, ``seq``, ``reason``,                   a frame was refused (id/seq null
                ``code`` (optional)                            when they could not be read)
pong      s→c   ``t``                                          the ping's ``t``, echoed
========  ====  =============================================  ==============================

Rules the parser enforces, each refusal a :class:`~pyfritz.server.errors.ProtocolError`
whose ``reason`` goes back to the client:

* a frame is at most ``max_frame`` bytes of UTF-8 (default 1 MiB); a longer
  one is not parsed at all, but its ``id`` and ``seq`` are salvaged from the
  first kilobyte when they come before ``value`` (as pyfritz sends them), so
  that the client can still match the refusal to its put;
* strict JSON (no ``NaN``/``Infinity``), an object, a known ``op``;
* ``id`` is a non-empty string of at most 256 characters; ``rev``, ``seq`` and
  ``base`` are integers in ``0 .. 2**53 - 1`` (JavaScript's safe integers,
  so the browser reads them back exactly); ``value`` is any JSON but ``null``
  (null means "no state" in a snapshot);
* numbers are finite: a literal too large for a double (``1e999``) is
  refused like ``NaN``, so that no frame the server sends can hold one;
* unknown extra fields are ignored, so that newer clients can add some.

An ``error`` frame may carry a ``code`` a program can act on (see
:data:`ERROR_CODES`): ``forbidden`` (the app's ``authorize`` hook said no; the
same answer whether or not the entity exists), ``rate_limited``, ``limit``
(too many entities joined) and ``quota`` (the server's storage is full). Its
``reason`` is for people, and never longer than :data:`MAX_REASON` characters,
so a refusal can never echo more than a bounded prefix of what was sent.

Frames the server sends are built by string concatenation around JSON that was
encoded once: the hub encodes an accepted value a single time and hands the
same frame string to every follower.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, NoReturn, TypeGuard

from .errors import ProtocolError

__all__ = [
    "ERROR_CODES",
    "MAX_FRAME",
    "MAX_ID",
    "MAX_REASON",
    "MAX_SAFE_INT",
    "ClientOp",
    "Join",
    "Leave",
    "Ping",
    "Put",
    "encode_value",
    "error_frame",
    "is_valid_id",
    "parse_frame",
    "pong_frame",
    "snapshot_frame",
    "state_frame",
]

#: Default cap on an incoming frame, in bytes of UTF-8.
MAX_FRAME = 1 << 20
#: Longest entity id, in characters.
MAX_ID = 256
#: Largest integer JavaScript represents exactly (``Number.MAX_SAFE_INTEGER``).
MAX_SAFE_INT = 2**53 - 1
#: Longest ``reason`` of an ``error`` frame, in characters.
MAX_REASON = 200
#: The ``code`` values an ``error`` frame may carry.
ERROR_CODES = frozenset({"forbidden", "rate_limited", "limit", "quota"})


@dataclass(frozen=True, slots=True)
class Join:
    """``join``: follow entity ``id``; ``rev`` is the last revision the client saw."""

    id: str
    rev: int | None


@dataclass(frozen=True, slots=True)
class Leave:
    """``leave``: stop following entity ``id``."""

    id: str


@dataclass(frozen=True, slots=True)
class Put:
    """``put``: propose ``value`` as the whole new state of entity ``id``.

    ``seq`` is the client's own counter, echoed in the resulting ``state`` or
    ``error``; ``base`` is the revision the client's change was made on.
    """

    id: str
    seq: int
    base: int | None
    value: Any


@dataclass(frozen=True, slots=True)
class Ping:
    """``ping``: a heartbeat; ``t`` (any JSON, usually a timestamp) is echoed."""

    t: Any


#: Any frame a client may send.
ClientOp = Join | Leave | Put | Ping


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    number = float(text)
    # float("1e999") is inf: it would come back out as Infinity, which is not JSON.
    if not math.isfinite(number):
        raise ValueError(f"number out of range: {text[:40]}")
    return number


def _utf8_size(text: str, limit: int) -> int:
    """The UTF-8 size of ``text``, computed only when it might exceed ``limit``."""
    # A code point takes at most 4 bytes: short texts need no encoding pass.
    if len(text) * 4 <= limit:
        return len(text)
    return len(text.encode("utf-8", "surrogatepass"))


_HEAD = 1024
_ID_RE = re.compile(r'"id"\s*:\s*("(?:[^"\\]|\\.){1,256}")')
_SEQ_RE = re.compile(r'"seq"\s*:\s*(\d{1,16})\b')


def _salvage(text: str) -> tuple[str | None, int | None]:
    """Best effort: the ``id`` and ``seq`` of a frame too large to parse."""
    head = text[:_HEAD]
    # Only look before the value, so that keys nested inside it never match.
    cut = head.find('"value"')
    if cut >= 0:
        head = head[:cut]
    id_: str | None = None
    seq: int | None = None
    if (match := _ID_RE.search(head)) is not None:
        try:
            loaded = json.loads(match.group(1))
        except ValueError:
            loaded = None
        if isinstance(loaded, str) and is_valid_id(loaded):
            id_ = loaded
    if (match := _SEQ_RE.search(head)) is not None and int(match.group(1)) <= MAX_SAFE_INT:
        seq = int(match.group(1))
    return id_, seq


def is_valid_id(value: object) -> TypeGuard[str]:
    """Whether ``value`` can be an entity id: a non-empty UTF-8 string of at most 256 characters."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_ID:
        return False
    try:
        # A lone surrogate (from a "\ud800" escape) cannot be sent or stored.
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _valid_int(value: object) -> bool:
    # bool is an int subclass; JSON true is not a revision.
    return type(value) is int and 0 <= value <= MAX_SAFE_INT


def parse_frame(text: str, *, max_frame: int = MAX_FRAME) -> ClientOp:
    """Parse and validate one text frame from a client.

    Args:
        text: the frame as received.
        max_frame: the largest frame accepted, in bytes of UTF-8.

    Returns:
        The operation: a :class:`Join`, :class:`Leave`, :class:`Put` or :class:`Ping`.

    Raises:
        ProtocolError: the frame is refused; its ``reason`` says why, and its
            ``id``/``seq`` carry whatever could be read of them.

    Example::

        >>> parse_frame('{"op": "join", "id": "p1", "rev": null}')
        Join(id='p1', rev=None)
    """
    size = _utf8_size(text, max_frame)
    if size > max_frame:
        id_, seq = _salvage(text)
        raise ProtocolError(f"frame too large: {size} bytes > {max_frame}", id=id_, seq=seq)
    try:
        frame = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise ProtocolError("not JSON: nested too deeply") from None
    except ValueError as exc:
        raise ProtocolError(f"not JSON: {exc}") from None
    if not isinstance(frame, dict):
        raise ProtocolError(f"a frame must be a JSON object, not {type(frame).__name__}")
    op = frame.get("op")
    if op == "ping":
        return Ping(frame.get("t"))
    if not isinstance(op, str):
        raise ProtocolError("missing field 'op' (a string)")
    if op not in ("join", "leave", "put"):
        raise ProtocolError(f"unknown op {op[:40]!r}; expected join, leave, put or ping")

    raw_id = frame.get("id")
    id_ = raw_id if is_valid_id(raw_id) else None
    raw_seq = frame.get("seq")
    seq = raw_seq if op == "put" and _valid_int(raw_seq) else None

    def refuse(reason: str) -> NoReturn:
        raise ProtocolError(f"{op}: {reason}", id=id_, seq=seq)

    if id_ is None:
        refuse(f"field 'id' must be a non-empty string of at most {MAX_ID} characters")
    if op == "leave":
        return Leave(id_)
    if op == "join":
        if "rev" not in frame:
            refuse("missing field 'rev' (an integer or null)")
        rev = frame["rev"]
        if rev is not None and not _valid_int(rev):
            refuse("field 'rev' must be an integer >= 0 or null")
        return Join(id_, rev)
    # op == "put"
    if seq is None:
        refuse("field 'seq' must be an integer >= 0")
    if "base" not in frame:
        refuse("missing field 'base' (an integer or null)")
    base = frame["base"]
    if base is not None and not _valid_int(base):
        refuse("field 'base' must be an integer >= 0 or null")
    if "value" not in frame:
        refuse("missing field 'value'")
    if frame["value"] is None:
        refuse("field 'value' must not be null")
    return Put(id_, seq, base, frame["value"])


def encode_value(value: Any) -> tuple[str, int]:
    """Encode an entity's value as compact JSON, once, for storing and sending.

    Returns:
        The JSON text and its size in bytes of UTF-8.

    Raises:
        ValueError: ``value`` is not JSON (``NaN``, a set, a lone surrogate, ...).
    """
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text, len(text.encode("utf-8"))
    except (TypeError, ValueError, RecursionError) as exc:
        raise ValueError(f"value is not JSON: {exc}") from exc


def _str(value: str | None) -> str:
    # Entity ids and client ids were validated as UTF-8 safe.
    return "null" if value is None else json.dumps(value, ensure_ascii=False)


def _int(value: int | None) -> str:
    return "null" if value is None else str(value)


def snapshot_frame(id: str, rev: int, value: str | None, client: str) -> str:
    """A ``snapshot`` frame; ``value`` is the entity's JSON text, ``None`` if it has none."""
    value_json = "null" if value is None else value
    return (
        f'{{"op":"snapshot","id":{_str(id)},"rev":{rev},"value":{value_json},'
        f'"client":{_str(client)}}}'
    )


def state_frame(id: str, rev: int, value: str, origin: str | None, seq: int | None) -> str:
    """A ``state`` frame; ``value`` is the entity's JSON text as :func:`encode_value` made it."""
    return (
        f'{{"op":"state","id":{_str(id)},"rev":{rev},"value":{value},'
        f'"origin":{_str(origin)},"seq":{_int(seq)}}}'
    )


def error_frame(
    id: str | None,
    seq: int | None,
    reason: str,
    code: str | None = None,
    *,
    messages: list[dict[str, str]] | None = None,
) -> str:
    """An ``error`` frame (``id``/``seq`` null when they could not be read).

    ``reason`` is cut to :data:`MAX_REASON` characters; ``code``, if given, is
    one of :data:`ERROR_CODES`; ``messages``: the validator's messages about a
    refused value, if any.
    """
    if len(reason) > MAX_REASON:
        reason = reason[: MAX_REASON - 1] + "…"
    frame = f'{{"op":"error","id":{_str(id)},"seq":{_int(seq)},"reason":{json.dumps(reason)}'
    if code is not None:
        frame += f',"code":{json.dumps(code)}'
    if messages is not None:
        frame += f',"messages":{json.dumps(messages, separators=(",", ":"))}'
    return frame + "}"


def pong_frame(t: Any) -> str:
    """A ``pong`` frame echoing a ping's ``t``."""
    # ensure_ascii: t is client input and may hold a lone surrogate. allow_nan
    # off: the parser refuses non-finite numbers, and this keeps it so.
    return f'{{"op":"pong","t":{json.dumps(t, separators=(",", ":"), allow_nan=False)}}}'
