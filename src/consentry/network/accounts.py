"""Passwords and log-in: argon2id hashes, constant-time checks, changing a password."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consentry.errors import InvalidInput
from consentry.store.tables import Member

_hasher = PasswordHasher()
# Verifying against this when the email is unknown keeps the time of a failed log-in the
# same whether or not the account exists.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    """An argon2id hash of `password` (salted; safe to store)."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when `password` matches `password_hash`; never raises for a bad hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, email: str, password: str) -> Member | None:
    """The live member with this email and password, or None (same time either way)."""
    member = session.scalar(select(Member).where(func.lower(Member.email) == email.strip().lower()))
    if member is None or member.deleted_at is not None:
        verify_password(_DUMMY_HASH, password)
        return None
    return member if verify_password(member.password_hash, password) else None


#: The role of Consentry's operators (platform, ML and privacy engineers).
OPERATOR_ROLE = "admin"
#: The role of members who post jobs and may use the recruiter tools.
RECRUITER_ROLE = "recruiter"


def is_operator(member: Member) -> bool:
    """True for an operator (role `admin`)."""
    return member.role == OPERATOR_ROLE


def is_recruiter(member: Member) -> bool:
    """True for a recruiter (role `recruiter`)."""
    return member.role == RECRUITER_ROLE


#: At least this long: a passphrase of a few words, which NIST SP 800-63B and the OWASP
#: cheat sheet prefer to composition rules (no "one digit, one symbol" here).
MIN_PASSWORD = 12


def _plain(text: str) -> str:
    """Letters and digits only, lower case: `Alice Archer!` -> `alicearcher`."""
    return "".join(c for c in text.lower() if c.isalnum())


def password_problem(password: str, member: Member) -> str | None:
    """Why `password` is too weak for `member` (one sentence), or None when it will do.

    Refused: shorter than MIN_PASSWORD; one or two characters repeated; the member's
    email, handle or name (first, last or both, in any case, spaces and punctuation
    aside), or a password built around their full name or the name of their email
    address (`AliceArcher2026`). `member` may be one not yet stored (sign-up).
    """
    if len(password) < MIN_PASSWORD:
        return f"Choose a password of at least {MIN_PASSWORD} characters."
    lowered = password.lower()
    if lowered in (member.email.lower(), member.handle.lower()) or len(set(password)) < 4:
        return "Choose a password that is not your email, your handle or one repeated character."
    plain = _plain(password)
    first, last = _plain(member.first_name or ""), _plain(member.last_name or "")
    local = _plain(member.email.split("@", 1)[0])
    names = {n for n in (first, last, first + last, last + first) if n}
    around = [n for n in (first + last, last + first, local) if len(n) >= 4]
    if plain in names or any(n in plain for n in around):
        return "Choose a password that is not built from your name or your email."
    return None


def set_password(member: Member, new: str) -> None:
    """Give `member` the password `new`; raises InvalidInput (nothing changed) for a weak
    one or the one they have. The caller has proved the current one (behind the log-in
    throttle) and ends other sessions and tokens in the same transaction."""
    problem = password_problem(new, member)
    if problem is not None:
        raise InvalidInput(problem)
    if verify_password(member.password_hash, new):
        raise InvalidInput("Your new password is the one you have now.")
    member.password_hash = hash_password(new)


class WrongPassword(InvalidInput):
    """The password given to prove who is asking is not the account's."""
