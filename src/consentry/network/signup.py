"""Sign-up: who may open an account, and the account it opens.

`open_account(session, application)` checks every field before it writes anything, and
adds one `Member` (flushed; the caller commits):

- **email**: a real address by its syntax (email-validator, with no DNS look-up: nothing
  is fetched at run time; `.test` addresses, RFC 2606, are accepted because the demo and
  the tests use them and Consentry sends no mail), stored in its normalised form. An
  address another account has (in any case) is `EmailTaken`, a Conflict that says only
  that: never whose account it is;
- **password**: `accounts.password_problem` (at least 12 characters, not the email, the
  handle or the name);
- **first and last name**: 1 to 100 characters once trimmed, no control characters;
- **birth date**: a real day (`YYYY-MM-DD`), not in the future nor before 1900;
- **minimum age**: a person younger than `MINIMUM_AGE` is `UnderMinimumAge`, refused with
  nothing stored (not even the attempt);
- **region**: `consentry.regions.normalise_region` (`de` is `DE`, an unknown code refused).

The handle is made from the name (`alice.archer`, then `alice.archer-2` ...), unique; a
concurrent sign-up taking the same one is retried with the next.

Whether the new member is under their region's age of digital consent is not this
module's rule: it belongs to the policy in force (`consent.decide`, rule 2), which
denies every purpose to such a member from the first day. It is not copied onto the
account either, so it can never disagree with the policy when a new version changes it.

`SignupLimit` keeps bots from opening accounts in bulk: per client address, a fixed
number of sign-up attempts and of accounts opened per window, counted on the log-in
throttle's shared storage (`limits`, on the database).
"""

from __future__ import annotations

import math
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from email_validator import EmailNotValidError, validate_email
from limits import RateLimitItemPerSecond
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from consentry.errors import Conflict, Forbidden, InvalidInput
from consentry.network.accounts import hash_password, password_problem
from consentry.network.linkedin_import import free_handle
from consentry.network.login_throttle import Throttled
from consentry.regions import normalise_region
from consentry.store.engine import utcnow
from consentry.store.tables import Member

#: The product's minimum age. A professional network has no service to offer children,
#: and 16 is the highest age of digital consent GDPR Art. 8 lets a country set, so no
#: member anywhere in the EEA needs a parent's consent to hold an account; LinkedIn's
#: user agreement sets the same minimum. Members from 16 up to their region's age of
#: digital consent (18 in most of the world under consent-first) may use the network,
#: but nothing of theirs is used for AI until they reach it.
MINIMUM_AGE = 16
MAX_NAME = 100
MAX_EMAIL = 320
EARLIEST_BIRTH = date(1900, 1, 1)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A concurrent sign-up may take the handle chosen for this one; try the next one after it.
_HANDLE_TRIES = 5


class SignupProblem(InvalidInput):
    """A field that cannot be used; `field` names it so a form can show it there."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class EmailTaken(Conflict):
    """The email already belongs to an account (nothing else about it is said)."""

    field = "email"


class UnderMinimumAge(Forbidden):
    """The person is younger than MINIMUM_AGE; nothing about them was stored."""

    field = "birth_date"


@dataclass(frozen=True)
class Application:
    """What a person fills in to sign up, as they typed it."""

    email: str
    password: str
    first_name: str
    last_name: str
    birth_date: str | date
    region: str


def normalise_email(raw: str) -> str:
    """`raw` as a normalised address (domain in lower case); SignupProblem otherwise."""
    text = (raw or "").strip()
    if not text:
        raise SignupProblem("email", "Give your email address.")
    if len(text) > MAX_EMAIL:
        raise SignupProblem("email", f"An email address has at most {MAX_EMAIL} characters.")
    try:
        found = validate_email(text, check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        raise SignupProblem("email", f"That is not an email address: {exc}") from None
    return found.normalized


def email_owner(session: Session, email: str) -> int | None:
    """The id of the account holding `email` in any case (erased accounts hold none)."""
    return session.scalar(select(Member.id).where(func.lower(Member.email) == email.lower()))


def free_email(session: Session, raw: str, *, keep: int | None = None) -> str:
    """`raw` normalised, if no account but `keep`'s holds it; EmailTaken otherwise."""
    email = normalise_email(raw)
    owner = email_owner(session, email)
    if owner is not None and owner != keep:
        raise EmailTaken("That email already belongs to an account: log in instead.")
    return email


def _name(raw: str, field: str, label: str) -> str:
    name = " ".join((raw or "").split())
    if not name:
        raise SignupProblem(field, f"Give your {label}.")
    if len(name) > MAX_NAME or _CONTROL.search(name):
        raise SignupProblem(field, f"Your {label} must be at most {MAX_NAME} printable characters.")
    return name


def parse_birth_date(raw: str | date, today: date) -> date:
    """A birth date from `YYYY-MM-DD` (or a date), not in the future, not before 1900."""
    if isinstance(raw, date):
        born = raw
    else:
        try:
            born = date.fromisoformat((raw or "").strip())
        except ValueError:
            raise SignupProblem(
                "birth_date", "Give your birth date as year-month-day, e.g. 1990-04-21."
            ) from None
    if born > today:
        raise SignupProblem("birth_date", "A birth date cannot be in the future.")
    if born < EARLIEST_BIRTH:
        raise SignupProblem("birth_date", "Give a birth date after 1 January 1900.")
    return born


def years_old(born: date, today: date) -> int:
    """Whole years from `born` to `today` (born 29 February: a year older on 1 March)."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def handle_base(first: str, last: str) -> str:
    """What a handle is made from: the name in plain letters (`Zoë Ünal` -> `zoe.unal`)."""
    plain = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore").decode()
    return plain.replace(" ", "-")


def open_account(
    session: Session, application: Application, *, today: date | None = None
) -> Member:
    """A new member from `application`, flushed (the caller commits); raises
    SignupProblem, EmailTaken or UnderMinimumAge, adding nothing."""
    now = utcnow()
    today = today or now.date()
    first = _name(application.first_name, "first_name", "first name")
    last = _name(application.last_name, "last_name", "last name")
    born = parse_birth_date(application.birth_date, today)
    if years_old(born, today) < MINIMUM_AGE:
        raise UnderMinimumAge(f"You must be at least {MINIMUM_AGE} to join Consentry.")
    try:
        region = normalise_region(application.region)
    except InvalidInput as exc:
        raise SignupProblem("region", str(exc)) from None
    email = free_email(session, application.email)
    member = Member(
        handle=free_handle(session, handle_base(first, last)),
        first_name=first,
        last_name=last,
        display_name=f"{first} {last}",
        email=email,
        password_hash="",
        region=region,
        birth_date=born,
        role="member",
        premium=False,
        created_at=now,
        updated_at=now,
    )
    problem = password_problem(application.password, member)
    if problem is not None:
        raise SignupProblem("password", problem)
    member.password_hash = hash_password(application.password)
    for _ in range(_HANDLE_TRIES):
        try:
            with session.begin_nested():
                session.add(member)
                session.flush()
            return member
        except IntegrityError:
            # Someone signed up at the same moment with this email or handle.
            if email_owner(session, email) is not None:
                raise EmailTaken(
                    "That email already belongs to an account: log in instead."
                ) from None
            member.handle = free_handle(session, handle_base(first, last))
    raise Conflict("Many people are signing up with this name right now; try again.")


def change_email(session: Session, member: Member, new: str) -> str:
    """Give `member` the address `new` (normalised; the same rules as at sign-up); the
    address stored. The caller has proved the member's password."""
    email = free_email(session, new, keep=member.id)
    if email == member.email:
        raise SignupProblem("email", "That is the email your account has now.")
    try:
        with session.begin_nested():  # flushed here, so a concurrent taker is caught
            member.email = email
            member.updated_at = utcnow()
    except IntegrityError:
        raise EmailTaken("That email already belongs to an account.") from None
    return email


class SignupLimit:
    """Sign-up attempts and accounts opened per client address, in fixed windows.

    `begin(address)` takes a slot of each before anything is checked (atomically, so a
    burst gets no more than the limits) and raises `Throttled` when either is spent;
    `failed(address)` gives back the account slot of an attempt that opened none.
    """

    def __init__(
        self,
        storage: Storage,
        *,
        max_attempts: int = 20,
        max_accounts: int = 5,
        window_s: int = 3600,
        clock: Callable[[], float] = time.time,
    ):
        self.storage = storage
        self.limiter = FixedWindowRateLimiter(storage)
        self.window_s = window_s
        self.attempts = RateLimitItemPerSecond(max_attempts, window_s, namespace="consentry-signup")
        self.accounts = RateLimitItemPerSecond(max_accounts, window_s, namespace="consentry-signup")
        self._clock = clock

    def _wait(self, key: str) -> Throttled:
        return Throttled(max(1, math.ceil(self.storage.get_expiry(key) - self._clock())))

    def begin(self, address: str) -> None:
        if not self.limiter.hit(self.attempts, "attempt", address):
            raise self._wait(self.attempts.key_for("attempt", address))
        if not self.limiter.hit(self.accounts, "account", address):
            raise self._wait(self.accounts.key_for("account", address))

    def failed(self, address: str) -> None:
        self.storage.incr(self.accounts.key_for("account", address), self.window_s, amount=-1)
