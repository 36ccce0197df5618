"""The jobs and search API under /api/v1: the same rules as the jobs pages
(`consentry.network.jobs`, `consentry.network.search`, `consentry.features.applicants`).

Errors, all JSON: 403 for a recruiter route asked for by a member who is not one; 404 for
a posting that does not exist, was taken down, or is not the caller's to change (alike);
409 for an application to a closed posting or a second one; 400 for an application to
one's own posting or details that cannot be saved; 422 for a malformed body.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from consentry.features.applicants import assess_applicants
from consentry.network import jobs, queries, search
from consentry.network.jobs import JobDraft
from consentry.network.search import SearchKind
from consentry.rights.refresh import request_refresh
from consentry.store.social_tables import JobApplication
from consentry.web.api import _ERRORS
from consentry.web.deps import CurrentMember, DbSession
from consentry.web.roles import CurrentRecruiter
from consentry.web.schemas import JobOut, JobsOut, PostOut, UtcDateTime

_bearer = HTTPBearer(auto_error=False, description="An API token from POST /api/v1/tokens.")
router = APIRouter(
    prefix="/api/v1",
    responses={**_ERRORS, 409: _ERRORS[400]},
    dependencies=[Depends(_bearer)],
)

JobId = Annotated[int, Path(ge=1, le=2**31 - 1)]
PageNumber = Annotated[int, Query(ge=1, le=10_000)]
# The same lists as `network.jobs.EMPLOYMENT_TYPES` and `SENIORITIES` (a test compares them).
EmploymentType = Literal["full-time", "part-time", "contract", "temporary", "internship"]
Seniority = Literal["", "entry", "mid", "senior", "lead", "executive"]
Skill = Annotated[str, Field(max_length=jobs.MAX_SKILL)]


def install(app: FastAPI) -> None:
    app.include_router(router)


class JobIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    company: str = Field(min_length=1, max_length=jobs.MAX_SHORT)
    title: str = Field(min_length=1, max_length=jobs.MAX_SHORT)
    location: str = Field("", max_length=jobs.MAX_SHORT)
    region: str = Field("", max_length=16, description="ISO 3166 (DE, US-CA); empty: none.")
    remote: StrictBool = False
    employment_type: EmploymentType = "full-time"
    seniority: Seniority = ""
    description: str = Field("", max_length=jobs.MAX_DESCRIPTION)
    skills: list[Skill] = Field(default_factory=list, max_length=jobs.MAX_SKILLS)


class JobPatch(BaseModel):
    """The details to change; those left out stay as they are."""

    model_config = ConfigDict(extra="forbid")
    company: str | None = Field(None, min_length=1, max_length=jobs.MAX_SHORT)
    title: str | None = Field(None, min_length=1, max_length=jobs.MAX_SHORT)
    location: str | None = Field(None, max_length=jobs.MAX_SHORT)
    region: str | None = Field(None, max_length=16)
    remote: StrictBool | None = None
    employment_type: EmploymentType | None = None
    seniority: Seniority | None = None
    description: str | None = Field(None, max_length=jobs.MAX_DESCRIPTION)
    skills: list[Skill] | None = Field(None, max_length=jobs.MAX_SKILLS)


class ApplicationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(
        "", max_length=jobs.MAX_NOTE, description="Private, for the recruiter; never trained on."
    )


class ApplicationOut(BaseModel):
    job_id: int
    created_at: UtcDateTime
    withdrawn_at: UtcDateTime | None

    @classmethod
    def of(cls, row: JobApplication) -> ApplicationOut:
        return cls(job_id=row.job_id, created_at=row.created_at, withdrawn_at=row.withdrawn_at)


class MyApplicationOut(BaseModel):
    job_id: int
    title: str
    company: str
    applied_at: UtcDateTime
    withdrawn_at: UtcDateTime | None
    closed_at: UtcDateTime | None


class ApplicantAiOut(BaseModel):
    used: bool = Field(description="Whether AI was used on this applicant's profile.")
    fit: float | None = Field(None, description="The match model's fit, 0..1, when used.")
    shared_skills: list[str] = Field(default_factory=list)
    message: str = Field("", description="Why AI was not used, when it was not.")


class ApplicantOut(BaseModel):
    handle: str
    display_name: str
    headline: str
    profile_url: str
    note: str
    applied_at: UtcDateTime
    ai: ApplicantAiOut


class PersonOut(BaseModel):
    handle: str
    display_name: str
    headline: str
    location: str
    profile_url: str


class SearchOut(BaseModel):
    type: SearchKind
    q: str
    page: int
    next_page: int | None
    people: list[PersonOut] = Field(default_factory=list)
    posts: list[PostOut] = Field(default_factory=list)
    jobs: list[JobOut] = Field(default_factory=list)


def _next(page: queries.Page) -> int | None:
    return page.page + 1 if page.has_next else None


def _job_out(db: DbSession, job_id: int, viewer_id: int) -> JobOut:
    return JobOut.of(jobs.job_for(db, viewer_id, job_id))


@router.get("/jobs", response_model=JobsOut, tags=["jobs"])
def list_jobs(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    q: Annotated[str, Query(max_length=200)] = "",
    page: PageNumber = 1,
) -> JobsOut:
    """Open job postings, newest first; with `q`, full-text search (every word), best
    match first."""
    per_page = request.app.state.options.per_page
    found = (
        search.search_jobs(db, q, page=page, per_page=per_page)
        if q.strip()
        else queries.jobs(db, page=page, per_page=per_page)
    )
    return JobsOut(items=[JobOut.of(j) for j in found.items], page=page, next_page=_next(found))


@router.post("/jobs", status_code=201, response_model=JobOut, tags=["jobs"])
def post_job(db: DbSession, member: CurrentRecruiter, body: JobIn) -> JobOut:
    """Publish a job posting (recruiters only)."""
    draft = JobDraft(**{**body.model_dump(), "skills": tuple(body.skills)})
    row = jobs.post_job(db, member.id, draft)
    return _job_out(db, row.id, member.id)


@router.get("/jobs/{job_id}", response_model=JobOut, tags=["jobs"])
def get_job(db: DbSession, member: CurrentMember, job_id: JobId) -> JobOut:
    """One posting: open, or closed if it is the caller's or they applied to it."""
    return _job_out(db, job_id, member.id)


@router.patch("/jobs/{job_id}", response_model=JobOut, tags=["jobs"])
def patch_job(db: DbSession, member: CurrentRecruiter, job_id: JobId, body: JobPatch) -> JobOut:
    """Change the caller's own posting; the earlier title and description stay readable
    as of earlier times only (later datasets read the new text)."""
    row = jobs.own_job(db, member.id, job_id)
    current = JobDraft(
        company=row.company,
        title=row.title,
        location=row.location,
        region=row.region,
        remote=row.remote,
        employment_type=row.employment_type,
        seniority=row.seniority,
        description=row.description,
        skills=tuple(jobs.skills_of(db, row.id)),
    )
    given = body.model_dump(exclude_unset=True)
    if given.get("skills") is not None:
        given["skills"] = tuple(given["skills"])
    changes = {k: v for k, v in given.items() if v is not None}
    if jobs.edit_job(db, member.id, job_id, JobDraft(**{**vars(current), **changes})):
        request_refresh(db, member.id, reason="edited")
    return _job_out(db, job_id, member.id)


@router.post("/jobs/{job_id}/close", response_model=JobOut, tags=["jobs"])
def close_job(db: DbSession, member: CurrentRecruiter, job_id: JobId) -> JobOut:
    """Close the caller's own posting: it leaves lists and search, takes no applications."""
    if jobs.own_job(db, member.id, job_id).closed_at is None:
        jobs.close_job(db, member.id, job_id)
        request_refresh(db, member.id, reason="edited")
    return _job_out(db, job_id, member.id)


@router.post(
    "/jobs/{job_id}/applications", status_code=201, response_model=ApplicationOut, tags=["jobs"]
)
def apply(
    db: DbSession, member: CurrentMember, job_id: JobId, body: ApplicationIn | None = None
) -> ApplicationOut:
    """Apply to an open posting with your profile and an optional private note."""
    return ApplicationOut.of(jobs.apply(db, member.id, job_id, body.note if body else ""))


@router.delete("/jobs/{job_id}/application", response_model=ApplicationOut, tags=["jobs"])
def withdraw(db: DbSession, member: CurrentMember, job_id: JobId) -> ApplicationOut:
    """Withdraw your application to this posting (it cannot be sent again)."""
    return ApplicationOut.of(jobs.withdraw_application(db, member.id, job_id))


@router.get("/jobs/{job_id}/applicants", response_model=list[ApplicantOut], tags=["jobs"])
def applicants(
    request: Request, db: DbSession, member: CurrentRecruiter, job_id: JobId
) -> list[ApplicantOut]:
    """Who applied to the caller's own posting, in the order they applied. AI (`ai`) is
    used only for applicants whose recruiter-ai decision allows it now."""
    people = jobs.applicants(db, member.id, job_id)
    view = jobs.job_for(db, member.id, job_id)
    ai = assess_applicants(
        db, request.app.state.settings, member, view, [a.member_id for a in people]
    )
    return [
        ApplicantOut(
            handle=a.handle,
            display_name=a.display_name,
            headline=a.headline,
            profile_url=f"/members/{a.handle}",
            note=a.note,
            applied_at=a.applied_at,
            ai=ApplicantAiOut(
                used=ai[a.member_id].used,
                fit=ai[a.member_id].fit,
                shared_skills=list(ai[a.member_id].shared_skills),
                message=ai[a.member_id].message,
            ),
        )
        for a in people
    ]


@router.get("/me/applications", response_model=list[MyApplicationOut], tags=["jobs"])
def my_applications(db: DbSession, member: CurrentMember) -> list[MyApplicationOut]:
    """Your applications, newest first."""
    return [MyApplicationOut(**vars(a)) for a in jobs.my_applications(db, member.id)]


@router.get("/search", response_model=SearchOut, tags=["search"])
def search_all(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    q: Annotated[str, Query(max_length=search.MAX_QUERY)] = "",
    type: SearchKind = SearchKind.PEOPLE,
    page: PageNumber = 1,
) -> SearchOut:
    """Full-text search for people, posts or jobs (`type`): every word of `q` must match;
    best match first. Only what the caller may see: live members, posts visible to them,
    open postings."""
    per_page = request.app.state.options.per_page
    if type == SearchKind.PEOPLE:
        people = search.search_people(db, q, page=page, per_page=per_page)
        return SearchOut(
            type=type,
            q=q,
            page=page,
            next_page=_next(people),
            people=[
                PersonOut(
                    handle=h.handle,
                    display_name=h.display_name,
                    headline=h.headline,
                    location=h.location,
                    profile_url=f"/members/{h.handle}",
                )
                for h in people.items
            ],
        )
    if type == SearchKind.POSTS:
        posts = search.search_posts(db, q, viewer_id=member.id, page=page, per_page=per_page)
        return SearchOut(
            type=type,
            q=q,
            page=page,
            next_page=_next(posts),
            posts=[PostOut.of(p) for p in posts.items],
        )
    found = search.search_jobs(db, q, page=page, per_page=per_page)
    return SearchOut(
        type=type,
        q=q,
        page=page,
        next_page=_next(found),
        jobs=[JobOut.of(j) for j in found.items],
    )
