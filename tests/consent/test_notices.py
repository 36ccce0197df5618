"""A new policy is announced before it applies; members see what changes for them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from builders import add_members, publish_preset
from consentry.consent.decide import decide
from consentry.consent.ledger import ledger_session
from consentry.consent.notices import NoticeAction, pending_notices, record_notice_shown
from consentry.consent.policy import load_policy, policy_from_toml
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


def _choose(engine, member_id: int, purpose: str, action: str, at: datetime) -> None:
    with ledger_session(engine) as session:
        record_choice(session, member_id, purpose, action, source="settings", actor="t", at=at)


def test_a_notice_lists_only_what_changes_in_effect_in_words(engine):
    # Lena has chosen both training purposes; Jonas, also in Germany, has chosen nothing.
    lena, jonas = add_members(engine, [("DE", date(1988, 4, 17)), ("DE", date(1990, 1, 1))])
    publish_preset(engine, "consent-first")
    _choose(engine, lena, "train-genai", "grant", datetime(2025, 12, 1))
    _choose(engine, lena, "train-ai", "withdraw", datetime(2025, 12, 1))
    with ledger_session(engine) as session:
        publish(session, load_policy("linkedin-2025"), notice_days=30, at=datetime(2026, 1, 1))
    during = datetime(2026, 1, 5)
    with session_scope(engine) as session:
        # Her "yes" stays a yes and her "no" a no: the basis changes, her settings do not.
        (notice,) = pending_notices(session, lena, during)
        assert notice.changes == () and not notice.affects_member
        (notice,) = pending_notices(session, jonas, during)
    changes = {c.purpose: c for c in notice.changes}
    assert set(changes) == {"train-genai", "train-ai"}  # recruiting and sharing stay consent
    genai = changes["train-genai"]
    assert (genai.before.allowed, genai.after.allowed) == (False, True)
    assert genai.sentence == (
        "From 31 January 2026, your profile, posts, articles and comments will be used for "
        "content-creation AI unless you turn it off."
    )
    assert genai.action == NoticeAction.KEEP_OFF and genai.action.choice == "off"
    assert "on by default in Germany" in genai.summary
    assert "job postings" in changes["train-ai"].sentence


def test_the_action_offered_is_the_one_that_fits_and_it_works(engine):
    # linkedin-2024 -> consent-first: a New York member's defaults go from on to off.
    (member,) = add_members(engine, [("US-NY", date(1980, 1, 1))])
    publish_preset(engine, "linkedin-2024")
    with ledger_session(engine) as session:
        publish(session, load_policy("consent-first"), notice_days=30, at=datetime(2026, 1, 1))
    with session_scope(engine) as session:
        (notice,) = pending_notices(session, member, datetime(2026, 1, 5))
    changes = {c.purpose: c for c in notice.changes}
    assert set(changes) == {"train-genai", "train-ai", "recruiter-ai", "share-affiliates"}
    recruiter = changes["recruiter-ai"]
    assert recruiter.sentence == (
        "From 31 January 2026, your profile will no longer be used for recruiter AI unless "
        "you allow it."
    )
    assert recruiter.action == NoticeAction.KEEP_ON and recruiter.action.choice == "on"
    _choose(engine, member, "recruiter-ai", "grant", datetime(2026, 1, 6))
    with session_scope(engine) as session:
        assert decide(session, member, "recruiter-ai", at=datetime(2026, 2, 1)).code == "granted"
        assert not decide(session, member, "train-ai", at=datetime(2026, 2, 1)).allowed


def test_a_change_nothing_can_undo_offers_no_button(engine):
    # consent-first -> linkedin-2024 in mid-2025: a 17-year-old in the UK who allowed it
    # (UK GDPR: 13) will be left out (the UK is excluded from 2024-09-20); nothing she does
    # now changes that. An adult in Canada is off under both: not a change.
    teen, canadian = add_members(engine, [("GB", date(2008, 6, 1)), ("CA-ON", date(1980, 1, 1))])
    publish_preset(engine, "consent-first")
    _choose(engine, teen, "train-genai", "grant", datetime(2025, 1, 2))
    with ledger_session(engine) as session:
        publish(session, load_policy("linkedin-2024"), notice_days=30, at=datetime(2025, 6, 1))
    with session_scope(engine) as session:
        (notice,) = pending_notices(session, teen, datetime(2025, 6, 2))
        change = {c.purpose: c for c in notice.changes}["train-genai"]
        assert change.before.allowed and change.after.code == "excluded"
        assert change.action is None
        assert change.sentence == (
            "From 1 July 2025, your profile, posts, articles and comments will no longer be "
            "used for content-creation AI."
        )
        (notice,) = pending_notices(session, canadian, datetime(2025, 6, 2))
        assert "train-genai" not in {c.purpose for c in notice.changes}


def test_widening_and_a_new_purpose_are_said_in_words(engine):
    (member,) = add_members(engine, [("FR", date(1980, 1, 1))])
    publish_preset(engine, "consent-first")
    _choose(engine, member, "recruiter-ai", "grant", datetime(2025, 12, 1))
    base = load_policy("consent-first").source
    wider = base.replace(
        'data_classes = ["profile"]\n\n[purposes.share',
        'data_classes = ["profile", "post"]\n\n[purposes.share',
    ) + (
        '\n[purposes.search-ai]\ntitle = "Search AI"\ntext = "Rank search results."\n'
        'data_classes = ["profile"]\n'
    )
    with ledger_session(engine) as session:
        publish(session, policy_from_toml(wider), notice_days=30, at=datetime(2026, 1, 1))
    with session_scope(engine) as session:
        (notice,) = pending_notices(session, member, datetime(2026, 1, 5))
    changes = {c.purpose: c for c in notice.changes}
    assert set(changes) == {"recruiter-ai", "search-ai"}
    renewal = changes["recruiter-ai"]
    assert renewal.after.code == "renewal-needed" and renewal.action is None
    assert renewal.sentence == (
        "From 31 January 2026, recruiter AI will also use your posts, so your profile and "
        "posts will no longer be used for it until you allow it again."
    )
    new = changes["search-ai"]
    assert new.action == NoticeAction.TURN_ON
    assert new.sentence == (
        "From 31 January 2026, you can allow your profile to be used for search AI; it "
        "stays off unless you do."
    )
