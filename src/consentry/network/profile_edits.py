"""Editing one's own profile: headline, about, location, industry; positions, education
and skills — add, edit, remove.

The profile's headline and about are the `profile` data class's text, read for AI as of
a time: they are changed only through `revisions.revise`, which keeps the earlier text
of both, so an as-of build reads what the profile said then and a later build only what
it says now. Positions, education and skills are shown on the profile and exported, but
never read for AI, so their rows are simply updated; a removed position or school is
soft-deleted (`deleted_at`), a removed skill is deleted.

Dates are `partial_dates` text ("2016", "Mar 2016", "2016-03-12"), kept as precise as
given. Every function acts on `member_id`'s own rows only: another member's position,
school or skill id answers NotFound, exactly like an id that does not exist. The caller
owns the transaction (rows are added and flushed, never committed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consentry.errors import Conflict, InvalidInput, NotFound
from consentry.network.partial_dates import PartialDate, Precision, parse_partial, show
from consentry.network.revisions import revise
from consentry.store.engine import utcnow
from consentry.store.tables import Education, Position, Profile, Skill

#: Longest text per field (characters); the column sizes where a column has one.
LIMITS = {
    "headline": 220,
    "about": 10_000,
    "industry": 100,
    "location": 200,
    "title": 200,
    "company": 200,
    "description": 10_000,
    "school": 200,
    "degree": 200,
    "field_of_study": 200,
    "skill": 100,
}
#: At most this many positions, schools or skills on one profile.
MAX_ENTRIES = 100
PROFILE_FIELDS = ("headline", "about", "industry", "location")


class ProfileRejected(InvalidInput):
    """The edit cannot be saved as written (a field too long, a date not understood...)."""


def _text(name: str, value: str, *, required: bool = False, label: str | None = None) -> str:
    text = value.strip()
    label = label or name.replace("_", " ")
    if required and not text:
        raise ProfileRejected(f"the {label} is needed")
    limit = LIMITS[name]
    if len(text) > limit:
        raise ProfileRejected(f"the {label} can be at most {limit:,} characters long")
    return text


def _date(value: str, label: str) -> PartialDate | None:
    try:
        return parse_partial(value)
    except InvalidInput as exc:
        raise ProfileRejected(f"the {label}: {exc}") from None


def _dates(started: str, ended: str, *, start_required: bool) -> tuple[Any, Any]:
    start = _date(started, "start date")
    end = _date(ended, "end date")
    if start is None and start_required:
        raise ProfileRejected(
            "the start date is needed (a year such as 2016 is enough, or Mar 2016)"
        )
    if start is not None and end is not None and end.value < start.value:
        raise ProfileRejected("the end date is before the start date")
    return start, end


# -- the profile's own fields --------------------------------------------------------------


def edit_profile(
    session: Session,
    member_id: int,
    changes: Mapping[str, str],
    *,
    now: datetime | None = None,
) -> list[str]:
    """Set some of headline, about, industry and location (field -> new text; fields not
    named keep their text). Returns the fields that changed. A changed headline or about
    keeps its earlier text as a revision (so does the one not changed, for as-of reads).
    """
    unknown = sorted(set(changes) - set(PROFILE_FIELDS))
    if unknown:
        raise ProfileRejected(f"a profile has no field {unknown[0]!r}")
    values = {name: _text(name, text) for name, text in changes.items()}
    now = now or utcnow()
    row = session.get(Profile, member_id)
    if row is None:
        blank = {name: "" for name in PROFILE_FIELDS}
        row = Profile(member_id=member_id, created_at=now, updated_at=now, **blank)
        session.add(row)
    changed = revise(session, row, "profile", None, values, now)
    session.flush()
    return changed


# -- positions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PositionInput:
    """A position as a member writes it. `ended` "" (or `current`) means they work there
    still; dates are partial-date text."""

    title: str
    company: str
    started: str
    ended: str = ""
    location: str = ""
    description: str = ""
    current: bool = False

    @classmethod
    def of(cls, row: Position) -> PositionInput:
        """The position as it stands, written as a member would (for partial edits)."""
        return cls(
            title=row.title,
            company=row.company,
            started=show(row.started_on, row.started_precision),
            ended=show(row.ended_on, row.ended_precision),
            location=row.location,
            description=row.description,
            current=row.ended_on is None,
        )

    def values(self) -> dict[str, Any]:
        start, end = _dates(self.started, "" if self.current else self.ended, start_required=True)
        assert start is not None  # start_required
        return {
            "title": _text("title", self.title, required=True, label="job title"),
            "company": _text("company", self.company, required=True),
            "location": _text("location", self.location),
            "description": _text("description", self.description),
            "started_on": start.value,
            "started_precision": start.precision.value,
            "ended_on": end.value if end else None,
            "ended_precision": (end or start).precision.value,
        }


def _count(session: Session, table: Any, member_id: int) -> int:
    stmt = select(func.count()).select_from(table).where(table.member_id == member_id)
    if table is not Skill:
        stmt = stmt.where(table.deleted_at.is_(None))
    return int(session.scalar(stmt) or 0)


def _room_for_one_more(session: Session, table: Any, member_id: int, what: str) -> None:
    if _count(session, table, member_id) >= MAX_ENTRIES:
        raise Conflict(f"a profile can list at most {MAX_ENTRIES} {what}; remove one first")


def own_position(session: Session, member_id: int, position_id: int) -> Position:
    """The member's own live position; NotFound for anyone else's or a removed one."""
    row = session.get(Position, position_id)
    if row is None or row.member_id != member_id or row.deleted_at is not None:
        raise NotFound("You have no position with that id.")
    return row


def add_position(
    session: Session, member_id: int, given: PositionInput, *, now: datetime | None = None
) -> Position:
    """Add a position to the member's profile; returned flushed, with its id."""
    values = given.values()
    _room_for_one_more(session, Position, member_id, "positions")
    now = now or utcnow()
    row = Position(member_id=member_id, created_at=now, updated_at=now, **values)
    session.add(row)
    session.flush()
    return row


def edit_position(
    session: Session,
    member_id: int,
    position_id: int,
    given: PositionInput,
    *,
    now: datetime | None = None,
) -> Position:
    """Replace the member's own position with `given`."""
    row = own_position(session, member_id, position_id)
    _update(row, given.values(), now)
    session.flush()
    return row


def patch_position(
    session: Session,
    member_id: int,
    position_id: int,
    changes: Mapping[str, Any],
    *,
    now: datetime | None = None,
) -> Position:
    """Change some fields of the member's own position (`PositionInput` field -> value);
    an end date given means the position has ended."""
    row = own_position(session, member_id, position_id)
    fields = dict(changes)
    if fields.get("ended") and "current" not in fields:
        fields["current"] = False
    _update(row, replace(PositionInput.of(row), **fields).values(), now)
    session.flush()
    return row


def remove_position(
    session: Session, member_id: int, position_id: int, *, now: datetime | None = None
) -> None:
    """Soft-delete the member's own position."""
    own_position(session, member_id, position_id).deleted_at = now or utcnow()
    session.flush()


def _update(row: Any, values: dict[str, Any], now: datetime | None) -> None:
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    for name, value in changed.items():
        setattr(row, name, value)
    if changed:
        row.updated_at = now or utcnow()


# -- education -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EducationInput:
    """A school as a member writes it; both dates may be left out."""

    school: str
    degree: str = ""
    field_of_study: str = ""
    started: str = ""
    ended: str = ""

    @classmethod
    def of(cls, row: Education) -> EducationInput:
        """The school as it stands, written as a member would (for partial edits)."""
        return cls(
            school=row.school,
            degree=row.degree,
            field_of_study=row.field_of_study,
            started=show(row.started_on, row.started_precision),
            ended=show(row.ended_on, row.ended_precision),
        )

    def values(self) -> dict[str, Any]:
        start, end = _dates(self.started, self.ended, start_required=False)
        return {
            "school": _text("school", self.school, required=True),
            "degree": _text("degree", self.degree),
            "field_of_study": _text("field_of_study", self.field_of_study),
            "started_on": start.value if start else None,
            "started_precision": (start.precision if start else Precision.YEAR).value,
            "ended_on": end.value if end else None,
            "ended_precision": (end.precision if end else Precision.YEAR).value,
        }


def own_education(session: Session, member_id: int, education_id: int) -> Education:
    """The member's own live school; NotFound for anyone else's or a removed one."""
    row = session.get(Education, education_id)
    if row is None or row.member_id != member_id or row.deleted_at is not None:
        raise NotFound("You have no school with that id.")
    return row


def add_education(
    session: Session, member_id: int, given: EducationInput, *, now: datetime | None = None
) -> Education:
    """Add a school to the member's profile; returned flushed, with its id."""
    values = given.values()
    _room_for_one_more(session, Education, member_id, "schools")
    now = now or utcnow()
    row = Education(member_id=member_id, created_at=now, updated_at=now, **values)
    session.add(row)
    session.flush()
    return row


def edit_education(
    session: Session,
    member_id: int,
    education_id: int,
    given: EducationInput,
    *,
    now: datetime | None = None,
) -> Education:
    """Replace the member's own school with `given`."""
    row = own_education(session, member_id, education_id)
    _update(row, given.values(), now)
    session.flush()
    return row


def patch_education(
    session: Session,
    member_id: int,
    education_id: int,
    changes: Mapping[str, Any],
    *,
    now: datetime | None = None,
) -> Education:
    """Change some fields of the member's own school (`EducationInput` field -> value)."""
    row = own_education(session, member_id, education_id)
    _update(row, replace(EducationInput.of(row), **changes).values(), now)
    session.flush()
    return row


def remove_education(
    session: Session, member_id: int, education_id: int, *, now: datetime | None = None
) -> None:
    """Soft-delete the member's own school."""
    own_education(session, member_id, education_id).deleted_at = now or utcnow()
    session.flush()


# -- skills --------------------------------------------------------------------------------


def own_skill(session: Session, member_id: int, skill_id: int) -> Skill:
    """The member's own skill; NotFound for anyone else's."""
    row = session.get(Skill, skill_id)
    if row is None or row.member_id != member_id or row.deleted_at is not None:
        raise NotFound("You have no skill with that id.")
    return row


def skills_of(session: Session, member_id: int) -> list[tuple[int, str]]:
    """The member's skills as (id, name), by name: what the editor lists."""
    rows = session.execute(
        select(Skill.id, Skill.name)
        .where(Skill.member_id == member_id, Skill.deleted_at.is_(None))
        .order_by(Skill.name)
    )
    return [(skill_id, name) for skill_id, name in rows]


def _skill_name(session: Session, member_id: int, name: str, *, other_than: int = 0) -> str:
    text = " ".join(name.split())
    text = _text("skill", text, required=True, label="skill name")
    same = session.scalar(
        select(Skill.id).where(
            Skill.member_id == member_id,
            func.lower(Skill.name) == text.lower(),
            Skill.id != other_than,
        )
    )
    if same is not None:
        raise Conflict(f"{text!r} is already one of your skills")
    return text


def add_skill(session: Session, member_id: int, name: str, *, now: datetime | None = None) -> Skill:
    """Add a skill (names are unique per member, ignoring case); returned flushed."""
    text = _skill_name(session, member_id, name)
    _room_for_one_more(session, Skill, member_id, "skills")
    now = now or utcnow()
    row = Skill(member_id=member_id, name=text, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return row


def rename_skill(
    session: Session, member_id: int, skill_id: int, name: str, *, now: datetime | None = None
) -> Skill:
    """Rename the member's own skill."""
    row = own_skill(session, member_id, skill_id)
    _update(row, {"name": _skill_name(session, member_id, name, other_than=row.id)}, now)
    session.flush()
    return row


def remove_skill(session: Session, member_id: int, skill_id: int) -> None:
    """Delete the member's own skill (skills carry no text worth keeping)."""
    session.delete(own_skill(session, member_id, skill_id))
    session.flush()
