"""The jobs pages: the job list and search, a posting, posting and editing (from the AI
writer's draft if the recruiter wants), closing, applying and withdrawing, a posting's
applicants, "My applications" and "My postings".

Routes stay thin: the rules are `consentry.network.jobs` (the same the JSON API calls),
search is `consentry.network.search`, AI on applicants is
`consentry.features.applicants`. A posting that is not the recruiter's own answers 404,
as one that does not exist. A draft is never published by the writer: "Use this draft"
only fills in the new-job form, and the recruiter publishes with its own button.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from consentry.errors import ConsentryError, NotFound
from consentry.features.applicants import assess_applicants
from consentry.network import jobs, queries, search
from consentry.network.accounts import is_recruiter
from consentry.network.jobs import EMPLOYMENT_TYPES, SENIORITIES, JobDraft
from consentry.rights.refresh import request_refresh
from consentry.store.tables import Member
from consentry.web.deps import CurrentMember, DbSession
from consentry.web.errors import status_of
from consentry.web.layout import render
from consentry.web.roles import CurrentRecruiter

router = APIRouter(include_in_schema=False)

PageNumber = Annotated[int, Query(ge=1, le=10_000)]
JobId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Short = Annotated[str, Form(max_length=jobs.MAX_SHORT * 2)]
LongText = Annotated[str, Form(max_length=jobs.MAX_DESCRIPTION * 2)]


def install(app: FastAPI) -> None:
    app.include_router(router)


def split_skills(text: str) -> tuple[str, ...]:
    """Skills typed as a comma- or line-separated list."""
    return tuple(s.strip() for s in text.replace("\n", ",").split(",") if s.strip())


def _form(draft: JobDraft) -> dict:
    return {**vars(draft), "skills": ", ".join(draft.skills)}


_EMPTY = JobDraft(company="", title="")


def _form_page(
    request: Request,
    *,
    form: dict,
    action: str,
    job_id: int | None = None,
    error: str | None = None,
    from_draft: bool = False,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "job_form.html",
        {
            "form": form,
            "action": action,
            "job_id": job_id,
            "error": error,
            "from_draft": from_draft,
            "employment_types": EMPLOYMENT_TYPES,
            "seniorities": SENIORITIES,
        },
        status_code=status_code,
    )


def _draft_of(
    company: str,
    title: str,
    location: str,
    region: str,
    remote: str | None,
    employment_type: str,
    seniority: str,
    description: str,
    skills: str,
) -> JobDraft:
    return JobDraft(
        company=company,
        title=title,
        location=location,
        region=region,
        remote=remote is not None,
        employment_type=employment_type,
        seniority=seniority,
        description=description,
        skills=split_skills(skills),
    )


# --- lists -------------------------------------------------------------------------------


@router.get("/jobs")
def job_list(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    q: Annotated[str, Query(max_length=200)] = "",
    page: PageNumber = 1,
) -> Response:
    per_page = request.app.state.options.per_page
    found = (
        search.search_jobs(db, q, page=page, per_page=per_page)
        if q.strip()
        else queries.jobs(db, page=page, per_page=per_page)
    )
    return render(request, "jobs.html", {"jobs": found, "q": q, "recruiter": is_recruiter(member)})


@router.get("/jobs/new")
def new_job(request: Request, member: CurrentRecruiter) -> Response:
    return _form_page(request, form=_form(_EMPTY), action="/jobs")


@router.post("/jobs/new")
def new_job_from_draft(
    request: Request,
    member: CurrentRecruiter,
    company: Short = "",
    title: Short = "",
    location: Short = "",
    skills: LongText = "",
    description: LongText = "",
) -> Response:
    """ "Use this draft": the new-job form, filled in from the writer's draft; nothing is
    saved until the recruiter publishes it."""
    draft = JobDraft(
        company=company,
        title=title,
        location=location,
        description=description,
        skills=split_skills(skills),
    )
    return _form_page(request, form=_form(draft), action="/jobs", from_draft=True)


@router.post("/jobs")
def publish_job(
    request: Request,
    db: DbSession,
    member: CurrentRecruiter,
    company: Short = "",
    title: Short = "",
    location: Short = "",
    region: Annotated[str, Form(max_length=16)] = "",
    remote: Annotated[str | None, Form(max_length=8)] = None,
    employment_type: Annotated[str, Form(max_length=32)] = "full-time",
    seniority: Annotated[str, Form(max_length=32)] = "",
    description: LongText = "",
    skills: LongText = "",
) -> Response:
    draft = _draft_of(
        company, title, location, region, remote, employment_type, seniority, description, skills
    )
    try:
        row = jobs.post_job(db, member.id, draft)
    except ConsentryError as exc:
        form = {**_form(draft), "skills": skills}
        return _form_page(request, form=form, action="/jobs", error=str(exc), status_code=400)
    return RedirectResponse(f"/jobs/{row.id}", status_code=303)


@router.get("/jobs/applied")
def my_applications(request: Request, db: DbSession, member: CurrentMember) -> Response:
    return render(
        request, "jobs_applied.html", {"applications": jobs.my_applications(db, member.id)}
    )


@router.get("/jobs/posted")
def my_postings(request: Request, db: DbSession, member: CurrentRecruiter) -> Response:
    return render(request, "jobs_posted.html", {"postings": jobs.my_postings(db, member.id)})


# --- one posting -------------------------------------------------------------------------


def _job_page(
    request: Request,
    db: Session,
    member: Member,
    job_id: int,
    *,
    error: str | None = None,
    note: str = "",
    status_code: int = 200,
) -> Response:
    view = jobs.job_for(db, member.id, job_id)
    application = jobs.application_of(db, job_id, member.id)
    return render(
        request,
        "job.html",
        {
            "job": view,
            "own": view.recruiter_id == member.id,
            "application": application,
            "error": error,
            "note": note,
            "max_note": jobs.MAX_NOTE,
        },
        status_code=status_code,
    )


@router.get("/jobs/{job_id}")
def job_page(request: Request, db: DbSession, member: CurrentMember, job_id: JobId) -> Response:
    return _job_page(request, db, member, job_id)


@router.get("/jobs/{job_id}/edit")
def edit_job_page(
    request: Request, db: DbSession, member: CurrentRecruiter, job_id: JobId
) -> Response:
    row = jobs.own_job(db, member.id, job_id)
    draft = JobDraft(
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
    return _form_page(request, form=_form(draft), action=f"/jobs/{job_id}/edit", job_id=job_id)


@router.post("/jobs/{job_id}/edit")
def save_job(
    request: Request,
    db: DbSession,
    member: CurrentRecruiter,
    job_id: JobId,
    company: Short = "",
    title: Short = "",
    location: Short = "",
    region: Annotated[str, Form(max_length=16)] = "",
    remote: Annotated[str | None, Form(max_length=8)] = None,
    employment_type: Annotated[str, Form(max_length=32)] = "full-time",
    seniority: Annotated[str, Form(max_length=32)] = "",
    description: LongText = "",
    skills: LongText = "",
) -> Response:
    jobs.own_job(db, member.id, job_id)  # 404 before any validation message
    draft = _draft_of(
        company, title, location, region, remote, employment_type, seniority, description, skills
    )
    try:
        changed = jobs.edit_job(db, member.id, job_id, draft)
    except ConsentryError as exc:
        form = {**_form(draft), "skills": skills}
        return _form_page(
            request,
            form=form,
            action=f"/jobs/{job_id}/edit",
            job_id=job_id,
            error=str(exc),
            status_code=400,
        )
    if changed:
        # The old wording must leave live datasets too, not only later builds.
        request_refresh(db, member.id, reason="edited")
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.post("/jobs/{job_id}/close")
def close_job(request: Request, db: DbSession, member: CurrentRecruiter, job_id: JobId) -> Response:
    row = jobs.own_job(db, member.id, job_id)
    if row.closed_at is None:
        jobs.close_job(db, member.id, job_id)
        request_refresh(db, member.id, reason="edited")
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.get("/jobs/{job_id}/apply")
def apply_page(request: Request, db: DbSession, member: CurrentMember, job_id: JobId) -> Response:
    return _job_page(request, db, member, job_id)


@router.post("/jobs/{job_id}/apply")
def apply(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    job_id: JobId,
    note: Annotated[str, Form(max_length=jobs.MAX_NOTE * 2)] = "",
) -> Response:
    try:
        jobs.apply(db, member.id, job_id, note)
    except NotFound:
        raise
    except ConsentryError as exc:
        # Closed, already applied, one's own posting: said on the posting's page.
        return _job_page(
            request, db, member, job_id, error=str(exc), note=note, status_code=status_of(exc)
        )
    return RedirectResponse(f"/jobs/{job_id}#application", status_code=303)


@router.post("/jobs/{job_id}/withdraw")
def withdraw(request: Request, db: DbSession, member: CurrentMember, job_id: JobId) -> Response:
    jobs.withdraw_application(db, member.id, job_id)
    return RedirectResponse(f"/jobs/{job_id}#application", status_code=303)


@router.get("/jobs/{job_id}/applicants")
def applicants_page(
    request: Request, db: DbSession, member: CurrentRecruiter, job_id: JobId
) -> Response:
    people = jobs.applicants(db, member.id, job_id)
    view = jobs.job_for(db, member.id, job_id)
    ai = assess_applicants(
        db, request.app.state.settings, member, view, [a.member_id for a in people]
    )
    return render(
        request,
        "job_applicants.html",
        {"job": view, "applicants": people, "ai": ai},
    )
