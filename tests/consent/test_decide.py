"""Single decisions: every rule, the member-readable reasons, renewal, notice periods."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from builders import EPOCH, add_members, change, publish_preset, record
from consentry.consent.decide import age_cutoff, decide
from consentry.consent.decide_batch import decide_all
from consentry.consent.ledger import ledger_session
from consentry.consent.policy import load_policy, policy_from_toml
from consentry.consent.versions import NoticePeriodError, publish, resolve_policy
from consentry.store.engine import session_scope

AT = datetime(2026, 4, 1)


def _decide(engine, member, purpose, **kw):
    with session_scope(engine) as session:
        return decide(session, member, purpose, **kw)


def test_reasons_a_member_can_read(engine):
    add_members(
        engine, [("DE", date(1990, 1, 1)), ("DE", date(2011, 1, 1)), ("FR", date(1990, 1, 1))]
    )
    publish_preset(engine)
    record(
        engine,
        change(1, "train-genai", "grant", datetime(2026, 3, 1, 9)),
        change(2, "train-genai", "grant", datetime(2026, 3, 1, 10)),
        change(3, "train-ai", "object", datetime(2026, 3, 2), source="gpc"),
    )
    d = _decide(engine, 1, "train-genai", at=AT)
    assert (d.allowed, d.basis, d.reason) == (True, "consent", "You allowed this on 1 March 2026")
    d = _decide(engine, 2, "train-genai", at=AT)
    assert (d.allowed, d.reason) == (False, "Members under 16 in Germany are never included")
    assert _decide(engine, 3, "train-genai", at=AT).reason == "You have not allowed this"
    assert "Global Privacy Control" in _decide(engine, 3, "train-ai", at=AT).reason


def test_excluded_and_legitimate_interest_under_linkedin_2024(engine):
    add_members(
        engine, [("DE", date(1990, 1, 1)), ("US-NY", date(1990, 1, 1)), ("GB", date(1990, 1, 1))]
    )
    publish_preset(engine, "linkedin-2024")
    record(engine, change(1, "train-genai", "grant", datetime(2024, 6, 1)))
    d = _decide(engine, 1, "train-genai", at=AT)
    assert (d.allowed, d.basis, d.reason) == (
        False,
        "excluded",
        "This is never used for members in Germany",
    )
    d = _decide(engine, 2, "train-genai", at=AT)
    assert (d.allowed, d.reason) == (True, "This is on by default in New York; you can object")
    assert _decide(engine, 3, "train-genai", at=datetime(2024, 9, 19)).allowed
    assert not _decide(engine, 3, "train-genai", at=datetime(2024, 9, 20)).allowed
    record(engine, change(2, "train-genai", "object", datetime(2024, 7, 1)))
    assert _decide(engine, 2, "train-genai", at=AT).reason == "You objected to this on 1 July 2024"


def test_coming_of_age_on_the_birthday_and_leap_days():
    assert age_cutoff(date(2026, 3, 1), 16) == date(2010, 3, 1)
    assert age_cutoff(date(2027, 2, 28), 18) == date(2009, 2, 28)
    # Born 29 Feb 2008: still 17 on 28 Feb 2026, 18 on 1 Mar 2026.
    assert date(2008, 2, 29) > age_cutoff(date(2026, 2, 28), 18)
    assert not date(2008, 2, 29) > age_cutoff(date(2026, 3, 1), 18)


def test_erasure_ends_every_purpose(engine):
    add_members(engine, [("US-CA", date(1990, 1, 1))])
    publish_preset(engine, "linkedin-2025")
    record(engine, change(1, "*", "erase", datetime(2026, 1, 5)))
    for purpose in ("train-genai", "train-ai", "recruiter-ai", "share-affiliates"):
        d = _decide(engine, 1, purpose, at=AT)
        assert (d.allowed, d.code) == (False, "erased")
    assert _decide(engine, 1, "train-ai", at=datetime(2026, 1, 4)).allowed


def test_widening_a_purpose_makes_earlier_consents_need_renewal(engine):
    add_members(engine, [("US-CA", date(1990, 1, 1)), ("US-CA", date(1990, 1, 1))])
    publish_preset(engine)
    record(engine, change(1, "train-genai", "grant", datetime(2025, 1, 1)))
    wider = load_policy("consent-first").source.replace(
        'data_classes = ["profile", "post", "article", "comment"]',
        'data_classes = ["profile", "post", "article", "comment", "job"]',
    )
    with ledger_session(engine) as session:
        v2 = publish(session, policy_from_toml(wider), notice_days=30, at=datetime(2025, 6, 1))
    assert v2.widened == ("train-genai",)
    assert _decide(engine, 1, "train-genai", at=datetime(2025, 6, 30)).allowed  # notice period
    d = _decide(engine, 1, "train-genai", at=datetime(2025, 7, 2))
    assert (d.allowed, d.code, d.policy_version) == (False, "renewal-needed", 2)
    assert "needs your consent again" in d.reason
    record(engine, change(1, "train-genai", "grant", datetime(2025, 7, 3), version=2))
    assert _decide(engine, 1, "train-genai", at=datetime(2025, 7, 4)).allowed


def test_a_version_in_its_notice_period_is_refused_by_name(engine):
    publish_preset(engine)
    with ledger_session(engine) as session:
        publish(session, load_policy("linkedin-2025"), notice_days=30, at=datetime(2026, 1, 1))
    with session_scope(engine) as session:
        assert resolve_policy(session, datetime(2026, 1, 15)).version == 1
        with pytest.raises(NoticePeriodError, match="applies from 2026-01-31"):
            resolve_policy(session, datetime(2026, 1, 15), version=2)
        assert resolve_policy(session, datetime(2026, 1, 31)).version == 2
        with pytest.raises(NoticePeriodError, match="applies from 2026-01-31"):
            decide_all(
                session,
                "train-ai",
                as_of_seq=0,
                at=datetime(2026, 1, 15),
                policy=resolve_policy(session, datetime(2026, 1, 15), version=2),
            )


def test_notice_period_is_never_negative(engine):
    publish_preset(engine)
    with ledger_session(engine) as session, pytest.raises(Exception, match="never negative"):
        publish(session, load_policy("linkedin-2024"), notice_days=-1, at=EPOCH + timedelta(days=1))


def test_time_travel_by_ledger_position(engine):
    add_members(engine, [("US-CA", date(1990, 1, 1))])
    publish_preset(engine)
    (grant,) = record(engine, change(1, "train-ai", "grant", datetime(2025, 1, 1)))
    before = _decide(engine, 1, "train-ai", as_of_seq=grant.seq)
    record(engine, change(1, "train-ai", "withdraw", datetime(2025, 2, 1)))
    again = _decide(engine, 1, "train-ai", as_of_seq=grant.seq)
    assert before == again and again.allowed
    assert not _decide(engine, 1, "train-ai").allowed
