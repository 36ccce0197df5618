"""`revise`: after any edit, every revisioned field reads as it was at every earlier time."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from builders import new_member
from consentry.datasets.eligibility import text_as_of
from consentry.network.revisions import revise
from consentry.store.engine import session_scope
from consentry.store.tables import Profile, Revision

T0 = datetime(2025, 1, 1)


def _read(engine, member_id: int, field: str, at: datetime) -> str | None:
    with session_scope(engine) as s:
        return s.scalar(
            select(text_as_of(Profile, "profile", field, at)).where(Profile.member_id == member_id)
        )


def test_unchanged_fields_read_as_of_after_an_edit_of_another(engine):
    member = new_member(engine, "FR", date(1980, 1, 1), created_at=T0)
    with session_scope(engine) as s:
        row = s.get(Profile, member)
        revise(s, row, "profile", None, {"headline": "Head one", "about": "About one"}, T0)
    t1, t2, t3 = (T0 + timedelta(days=d) for d in (1, 2, 3))
    with session_scope(engine) as s:
        # Only the headline changes; the about must still read as of before the edit.
        changed = revise(s, s.get(Profile, member), "profile", None, {"headline": "Head two"}, t1)
        assert changed == ["headline"]
    with session_scope(engine) as s:
        # Only a field that is not revisioned changes; both texts must survive as of before.
        revise(s, s.get(Profile, member), "profile", None, {"location": "Lyon"}, t2)
    with session_scope(engine) as s:
        revise(s, s.get(Profile, member), "profile", None, {"about": "About three"}, t3)

    half = timedelta(hours=12)
    assert _read(engine, member, "headline", T0 + half) == "Head one"
    assert _read(engine, member, "about", T0 + half) == "About one"
    assert _read(engine, member, "headline", t1 + half) == "Head two"
    assert _read(engine, member, "about", t1 + half) == "About one"
    assert _read(engine, member, "about", t2 + half) == "About one"
    assert _read(engine, member, "about", t3 + half) == "About three"
    assert _read(engine, member, "headline", t3 + half) == "Head two"


def test_no_change_writes_nothing(engine):
    member = new_member(engine, "FR", date(1980, 1, 1), created_at=T0)
    with session_scope(engine) as s:
        row = s.get(Profile, member)
        before = row.updated_at
        assert revise(s, row, "profile", None, {"headline": ""}, T0 + timedelta(days=1)) == []
        assert row.updated_at == before
    with session_scope(engine) as s:
        assert s.scalars(select(Revision)).all() == []
