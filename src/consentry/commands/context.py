"""What every command needs: settings and an engine on a database at the right schema."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from consentry.config import Settings, load_settings
from consentry.consent.ledger import sealed
from consentry.consent.ledger_seal import ledger_key
from consentry.errors import NotFound
from consentry.store import open_engine
from consentry.store.engine import pool_options
from consentry.store.migrate import check_schema
from consentry.store.tables import Member


def settings() -> Settings:
    return load_settings()


def store_engine(cfg: Settings | None = None, *, threads: int | None = None) -> Engine:
    """An engine on the configured database, refusing one that is empty or at another schema.
    It carries the ledger key, so that consent choices made through it are sealed.

    `threads`: how many requests a server runs at once; the pool is sized to match."""
    cfg = cfg or load_settings()
    engine = open_engine(cfg.database_url, **(pool_options(threads) if threads else {}))
    try:
        check_schema(engine)
    except Exception:
        engine.dispose()
        raise
    return sealed(engine, ledger_key(cfg))


def find_member(session: Session, ref: str, *, live: bool = True) -> Member:
    """The member `ref` names — an id, a handle (with or without `@`) or an email — or a
    clear error. `live=False` also finds erased members (their ledger history stays)."""
    ref = ref.strip()
    live_only = (Member.deleted_at.is_(None),) if live else ()
    if ref.isdigit():
        member = session.scalar(select(Member).where(Member.id == int(ref), *live_only))
    else:
        member = session.scalar(
            select(Member).where(func.lower(Member.handle) == ref.lstrip("@").lower(), *live_only)
        )
        if member is None and "@" in ref.lstrip("@"):
            member = session.scalar(
                select(Member).where(func.lower(Member.email) == ref.lower(), *live_only)
            )
    if member is None:
        which = "live member" if live else "member"
        raise NotFound(f"no {which} {ref!r} (give an id, a handle or an email)")
    return member
