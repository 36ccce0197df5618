"""The sign-up rule on SQLite and PostgreSQL: what opens an account, what is refused with
nothing stored, the handle made from the name, the email change and the per-address limit."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from consentry.network.accounts import verify_password
from consentry.network.login_throttle import Throttled
from consentry.network.signup import (
    MINIMUM_AGE,
    Application,
    EmailTaken,
    SignupLimit,
    SignupProblem,
    UnderMinimumAge,
    change_email,
    open_account,
)
from consentry.store.engine import session_scope
from consentry.store.tables import Member
from consentry.store.throttle_storage import SqlStorage

TODAY = date(2026, 3, 1)
STRONG = "four words make a passphrase"


def application(**overrides) -> Application:
    fields = {
        "email": "Ann.Lee@Example.ORG",
        "password": STRONG,
        "first_name": " Ann ",
        "last_name": "Lee",
        "birth_date": "1990-05-17",
        "region": "us-ca",
    }
    fields.update(overrides)
    return Application(**fields)


def open_(engine, **overrides) -> Member:
    with session_scope(engine) as s:
        member = open_account(s, application(**overrides), today=TODAY)
        s.flush()
        s.expunge(member)
        return member


def count(engine) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(Member)) or 0


def test_an_account_is_opened_with_every_field_normalised(engine):
    member = open_(engine)
    assert (member.first_name, member.last_name, member.display_name) == ("Ann", "Lee", "Ann Lee")
    assert member.email == "Ann.Lee@example.org" and member.region == "US-CA"
    assert member.handle == "ann.lee" and member.role == "member" and not member.premium
    assert member.birth_date == date(1990, 5, 17)
    assert verify_password(member.password_hash, STRONG)
    assert count(engine) == 1


def test_handles_from_the_same_name_never_collide(engine):
    handles = [open_(engine, email=f"ann{n}@example.org").handle for n in range(3)]
    assert handles == ["ann.lee", "ann.lee-2", "ann.lee-3"]


@pytest.mark.parametrize(
    ("born", "refused"),
    [
        (date(2010, 3, 2), True),  # 16 tomorrow
        (date(2010, 3, 1), False),  # 16 today
        (date(2012, 1, 1), True),
    ],
)
def test_the_minimum_age_is_16_and_a_refusal_stores_nothing(engine, born, refused):
    assert MINIMUM_AGE == 16
    if refused:
        with pytest.raises(UnderMinimumAge, match="at least 16"):
            open_(engine, birth_date=born.isoformat())
        assert count(engine) == 0
    else:
        assert open_(engine, birth_date=born.isoformat()).birth_date == born


def test_born_on_29_february_comes_of_age_on_1_march(engine):
    with session_scope(engine) as s:
        with pytest.raises(UnderMinimumAge):
            open_account(s, application(birth_date="2008-02-29"), today=date(2024, 2, 28))
        assert open_account(s, application(birth_date="2008-02-29"), today=date(2024, 2, 29))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password": "eleven char"}, "password"),
        ({"password": "Ann Lee"}, "password"),
        ({"password": "annlee-was-here-2026"}, "password"),
        ({"password": "ann.lee@example.org"}, "password"),
        ({"password": "abababababababab"}, "password"),
        ({"region": "XX"}, "region"),
        ({"region": ""}, "region"),
        ({"birth_date": "1990-02-30"}, "birth_date"),
        ({"birth_date": "2026-03-02"}, "birth_date"),
        ({"birth_date": "1899-12-31"}, "birth_date"),
        ({"email": "ann@"}, "email"),
        ({"email": ""}, "email"),
        ({"first_name": ""}, "first_name"),
        ({"last_name": "x" * 101}, "last_name"),
        ({"last_name": "Lee\x00"}, "last_name"),
    ],
)
def test_a_field_that_cannot_be_used_is_named_and_nothing_is_stored(engine, overrides, field):
    with pytest.raises(SignupProblem) as refused:
        open_(engine, **overrides)
    assert refused.value.field == field
    assert count(engine) == 0


def test_a_taken_email_in_any_case_is_refused_without_naming_its_owner(engine):
    open_(engine)
    with pytest.raises(EmailTaken) as taken:
        open_(engine, email="ANN.LEE@example.org", first_name="Other", last_name="Person")
    assert "Ann" not in str(taken.value) and "ann.lee" not in str(taken.value)
    assert count(engine) == 1


def test_changing_the_email_follows_the_same_rules(engine):
    ann = open_(engine)
    open_(engine, email="bo@example.org", first_name="Bo", last_name="Ek")
    with session_scope(engine) as s:
        me = s.get(Member, ann.id)
        with pytest.raises(EmailTaken):
            change_email(s, me, "BO@example.org")
        with pytest.raises(SignupProblem):
            change_email(s, me, "Ann.Lee@example.org")  # the one it has
        with pytest.raises(SignupProblem):
            change_email(s, me, "no-at-sign")
        assert change_email(s, me, "ann@Example.NET") == "ann@example.net"
    with session_scope(engine) as s:
        assert s.get(Member, ann.id).email == "ann@example.net"


def test_sign_ups_per_address_are_limited_and_a_failure_gives_its_slot_back(engine):
    clock = [1_000.0]
    limit = SignupLimit(
        SqlStorage(engine, clock=lambda: clock[0]),
        max_attempts=4,
        max_accounts=2,
        window_s=60,
        clock=lambda: clock[0],
    )
    limit.begin("10.0.0.1")
    limit.failed("10.0.0.1")  # a refused sign-up opened no account
    limit.begin("10.0.0.1")
    limit.begin("10.0.0.1")
    with pytest.raises(Throttled) as wait:
        limit.begin("10.0.0.1")
    assert 0 < wait.value.retry_after_s <= 60
    limit.begin("10.0.0.2")  # another address has its own slots
    clock[0] += 61
    limit.begin("10.0.0.1")  # a new window
