"""Importing a LinkedIn data export archive ("Get a copy of your data") into a profile.

Two steps, so nothing is written unless the archive can be read at all and is within
the limits: `read_archive(source)` (`network.linkedin_archive`: streamed, row limits per
file and in all, refused in one line past one) parses every file it knows into rows;
then `import_into(session, archive, member_id=...)` fills the member's profile,
positions, education, skills, posts and articles in the caller's transaction (one
transaction: all of it, or nothing), and returns a report per file: rows imported, rows
skipped with their reasons, and files not imported at all.

Dates are read as `Mar 2019`, `March 2019`, `2019`, `12 Mar 2024`, `2024-03-12 09:30:00`;
a position's or school's date keeps the precision it was given in ("2016" stays a year).

"Fill" means fill gaps: a profile field that already has text keeps it, and a position,
school, skill or post already on the profile is not added twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consentry.errors import Conflict, InvalidInput, NotFound
from consentry.network.linkedin_archive import (
    KNOWN,
    MAX_ARCHIVE_BYTES,
    MAX_ROWS_PER_FILE,
    MAX_TOTAL_ROWS,
    ArchiveRejected,
    FileReport,
    ParsedArchive,
    canonical_name,
    read_archive,
)
from consentry.network.partial_dates import Precision, parse_partial
from consentry.network.publishing import MAX_TEXT, MAX_TITLE, PostRejected, publish_post
from consentry.network.revisions import revise
from consentry.regions import normalise_region
from consentry.store.engine import utcnow
from consentry.store.tables import Education, Member, Position, Post, Profile, Skill

__all__ = [  # what callers read from here, though it lives in `linkedin_archive`
    "KNOWN",
    "MAX_ARCHIVE_BYTES",
    "MAX_ROWS_PER_FILE",
    "MAX_TOTAL_ROWS",
    "ArchiveRejected",
    "FileReport",
    "ParsedArchive",
    "canonical_name",
    "read_archive",
]

T = TypeVar("T")
#: `progress(rows done, rows in all)` while an import writes.
Progress = Callable[[int, int], None]

NOT_IMPORTED = {
    "comments": "comments belong to other people's posts, which are not on Consentry",
    "connections": "a connection needs the other person's agreement; invite them instead",
    "messages": "private messages include other people's words and are not imported",
    "registration": "registration details describe your LinkedIn account, not your profile",
}
MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}


@dataclass
class ImportReport:
    """The outcome of an import, per file, for the member it went into."""

    member_id: int
    created: bool
    files: list[FileReport]
    ignored: list[str]
    missing: list[str]

    @property
    def imported(self) -> int:
        return sum(f.imported for f in self.files)

    def as_dict(self) -> dict[str, Any]:
        return {
            "member_id": self.member_id,
            "created": self.created,
            "rows_imported": self.imported,
            "files": [f.as_dict() for f in self.files],
            "files_ignored": self.ignored,
            "files_missing": self.missing,
        }


# -- values -------------------------------------------------------------------------------
def parse_month(value: str) -> date | None:
    """The first day of the period a date names (`partial_dates.parse_partial`, whose
    precision the import keeps); `` or `Present` -> None; anything else ValueError."""
    when = parse_partial(value)
    return None if when is None else when.value


def parse_day(value: str) -> date:
    """`12 Mar 2024`, `Mar 12, 2024`, `2024-03-12` -> a date; ValueError otherwise."""
    text = value.strip()
    m = re.fullmatch(r"(\d{1,2}) ([A-Za-z]{3,9})\.? (\d{4})", text)
    if m and m.group(2)[:3].lower() in MONTHS:
        return date(int(m.group(3)), MONTHS[m.group(2)[:3].lower()], int(m.group(1)))
    m = re.fullmatch(r"([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})", text)
    if m and m.group(1)[:3].lower() in MONTHS:
        return date(int(m.group(3)), MONTHS[m.group(1)[:3].lower()], int(m.group(2)))
    return date.fromisoformat(text)


def parse_time(value: str) -> datetime:
    """`2024-03-12 09:30:00` (optionally ` UTC`) -> naive UTC; ValueError otherwise."""
    text = value.strip().removesuffix(" UTC").removesuffix("Z")
    when = datetime.fromisoformat(text)
    return when if when.tzinfo is None else when.astimezone(UTC).replace(tzinfo=None)


def _clip(text: str, limit: int = 200) -> str:
    return text.strip()[:limit]


# -- writing ------------------------------------------------------------------------------
def _set_profile(session: Session, member_id: int, values: dict[str, str], now) -> list[str]:
    """Fill the profile's empty fields; returns the fields filled. Editing a field that
    has text moves it into `revisions`, so as-of reads of the past stay exact."""
    row = session.get(Profile, member_id)
    if row is None:
        session.add(Profile(member_id=member_id, created_at=now, updated_at=now, **values))
        return [k for k, v in values.items() if v]
    filled = {k: v for k, v in values.items() if v and not getattr(row, k)}
    revise(session, row, "profile", None, filled, now)
    return list(filled)


class _Ticker:
    """Counts rows as an import goes through them, telling `progress` now and then."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total, self.done, self.progress = total, 0, progress

    def __call__(self, rows: Iterable[T]) -> Iterator[T]:
        for row in rows:
            yield row
            self.done += 1
            if self.progress is not None and (self.done % 500 == 0 or self.done == self.total):
                self.progress(self.done, self.total)


def import_into(
    session: Session, parsed: ParsedArchive, *, member_id: int, progress: Progress | None = None
) -> ImportReport:
    """Fill `member_id`'s profile from `parsed`, in the caller's transaction;
    `progress(done, total)` is told the rows gone through as it goes."""
    if session.get(Member, member_id) is None:
        raise NotFound(f"no member with id {member_id}")
    now = utcnow()
    tick = _Ticker(
        sum(len(parsed.rows(k)) for k in ("positions", "education", "skills", "shares")),
        progress,
    )
    if "profile" in parsed.tables:
        report = parsed.report("profile")
        for _, row in parsed.rows("profile")[:1]:
            values = {
                "headline": row.get("headline", ""),
                "about": row.get("summary", ""),
                "industry": _clip(row.get("industry", ""), 100),
                "location": _clip(row.get("geo location", "") or row.get("address", "")),
            }
            filled = _set_profile(session, member_id, values, now)
            report.imported += 1
            kept = [k for k, v in values.items() if v and k not in filled]
            if kept:
                report.note = f"kept your existing {', '.join(kept)}"
        for number, _ in parsed.rows("profile")[1:]:
            report.skipped.append((number, "a profile has one row; extra rows ignored"))
    _positions(session, parsed, member_id, now, tick)
    _education(session, parsed, member_id, now, tick)
    _skills(session, parsed, member_id, now, tick)
    _shares(session, parsed, member_id, tick)
    _articles(session, parsed, member_id)
    for kind, why in NOT_IMPORTED.items():
        if kind in parsed.tables:
            report = parsed.report(kind)
            report.note = f"not imported: {why}"
    if "email addresses" in parsed.tables:
        parsed.report("email addresses").note = "not imported: your Consentry email stays as it is"
    session.flush()
    missing = [
        k
        for k in ("profile", "positions", "education", "skills", "shares")
        if k not in parsed.tables
    ]
    return ImportReport(
        member_id,
        False,
        sorted(parsed.reports.values(), key=lambda r: r.name),
        sorted(parsed.ignored),
        missing,
    )


def _positions(session: Session, parsed: ParsedArchive, member_id: int, now, tick) -> None:
    if "positions" not in parsed.tables:
        return
    report = parsed.report("positions")
    have = {
        (p.company.lower(), p.title.lower(), p.started_on)
        for p in session.scalars(
            select(Position).where(Position.member_id == member_id, Position.deleted_at.is_(None))
        )
    }
    for number, row in tick(parsed.rows("positions")):
        company, title = _clip(row.get("company name", "")), _clip(row.get("title", ""))
        if not company or not title:
            report.skipped.append((number, "Company Name and Title are both needed"))
            continue
        try:
            started = parse_partial(row.get("started on", ""))
            ended = parse_partial(row.get("finished on", ""))
        except ValueError:
            report.skipped.append((number, "a date is not like 'Mar 2019'"))
            continue
        if started is None:
            report.skipped.append((number, "Started On is missing"))
            continue
        key = (company.lower(), title.lower(), started.value)
        if key in have:
            report.skipped.append((number, "already on your profile"))
            continue
        have.add(key)
        session.add(
            Position(
                member_id=member_id,
                company=company,
                title=title,
                location=_clip(row.get("location", "")),
                started_on=started.value,
                started_precision=started.precision,
                ended_on=ended.value if ended else None,
                ended_precision=(ended or started).precision,
                description=row.get("description", "")[:MAX_TEXT],
                created_at=now,
                updated_at=now,
            )
        )
        report.imported += 1


def _education(session: Session, parsed: ParsedArchive, member_id: int, now, tick) -> None:
    if "education" not in parsed.tables:
        return
    report = parsed.report("education")
    have = {
        (e.school.lower(), e.degree.lower(), e.started_on)
        for e in session.scalars(
            select(Education).where(
                Education.member_id == member_id, Education.deleted_at.is_(None)
            )
        )
    }
    for number, row in tick(parsed.rows("education")):
        school = _clip(row.get("school name", ""))
        if not school:
            report.skipped.append((number, "School Name is missing"))
            continue
        try:
            started = parse_partial(row.get("start date", ""))
            ended = parse_partial(row.get("end date", ""))
        except ValueError:
            report.skipped.append((number, "a date is not like 'Mar 2019' or '2019'"))
            continue
        degree, _, study = row.get("degree name", "").partition(", ")
        key = (school.lower(), _clip(degree).lower(), started.value if started else None)
        if key in have:
            report.skipped.append((number, "already on your profile"))
            continue
        have.add(key)
        session.add(
            Education(
                member_id=member_id,
                school=school,
                degree=_clip(degree),
                field_of_study=_clip(study),
                started_on=started.value if started else None,
                started_precision=started.precision if started else Precision.YEAR,
                ended_on=ended.value if ended else None,
                ended_precision=ended.precision if ended else Precision.YEAR,
                created_at=now,
                updated_at=now,
            )
        )
        report.imported += 1


def _skills(session: Session, parsed: ParsedArchive, member_id: int, now, tick) -> None:
    if "skills" not in parsed.tables:
        return
    report = parsed.report("skills")
    have = {
        n.lower() for n in session.scalars(select(Skill.name).where(Skill.member_id == member_id))
    }
    for number, row in tick(parsed.rows("skills")):
        name = row.get("name", "").strip()
        if not name or len(name) > 100:
            report.skipped.append((number, "a skill name is 1 to 100 characters"))
            continue
        if name.lower() in have:
            report.skipped.append((number, "already on your profile"))
            continue
        have.add(name.lower())
        session.add(Skill(member_id=member_id, name=name, created_at=now, updated_at=now))
        report.imported += 1


def _existing_posts(session: Session, member_id: int) -> set[tuple[str, str]]:
    rows = session.execute(
        select(Post.kind, Post.text).where(Post.member_id == member_id, Post.deleted_at.is_(None))
    )
    return {(k, t.strip()) for k, t in rows}


def _shares(session: Session, parsed: ParsedArchive, member_id: int, tick) -> None:
    if "shares" not in parsed.tables:
        return
    report = parsed.report("shares")
    have = _existing_posts(session, member_id)
    for number, row in tick(parsed.rows("shares")):
        text = row.get("sharecommentary", "").strip()
        if not text:
            report.skipped.append((number, "a reshare without your own words"))
            continue
        if ("post", text) in have:
            report.skipped.append((number, "already on Consentry"))
            continue
        try:
            when = parse_time(row.get("date", ""))
        except ValueError:
            report.skipped.append((number, "Date is not like '2024-03-12 09:30:00'"))
            continue
        visibility = "public" if row.get("visibility", "").upper() == "PUBLIC" else "connections"
        try:
            publish_post(session, author_id=member_id, text=text, visibility=visibility, now=when)
        except PostRejected as exc:
            report.skipped.append((number, str(exc)))
            continue
        have.add(("post", text))
        report.imported += 1


def _articles(session: Session, parsed: ParsedArchive, member_id: int) -> None:
    have = _existing_posts(session, member_id)
    for name, title, text, created in parsed.articles:
        report = parsed.reports.setdefault(name, FileReport(name))
        try:
            when = parse_time(created) if created else None
        except ValueError:
            when = None  # an unreadable date: the article is dated now
        if not title or not text:
            report.skipped.append((1, "an article needs a title and some text"))
        elif ("article", text.strip()) in have:
            report.skipped.append((1, "already on Consentry"))
        else:
            try:
                publish_post(
                    session,
                    author_id=member_id,
                    text=text,
                    title=title[:MAX_TITLE],
                    kind="article",
                    visibility="public",
                    now=when,
                )
                report.imported += 1
            except PostRejected as exc:
                report.skipped.append((1, str(exc)))


def profile_identity(parsed: ParsedArchive) -> dict[str, Any]:
    """Names, email and birth date the archive gives for creating an account."""
    row = parsed.rows("profile")[0][1] if parsed.rows("profile") else {}
    birth = None
    raw = row.get("birth date", "") or str(parsed.account.get("birth_date", ""))
    try:
        birth = parse_day(raw) if raw else None
    except ValueError:
        birth = None  # LinkedIn may write "Jan 1" without a year
    emails = [r for _, r in parsed.rows("email addresses") if r.get("email address")]
    primary = next((r for r in emails if r.get("primary", "").lower() == "yes"), None)
    return {
        "first_name": row.get("first name", "") or "",
        "last_name": row.get("last name", "") or "",
        "email": (primary or (emails[0] if emails else {})).get("email address", ""),
        "birth_date": birth,
        "region": parsed.account.get("region"),
        "handle": parsed.account.get("handle"),
    }


def free_handle(session: Session, wanted: str) -> str:
    """`wanted` (slugged), or with a number added when another member has it."""
    base = re.sub(r"[^a-z0-9._-]+", "-", wanted.lower()).strip("-._")[:48] or "member"
    taken = set(
        session.scalars(select(func.lower(Member.handle)).where(Member.handle.like(f"{base}%")))
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def create_member(
    session: Session,
    parsed: ParsedArchive,
    *,
    email: str,
    password_hash: str,
    region: str | None = None,
    birth_date: date | None = None,
) -> Member:
    """A new account for the archive's owner (names from Profile.csv), flushed.

    `region` and `birth_date` default to what the archive says (Consentry's own export
    has them; LinkedIn's usually lacks both). The region is normalised (`us-ca` ->
    `US-CA`). Raises ConsentryError, adding nothing, when one is still unknown, the region
    is not an ISO 3166 code, or the email is taken.
    """
    ident = profile_identity(parsed)
    given = region if region is not None and region.strip() else ident["region"]
    birth = birth_date or ident["birth_date"]
    if given is None or (isinstance(given, str) and not given.strip()):
        raise InvalidInput(
            "the archive does not say where you live; give a region such as DE or US-CA"
        )
    region = normalise_region(given)  # `us-ca` -> `US-CA`; an unknown code is refused
    if birth is None:
        raise InvalidInput("the archive has no full birth date; give one (YYYY-MM-DD)")
    email = email.strip()
    if not email or "@" not in email:
        raise InvalidInput(f"{email!r} is not an email address")
    taken = session.scalar(select(Member.id).where(func.lower(Member.email) == email.lower()))
    if taken is not None:
        raise Conflict(f"an account with the email {email} exists already")
    first = _clip(ident["first_name"], 100) or email.split("@")[0][:100]
    last = _clip(ident["last_name"], 100)
    now = utcnow()
    member = Member(
        handle=free_handle(session, ident["handle"] or f"{first}.{last}"),
        first_name=first,
        last_name=last,
        display_name=f"{first} {last}".strip(),
        email=email,
        password_hash=password_hash,
        region=region,
        birth_date=birth,
        role="member",
        premium=False,
        created_at=now,
        updated_at=now,
    )
    session.add(member)
    session.flush()
    return member
