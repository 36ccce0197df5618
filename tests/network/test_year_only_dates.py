"""Year-only dates from a LinkedIn archive stay year-only: on the profile, in the database,
and in the export, which writes them back as they came (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import zipfile

from sqlalchemy import select

from builders import add_named_member
from consentry.network import queries
from consentry.network.export import member_files, write_archive
from consentry.network.linkedin_import import import_into, read_archive
from consentry.store.engine import session_scope, utcnow
from consentry.store.tables import Education, Member, Position

TOP = "Basic_LinkedInDataExport_03-12-2024/"
POSITIONS = [
    ("Engines", "Analyst", "", "London", "2016", ""),
    ("Looms", "Weaver", "", "Paris", "Mar 2012", "2015"),
    ("Mills", "Clerk", "", "", "2009", "Feb 2011"),
]
SCHOOLS = [("Home tutoring", "2004", "2008", "", "BSc, Mathematics", "")]


def _csv(header: tuple[str, ...], rows) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    return out.getvalue()


def _archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(
            TOP + "Positions.csv",
            _csv(
                ("Company Name", "Title", "Description", "Location", "Started On", "Finished On"),
                POSITIONS,
            ),
        )
        z.writestr(
            TOP + "Education.csv",
            _csv(
                ("School Name", "Start Date", "End Date", "Notes", "Degree Name", "Activities"),
                SCHOOLS,
            ),
        )
    return buffer.getvalue()


def _rows(files: dict[str, bytes], name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(files[name].decode("utf-8-sig"))))[1:]


def test_year_only_dates_are_kept_shown_and_exported_as_given(engine):
    ada = add_named_member(engine, "Ada", "Lovelace")
    with session_scope(engine) as s:
        report = import_into(s, read_archive(_archive()), member_id=ada)
        assert report.imported == 4
    with session_scope(engine) as s:
        stored = {
            p.company: (p.started_precision, p.ended_precision, p.started_on.month)
            for p in s.scalars(select(Position).where(Position.member_id == ada))
        }
        school = s.scalars(select(Education).where(Education.member_id == ada)).one()
        view = queries.profile(s, s.get(Member, ada))
        files = member_files(s, ada, base_url="https://consentry.example")
    assert stored["Engines"][0] == "year" and stored["Looms"][:2] == ("month", "year")
    assert (school.started_precision, school.ended_precision) == ("year", "year")
    # What a member reads on the profile page: the dates as they were given.
    shown = {p.company: (p.started, p.ended) for p in view.positions}
    assert shown == {
        "Engines": ("2016", ""),
        "Looms": ("Mar 2012", "2015"),
        "Mills": ("2009", "Feb 2011"),
    }
    assert (view.education[0].started, view.education[0].ended) == ("2004", "2008")
    # The export writes each date back in the form it came in, never "Jan 2016".
    assert sorted(_rows(files, "Positions.csv")) == sorted(list(r) for r in POSITIONS)
    assert _rows(files, "Education.csv") == [list(r) for r in SCHOOLS]


def test_an_exported_archive_imports_into_the_same_dates(engine):
    ada = add_named_member(engine, "Ada", "Lovelace")
    bob = add_named_member(engine, "Bob", "Babbage")
    with session_scope(engine) as s:
        import_into(s, read_archive(_archive()), member_id=ada)
    with session_scope(engine) as s:
        again = write_archive(
            member_files(s, ada, base_url="https://consentry.example"), handle="ada", when=utcnow()
        )
    with session_scope(engine) as s:
        import_into(s, read_archive(again), member_id=bob)
    with session_scope(engine) as s:
        views = [queries.profile(s, s.get(Member, m)) for m in (ada, bob)]
    dated = [
        sorted((p.company, p.started, p.ended) for p in v.positions)
        + [(e.school, e.started, e.ended) for e in v.education]
        for v in views
    ]
    assert dated[0] == dated[1]
