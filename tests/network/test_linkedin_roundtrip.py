"""Export an account in LinkedIn's layout, import it into a new account: the profile,
positions, education, skills and posts match (on SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import zipfile

from sqlalchemy import select

from builders import hand_network
from consentry.network import queries
from consentry.network.accounts import hash_password
from consentry.network.export import member_files, write_archive
from consentry.network.linkedin_import import create_member, import_into, read_archive
from consentry.store.engine import session_scope, utcnow
from consentry.store.tables import Member, Post

BASE = "https://consentry.example"


def _month(value):
    return None if value is None else (value.year, value.month)


def _profile(session, member_id):
    view = queries.profile(session, session.get(Member, member_id))
    positions = sorted(
        (p.title, p.company, p.location, p.description, _month(p.started_on), _month(p.ended_on))
        for p in view.positions
    )
    schools = sorted(
        (e.school, e.degree, e.field_of_study, _month(e.started_on), _month(e.ended_on))
        for e in view.education
    )
    posts = sorted(
        (p.kind, p.title, p.text, p.visibility, p.created_at.replace(microsecond=0))
        for p in session.scalars(
            select(Post).where(Post.member_id == member_id, Post.deleted_at.is_(None))
        )
    )
    return (
        (view.headline, view.about, view.industry, view.location),
        positions,
        schools,
        sorted(view.skills),
        posts,
    )


def _export(engine, member_id) -> bytes:
    with session_scope(engine) as s:
        files = member_files(s, member_id, base_url=BASE)
        return write_archive(files, handle="alice", when=utcnow())


def test_export_then_import_into_a_new_account_matches(engine):
    net = hand_network(engine)
    alice = net.members["alice"]
    with session_scope(engine) as s:
        from consentry.network.publishing import publish_post

        publish_post(
            s,
            author_id=alice,
            kind="article",
            title="On tidy pipelines",
            text='Line one, with "quotes".\n\nSecond paragraph\nwith a break & <tags>.',
        )
    archive = _export(engine, alice)
    parsed = read_archive(archive)
    with session_scope(engine) as s:
        new = create_member(
            s, parsed, email="alice.new@example.test", password_hash=hash_password("x" * 12)
        )
        report = import_into(s, parsed, member_id=new.id)
        new_id, region, birth = new.id, new.region, new.birth_date
    with session_scope(engine) as s:
        assert _profile(s, new_id) == _profile(s, alice)
        old = s.get(Member, alice)
        assert (region, birth) == (old.region, old.birth_date)  # from account.json
    imported = {f.name: f.imported for f in report.files}
    assert imported["Positions.csv"] == 2 and imported["Skills.csv"] == 2
    assert imported["Shares.csv"] == 2 and imported["Education.csv"] == 1
    # Importing the same archive again adds nothing: "fill" never duplicates.
    with session_scope(engine) as s:
        again = import_into(s, read_archive(archive), member_id=new_id)
    assert again.imported == 1  # only Profile.csv's row, which fills nothing new
    with session_scope(engine) as s:
        assert _profile(s, new_id) == _profile(s, alice)


def test_export_follows_linkedin_columns_and_quirks(engine):
    net = hand_network(engine)
    with zipfile.ZipFile(io.BytesIO(_export(engine, net.members["alice"]))) as z:
        names = set(z.namelist())
        text = {n: z.read(n).decode() for n in names if n.endswith(".csv")}
    assert {
        "Profile.csv",
        "Positions.csv",
        "Education.csv",
        "Skills.csv",
        "Shares.csv",
        "Comments.csv",
        "Connections.csv",
        "messages.csv",
        "Email Addresses.csv",
        "Registration.csv",
        "account.json",
        "README.txt",
    } <= names
    header = lambda name: next(csv.reader(io.StringIO(text[name])))  # noqa: E731
    assert header("Profile.csv")[:5] == [
        "First Name",
        "Last Name",
        "Maiden Name",
        "Address",
        "Birth Date",
    ]
    assert header("Positions.csv") == [
        "Company Name",
        "Title",
        "Description",
        "Location",
        "Started On",
        "Finished On",
    ]
    assert header("Education.csv") == [
        "School Name",
        "Start Date",
        "End Date",
        "Notes",
        "Degree Name",
        "Activities",
    ]
    assert header("Shares.csv") == [
        "Date",
        "ShareLink",
        "ShareCommentary",
        "SharedUrl",
        "MediaUrl",
        "Visibility",
    ]
    assert header("messages.csv")[:3] == ["CONVERSATION ID", "CONVERSATION TITLE", "FROM"]
    assert "Data Engineer" in text["Positions.csv"] and "Mar 2020" in text["Positions.csv"]
    assert "Withdrawn Role" not in text["Positions.csv"]  # soft-deleted
    assert 'TU Berlin,Oct 2014,Sep 2016,,"MSc, Computer Science",' in text["Education.csv"]
    assert text["Connections.csv"].startswith('Notes:\n"When exporting')
    rows = list(csv.reader(io.StringIO(text["Connections.csv"])))
    assert rows[3][:3] == ["First Name", "Last Name", "URL"]
    assert rows[4][0] == "Bob" and rows[4][3] == ""  # a connection's email is theirs
    assert "MEMBER_NETWORK" in text["Shares.csv"] and "PUBLIC" in text["Shares.csv"]
    assert "Carol" not in text["Shares.csv"]  # only her own posts
    bob = _export(engine, net.members["bob"])
    with zipfile.ZipFile(io.BytesIO(bob)) as z:
        messages = z.read("messages.csv").decode()
        assert "Carol secret message" in messages and "INBOX" in messages  # Bob received it
    assert "Carol secret message" not in text["messages.csv"]  # never Alice's to take
