"""Passwords and log-in: argon2id hashes, constant-time checks."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

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
