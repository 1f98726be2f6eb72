"""Tests of pyfritz.keyed: keyed list reconciliation with minimal moves."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyfritz.keyed import Patch, Step, changed_window, diff, longest_increasing_run


def apply(old: list[str], patch: Patch[str]) -> list[str]:
    """Apply a patch to a list the way the DOM does (insertBefore semantics)."""
    nodes = [key for key in old if key not in set(patch.removed)]
    for step in patch.steps:
        if step.action == "move":
            nodes.remove(step.key)
        else:
            assert step.key not in nodes
        at = len(nodes) if step.before is None else nodes.index(step.before)
        nodes.insert(at, step.key)
    return nodes


def is_increasing(values: list[int]) -> bool:
    return all(a < b for a, b in itertools.pairwise(values))


def test_same_order_needs_no_steps() -> None:
    assert diff(["a", "b"], ["a", "b"]) == Patch([], [])


def test_append_only_inserts_at_the_end() -> None:
    assert diff(["a"], ["a", "b", "c"]).steps == [
        Step("c", "insert", None),
        Step("b", "insert", "c"),
    ]


def test_removal_lists_gone_keys_in_old_order() -> None:
    patch = diff(["a", "b", "c", "d"], ["d", "a", "c", "e"])
    assert patch.removed == ["b"]
    assert patch.steps == [Step("e", "insert", None), Step("d", "move", "a")]


def test_moving_one_row_to_the_front_moves_only_that_row() -> None:
    patch = diff(["a", "b", "c", "d"], ["d", "a", "b", "c"])
    assert patch.steps == [Step("d", "move", "a")]


def test_swapping_two_rows_moves_one() -> None:
    patch = diff(list("abcdef"), list("abedcf"))
    assert apply(list("abcdef"), patch) == list("abedcf")
    assert patch.moves == 2  # e and d around c: two of three can't both stay


def test_reversal_keeps_one_row_in_place() -> None:
    old = [str(i) for i in range(10)]
    patch = diff(old, old[::-1])
    assert patch.moves == 9
    assert apply(old, patch) == old[::-1]


def test_duplicate_new_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate key in the new list: 'a'"):
        diff([], ["a", "b", "a"])


def test_duplicate_old_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate key in the old list"):
        diff(["x", "x"], [])


def test_longest_increasing_run_examples() -> None:
    assert longest_increasing_run([]) == []
    assert longest_increasing_run([3, 0, 1, 4, 2]) == [0, 1, 2]
    assert longest_increasing_run([5, 4, 3]) in ([5], [4], [3])


@given(st.lists(st.integers(-50, 50), max_size=60))
def test_longest_increasing_run_is_increasing_and_longest(values: list[int]) -> None:
    run = longest_increasing_run(values)
    assert is_increasing(run)
    # A subsequence of values, in order.
    it = iter(values)
    assert all(any(v == w for w in it) for v in run)
    # Longest: compare with the O(n^2) dynamic programme.
    best = [1] * len(values)
    for i in range(len(values)):
        for j in range(i):
            if values[j] < values[i]:
                best[i] = max(best[i], best[j] + 1)
    assert len(run) == max(best, default=0)


keys = st.lists(st.sampled_from("abcdefghijklmnop"), unique=True, max_size=16)


@given(keys, keys)
def test_patch_turns_old_into_new_with_minimal_moves(old: list[str], new: list[str]) -> None:
    patch = diff(old, new)
    assert apply(old, patch) == new
    kept = [old.index(key) for key in new if key in old]
    assert patch.moves == len(kept) - len(longest_increasing_run(kept))
    assert [s.key for s in patch.steps if s.action == "insert"] == [
        key for key in reversed(new) if key not in old
    ]


def test_changed_window_finds_one_add_change_or_removal() -> None:
    a, b, c, d = (object() for _ in range(4))
    assert changed_window([a, b], [a, b, c]) == (2, 2, 3)
    assert changed_window([a, b, c], [a, d, c]) == (1, 2, 2)
    assert changed_window([a, b, c], [a, c]) == (1, 2, 1)
    assert changed_window([a, b], [a, b]) == (2, 2, 2)
    assert changed_window([], [a]) == (0, 0, 1)


class Unequal:
    """An element whose ``==`` fails, as a numpy array's truth does."""

    def __eq__(self, other: object) -> bool:
        raise ValueError("no truth value")

    __hash__ = object.__hash__


def same(a: object, b: object) -> bool:
    return a is b or a == b


pieces = st.lists(st.tuples(st.integers(0, 5), st.booleans()), max_size=40)


@given(pieces, pieces, st.booleans())
def test_changed_window_leaves_only_the_same_elements_outside(
    old: list[tuple[int, bool]], new: list[tuple[int, bool]], as_tuples: bool
) -> None:
    # An element is one of six shared objects, or a fresh copy equal to one
    # of them: the very same object or an equal one both count as the same.
    pool = [(i, "x") for i in range(6)]

    def element(i: int, shared: bool) -> object:
        return pool[i] if shared else (i, "x"[:])  # an equal tuple, a new object

    old_elements = [element(*piece) for piece in old]
    new_elements = [element(*piece) for piece in new]
    made = (tuple(old_elements), tuple(new_elements)) if as_tuples else (old_elements, new_elements)
    head, old_end, new_end = changed_window(*made)
    assert all(map(same, old_elements[:head], new_elements[:head]))
    assert all(map(same, old_elements[old_end:], new_elements[new_end:]))
    assert len(old_elements) - old_end == len(new_elements) - new_end
    assert head <= old_end <= len(old) and head <= new_end <= len(new)
    # The window is the smallest: one more element on either side would differ.
    if head < min(old_end, new_end):
        assert not same(old_elements[head], new_elements[head])
    if old_end > head and new_end > head:
        assert not same(old_elements[old_end - 1], new_elements[new_end - 1])


def test_changed_window_compares_a_list_with_a_tuple_element_by_element() -> None:
    a, b, c = "abc"
    assert changed_window([a, b, c], (a, "B", c)) == (1, 2, 2)


def test_changed_window_compares_by_identity_where_equality_fails() -> None:
    a, b, c, d = Unequal(), Unequal(), Unequal(), Unequal()
    assert changed_window([a, b, c], [a, d, c]) == (1, 2, 2)
    assert changed_window([a, b], [a, b, d]) == (2, 2, 3)


class Fickle:
    """Unequal to anything the first time it is compared, equal after."""

    def __init__(self) -> None:
        self.asked = False

    def __eq__(self, other: object) -> bool:
        answer, self.asked = self.asked, True
        return answer

    __hash__ = object.__hash__


def test_changed_window_ends_even_when_equality_changes_its_mind() -> None:
    for size in (1, 2, 40):
        old = [Fickle() for _ in range(size)]
        new = [Fickle() for _ in range(size)]
        head, old_end, new_end = changed_window(old, new)
        assert 0 <= head <= old_end <= size and head <= new_end <= size


def test_changed_window_compares_a_long_list_a_run_at_a_time() -> None:
    old = [(i, "row") for i in range(1000)]
    for at in (0, 1, 7, 8, 9, 499, 500, 998, 999):
        new = [*old[:at], (at, "edited"), *old[at + 1 :]]
        assert changed_window(old, new) == (at, at + 1, at + 1)
        fresh = [(i, "row"[:1] + "ow") for i in range(1000)]  # all equal, none the same
        assert changed_window(fresh, new) == (at, at + 1, at + 1)
    assert changed_window(old, [*old, (1000, "row")]) == (1000, 1000, 1001)
    assert changed_window(old, old[:500] + old[501:]) == (500, 501, 500)
