"""API tokens: random, scoped, listed and revocable; stored only as a keyed hash.

A token reads `cst_<id>.<secret>`. The row `api_tokens.<id>` keeps the HMAC-SHA256 of the
secret under the keyring's `api-tokens` key, so rotating that key
(`consentry keys rotate api-tokens`) voids every token at once, and the table alone signs
nobody in.

Scopes say what a token may do: `read` (GET), `write` (any change), `erase` (erasing the
account, which also asks for the password). A token gets `read` and `write` unless it
asks otherwise; `erase` only when asked for by name. A token ends when it expires, when
its member revokes it, changes their password (every token but the one asking) or is
erased (every token).

The functions take the caller's `Session` and never commit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from consentry.errors import InvalidInput, NotFound
from consentry.store.access_tables import ApiToken
from consentry.store.engine import utcnow

PREFIX = "cst_"
# Last use is written at most this often, so a busy client does not write on every call.
TOUCH_EVERY = timedelta(seconds=60)


class Scope(StrEnum):
    """What an API token may do."""

    READ = "read"
    WRITE = "write"
    ERASE = "erase"


DEFAULT_SCOPES = frozenset({Scope.READ, Scope.WRITE})


@dataclass(frozen=True)
class Holder:
    """Who a genuine, live token speaks for, and what it may do."""

    token_id: str
    member_id: int
    scopes: frozenset[Scope]
    #: Its last use is older than `TOUCH_EVERY`: the caller records this one (`touch`).
    stale: bool = False


def parse_scopes(names: Iterable[str]) -> frozenset[Scope]:
    """The scopes named; InvalidInput for an unknown one or none at all."""
    try:
        scopes = frozenset(Scope(name) for name in names)
    except ValueError:
        known = ", ".join(s.value for s in Scope)
        raise InvalidInput(f"a token's scopes are among {known}") from None
    if not scopes:
        raise InvalidInput("a token needs at least one scope")
    return scopes


def _hash(key: bytes, secret: str) -> str:
    return hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()


def issue(
    session: Session,
    key: bytes,
    member_id: int,
    *,
    scopes: frozenset[Scope] = DEFAULT_SCOPES,
    name: str = "",
    lifetime: timedelta,
) -> tuple[str, ApiToken]:
    """A new token for `member_id`: (the token, shown once; its row)."""
    token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    now = utcnow()
    row = ApiToken(
        id=token_id,
        secret_hash=_hash(key, secret),
        member_id=member_id,
        name=name[:100],
        scopes=" ".join(sorted(s.value for s in scopes)),
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(row)
    return f"{PREFIX}{token_id}.{secret}", row


def holder(session: Session, key: bytes, token: str) -> Holder | None:
    """Who `token` speaks for, or None for anything but a genuine, live token."""
    token_id, _, secret = token.removeprefix(PREFIX).partition(".")
    if not token.startswith(PREFIX) or not secret or len(token_id) != 16 or len(secret) > 100:
        return None
    row = session.get(ApiToken, token_id)
    if row is None or not hmac.compare_digest(row.secret_hash, _hash(key, secret)):
        return None
    now = utcnow()
    if row.revoked_at is not None or row.expires_at <= now:
        return None
    stale = row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY
    return Holder(row.id, row.member_id, frozenset(Scope(s) for s in row.scopes.split()), stale)


def touch(session: Session, token_id: str) -> None:
    """Record that the token was used now. Reading a token never writes, so that a
    request's own transaction stays a reader; the caller runs this as a unit of its own."""
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=utcnow()))


def member_tokens(session: Session, member_id: int) -> list[ApiToken]:
    """`member_id`'s tokens, newest first, revoked and expired ones included."""
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.member_id == member_id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id)
        )
    )


def revoke(session: Session, member_id: int, token_id: str) -> ApiToken:
    """Revoke one of `member_id`'s tokens; NotFound for any id that is not theirs."""
    row = session.get(ApiToken, token_id)
    if row is None or row.member_id != member_id:
        raise NotFound(f"you have no API token {token_id!r}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row


def revoke_all(session: Session, member_id: int, *, keep: str | None = None) -> int:
    """Revoke every live token of `member_id` but `keep`; returns how many."""
    query = update(ApiToken).where(ApiToken.member_id == member_id, ApiToken.revoked_at.is_(None))
    if keep is not None:
        query = query.where(ApiToken.id != keep)
    return int(session.execute(query.values(revoked_at=utcnow())).rowcount)  # type: ignore[attr-defined]
