"""GPC and IETF aipref Content-Usage: the specs' edge cases, and what gets recorded."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from builders import add_members, publish_preset
from consentry.consent.decide import decide
from consentry.consent.ledger import ledger_session
from consentry.consent.signals import (
    HeaderError,
    apply_gpc,
    combine,
    denied_items,
    gpc_json,
    gpc_signal,
    item_allowed,
    parse_content_usage,
    record_usage_preference,
)
from consentry.errors import ConsentryError
from consentry.store.engine import session_scope
from consentry.store.tables import UsagePreference

UNKNOWN = {"train-ai": None, "search": None}


@pytest.mark.parametrize(
    ("headers", "signal"),
    [
        ({"Sec-GPC": "1"}, True),
        ({"sec-gpc": "1"}, True),
        ({"SEC-GPC": " 1\t"}, True),
        ({"Sec-GPC": "0"}, False),
        ({"Sec-GPC": "true"}, False),
        ({"Sec-GPC": "01"}, False),
        ({"Sec-GPC": "1.0"}, False),
        ({"Sec-GPC": ""}, False),
        ({"Sec-GPC": "1, 1"}, False),
        ({"GPC": "1"}, False),
        ({}, False),
        ([("Sec-GPC", "1"), ("sec-gpc", "1")], False),
        ([("Sec-GPC", b"1")], True),
    ],
)
def test_gpc_signal_is_exactly_1(headers, signal):
    assert gpc_signal(headers) is signal


def test_gpc_json_follows_the_spec():
    body = gpc_json(date(2026, 1, 15))
    assert body == {"gpc": True, "lastUpdate": "2026-01-15"}
    assert isinstance(body["gpc"], bool)


@pytest.mark.parametrize(
    ("value", "prefs"),
    [
        ("train-ai=n", {"train-ai": False, "search": None}),
        ("train-ai=y, search=n", {"train-ai": True, "search": False}),
        ("train-ai=n;q=0.5", {"train-ai": False, "search": None}),  # parameters ignored
        ("train-ai=n, train-ai=y", {"train-ai": True, "search": None}),  # last wins
        ("train-ai=y, train-ai=n", {"train-ai": False, "search": None}),
        ("bots=n, train-ai=n, future-thing=y", {"train-ai": False, "search": None}),  # unknown keys
        ('train-ai="n"', UNKNOWN),  # a string, not a token
        ("train-ai=yes", UNKNOWN),
        ("train-ai=N", UNKNOWN),
        ("train-ai=?0", UNKNOWN),
        ("train-ai", UNKNOWN),  # bare key is boolean true: not y or n
        ("train-ai=(n)", UNKNOWN),
        ("train-ai=1", UNKNOWN),
        ("train-ai=n,", UNKNOWN),  # fails to parse: everything unknown
        ("train-ai=n search=y", UNKNOWN),
        ("Train-AI=n", UNKNOWN),
        ("train-ai=n, ,search=y", UNKNOWN),
        ("tr\u00e4in-ai=n", UNKNOWN),
        ("", UNKNOWN),
        (None, UNKNOWN),
        (b"train-ai=n", {"train-ai": False, "search": None}),
        (["train-ai=n", "search=y"], {"train-ai": False, "search": True}),  # field lines combine
    ],
)
def test_content_usage_follows_the_draft(value, prefs):
    assert parse_content_usage(value) == prefs


def test_strict_parsing_reports_a_malformed_header():
    with pytest.raises(HeaderError, match="Content-Usage"):
        parse_content_usage("train-ai=n,", strict=True)
    assert parse_content_usage("train-ai=maybe", strict=True) == UNKNOWN


def test_combining_no_beats_yes_beats_unknown():
    yes, no = {"train-ai": True, "search": None}, {"train-ai": False, "search": True}
    assert combine(yes, no) == {"train-ai": False, "search": True}
    assert combine(UNKNOWN, yes) == yes
    assert combine() == UNKNOWN
    assert item_allowed(True, False) is False
    assert item_allowed(False, True) is False
    assert item_allowed(True, None) is True


def test_usage_preferences_are_recorded_and_latest_wins(engine):
    with session_scope(engine) as session:
        record_usage_preference(
            session, "post", 7, parse_content_usage("train-ai=n"), at=datetime(2025, 1, 1)
        )
        record_usage_preference(
            session, "post", 8, parse_content_usage("train-ai=n"), at=datetime(2025, 1, 1)
        )
        record_usage_preference(
            session, "post", 8, {"train-ai": True, "search": None}, at=datetime(2025, 2, 1)
        )
        record_usage_preference(session, "article", 9, UNKNOWN, at=datetime(2025, 1, 1))
    with session_scope(engine) as session:
        denied = set(session.execute(denied_items("train-ai", datetime(2025, 3, 1))).all())
        assert denied == {("post", 7)}
        earlier = set(session.execute(denied_items("train-ai", datetime(2025, 1, 15))).all())
        assert earlier == {("post", 7), ("post", 8)}
        assert session.scalar(select(func.count()).select_from(UsagePreference)) == 3


def test_bad_usage_preferences_write_nothing(engine):
    with session_scope(engine) as session:
        with pytest.raises(ConsentryError, match="not 'message'"):
            record_usage_preference(session, "message", 1, {"train-ai": False})
        with pytest.raises(ConsentryError, match="unknown usage preference category"):
            record_usage_preference(session, "post", 1, {"train-genai": False})
        assert session.scalar(select(func.count()).select_from(UsagePreference)) == 0


def test_gpc_objects_for_us_members_to_sharing_only_and_is_idempotent(engine):
    add_members(
        engine, [("US-CA", date(1980, 1, 1)), ("DE", date(1980, 1, 1)), ("BR", date(1980, 1, 1))]
    )
    publish_preset(engine, "linkedin-2025")
    at = datetime(2026, 1, 10)
    with ledger_session(engine) as session:
        us = apply_gpc(session, 1, at=at)
        assert [(e.purpose, e.action, e.source) for e in us] == [
            ("share-affiliates", "object", "gpc")
        ]
        assert apply_gpc(session, 1, at=datetime(2026, 1, 11)) == []
        assert apply_gpc(session, 3, at=at) == []
    with session_scope(engine) as session:
        assert not decide(session, 1, "share-affiliates", at=datetime(2026, 2, 1)).allowed
        assert decide(session, 1, "train-genai", at=datetime(2026, 2, 1)).allowed


def test_gpc_is_an_art21_objection_in_europe_under_consent_first(engine):
    add_members(engine, [("DE", date(1980, 1, 1))])
    publish_preset(engine, "consent-first")
    with ledger_session(engine) as session:
        events = apply_gpc(session, 1, at=datetime(2026, 1, 10))
    assert {e.purpose for e in events} == {
        "train-genai",
        "train-ai",
        "recruiter-ai",
        "share-affiliates",
    }
