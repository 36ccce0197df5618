"""Importing real-looking LinkedIn archives: their quirks, partial archives with a clear
report, and uploads refused before anything is written."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from builders import hand_network
from consentry.cli import main
from consentry.network import linkedin_archive
from consentry.network.linkedin_import import (
    ArchiveRejected,
    import_into,
    parse_month,
    profile_identity,
    read_archive,
)
from consentry.store.engine import session_scope
from consentry.store.tables import Education, Member, Position, Post, Profile, Skill

BOM = "\ufeff"
TOP = "Basic_LinkedInDataExport_03-12-2024/"
ARCHIVE = {
    TOP + "Profile.csv": BOM + "First Name,Last Name,Maiden Name,Address,Birth Date,Headline,"
    "Summary,Industry,Zip Code,Geo Location,Twitter Handles,Websites,Instant Messengers\n"
    'Ada,Lovelace,,,"Dec 10",Building an analytical engine,"Notes on the engine.\n\n'
    'And on ""poetical science"".",Software Development,,"London, England, United Kingdom",'
    "[ada],[PERSONAL:http://ada.example],\n",
    TOP + "Positions.csv": 'Notes:\n"This file contains your positions."\n\n'
    "Company Name,Title,Description,Location,Started On,Finished On\r\n"
    'Analytical Engines,Mathematician,"Wrote the first program.\nWith notes.",London,Jul 1842,\r\n'
    "Babbage & Co,Assistant,,London,March 1833,Present\r\n"
    "Nowhere Ltd,Ghost,,,someday,\r\n"
    ",,,,,\r\n",
    TOP + "Education.csv": "School Name,Start Date,End Date,Notes,Degree Name,Activities\n"
    'Home tutoring,1829,1835,,"BSc, Mathematics",Music\n'
    ",2001,2002,,,\n",
    TOP + "Shares_17529409.csv": "Date,ShareLink,ShareCommentary,SharedUrl,MediaUrl,Visibility\n"
    '2024-03-12 09:30:00,https://www.linkedin.com/feed/update/urn:li:share:1,"Check out '
    '""this"" note,\nit spans lines.",,,PUBLIC\n'
    "2024-03-13 10:00:00,https://www.linkedin.com/feed/update/urn:li:share:2,Only my network,,,"
    "MEMBER_NETWORK\n"
    "2024-03-14 10:00:00,https://www.linkedin.com/feed/update/urn:li:share:3,,https://x.example,,"
    "PUBLIC\n"
    "yesterday,https://www.linkedin.com/feed/update/urn:li:share:4,Undated,,,PUBLIC\n",
    TOP + "Comments.csv": "Date,Link,Message\n"
    "2024-04-30 15:32:07,https://www.linkedin.com/feed/update/urn:li:activity:1,"
    '"Back when I led the \\"tea\\" team,\n\nit was hot."\n',
    TOP + "Connections.csv": 'Notes:\n"When exporting your connection data, you may notice '
    'that some of the email addresses are missing."\n\n'
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    "Charles,Babbage,https://www.linkedin.com/in/babbage,,Engines,Inventor,12 Mar 2024\n",
    TOP + "messages.csv": "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,"
    "RECIPIENT PROFILE URLS,DATE,SUBJECT,CONTENT,FOLDER,ATTACHMENTS\n"
    "c1,,Charles Babbage,https://www.linkedin.com/in/babbage,Ada Lovelace,"
    "https://www.linkedin.com/in/ada,2024-03-12 09:30:00 UTC,,Hello Ada,INBOX,\n",
    TOP + "Ad_Targeting.csv": "Member Age,Company Names\n25 to 34,Engines\n",
    TOP + "Articles/Articles/2024-01-02 10:00:00.0-notes.html": "<html><head><title>Notes"
    '</title></head><body><h1>Notes on the engine</h1><p class="created">Created on 2024-01-02 '
    "10:00</p><div><p>It weaves algebraic patterns.</p><p>Like a loom.</p></div></body></html>",
}


def zip_of(files: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files.items():
            z.writestr(name, content)
    return buffer.getvalue()


def counts(engine) -> tuple:
    with session_scope(engine) as s:
        return tuple(
            s.scalar(select(func.count()).select_from(t))
            for t in (Member, Profile, Position, Education, Skill, Post)
        )


def test_real_archive_quirks_are_read_and_reported_file_by_file(engine):
    net = hand_network(engine)
    carol = net.members["carol"]  # has a profile and one position already
    with session_scope(engine) as s:
        report = import_into(s, read_archive(zip_of(ARCHIVE)), member_id=carol)
    files = {f.name.removeprefix(TOP): f for f in report.files}
    assert files["Positions.csv"].imported == 2
    assert files["Positions.csv"].skipped == [(3, "a date is not like 'Mar 2019'")]
    assert files["Education.csv"].imported == 1
    assert files["Education.csv"].skipped == [(2, "School Name is missing")]
    shares = files["Shares_17529409.csv"]
    assert shares.imported == 2
    assert [why for _, why in shares.skipped] == [
        "a reshare without your own words",
        "Date is not like '2024-03-12 09:30:00'",
    ]
    assert "not imported" in files["Connections.csv"].note
    assert "not imported" in files["messages.csv"].note
    assert "not imported" in files["Comments.csv"].note
    assert files["Profile.csv"].note == "kept your existing headline, about, industry, location"
    assert report.ignored == [TOP + "Ad_Targeting.csv"]
    assert report.missing == ["skills"]
    with session_scope(engine) as s:
        positions = {
            p.title: p for p in s.scalars(select(Position).where(Position.member_id == carol))
        }
        assert positions["Mathematician"].started_on == date(1842, 7, 1)
        assert positions["Mathematician"].ended_on is None
        assert positions["Mathematician"].description == "Wrote the first program.\nWith notes."
        assert positions["Assistant"].ended_on is None  # "Present"
        school = s.scalars(select(Education).where(Education.member_id == carol)).one()
        assert (school.degree, school.field_of_study, school.started_on) == (
            "BSc",
            "Mathematics",
            date(1829, 1, 1),
        )
        posts = {p.text: p for p in s.scalars(select(Post).where(Post.member_id == carol))}
        quoted = posts['Check out "this" note,\nit spans lines.']
        assert (quoted.visibility, quoted.created_at) == ("public", datetime(2024, 3, 12, 9, 30))
        assert posts["Only my network"].visibility == "connections"
        article = posts["It weaves algebraic patterns.\n\nLike a loom."]
        assert (article.kind, article.title) == ("article", "Notes on the engine")
        assert article.created_at == datetime(2024, 1, 2, 10, 0)
        assert s.get(Profile, carol).headline == "Carol's secret-free headline"  # kept


def test_an_empty_profile_is_filled_with_revisions_kept(engine):
    net = hand_network(engine)
    dave_like = net.members["bob"]
    with session_scope(engine) as s:
        profile = s.get(Profile, dave_like)
        profile.industry = ""
    with session_scope(engine) as s:
        import_into(s, read_archive(zip_of(ARCHIVE)), member_id=dave_like)
    with session_scope(engine) as s:
        assert s.get(Profile, dave_like).industry == "Software Development"
        assert s.get(Profile, dave_like).headline == "Rust tinkerer"


def test_dates_in_every_form_linkedin_writes():
    assert parse_month("Mar 2019") == date(2019, 3, 1)
    assert parse_month("March 2019") == date(2019, 3, 1)
    assert parse_month("2019") == date(2019, 1, 1)
    assert parse_month("03/2019") == date(2019, 3, 1)
    assert parse_month("12 Mar 2024") == date(2024, 3, 12)
    assert parse_month("") is None and parse_month("Present") is None
    with pytest.raises(ValueError):
        parse_month("someday")


@pytest.mark.parametrize(
    ("data", "status", "words"),
    [
        (b"PK\x03\x04 not really a zip", 400, "not a zip archive"),
        (b"First Name,Last Name\nAda,Lovelace\n", 400, "not a zip archive"),
        (zip_of({"bomb.csv": b"\0" * (20 * 2**20)}), 400, "zip bomb"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_written(engine, data, status, words):
    net = hand_network(engine)
    before = counts(engine)
    with pytest.raises(ArchiveRejected) as refused:
        read_archive(data)
    assert refused.value.status == status and words in str(refused.value)
    assert counts(engine) == before
    assert net.members  # the network is still there


@pytest.mark.parametrize(
    ("account", "note"),
    [
        ("{not json", "not readable as JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"region": 5, "handle": ["ada"], "birth_date": {"y": 1815}}', ""),
    ],
)
def test_an_account_file_not_made_by_our_export_gives_no_account_details(account, note):
    profile = "First Name,Last Name\nAda,Lovelace\n"
    parsed = read_archive(zip_of({"Profile.csv": profile, "account.json": account}))
    assert parsed.account == {}
    assert (parsed.reports["account.json"].note if note else "") == note
    assert profile_identity(parsed)["region"] is None


def test_too_big_is_a_413(monkeypatch):
    monkeypatch.setattr(linkedin_archive, "MAX_ARCHIVE_BYTES", 1000)
    with pytest.raises(ArchiveRejected) as refused:
        read_archive(zip_of({"Profile.csv": "x" * 5000}) + b"\0" * 1000)
    assert refused.value.status == 413


def test_cli_export_then_import_create(settings_env, tmp_path, capsys):
    assert main(["init"]) == 0
    from consentry.commands.context import settings, store_engine

    engine = store_engine(settings())
    hand_network(engine)
    engine.dispose()
    out = tmp_path / "alice.zip"
    assert main(["export", "alice", "--output", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    code = main(["import", "linkedin-export", str(out), "--email", "new@example.test", "--create"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "Positions.csv: 2 imported, 0 skipped" in printed
    assert "first password" in printed
    assert main(["import", "linkedin-export", str(out), "--member", "nobody"]) == 2
    assert (
        main(["import", "linkedin-export", str(tmp_path / "missing.zip"), "--member", "bob"]) == 2
    )
    bad = tmp_path / "bad.zip"
    bad.write_text("hello")
    assert main(["import", "linkedin-export", str(bad), "--member", "bob"]) == 2
    assert "not a zip archive" in capsys.readouterr().err
