"""A new policy is announced before it applies; members see what changes for them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from builders import add_members, publish_preset
from consentry.consent.decide import decide
from consentry.consent.ledger import ledger_session
from consentry.consent.notices import pending_notices, record_notice_shown
from consentry.consent.policy import load_policy
from consentry.consent.record import record_choice
from consentry.consent.versions import publish
from consentry.store.consent_tables import ConsentEvent
from consentry.store.engine import session_scope


def test_members_see_and_can_act_on_a_notice_before_it_applies(engine):
    add_members(engine, [("DE", date(1980, 1, 1)), ("US-NY", date(1980, 1, 1))])
    publish_preset(engine, "linkedin-2024")
    with ledger_session(engine) as session:
        publish(session, load_policy("linkedin-2025"), notice_days=30, at=datetime(2025, 10, 1))
    during = datetime(2025, 10, 5)
    with session_scope(engine) as session:
        (notice,) = pending_notices(session, 1, during)
        assert notice.version == 2 and notice.effective_at == datetime(2025, 10, 31)
        changed = {c.purpose: c for c in notice.changes}
        assert {"train-genai", "train-ai"} <= set(changed)
        assert not changed["train-genai"].before.allowed and changed["train-genai"].after.allowed
        assert "on by default" in changed["train-genai"].summary
        assert not notice.shown
        # Nothing changes for a New York member: the notice does not affect them.
        assert not pending_notices(session, 2, during)[0].affects_member
        # Decisions keep using version 1 during the notice period.
        assert decide(session, 1, "train-genai", at=during).policy_version == 1
    with ledger_session(engine) as session:
        record_notice_shown(session, 1, 2, at=during)
        # Acting on it before it applies: the objection holds once version 2 applies.
        record_choice(
            session,
            1,
            "train-genai",
            "object",
            source="settings",
            actor="member:1",
            at=datetime(2025, 10, 6),
        )
    with session_scope(engine) as session:
        assert pending_notices(session, 1, datetime(2025, 10, 7))[0].shown
        event = session.scalars(select(ConsentEvent).where(ConsentEvent.action == "object")).one()
        assert (event.policy_version, event.notice_version) == (1, 2)
        after = decide(session, 1, "train-genai", at=datetime(2025, 11, 4))
        assert after.policy_version == 2 and not after.allowed and after.code == "objected"
        assert decide(session, 1, "train-ai", at=datetime(2025, 11, 4)).allowed
        assert pending_notices(session, 1, datetime(2025, 11, 4)) == []
