"""A realistic mix of members' choices for demos, recorded through the ledger.

Never writes the state table directly: every choice is a ledger event (so the demo's
ledger verifies and its state rebuilds), and "no AI" marks on posts are usage
preferences, as the web app would record them. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import Engine, select

from consentry.consent.jurisdictions import country_of
from consentry.consent.ledger import ConsentChange, append, head, ledger_session
from consentry.consent.signals import record_usage_preference
from consentry.consent.versions import resolve_policy
from consentry.store.engine import utcnow
from consentry.store.tables import Member, Post

#: Share of members who say yes to each purpose, by where they live: Europeans are more
#: cautious about AI training than members elsewhere (roughly 35-60% overall).
GRANT_RATES = {
    "EEA": {"train-genai": 0.35, "train-ai": 0.45, "recruiter-ai": 0.55, "share-affiliates": 0.15},
    "US": {"train-genai": 0.55, "train-ai": 0.60, "recruiter-ai": 0.65, "share-affiliates": 0.30},
    "other": {
        "train-genai": 0.45,
        "train-ai": 0.50,
        "recruiter-ai": 0.60,
        "share-affiliates": 0.25,
    },
}
WITHDRAW_RATE = 0.12  # of those who said yes, later changed their mind
OBJECT_RATE = 0.18  # under legitimate interest, members who find the setting and object
GPC_RATE = 0.10  # US members whose browser sends Sec-GPC: 1
NO_AI_POST_RATE = 0.04  # posts marked "no AI training"


def _zone(region: str, eea: frozenset[str]) -> str:
    country = country_of(region)
    if country in eea or country in ("GB", "CH"):
        return "EEA"
    return "US" if country == "US" else "other"


def seed_choices(engine: Engine, *, seed: int, as_of: datetime | None = None) -> int:
    """Record a realistic mix of choices for every member, all before `as_of` (default
    now), in one transaction. Returns the number of ledger events appended."""
    rng = random.Random(seed)
    end = as_of or utcnow()
    with ledger_session(engine) as session:
        active = resolve_policy(session, end)
        policy = active.policy
        eea = policy._expanded.get("EEA", frozenset())
        top = head(session)
        start = max(active.effective_at, top.occurred_at or active.effective_at)
        members = session.execute(
            select(Member.id, Member.region, Member.created_at).order_by(Member.id)
        ).all()
        planned: list[tuple[datetime, int, str, str, str]] = []

        def moment(after: datetime) -> datetime:
            lo = max(after, start)
            span = max((end - lo).total_seconds(), 0.0)
            return lo + timedelta(seconds=rng.random() * span)

        for m in members:
            zone = _zone(m.region, eea)
            for purpose in policy.purposes:
                basis = policy.basis_for(purpose, m.region, end).basis
                if basis == "excluded":
                    continue
                rate = GRANT_RATES[zone].get(purpose, 0.4)
                if basis == "legitimate-interest":
                    if rng.random() < OBJECT_RATE:
                        planned.append((moment(m.created_at), m.id, purpose, "object", "settings"))
                    continue
                if rng.random() < rate:
                    granted = moment(m.created_at)
                    planned.append((granted, m.id, purpose, "grant", "settings"))
                    if rng.random() < WITHDRAW_RATE:
                        planned.append((moment(granted), m.id, purpose, "withdraw", "settings"))
            gpc = policy.gpc_purposes(m.region, end)
            if zone == "US" and gpc and rng.random() < GPC_RATE:
                when = moment(m.created_at)
                planned.extend((when, m.id, p, "object", "gpc") for p in gpc)
        planned.sort(key=lambda e: (e[0], e[1]))
        changes = [
            ConsentChange(
                member_id=member_id,
                purpose=purpose,
                action=action,
                source=source,
                actor="gpc" if source == "gpc" else f"member:{member_id}",
                policy_version=active.version,
                notice_version=active.version,
                occurred_at=when,
            )
            for when, member_id, purpose, action, source in planned
        ]
        append(session, changes)
        posts = session.execute(select(Post.id, Post.kind, Post.created_at).order_by(Post.id))
        for post in posts:
            if rng.random() < NO_AI_POST_RATE:
                kind = post.kind if post.kind in ("post", "article") else "post"
                record_usage_preference(
                    session, kind, post.id, {"train-ai": False}, at=post.created_at
                )
        return len(changes)
