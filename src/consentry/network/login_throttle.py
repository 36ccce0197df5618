"""The log-in throttle: password guessing slows down and stops; the owner still gets in.

Every password check (log-in, API token, password change, erasure) goes through
`LoginThrottle.attempt`, which counts, in fixed windows of `window_s` seconds kept by the
`limits` library on storage every server process shares (the database by default):

- per account and address: at most `max_failures` failed checks. The slot is taken
  *before* the password is checked, atomically, so a burst of concurrent guesses gets at
  most `max_failures` checks; a success gives it back and forgets that address's
  failures on that account. From the third failure in a row the address also waits
  before its next try, doubling each time (`backoff_s`, 2 x `backoff_s`, 4 x ... up to
  `backoff_cap_s`): a typo costs nothing, a guessing script is slowed at once;
- per address: at most `address_max_failures` failed checks over all accounts, so
  trying one password on many accounts ("spraying") from one address stops too;
- per account: `account_max_failures` failed checks from all addresses. Past it, only an
  address with no failure on that account may still try. A burst from an attacker
  therefore never locks the owner out: their own address has no failures and their
  right password is checked as usual.

`Throttled` says how many seconds to wait; a face turns it into a 429 with `Retry-After`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from limits import RateLimitItemPerSecond
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter

_NS = "consentry-login"
# Failures in a row (per account and address) before the address has to wait: two
# typos cost the owner nothing.
FREE_FAILURES = 2


class Throttled(Exception):
    """This check must wait `retry_after_s` seconds."""

    def __init__(self, retry_after_s: int):
        super().__init__(f"too many failed attempts; try again in {retry_after_s} seconds")
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class Attempt:
    """A password check the throttle let through: report how it went."""

    account: str
    address: str


class LoginThrottle:
    """Per account-and-address, per-address and per-account limits on failed checks."""

    def __init__(
        self,
        storage: Storage,
        *,
        max_failures: int = 5,
        address_max_failures: int = 10,
        account_max_failures: int = 20,
        window_s: int = 300,
        backoff_s: float = 1.0,
        backoff_cap_s: float = 60.0,
        clock: Callable[[], float] = time.time,
    ):
        self.storage = storage
        self.limiter = FixedWindowRateLimiter(storage)
        self.window_s = window_s
        self.pair = RateLimitItemPerSecond(max_failures, window_s, namespace=_NS)
        self.address = RateLimitItemPerSecond(address_max_failures, window_s, namespace=_NS)
        self.account = RateLimitItemPerSecond(account_max_failures, window_s, namespace=_NS)
        self.backoff_s = backoff_s
        self.backoff_cap_s = backoff_cap_s
        self._clock = clock

    @staticmethod
    def normalise(account: str) -> str:
        return account.strip().lower()[:320]

    def _wait(self, key: str) -> Throttled:
        return Throttled(max(1, math.ceil(self.storage.get_expiry(key) - self._clock())))

    def _keys(self, account: str, address: str) -> tuple[str, str, str, str]:
        return (
            self.pair.key_for("pair", account, address),
            self.address.key_for("address", address),
            self.account.key_for("account", account),
            f"{_NS}/backoff/{account}/{address}",
        )

    def attempt(self, account: str, address: str) -> Attempt:
        """Take a slot for one password check, or raise `Throttled` (nothing taken)."""
        account = self.normalise(account)
        pair, by_address, by_account, backoff = self._keys(account, address)
        if self.storage.get(backoff) > 0:
            raise self._wait(backoff)
        if self.storage.get(by_account) >= self.account.amount and self.storage.get(pair) > 0:
            raise self._wait(by_account)
        # The atomic part: each increment returns the new count, so of N racing checks
        # exactly the first `amount` fit.
        if not self.limiter.hit(self.pair, "pair", account, address):
            raise self._wait(pair)
        if not self.limiter.hit(self.address, "address", address):
            self.storage.incr(pair, self.window_s, amount=-1)
            raise self._wait(by_address)
        return Attempt(account, address)

    def succeeded(self, attempt: Attempt) -> None:
        """The password was right: the slots are given back, this address's failures on
        this account forgotten."""
        pair, by_address, _, backoff = self._keys(attempt.account, attempt.address)
        self.storage.clear(pair)
        self.storage.clear(backoff)
        self.storage.incr(by_address, self.window_s, amount=-1)

    def failed(self, attempt: Attempt) -> None:
        """The password was wrong: the slots stay taken; the account counts one more
        failure and this address waits before its next try."""
        pair, _, _, backoff = self._keys(attempt.account, attempt.address)
        self.limiter.hit(self.account, "account", attempt.account)
        failures = self.storage.get(pair)
        if failures > FREE_FAILURES and self.backoff_s > 0:
            delay = min(self.backoff_s * 2 ** (failures - FREE_FAILURES - 1), self.backoff_cap_s)
            self.storage.clear(backoff)
            self.storage.incr(backoff, max(1, math.ceil(delay)))
