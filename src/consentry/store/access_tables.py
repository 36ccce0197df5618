"""Who may act as a member: browser sessions, API tokens, and shared throttle counters.

Neither a session nor a token is stored as itself: each row keeps a keyed hash of the
secret the client holds (HMAC-SHA256 under the keyring's `sessions` or `api-tokens` key),
so reading this table does not sign anyone in, and rotating the key voids every row at
once. Each row also has a short public `id`, shown to the member so they can name a
session or token to end, which is useless without the secret.

`throttle_counters` holds the fixed-window counters of the log-in throttle (see
`consentry.store.throttle_storage`), shared by every server process through the database.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from consentry.store.tables import Base


class WebSession(Base):
    """A signed-in (or about to sign in) browser. `data` holds what the pages keep per
    browser (the CSRF token); `member_id` is null until someone signs in."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id"), nullable=True, index=True
    )
    data: Mapped[dict] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    user_agent: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    address: Mapped[str] = mapped_column(String(64), nullable=False, default="")


class ApiToken(Base):
    """An API token: its scopes (space-separated: read, write, erase) and lifetime.
    Revoking sets `revoked_at`; the row stays so the member's list can say so."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    scopes: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class ThrottleCounter(Base):
    """One fixed-window counter: `count` hits until `expires_at` (Unix seconds)."""

    __tablename__ = "throttle_counters"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, nullable=False)
    expires_at: Mapped[float] = mapped_column(Float, nullable=False, index=True)
