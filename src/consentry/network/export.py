"""A member's data export (GDPR Art. 15 and 20) in the layout of LinkedIn's own export.

A person leaving LinkedIn arrives with its "Get a copy of your data" zip; a person leaving
Consentry leaves with the same layout, so tools written for one read the other, and
`linkedin_import` reads both. Files, columns and quirks follow LinkedIn's archive:

| file | columns (in order) | notes |
|---|---|---|
| Profile.csv | First Name, Last Name, Maiden Name, Address, Birth Date, Headline, Summary, Industry, Zip Code, Geo Location, Twitter Handles, Websites, Instant Messengers | one row |
| Positions.csv | Company Name, Title, Description, Location, Started On, Finished On | dates as given: `2019`, `Mar 2019`; blank = current |
| Education.csv | School Name, Start Date, End Date, Notes, Degree Name, Activities | dates as given; Degree Name `MSc, Computer Science` |
| Skills.csv | Name | |
| Shares.csv | Date, ShareLink, ShareCommentary, SharedUrl, MediaUrl, Visibility | `2024-03-12 09:30:00`; `PUBLIC` / `MEMBER_NETWORK` |
| Articles/Articles/*.html | an HTML page per article | title in `<h1>` |
| Comments.csv | Date, Link, Message | quotes escaped as `\\"` |
| Connections.csv | First Name, Last Name, URL, Email Address, Company, Position, Connected On | a `Notes:` preamble first; `12 Mar 2024` |
| messages.csv | CONVERSATION ID, CONVERSATION TITLE, FROM, SENDER PROFILE URL, TO, RECIPIENT PROFILE URLS, DATE, SUBJECT, CONTENT, FOLDER, ATTACHMENTS | `2024-03-12 09:30:00 UTC` |
| Email Addresses.csv | Email Address, Confirmed, Primary, Updated On | |
| Registration.csv | Registered At, Registration Ip, Subscription Types | `3/12/24, 9:30 AM` |

Consentry adds `account.json` (what LinkedIn's layout has no column for: handle, region,
birth date, role) and `README.txt`. Callers add the AI-use files (choices, datasets,
models, receipts) with `extra`. Connections' email addresses are left blank, as LinkedIn
does for connections who have not allowed it: another member's address is theirs.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from consentry.errors import NotFound
from consentry.network.partial_dates import show
from consentry.store.tables import (
    Comment,
    Connection,
    Education,
    Member,
    Message,
    Position,
    Post,
    Profile,
    Skill,
)

PROFILE_COLUMNS = (
    "First Name",
    "Last Name",
    "Maiden Name",
    "Address",
    "Birth Date",
    "Headline",
    "Summary",
    "Industry",
    "Zip Code",
    "Geo Location",
    "Twitter Handles",
    "Websites",
    "Instant Messengers",
)
POSITION_COLUMNS = ("Company Name", "Title", "Description", "Location", "Started On", "Finished On")
EDUCATION_COLUMNS = ("School Name", "Start Date", "End Date", "Notes", "Degree Name", "Activities")
SKILL_COLUMNS = ("Name",)
SHARE_COLUMNS = ("Date", "ShareLink", "ShareCommentary", "SharedUrl", "MediaUrl", "Visibility")
COMMENT_COLUMNS = ("Date", "Link", "Message")
CONNECTION_COLUMNS = (
    "First Name",
    "Last Name",
    "URL",
    "Email Address",
    "Company",
    "Position",
    "Connected On",
)
MESSAGE_COLUMNS = (
    "CONVERSATION ID",
    "CONVERSATION TITLE",
    "FROM",
    "SENDER PROFILE URL",
    "TO",
    "RECIPIENT PROFILE URLS",
    "DATE",
    "SUBJECT",
    "CONTENT",
    "FOLDER",
    "ATTACHMENTS",
)
EMAIL_COLUMNS = ("Email Address", "Confirmed", "Primary", "Updated On")
REGISTRATION_COLUMNS = ("Registered At", "Registration Ip", "Subscription Types")

CONNECTIONS_NOTES = (
    "When exporting your connection data, you may notice that some of the email addresses "
    "are missing. You will only see email addresses for connections who have allowed their "
    "connections to see or download their email address."
)
VISIBILITY_OUT = {"public": "PUBLIC", "connections": "MEMBER_NETWORK"}


def day_month_year(value: date | datetime) -> str:
    """`12 Mar 2024`, as Connections.csv writes "Connected On"."""
    return f"{value.day:02d} {value:%b %Y}"


def timestamp(value: datetime) -> str:
    """`2024-03-12 09:30:00`, as Shares.csv and Comments.csv write dates (UTC)."""
    return value.strftime("%Y-%m-%d %H:%M:%S")


def short_us(value: datetime) -> str:
    """`3/12/24, 9:30 AM`, as Registration.csv writes "Registered At"."""
    hour = value.hour % 12 or 12
    return f"{value.month}/{value.day}/{value:%y}, {hour}:{value:%M} {'AM' if value.hour < 12 else 'PM'}"


def csv_bytes(
    columns: tuple[str, ...],
    rows: list[tuple],
    *,
    preamble: str = "",
    backslash_quotes: bool = False,
) -> bytes:
    """One CSV file: RFC 4180 quoting (doubled quotes), or, for Comments.csv, quotes
    escaped with a backslash, which is how LinkedIn writes comment messages."""
    out = io.StringIO()
    out.write(preamble)
    if backslash_quotes:
        writer = csv.writer(out, lineterminator="\n", escapechar="\\", doublequote=False)
    else:
        writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _profile_url(base_url: str, handle: str) -> str:
    return f"{base_url.rstrip('/')}/members/{handle}"


def _post_url(base_url: str, handle: str, post_id: int) -> str:
    return f"{_profile_url(base_url, handle)}#post-{post_id}"


def _slug(text: str) -> str:
    cleaned = "".join(c.lower() if c.isalnum() else "-" for c in text)
    return "-".join(filter(None, cleaned.split("-")))[:60] or "article"


def article_html(title: str, text: str, published: datetime) -> bytes:
    """One article as a small HTML page, like LinkedIn's Articles/Articles/*.html."""
    from html import escape

    paragraphs = "\n".join(
        f"<p>{escape(block).replace(chr(10), '<br>')}</p>"
        for block in text.replace("\r\n", "\n").split("\n\n")
        if block.strip()
    )
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body>\n"
        f"<h1>{escape(title)}</h1>\n"
        f'<p class="created">Created on {timestamp(published)}</p>\n'
        f"<div>\n{paragraphs}\n</div>\n</body></html>\n"
    ).encode()


def _current_roles(session: Session, member_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Each member's current (unfinished, latest) position: (company, title)."""
    roles: dict[int, tuple[str, str]] = {}
    if not member_ids:
        return roles
    rows = session.execute(
        select(Position.member_id, Position.company, Position.title)
        .where(
            Position.member_id.in_(member_ids),
            Position.deleted_at.is_(None),
            Position.ended_on.is_(None),
        )
        .order_by(Position.member_id, Position.started_on, Position.id)
    )
    for member_id, company, title in rows:
        roles[member_id] = (company, title)  # the latest start wins
    return roles


def member_files(session: Session, member_id: int, *, base_url: str) -> dict[str, bytes]:
    """The LinkedIn-layout files of one live member's data (name -> bytes)."""
    member = session.get(Member, member_id)
    if member is None or member.deleted_at is not None:
        raise NotFound(f"no live member with id {member_id}")
    files: dict[str, bytes] = {}
    prof = session.get(Profile, member_id)
    live = prof if prof is not None and prof.deleted_at is None else None
    files["Profile.csv"] = csv_bytes(
        PROFILE_COLUMNS,
        [
            (
                member.first_name,
                member.last_name,
                "",
                "",
                member.birth_date.isoformat(),
                live.headline if live else "",
                live.about if live else "",
                live.industry if live else "",
                "",
                live.location if live else "",
                "",
                "",
                "",
            )
        ],
    )
    positions = session.scalars(
        select(Position)
        .where(Position.member_id == member_id, Position.deleted_at.is_(None))
        .order_by(Position.started_on.desc(), Position.id.desc())
    ).all()
    files["Positions.csv"] = csv_bytes(
        POSITION_COLUMNS,
        [
            (
                p.company,
                p.title,
                p.description,
                p.location,
                show(p.started_on, p.started_precision),
                show(p.ended_on, p.ended_precision),
            )
            for p in positions
        ],
    )
    schools = session.scalars(
        select(Education)
        .where(Education.member_id == member_id, Education.deleted_at.is_(None))
        .order_by(Education.started_on.desc().nulls_last(), Education.id.desc())
    ).all()
    files["Education.csv"] = csv_bytes(
        EDUCATION_COLUMNS,
        [
            (
                e.school,
                show(e.started_on, e.started_precision),
                show(e.ended_on, e.ended_precision),
                "",
                ", ".join(x for x in (e.degree, e.field_of_study) if x),
                "",
            )
            for e in schools
        ],
    )
    skills = session.scalars(
        select(Skill.name)
        .where(Skill.member_id == member_id, Skill.deleted_at.is_(None))
        .order_by(Skill.name)
    ).all()
    files["Skills.csv"] = csv_bytes(SKILL_COLUMNS, [(s,) for s in skills])
    posts = session.scalars(
        select(Post)
        .where(Post.member_id == member_id, Post.deleted_at.is_(None))
        .order_by(Post.created_at, Post.id)
    ).all()
    share_rows = []
    for p in posts:
        if p.kind == "article":
            name = f"Articles/Articles/{p.created_at:%Y-%m-%d}-{p.id}-{_slug(p.title)}.html"
            files[name] = article_html(p.title, p.text, p.created_at)
            continue
        share_rows.append(
            (
                timestamp(p.created_at),
                _post_url(base_url, member.handle, p.id),
                p.text,
                "",
                "",
                VISIBILITY_OUT.get(p.visibility, "MEMBER_NETWORK"),
            )
        )
    files["Shares.csv"] = csv_bytes(SHARE_COLUMNS, share_rows)
    author = aliased(Member)
    comments = session.execute(
        select(Comment, Post.id, author.handle)
        .join(Post, Post.id == Comment.post_id)
        .join(author, author.id == Post.member_id)
        .where(Comment.member_id == member_id, Comment.deleted_at.is_(None))
        .order_by(Comment.created_at, Comment.id)
    ).all()
    files["Comments.csv"] = csv_bytes(
        COMMENT_COLUMNS,
        [
            (timestamp(c.created_at), _post_url(base_url, handle, post_id), c.text)
            for c, post_id, handle in comments
        ],
        backslash_quotes=True,
    )
    files["Connections.csv"] = _connections(session, member_id, base_url)
    files["messages.csv"] = _messages(session, member, base_url)
    files["Email Addresses.csv"] = csv_bytes(
        EMAIL_COLUMNS, [(member.email, "Yes", "Yes", "Not Available")]
    )
    files["Registration.csv"] = csv_bytes(
        REGISTRATION_COLUMNS,
        [(short_us(member.created_at), "", "Premium" if member.premium else "")],
    )
    files["account.json"] = json.dumps(
        {
            "handle": member.handle,
            "display_name": member.display_name,
            "email": member.email,
            "region": member.region,
            "birth_date": member.birth_date.isoformat(),
            "role": member.role,
            "premium": bool(member.premium),
            "created_at": member.created_at.isoformat(timespec="seconds") + "Z",
        },
        indent=2,
        ensure_ascii=False,
    ).encode("utf-8")
    return files


def _connections(session: Session, member_id: int, base_url: str) -> bytes:
    other = aliased(Member)
    rows = session.execute(
        select(other, Connection.created_at)
        .join(
            Connection,
            or_(
                and_(Connection.member_id == member_id, Connection.other_id == other.id),
                and_(Connection.other_id == member_id, Connection.member_id == other.id),
            ),
        )
        .where(other.deleted_at.is_(None))
        .order_by(Connection.created_at.desc(), other.id)
    ).all()
    roles = _current_roles(session, [m.id for m, _ in rows])
    preamble = f'Notes:\n"{CONNECTIONS_NOTES}"\n\n'
    return csv_bytes(
        CONNECTION_COLUMNS,
        [
            (
                m.first_name,
                m.last_name,
                _profile_url(base_url, m.handle),
                "",
                *roles.get(m.id, ("", "")),
                day_month_year(since),
            )
            for m, since in rows
        ],
        preamble=preamble,
    )


def _messages(session: Session, member: Member, base_url: str) -> bytes:
    sender, recipient = aliased(Member), aliased(Member)
    rows = session.execute(
        select(Message, sender, recipient)
        .join(sender, sender.id == Message.sender_id)
        .join(recipient, recipient.id == Message.recipient_id)
        .where(
            or_(Message.sender_id == member.id, Message.recipient_id == member.id),
            Message.deleted_at.is_(None),
        )
        .order_by(Message.created_at, Message.id)
    ).all()
    out = []
    for m, s, r in rows:
        pair = sorted((s.handle, r.handle))
        other = r if s.id == member.id else s
        out.append(
            (
                f"{pair[0]}--{pair[1]}",
                other.display_name,
                s.display_name,
                _profile_url(base_url, s.handle),
                r.display_name,
                _profile_url(base_url, r.handle),
                timestamp(m.created_at) + " UTC",
                "",
                m.text,
                "SENT" if s.id == member.id else "INBOX",
                "",
            )
        )
    return csv_bytes(MESSAGE_COLUMNS, out)


README = """Your Consentry data ({handle}, exported {when} UTC)

The CSV files follow the layout of LinkedIn's own data export, so tools that read one read
the other; Consentry can import this archive into a new account.

Profile.csv, Positions.csv, Education.csv, Skills.csv  your profile
Shares.csv, Articles/Articles/*.html, Comments.csv      what you published
Connections.csv, messages.csv                          your network and private messages
Email Addresses.csv, Registration.csv, account.json    your account
choices.json, choices.csv      every choice you made about AI use, from the consent ledger
datasets.json, models.json     which dataset and model versions hold (or held) your data
receipts/*.json                signed receipts of every withdrawal that reached them
"""


def write_archive(files: Mapping[str, bytes], *, handle: str, when: datetime) -> bytes:
    """A zip of `files` plus README.txt, deflated, entries in a stable order."""
    buffer = io.BytesIO()
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        readme = README.format(handle=handle, when=when.strftime("%Y-%m-%d %H:%M"))
        for name, data in [("README.txt", readme.encode()), *sorted(files.items())]:
            archive.writestr(zipfile.ZipInfo(name, date_time=stamp), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
