"""Helpers for the consent tests: members written directly (the network generator is not
under test here), policies published at a fixed time, and ledger writes."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import insert

from consentry.consent.ledger import ConsentChange, append, ledger_session
from consentry.consent.policy import load_policy
from consentry.consent.versions import publish
from consentry.store.tables import Member

EPOCH = datetime(2024, 1, 1)


def add_members(
    engine, specs: list[tuple[str, date]], *, created_at: datetime = EPOCH
) -> list[int]:
    """Insert members with (region, birth_date); returns their ids in order."""
    rows = []
    with ledger_session(engine) as session:
        start = (session.query(Member).count() or 0) + 1
        for i, (region, born) in enumerate(specs, start):
            rows.append(
                {
                    "id": i,
                    "handle": f"m{i}",
                    "first_name": "Ann",
                    "last_name": f"Member{i}",
                    "display_name": f"Ann Member{i}",
                    "email": f"m{i}@example.test",
                    "password_hash": "x",
                    "region": region,
                    "birth_date": born,
                    "role": "member",
                    "premium": False,
                    "created_at": created_at,
                    "updated_at": created_at,
                }
            )
        session.execute(insert(Member), rows)
    return [r["id"] for r in rows]


def publish_preset(
    engine, name: str = "consent-first", *, at: datetime = EPOCH, notice_days: int = 0
):
    with ledger_session(engine) as session:
        return publish(session, load_policy(name), notice_days=notice_days, at=at)


def record(engine, *changes: ConsentChange):
    with ledger_session(engine) as session:
        return append(session, list(changes))


def change(
    member_id: int,
    purpose: str,
    action: str,
    at: datetime,
    *,
    version: int = 1,
    source: str = "settings",
) -> ConsentChange:
    return ConsentChange(
        member_id=member_id,
        purpose=purpose,
        action=action,
        source=source,
        actor=f"member:{member_id}",
        policy_version=version,
        occurred_at=at,
    )


@pytest.fixture
def adult() -> date:
    return date(1980, 5, 17)
