"""The consent area's tables: published policy versions, the hash-chained ledger of
consent events, and the current-state table derived from it.

`consent_events` is append-only: no code path updates or deletes a row, and database
triggers (created by migration 0002, tightened by 0010) refuse UPDATE and DELETE, and an
INSERT without a seal. `seq` is the ledger position (1-based, head + 1); UNIQUE on
`prev_hash` makes a fork of the chain impossible at the database level, even if a writer
skipped the lock. `mac` is the entry's seal: an HMAC under the ledger key, which lives
outside the database, so an entry written by anything but the append path (or edited
since) fails `ledger verify` even where the triggers were dropped. It is NULL only on
entries written before migration 0010 and not yet sealed by `consentry ledger seal`;
the one change the triggers let through is filling that NULL once.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from consentry.store.tables import Base


class ConsentAction(StrEnum):
    """What a ledger entry records. The first four are choices that decide; a shown
    notice is recorded for the member's history and never decides anything."""

    GRANT = "grant"
    WITHDRAW = "withdraw"
    OBJECT = "object"
    ERASE = "erase"
    NOTICE_SHOWN = "notice-shown"


class ConsentSource(StrEnum):
    """Where a ledger entry came from: the member's settings page, the API, their
    browser's Global Privacy Control signal, an import, or an operator at their request."""

    SETTINGS = "settings"
    API = "api"
    GPC = "gpc"
    IMPORT = "import"
    ADMIN = "admin"


# The tables live below the consent package, so the vocabulary the database enforces
# (CHECK constraints) is defined here and imported by consent/.
ACTIONS = tuple(ConsentAction)
SOURCES = tuple(ConsentSource)


def _in(column: str, values: tuple[str, ...]) -> str:
    # `str(v)`, not the enum's repr: the constraint text must stay what migration 0002 wrote.
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class PolicyVersion(Base):
    """A published policy: applies from `effective_at` (= published_at + notice period).

    `widened` lists (comma-separated) the purposes this version uses more data for than
    the version before it: consents given earlier to those purposes need renewal.
    """

    __tablename__ = "policy_versions"
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    source: Mapped[str] = mapped_column(Text, nullable=False)
    published_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    effective_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    notice_days: Mapped[int] = mapped_column(Integer, nullable=False)
    widened: Mapped[str] = mapped_column(String(200), nullable=False, default="")


class ConsentEvent(Base):
    """One entry of the consent ledger. Never updated, never deleted."""

    __tablename__ = "consent_events"
    __table_args__ = (
        Index("ix_consent_events_member", "member_id", "seq"),
        Index("ix_consent_events_purpose", "purpose", "member_id", "seq"),
        CheckConstraint(_in("action", ACTIONS), name="action"),
        CheckConstraint(_in("source", SOURCES), name="source"),
        CheckConstraint("seq >= 1", name="seq"),
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    purpose: Mapped[str] = mapped_column(String(32), nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    policy_version: Mapped[int] = mapped_column(Integer, nullable=False)
    notice_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    actor: Mapped[str] = mapped_column(String(100), nullable=False)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    mac: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ConsentState(Base):
    """The latest choice per (member, purpose), kept in step with the ledger for fast reads.

    Derived data: `consent.state.rebuild` recomputes it from `consent_events`, and
    `ledger verify` names any row that differs from what the ledger implies. An erasure is
    one row with purpose `*`. `ix_consent_state_stale` (migrations 0016 and 0017) lets a
    batch decision find, per purpose, the few rows newer than the position it decides at,
    and on PostgreSQL read one purpose's choices from the index alone.
    """

    __tablename__ = "consent_state"
    __table_args__ = (
        Index(
            "ix_consent_state_stale",
            "purpose",
            "action",
            "seq",
            postgresql_include=["member_id", "policy_version"],
        ),
    )
    member_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    purpose: Mapped[str] = mapped_column(String(32), primary_key=True)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    policy_version: Mapped[int] = mapped_column(Integer, nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
