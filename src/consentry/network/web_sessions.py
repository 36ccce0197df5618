"""Browser sessions kept on the server: the cookie holds a random secret, nothing else.

A session row is found by the keyed hash of the cookie's secret (`secret_hash`); the
secret itself is never stored. A session ends when it is idle longer than the idle
timeout, when it is older than the absolute timeout, when its member signs out,
changes their password (every other session) or is erased (every session), and when the
member ends it from their list of sessions.

The functions here take the caller's `Session` and never commit (the web middleware
runs each in a short unit of work of its own).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from consentry.errors import NotFound
from consentry.store.access_tables import WebSession
from consentry.store.engine import utcnow

# A session's last-seen time is written at most this often, so a busy page does not
# turn every request into a write.
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class Timeouts:
    """How long a session lives: `idle` without a request, `absolute` in all."""

    idle: timedelta
    absolute: timedelta


@dataclass(frozen=True)
class Found:
    """A live session as a request sees it: its public id, member and data."""

    id: str
    member_id: int | None
    data: dict[str, Any]


def secret_hash(key: bytes, secret: str) -> str:
    """The keyed hash a session row is found by (HMAC-SHA256 under the sessions key)."""
    return hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()


def _expired(row: WebSession, now: datetime, timeouts: Timeouts) -> bool:
    return row.expires_at <= now or row.last_seen_at + timeouts.idle <= now


def find(session: Session, key: bytes, secret: str, timeouts: Timeouts) -> Found | None:
    """The live session whose cookie secret is `secret`, touched; None (and the row
    gone) for an unknown, idle or too old one."""
    if not secret or len(secret) > 200:
        return None
    row = session.scalar(
        select(WebSession).where(WebSession.secret_hash == secret_hash(key, secret))
    )
    if row is None:
        return None
    now = utcnow()
    if _expired(row, now, timeouts):
        session.delete(row)
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return Found(row.id, row.member_id, dict(row.data))


def create(
    session: Session,
    key: bytes,
    *,
    member_id: int | None,
    data: dict[str, Any],
    timeouts: Timeouts,
    user_agent: str = "",
    address: str = "",
) -> tuple[str, str]:
    """A new session; returns (public id, cookie secret). Expired rows are swept first."""
    now = utcnow()
    session.execute(
        delete(WebSession).where(
            or_(WebSession.expires_at <= now, WebSession.last_seen_at <= now - timeouts.idle)
        )
    )
    secret = secrets.token_urlsafe(32)
    public_id = secrets.token_hex(8)
    session.add(
        WebSession(
            id=public_id,
            secret_hash=secret_hash(key, secret),
            member_id=member_id,
            data=data,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timeouts.absolute,
            user_agent=user_agent[:200],
            address=address[:64],
        )
    )
    return public_id, secret


def save(session: Session, session_id: str, data: dict[str, Any]) -> None:
    """Replace what a session keeps (its member stays: a new member means a new session)."""
    session.execute(update(WebSession).where(WebSession.id == session_id).values(data=data))


def end(session: Session, session_id: str) -> None:
    session.execute(delete(WebSession).where(WebSession.id == session_id))


def end_own(session: Session, member_id: int, session_id: str) -> None:
    """End one of `member_id`'s sessions; NotFound for any id that is not theirs."""
    gone = session.execute(
        delete(WebSession).where(WebSession.id == session_id, WebSession.member_id == member_id)
    )
    if not gone.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"you have no session {session_id!r}")


def end_all(session: Session, member_id: int, *, keep: str | None = None) -> int:
    """End every session of `member_id` but `keep`; returns how many ended."""
    query = delete(WebSession).where(WebSession.member_id == member_id)
    if keep is not None:
        query = query.where(WebSession.id != keep)
    return int(session.execute(query).rowcount)  # type: ignore[attr-defined]


def member_sessions(session: Session, member_id: int, timeouts: Timeouts) -> list[WebSession]:
    """`member_id`'s live sessions, most recently used first."""
    now = utcnow()
    rows = session.scalars(
        select(WebSession)
        .where(WebSession.member_id == member_id)
        .order_by(WebSession.last_seen_at.desc(), WebSession.id)
    )
    return [row for row in rows if not _expired(row, now, timeouts)]
