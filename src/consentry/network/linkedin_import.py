"""Importing a LinkedIn data export archive ("Get a copy of your data") into a profile.

Two steps, so nothing is written unless the archive can be read at all:
`read_archive(data)` checks the zip (size, entry count, expansion ratio, encryption) and
parses every file it knows into rows, noting each row it cannot use and why; then
`import_into(session, archive, member_id=...)` fills the member's profile, positions,
education, skills, posts and articles in the caller's transaction, and returns a report
per file: rows imported, rows skipped with their reasons, and files not imported at all.

Tolerated quirks of real archives: a UTF-8 byte-order mark; a `Notes:` preamble of
several lines before the header (Connections.csv, sometimes Positions.csv); quoted
multi-line fields with doubled quotes, and Comments' backslash-escaped quotes; files in a
top folder or with a member-id suffix (`Shares_17529409.csv`); missing and extra files;
blank rows; dates as `Mar 2019`, `March 2019`, `2019`, `12 Mar 2024`, `2024-03-12 09:30:00`.

"Fill" means fill gaps: a profile field that already has text keeps it, and a position,
school, skill or post already on the profile is not added twice.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consentry.errors import Conflict, InvalidInput, NotFound
from consentry.network.publishing import MAX_TEXT, MAX_TITLE, PostRejected, publish_post
from consentry.regions import normalise_region
from consentry.store.engine import utcnow
from consentry.store.tables import Education, Member, Position, Post, Profile, Revision, Skill

MAX_ARCHIVE_BYTES = 50 * 2**20
MAX_EXPANDED_BYTES = 200 * 2**20
MAX_ENTRIES = 5_000
MAX_RATIO = 100  # a real CSV deflates ~5-10x; a zip bomb expands thousands of times

# Canonical file -> (columns that identify its header row, how to read quotes).
KNOWN = {
    "profile": ("First Name", "Last Name"),
    "positions": ("Company Name", "Title"),
    "education": ("School Name",),
    "skills": ("Name",),
    "shares": ("Date", "ShareCommentary"),
    "comments": ("Date", "Message"),
    "connections": ("First Name", "Last Name", "Connected On"),
    "messages": ("CONVERSATION ID",),
    "email addresses": ("Email Address",),
    "registration": ("Registered At",),
}
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


class ArchiveRejected(InvalidInput):
    """An upload that is not a readable LinkedIn archive; `status` is the HTTP answer."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass
class FileReport:
    """What happened to one file of the archive."""

    name: str
    imported: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.name,
            "rows_imported": self.imported,
            "rows_skipped": [{"row": r, "reason": why} for r, why in self.skipped],
            "note": self.note,
        }


@dataclass
class ParsedArchive:
    """Rows read from an archive (header-keyed dicts, with their row numbers)."""

    tables: dict[str, tuple[str, list[tuple[int, dict[str, str]]]]] = field(default_factory=dict)
    # (file name, title, text, "Created on" time as written)
    articles: list[tuple[str, str, str, str]] = field(default_factory=list)
    account: dict[str, Any] = field(default_factory=dict)
    reports: dict[str, FileReport] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    def rows(self, kind: str) -> list[tuple[int, dict[str, str]]]:
        return self.tables.get(kind, ("", []))[1]

    def report(self, kind: str) -> FileReport:
        name = self.tables[kind][0]
        return self.reports.setdefault(name, FileReport(name))


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


# -- reading ------------------------------------------------------------------------------
def canonical_name(path: str) -> str | None:
    """`Basic_LinkedInDataExport/Shares_17529409.csv` -> `shares`; None if not a CSV."""
    base = path.rsplit("/", 1)[-1]
    if not base.lower().endswith(".csv"):
        return None
    stem = re.sub(r"_\d+$", "", base[:-4]).replace("_", " ").strip().lower()
    return stem


def _checked_entries(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    entries = [i for i in archive.infolist() if not i.is_dir()]
    if len(entries) > MAX_ENTRIES:
        raise ArchiveRejected(f"the archive holds {len(entries):,} files; at most {MAX_ENTRIES:,}")
    total = 0
    for info in entries:
        if info.flag_bits & 0x1:
            raise ArchiveRejected(f"{info.filename} is encrypted; upload the archive as exported")
        total += info.file_size
        if info.file_size > 2**20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ArchiveRejected(
                f"{info.filename} would expand {info.file_size // max(info.compress_size, 1):,} "
                "times its size: this looks like a zip bomb, not a LinkedIn export"
            )
    if total > MAX_EXPANDED_BYTES:
        raise ArchiveRejected(
            f"the archive would expand to {total / 2**20:,.0f} MiB; "
            f"at most {MAX_EXPANDED_BYTES // 2**20} MiB",
            413,
        )
    return entries


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    # Declared sizes can lie: never read more than was declared.
    with archive.open(info) as handle:
        data = handle.read(info.file_size + 1)
    if len(data) > info.file_size:
        raise ArchiveRejected(f"{info.filename} is larger than the archive says: refused")
    return data


def _csv_rows(text: str, header_keys: tuple[str, ...], *, backslash: bool) -> tuple:
    """(header, rows with 1-based data row numbers) after any preamble; header None if
    the expected header is not there."""
    stream = io.StringIO(text, newline="")
    reader = (
        csv.reader(stream, escapechar="\\", doublequote=True) if backslash else csv.reader(stream)
    )
    wanted = {k.lower() for k in header_keys}
    header = None
    rows: list[tuple[int, dict[str, str]]] = []
    for record in reader:
        cells = [c.strip() for c in record]
        if header is None:
            if wanted <= {c.lower() for c in cells}:
                header = cells
            continue
        if not any(cells):
            continue  # LinkedIn's blank rows of bare commas
        keyed = {h.lower(): (cells[i] if i < len(cells) else "") for i, h in enumerate(header)}
        rows.append((len(rows) + 1, keyed))
    return header, rows


class _ArticleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.title, self.created, self._tag = "", "", ""
        self.blocks: list[str] = []
        self._buf: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("h1", "p"):
            self._tag, self._buf = tag, []
        elif tag == "br" and self._tag:
            self._buf.append("\n")

    def handle_endtag(self, tag):
        if tag == self._tag:
            text = "".join(self._buf).strip()
            if tag == "h1" and not self.title:
                self.title = text
            elif tag == "p" and text.startswith(("Created on ", "Published on ")):
                self.created = self.created or text.split(" on ", 1)[1]
            elif tag == "p" and text:
                self.blocks.append(text)
            self._tag = ""

    def handle_data(self, data):
        if self._tag:
            self._buf.append(data)


def read_archive(data: bytes) -> ParsedArchive:
    """Check and parse an archive; raises ArchiveRejected for anything that is not a
    usable zip. Unknown files are listed as ignored; nothing is written anywhere."""
    if len(data) > MAX_ARCHIVE_BYTES:
        raise ArchiveRejected(
            f"the file is {len(data) / 2**20:,.1f} MiB; at most {MAX_ARCHIVE_BYTES // 2**20} MiB",
            413,
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ArchiveRejected(
            "this is not a zip archive; upload the .zip LinkedIn sent you"
        ) from None
    parsed = ParsedArchive()
    with archive:
        for info in _checked_entries(archive):
            name = info.filename
            kind = canonical_name(name)
            try:
                if kind in KNOWN:
                    _read_table(parsed, archive, info, kind)
                elif name.lower().endswith(".html") and "articles/" in name.lower():
                    parser = _ArticleText()
                    parser.feed(_read(archive, info).decode("utf-8-sig", errors="replace"))
                    parsed.articles.append(
                        (name, parser.title, "\n\n".join(parser.blocks), parser.created)
                    )
                elif name.rsplit("/", 1)[-1] == "account.json":
                    parsed.account = json.loads(_read(archive, info).decode("utf-8"))
                else:
                    parsed.ignored.append(name)
            except zipfile.BadZipFile:
                raise ArchiveRejected(f"{name} is damaged inside the archive") from None
            except (json.JSONDecodeError, UnicodeDecodeError):
                parsed.reports[name] = FileReport(name, note="not readable as UTF-8 text")
    return parsed


def _read_table(parsed: ParsedArchive, archive, info, kind: str) -> None:
    name = info.filename
    if kind in parsed.tables:
        parsed.reports[name] = FileReport(name, note=f"a second {kind} file; the first was used")
        return
    text = _read(archive, info).decode("utf-8-sig")
    header, rows = _csv_rows(text, KNOWN[kind], backslash=kind == "comments")
    if header is None:
        parsed.reports[name] = FileReport(
            name, note=f"no header row with {', '.join(KNOWN[kind])}: not imported"
        )
        return
    parsed.tables[kind] = (name, rows)


# -- values -------------------------------------------------------------------------------
def parse_month(value: str) -> date | None:
    """`Mar 2019`, `March 2019`, `2019`, `2019-03`, `2019-03-12`, `03/2019` -> a date (the
    first of the month or year); `` or `Present` -> None; anything else ValueError."""
    text = value.strip()
    if not text or text.lower() == "present":
        return None
    if re.fullmatch(r"\d{4}", text):
        return date(int(text), 1, 1)
    m = re.fullmatch(r"([A-Za-z]{3,9})\.? (\d{4})", text)
    if m and m.group(1)[:3].lower() in MONTHS:
        return date(int(m.group(2)), MONTHS[m.group(1)[:3].lower()], 1)
    m = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?", text)
    if m:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1))
    m = re.fullmatch(r"(\d{1,2})/(\d{4})", text)
    if m:
        return date(int(m.group(2)), int(m.group(1)), 1)
    return parse_day(text)


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
    if filled:
        for name in ("headline", "about"):
            session.add(
                Revision(
                    data_class="profile",
                    item_id=member_id,
                    field=name,
                    text=getattr(row, name),
                    valid_from=row.updated_at,
                    valid_to=now,
                )
            )
        for k, v in filled.items():
            setattr(row, k, v)
        row.updated_at = now
    return list(filled)


def import_into(session: Session, parsed: ParsedArchive, *, member_id: int) -> ImportReport:
    """Fill `member_id`'s profile from `parsed`, in the caller's transaction."""
    if session.get(Member, member_id) is None:
        raise NotFound(f"no member with id {member_id}")
    now = utcnow()
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
    _positions(session, parsed, member_id, now)
    _education(session, parsed, member_id, now)
    _skills(session, parsed, member_id, now)
    _shares(session, parsed, member_id)
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


def _positions(session: Session, parsed: ParsedArchive, member_id: int, now) -> None:
    if "positions" not in parsed.tables:
        return
    report = parsed.report("positions")
    have = {
        (p.company.lower(), p.title.lower(), p.started_on)
        for p in session.scalars(
            select(Position).where(Position.member_id == member_id, Position.deleted_at.is_(None))
        )
    }
    for number, row in parsed.rows("positions"):
        company, title = _clip(row.get("company name", "")), _clip(row.get("title", ""))
        if not company or not title:
            report.skipped.append((number, "Company Name and Title are both needed"))
            continue
        try:
            started = parse_month(row.get("started on", ""))
            ended = parse_month(row.get("finished on", ""))
        except ValueError:
            report.skipped.append((number, "a date is not like 'Mar 2019'"))
            continue
        if started is None:
            report.skipped.append((number, "Started On is missing"))
            continue
        key = (company.lower(), title.lower(), started)
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
                started_on=started,
                ended_on=ended,
                description=row.get("description", "")[:MAX_TEXT],
                created_at=now,
                updated_at=now,
            )
        )
        report.imported += 1


def _education(session: Session, parsed: ParsedArchive, member_id: int, now) -> None:
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
    for number, row in parsed.rows("education"):
        school = _clip(row.get("school name", ""))
        if not school:
            report.skipped.append((number, "School Name is missing"))
            continue
        try:
            started = parse_month(row.get("start date", ""))
            ended = parse_month(row.get("end date", ""))
        except ValueError:
            report.skipped.append((number, "a date is not like 'Mar 2019' or '2019'"))
            continue
        degree, _, study = row.get("degree name", "").partition(", ")
        key = (school.lower(), _clip(degree).lower(), started)
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
                started_on=started,
                ended_on=ended,
                created_at=now,
                updated_at=now,
            )
        )
        report.imported += 1


def _skills(session: Session, parsed: ParsedArchive, member_id: int, now) -> None:
    if "skills" not in parsed.tables:
        return
    report = parsed.report("skills")
    have = {
        n.lower() for n in session.scalars(select(Skill.name).where(Skill.member_id == member_id))
    }
    for number, row in parsed.rows("skills"):
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


def _shares(session: Session, parsed: ParsedArchive, member_id: int) -> None:
    if "shares" not in parsed.tables:
        return
    report = parsed.report("shares")
    have = _existing_posts(session, member_id)
    for number, row in parsed.rows("shares"):
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
