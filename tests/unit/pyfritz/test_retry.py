"""Unit tests of pyfritz.retry: the Reconnect policy and the Backoff schedule."""

from __future__ import annotations

import random
from typing import Any

import pytest

from pyfritz.retry import DEFAULT_NO_RETRY_CODES, Backoff, Reconnect

# Without jitter the delays are the schedule's ceilings: 0.25, 0.5, 1, 2, ...
EXACT = Reconnect(jitter="none")


# -- Reconnect: the policy ----------------------------------------------------------


def test_policy_defaults_match_the_issue() -> None:
    policy = Reconnect()
    assert (policy.initial, policy.factor, policy.cap) == (0.25, 2.0, 10.0)
    assert policy.max_retries is None
    assert (policy.connect_timeout, policy.stable_after) == (10.0, 5.0)
    assert policy.no_retry_codes == DEFAULT_NO_RETRY_CODES
    assert 1008 in policy.no_retry_codes and 1006 not in policy.no_retry_codes
    assert (policy.jitter, policy.max_queued, policy.heartbeat) == ("full", 1000, None)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"initial": 0}, "initial must be > 0"),
        ({"initial": float("inf")}, "initial"),
        ({"factor": 0.5}, "factor must be >= 1"),
        ({"cap": 0.1}, "cap must be >= 0.25"),
        ({"max_retries": -1}, "max_retries must be >= 0"),
        ({"connect_timeout": 0}, "connect_timeout must be > 0"),
        ({"stable_after": -1}, "stable_after must be >= 0"),
        ({"no_retry_codes": frozenset({999})}, "999 is not a close code"),
        ({"jitter": "half"}, "jitter must be 'full' or 'none'"),
        ({"max_queued": -1}, "max_queued must be >= 0"),
        ({"heartbeat": (5.0, 0.0)}, "heartbeat timeout must be > 0"),
        ({"heartbeat": (5.0, 6.0)}, "must not exceed its interval"),
    ],
)
def test_policy_rejects_values_out_of_range(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Reconnect(**options)


@pytest.mark.parametrize(
    "options",
    [{"initial": "1"}, {"max_retries": 1.5}, {"max_retries": True}, {"heartbeat": 5.0}],
)
def test_policy_rejects_values_of_the_wrong_type(options: dict[str, Any]) -> None:
    with pytest.raises(TypeError):
        Reconnect(**options)


def test_policy_takes_no_retry_codes_as_any_collection() -> None:
    policy = Reconnect(no_retry_codes={1008, 4001})  # type: ignore[arg-type]
    assert policy.no_retry_codes == frozenset({1008, 4001})
    assert hash(policy)  # still frozen and hashable


# -- Backoff: the schedule ------------------------------------------------------------


def test_backoff_ceiling_doubles_up_to_the_cap() -> None:
    backoff = Backoff()
    assert [backoff.ceiling(n) for n in range(8)] == [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_backoff_ceiling_stays_at_the_cap_for_huge_attempts() -> None:
    assert Backoff().ceiling(100_000) == 10.0
    with pytest.raises(ValueError):
        Backoff().ceiling(-1)


def test_full_jitter_spreads_delays_over_zero_to_the_ceiling() -> None:
    backoff = Backoff()
    rng = random.Random(6)
    for attempt in range(9):
        ceiling = backoff.ceiling(attempt)
        delays = [backoff.next_delay(attempt, rng.random) for _ in range(2000)]
        assert all(0.0 <= d <= ceiling for d in delays)
        # Uniform: both ends of the range are reached, and the mean is near the middle.
        assert min(delays) < 0.01 * ceiling and max(delays) > 0.99 * ceiling
        assert abs(sum(delays) / len(delays) - ceiling / 2) < 0.05 * ceiling


def test_next_delay_is_the_ceiling_times_random() -> None:
    backoff = Backoff()
    assert backoff.next_delay(3, lambda: 0.0) == 0.0
    assert backoff.next_delay(3, lambda: 0.5) == 1.0
    assert Backoff(EXACT).next_delay(3, lambda: 0.5) == 2.0
    assert backoff.attempt == 0  # next_delay counts nothing


def test_retry_counts_and_reset_starts_over() -> None:
    backoff = Backoff(EXACT)
    assert [backoff.retry() for _ in range(4)] == [0.25, 0.5, 1.0, 2.0]
    assert backoff.attempt == 4
    backoff.reset()
    assert (backoff.attempt, backoff.retry()) == (0, 0.25)


def test_should_retry_refuses_no_retry_codes_and_spent_retries() -> None:
    backoff = Backoff(Reconnect(max_retries=2))
    assert backoff.should_retry(1006) and backoff.should_retry()
    assert not backoff.should_retry(1008)
    backoff.retry()
    backoff.retry()
    assert not backoff.should_retry(1006)
