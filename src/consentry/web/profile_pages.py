"""The profile editor: /profile/edit and the forms it posts.

Each section of the page (the profile's own fields, positions, education, skills) is its
own form, posting to its own route; every route calls `network.profile_edits`, as the
API does, and goes back to the editor at the section it changed. A member's mistake (a
date not understood, a field too long) redraws the editor with the message beside the
form and what was typed kept, with a 400. Another member's position, school or skill id
answers 404 (`NotFound`), like an id that does not exist.

A changed headline, about or industry changes the `profile` records of live datasets,
so the route asks for a refresh of the member's datasets (`refresh_after`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from consentry.errors import Conflict
from consentry.network import profile_edits as edits
from consentry.network import queries
from consentry.network.partial_dates import EXAMPLES
from consentry.network.profile_edits import EducationInput, PositionInput, ProfileRejected
from consentry.rights.refresh import request_refresh
from consentry.store.tables import Member
from consentry.web.deps import CurrentMember, DbSession
from consentry.web.layout import render

router = APIRouter(include_in_schema=False)

EntryId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Short = Annotated[str, Form(max_length=1_000)]
Long = Annotated[str, Form(max_length=20_000)]
Box = Annotated[str | None, Form(max_length=8)]

#: Profile fields whose text live datasets hold (`datasets.eligibility`).
TRAINED_FIELDS = frozenset({"headline", "about", "industry"})


def refresh_after(db: Session, member_ids: Iterable[int], reason: str) -> None:
    """Ask for the datasets holding these members' records to be selected again (an
    edit's old text or a deleted item must leave them), in the route's transaction."""
    for member_id in sorted(set(member_ids)):
        request_refresh(db, member_id, reason=reason)


def _editor(
    request: Request,
    db: Session,
    member: Member,
    *,
    section: str | None = None,
    error: str | None = None,
    draft: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "profile_edit.html",
        {
            "profile": queries.profile(db, member),
            "skills": edits.skills_of(db, member.id),
            "section": section,
            "error": error,
            "draft": draft or {},
            "limits": edits.LIMITS,
            "examples": EXAMPLES,
            "saved": request.query_params.get("saved"),
        },
        status_code=status_code,
    )


def _attempt(
    request: Request,
    db: Session,
    member: Member,
    section: str,
    draft: dict[str, Any],
    change: Callable[[], object],
) -> Response:
    """Run `change`; back to the editor at `section`, or the editor with the error."""
    try:
        change()
    except (ProfileRejected, Conflict) as exc:
        db.rollback()
        return _editor(
            request, db, member, section=section, error=str(exc), draft=draft, status_code=400
        )
    return RedirectResponse(f"/profile/edit?saved={section}#{section}", status_code=303)


@router.get("/profile/edit")
def editor(request: Request, db: DbSession, member: CurrentMember) -> Response:
    return _editor(request, db, member)


@router.post("/profile/edit")
def save_profile(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    headline: Long = "",
    about: Long = "",
    industry: Short = "",
    location: Short = "",
) -> Response:
    values = {"headline": headline, "about": about, "industry": industry, "location": location}

    def change() -> None:
        changed = edits.edit_profile(db, member.id, values)
        if TRAINED_FIELDS & set(changed):
            refresh_after(db, [member.id], "edited")

    return _attempt(request, db, member, "about-you", values, change)


def _position(title, company, location, started, ended, current, description) -> PositionInput:
    return PositionInput(
        title=title,
        company=company,
        started=started,
        ended=ended,
        location=location,
        description=description,
        current=current is not None,
    )


@router.post("/profile/positions")
def add_position(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    title: Short = "",
    company: Short = "",
    location: Short = "",
    started: Short = "",
    ended: Short = "",
    current: Box = None,
    description: Long = "",
) -> Response:
    given = _position(title, company, location, started, ended, current, description)
    return _attempt(
        request,
        db,
        member,
        "experience",
        {"position": given},
        lambda: edits.add_position(db, member.id, given),
    )


@router.post("/profile/positions/{position_id}")
def edit_position(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    position_id: EntryId,
    title: Short = "",
    company: Short = "",
    location: Short = "",
    started: Short = "",
    ended: Short = "",
    current: Box = None,
    description: Long = "",
) -> Response:
    edits.own_position(db, member.id, position_id)  # 404 before any other answer
    given = _position(title, company, location, started, ended, current, description)
    return _attempt(
        request,
        db,
        member,
        f"position-{position_id}",
        {"position_id": position_id, "position": given},
        lambda: edits.edit_position(db, member.id, position_id, given),
    )


@router.post("/profile/positions/{position_id}/remove")
def remove_position(db: DbSession, member: CurrentMember, position_id: EntryId) -> Response:
    edits.remove_position(db, member.id, position_id)
    return RedirectResponse("/profile/edit?saved=experience#experience", status_code=303)


@router.post("/profile/education")
def add_education(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    school: Short = "",
    degree: Short = "",
    field_of_study: Short = "",
    started: Short = "",
    ended: Short = "",
) -> Response:
    given = EducationInput(school, degree, field_of_study, started, ended)
    return _attempt(
        request,
        db,
        member,
        "education",
        {"school": given},
        lambda: edits.add_education(db, member.id, given),
    )


@router.post("/profile/education/{education_id}")
def edit_education(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    education_id: EntryId,
    school: Short = "",
    degree: Short = "",
    field_of_study: Short = "",
    started: Short = "",
    ended: Short = "",
) -> Response:
    edits.own_education(db, member.id, education_id)
    given = EducationInput(school, degree, field_of_study, started, ended)
    return _attempt(
        request,
        db,
        member,
        f"school-{education_id}",
        {"education_id": education_id, "school": given},
        lambda: edits.edit_education(db, member.id, education_id, given),
    )


@router.post("/profile/education/{education_id}/remove")
def remove_education(db: DbSession, member: CurrentMember, education_id: EntryId) -> Response:
    edits.remove_education(db, member.id, education_id)
    return RedirectResponse("/profile/edit?saved=education#education", status_code=303)


@router.post("/profile/skills")
def add_skill(request: Request, db: DbSession, member: CurrentMember, name: Short = "") -> Response:
    return _attempt(
        request,
        db,
        member,
        "skills",
        {"skill": name},
        lambda: edits.add_skill(db, member.id, name),
    )


@router.post("/profile/skills/{skill_id}/remove")
def remove_skill(db: DbSession, member: CurrentMember, skill_id: EntryId) -> Response:
    edits.remove_skill(db, member.id, skill_id)
    return RedirectResponse("/profile/edit?saved=skills#skills", status_code=303)


def install(app: FastAPI) -> None:
    """Add the profile editor."""
    app.include_router(router)
