"""Keyed list reconciliation: the fewest DOM moves from one key order to another.

Pure and browser-free: :func:`diff` compares the keys rendered now with the
keys wanted next and returns a :class:`Patch`, which
:func:`pyfritz.dom.render_each` applies to the DOM. Kept apart so that the
algorithm is unit-tested on CPython.

Why a longest increasing subsequence: the keys present in both lists whose
old positions already increase along the new order can stay where they are;
every other kept key must move once. The longest such run is the largest set
of nodes that can stay, so moving only the rest is minimal (the approach of
ivi, Inferno and Vue 3). Nodes that stay keep their focus, selection and
input state; with ``Element.moveBefore`` moved nodes keep theirs too.

Example::

    patch = diff(["a", "b", "c", "d"], ["d", "a", "c", "e"])
    patch.removed            # ['b']
    patch.steps              # [Step('e', 'insert', None), Step('d', 'move', 'a')]
    # Apply the steps in order: each goes before ``before`` (None: at the end),
    # whose node is already in its final place.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Hashable, Iterable, Sequence
from operator import indexOf, is_not
from typing import Generic, Literal, NamedTuple, TypeVar

__all__ = ["Patch", "Step", "changed_window", "diff", "longest_increasing_run"]

K = TypeVar("K", bound=Hashable)


class Step(NamedTuple, Generic[K]):
    """Put the node of ``key`` right before the node of ``before`` (``None``: at the end)."""

    key: K
    action: Literal["insert", "move"]
    before: K | None


class Patch(NamedTuple, Generic[K]):
    """What turns the old key order into the new one.

    ``removed``: keys to drop, in old order. ``steps``: inserts and moves, to
    apply in order, right to left along the new list. Keys not named in
    either stay where they are.
    """

    removed: list[K]
    steps: list[Step[K]]

    @property
    def moves(self) -> int:
        """How many existing nodes move."""
        return sum(1 for step in self.steps if step.action == "move")


def diff(old: Sequence[K], new: Sequence[K]) -> Patch[K]:
    """Compare two key orders; return the removals, inserts and minimal moves.

    Raises:
        ValueError: a key occurs twice in ``new`` (or in ``old``).

    Example::

        diff(["a", "b", "c"], ["c", "a", "b"])
        # Patch(removed=[], steps=[Step('c', 'move', 'a')])
    """
    old_index = {key: i for i, key in enumerate(old)}
    if len(old_index) != len(old):
        raise ValueError(f"duplicate key in the old list: {_first_duplicate(old)!r}")
    new_set = set(new)
    if len(new_set) != len(new):
        raise ValueError(f"duplicate key in the new list: {_first_duplicate(new)!r}")
    if len(old) == len(new) and all(a == b for a, b in zip(old, new, strict=True)):
        return Patch([], [])  # the common case: only values changed

    removed = [key for key in old if key not in new_set]
    # Old positions of the kept keys, in new order; -1 marks a new key.
    sources = [old_index.get(key, -1) for key in new]
    stay = longest_increasing_run([i for i in sources if i >= 0])
    staying = {old[i] for i in stay}

    steps: list[Step[K]] = []
    before: K | None = None
    for key, source in zip(reversed(new), reversed(sources), strict=True):
        if source < 0:
            steps.append(Step(key, "insert", before))
        elif key not in staying:
            steps.append(Step(key, "move", before))
        before = key
    return Patch(removed, steps)


def changed_window(old: Sequence[object], new: Sequence[object]) -> tuple[int, int, int]:
    """``(head, old_end, new_end)``: ``old[head:old_end]`` became ``new[head:new_end]``.

    Before and after that window both lists hold the same elements: the
    very same objects or equal ones (``==``, as a list compares them), so
    whatever was made for them stays valid; a store's flows do not re-emit
    an equal value either. Why: adding, removing or changing one element of
    a long list (of immutable values, as stores hold) then costs one
    element, not one Python step per element. The lists are compared a run
    at a time, as lists compare (identity first, then ``==``), in C:
    about 6 ns per element in the browser, where a call per element
    (``map(is_not, ...)``) costs 250 ns (issue 13). An element whose ``==``
    fails is compared by identity only. The last answer is remembered: a
    list store's rows and its ``render_each`` ask about the same pair of
    lists.

    Example::

        a, b, c, d = "abcd"
        changed_window([a, b, c], [a, d, c])   # (1, 2, 2): b became d
        changed_window([a, b], [a, b, c])      # (2, 2, 3): c was added
    """
    global _last
    last = _last
    if last is not None and last[0] is old and last[1] is new:
        return last[2]
    shorter = min(len(old), len(new))
    runs_old, runs_new = old, new
    if not (isinstance(old, list) and isinstance(new, list)) and not (
        isinstance(old, tuple) and isinstance(new, tuple)
    ):
        runs_old, runs_new = tuple(old), tuple(new)  # a list never equals a tuple
    try:
        head = _same_run(runs_old, runs_new, 0, 0, shorter, 1)
        tail = _same_run(runs_old, runs_new, len(old), len(new), shorter - head, -1)
    except Exception:  # an element's == failed: same objects only
        head = _first_difference(old, new, shorter)
        tail = min(_first_difference(reversed(old), reversed(new), shorter), shorter - head)
    window = (head, len(old) - tail, len(new) - tail)
    _last = (old, new, window)
    return window


_last: tuple[Sequence[object], Sequence[object], tuple[int, int, int]] | None = None

# Below this many elements a run is compared one element at a time.
_STEP = 8


def _same_run(
    old: Sequence[object], new: Sequence[object], at_old: int, at_new: int, most: int, way: int
) -> int:
    """How many elements, up to ``most``, are the same in both from the given ends on.

    ``way`` 1: from ``at_old``/``at_new`` forwards; -1: backwards from
    (before) them. Compares the whole run first (the common case: all
    same), then halves the run that differs: O(n) element comparisons.
    """

    def same(start: int, stop: int) -> bool:  # are elements [start, stop) of the run the same?
        if way > 0:
            return bool(old[at_old + start : at_old + stop] == new[at_new + start : at_new + stop])
        return bool(old[at_old - stop : at_old - start] == new[at_new - stop : at_new - start])

    if most == 0 or same(0, most):
        return most
    low, high = 0, most  # the first ``low`` are the same; the first ``high`` are not
    while high - low > _STEP:
        middle = (low + high) // 2
        if same(low, middle):
            low = middle
        else:
            high = middle
    # Stops at ``high`` even for an == that changes its mind between calls.
    while low < high and same(low, low + 1):
        low += 1
    return low


def _first_difference(old: Iterable[object], new: Iterable[object], default: int) -> int:
    """Where the two first hold different objects (``default``: nowhere)."""
    try:
        return indexOf(map(is_not, old, new), True)
    except ValueError:
        return default


def longest_increasing_run(values: Sequence[int]) -> list[int]:
    """One longest strictly increasing subsequence of ``values`` (the values, in order).

    O(n log n) patience sorting with back links.

    Example::

        longest_increasing_run([3, 0, 1, 4, 2])   # [0, 1, 2]
    """
    tails: list[int] = []  # tails[k]: the smallest tail value of a run of length k+1
    tail_at: list[int] = []  # ...and the index in ``values`` where it sits
    back = [-1] * len(values)
    for i, value in enumerate(values):
        k = bisect_left(tails, value)
        if k > 0:
            back[i] = tail_at[k - 1]
        if k == len(tails):
            tails.append(value)
            tail_at.append(i)
        else:
            tails[k] = value
            tail_at[k] = i
    run: list[int] = []
    i = tail_at[-1] if tail_at else -1
    while i >= 0:
        run.append(values[i])
        i = back[i]
    run.reverse()
    return run


def _first_duplicate(keys: Sequence[K]) -> K | None:
    seen: set[K] = set()
    for key in keys:
        if key in seen:
            return key
        seen.add(key)
    return None
