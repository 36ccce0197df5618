"""The `limits` storage over our database: atomic counters every process shares."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from limits import RateLimitItemPerMinute
from limits.strategies import FixedWindowRateLimiter

from consentry.network.login_throttle import LoginThrottle, Throttled
from consentry.store.throttle_storage import SqlStorage


class Clock:
    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_forty_racing_increments_get_forty_distinct_counts(engine):
    storage = SqlStorage(engine)

    def hit(_: int) -> int:
        return storage.incr("race", 60)

    with ThreadPoolExecutor(max_workers=20) as pool:
        counts = sorted(pool.map(hit, range(40)))
    assert counts == list(range(1, 41))  # one statement each: no lost or doubled update
    assert storage.get("race") == 40


def test_limits_lets_exactly_the_limit_through_under_concurrency(engine):
    limiter = FixedWindowRateLimiter(SqlStorage(engine))
    five = RateLimitItemPerMinute(5)
    with ThreadPoolExecutor(max_workers=20) as pool:
        allowed = list(pool.map(lambda _: limiter.hit(five, "someone"), range(40)))
    assert allowed.count(True) == 5


def test_a_window_ends_and_starts_again(engine):
    clock = Clock()
    storage = SqlStorage(engine, clock=clock)
    assert storage.incr("k", 10) == 1 and storage.incr("k", 10) == 2
    assert storage.get_expiry("k") == clock.now + 10
    clock.now += 10
    assert storage.get("k") == 0
    assert storage.incr("k", 10) == 1  # a fresh window, not 3
    storage.clear("k")
    assert storage.get("k") == 0 and storage.check()
    assert storage.incr("old", 1) == 1
    clock.now += 5
    assert storage.sweep() >= 1


# The storage is reset at the start of each example, so sharing the fixture is safe.
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(amounts=st.lists(st.integers(min_value=-3, max_value=5), min_size=1, max_size=12))
def test_the_count_is_the_sum_within_a_window(sqlite_engine, amounts):
    storage = SqlStorage(sqlite_engine)
    storage.reset()
    last = 0
    for amount in amounts:
        last = storage.incr("sum", 60, amount=amount)
    assert last == sum(amounts) == storage.get("sum")


def throttle(engine, clock, **options) -> LoginThrottle:
    return LoginThrottle(SqlStorage(engine, clock=clock), clock=clock, **options)


def test_failures_back_off_exponentially_then_stop(engine):
    clock = Clock()
    t = throttle(engine, clock, max_failures=6, backoff_s=1.0)
    waits = []
    for _ in range(6):
        try:
            t.failed(t.attempt("a@x.test", "10.0.0.1"))
            waits.append(0)
        except Throttled as exc:
            waits.append(exc.retry_after_s)
            clock.now += exc.retry_after_s
            t.failed(t.attempt("a@x.test", "10.0.0.1"))
    assert waits == [0, 0, 0, 1, 2, 4]  # two typos free, then 1, 2, 4 seconds
    clock.now += 60
    with pytest.raises(Throttled) as stopped:  # six failures: this address is done
        t.attempt("a@x.test", "10.0.0.1")
    assert 0 < stopped.value.retry_after_s <= 300 - 60


def test_the_owner_gets_in_from_an_address_with_no_failures(engine):
    clock = Clock()
    t = throttle(engine, clock, max_failures=5, account_max_failures=6, backoff_s=0)
    for address in ("198.51.100.1", "198.51.100.2"):
        for _ in range(3):
            t.failed(t.attempt("owner@x.test", address))
    # The account has had its fill of failures: an address that failed waits, even
    # under its own limit...
    with pytest.raises(Throttled):
        t.attempt("owner@x.test", "198.51.100.1")
    # ...but the owner's own address, with no failure, is still checked, and gets in.
    t.succeeded(t.attempt("owner@x.test", "203.0.113.9"))


def test_a_success_forgets_this_address_s_failures(engine):
    clock = Clock()
    t = throttle(engine, clock, max_failures=3, backoff_s=0)
    for _ in range(2):
        t.failed(t.attempt("b@x.test", "10.0.0.2"))
    t.succeeded(t.attempt("B@x.test ", "10.0.0.2"))
    for _ in range(3):
        t.failed(t.attempt("b@x.test", "10.0.0.2"))
    with pytest.raises(Throttled):
        t.attempt("b@x.test", "10.0.0.2")
