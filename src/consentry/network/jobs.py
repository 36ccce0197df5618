"""Job postings and applications: the rules every face (pages, API) applies the same way.

Postings:
- only a recruiter posts (the faces check the role; `post_job` trusts its caller);
- only the posting recruiter edits or closes a posting: for anyone else the posting
  "does not exist" (NotFound), exactly as for an unknown id, so nothing leaks;
- an edit goes through `revisions.revise`, so the title and description a posting had
  stay readable as of earlier times (as-of builds) and every later build reads the new
  text; skills are replaced as a set;
- a closed posting (`closed_at`) leaves job lists and search and takes no applications,
  but stays visible to its recruiter and to the members who applied.

Applications:
- a member applies with their profile and an optional private note (never trained on),
  once per posting, never to a closed posting or their own; withdrawing keeps the row
  (`withdrawn_at`), so a withdrawn application cannot be sent again;
- the recruiter is notified of each application (kind `applicant`, subject `job`).

Every function works in the caller's transaction: rows are added and flushed, never
committed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from consentry.errors import Conflict, InvalidInput, NotFound
from consentry.network import queries
from consentry.network.notifications import notify
from consentry.network.revisions import revise
from consentry.regions import normalise_region
from consentry.store.engine import utcnow
from consentry.store.social_tables import JobApplication
from consentry.store.tables import Job, JobSkill, Member, Profile

EMPLOYMENT_TYPES = ("full-time", "part-time", "contract", "temporary", "internship")
SENIORITIES = ("", "entry", "mid", "senior", "lead", "executive")
MAX_SHORT = 200
MAX_DESCRIPTION = 20_000
MAX_SKILLS = 20
MAX_SKILL = 100
MAX_NOTE = 2_000

NOT_YOURS = "You have no job posting with that id."


class JobRejected(InvalidInput):
    """The posting cannot be saved as written (a missing title, an unknown type...)."""


@dataclass(frozen=True)
class JobDraft:
    """What a recruiter states about a posting; `validated` checks and normalises it."""

    company: str
    title: str
    location: str = ""
    region: str = ""
    remote: bool = False
    employment_type: str = "full-time"
    seniority: str = ""
    description: str = ""
    skills: tuple[str, ...] = ()

    def validated(self) -> JobDraft:
        """This draft trimmed and checked; raises JobRejected (one sentence) when not usable.
        The region is stored canonical (`us-ny` -> `US-NY`); empty means not stated."""
        company, title = self.company.strip(), self.title.strip()
        location, description = self.location.strip(), self.description.strip()
        if not title:
            raise JobRejected("a job posting needs a title")
        if not company:
            raise JobRejected("a job posting needs a company")
        for name, value in (("title", title), ("company", company), ("location", location)):
            if len(value) > MAX_SHORT:
                raise JobRejected(f"the {name} can be at most {MAX_SHORT} characters long")
        if len(description) > MAX_DESCRIPTION:
            raise JobRejected(f"the description can be at most {MAX_DESCRIPTION:,} characters long")
        if self.employment_type not in EMPLOYMENT_TYPES:
            raise JobRejected(f"the type must be one of {', '.join(EMPLOYMENT_TYPES)}")
        if self.seniority not in SENIORITIES:
            raise JobRejected(f"the seniority must be one of {', '.join(SENIORITIES[1:])}")
        region = normalise_region(self.region) if self.region.strip() else ""
        return JobDraft(
            company,
            title,
            location,
            region,
            bool(self.remote),
            self.employment_type,
            self.seniority,
            description,
            clean_skills(self.skills),
        )


def clean_skills(skills: Iterable[str]) -> tuple[str, ...]:
    """Skills trimmed, without repeats (any case), in the order given; JobRejected when
    there are too many or one is too long."""
    seen: set[str] = set()
    kept: list[str] = []
    for raw in skills:
        name = raw.strip()
        if not name or name.lower() in seen:
            continue
        if len(name) > MAX_SKILL:
            raise JobRejected(f"a skill can be at most {MAX_SKILL} characters long")
        seen.add(name.lower())
        kept.append(name)
    if len(kept) > MAX_SKILLS:
        raise JobRejected(f"a job posting can list at most {MAX_SKILLS} skills")
    return tuple(kept)


def _set_skills(session: Session, job_id: int, skills: Sequence[str]) -> None:
    session.execute(delete(JobSkill).where(JobSkill.job_id == job_id))
    session.add_all(JobSkill(job_id=job_id, name=name) for name in skills)
    session.flush()


def skills_of(session: Session, job_id: int) -> list[str]:
    return list(
        session.scalars(
            select(JobSkill.name).where(JobSkill.job_id == job_id).order_by(JobSkill.id)
        )
    )


def post_job(
    session: Session, recruiter_id: int, draft: JobDraft, *, now: datetime | None = None
) -> Job:
    """Publish `draft` as a new posting by `recruiter_id`; returns it, flushed."""
    clean = draft.validated()
    now = now or utcnow()
    row = Job(
        recruiter_id=recruiter_id,
        company=clean.company,
        title=clean.title,
        location=clean.location,
        region=clean.region,
        remote=clean.remote,
        employment_type=clean.employment_type,
        seniority=clean.seniority,
        description=clean.description,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    _set_skills(session, row.id, clean.skills)
    return row


def own_job(session: Session, recruiter_id: int, job_id: int) -> Job:
    """The recruiter's own posting (open or closed, not taken down). NotFound for anyone
    else's, worded as for a posting that does not exist."""
    row = session.get(Job, job_id)
    if row is None or row.recruiter_id != recruiter_id or row.deleted_at is not None:
        raise NotFound(NOT_YOURS)
    return row


def edit_job(
    session: Session,
    recruiter_id: int,
    job_id: int,
    draft: JobDraft,
    *,
    now: datetime | None = None,
) -> list[str]:
    """Replace the posting's details with `draft`; returns the names of what changed
    (`skills` among them). A closed posting can still be corrected. The earlier title
    and description are kept as revisions (`revisions.revise`)."""
    row = own_job(session, recruiter_id, job_id)
    clean = draft.validated()
    changed = revise(
        session,
        row,
        "job",
        None,
        {
            "company": clean.company,
            "title": clean.title,
            "location": clean.location,
            "region": clean.region,
            "remote": clean.remote,
            "employment_type": clean.employment_type,
            "seniority": clean.seniority,
            "description": clean.description,
        },
        now=now,
    )
    if list(clean.skills) != skills_of(session, row.id):
        _set_skills(session, row.id, clean.skills)
        changed.append("skills")
    session.flush()
    return changed


def close_job(
    session: Session, recruiter_id: int, job_id: int, *, now: datetime | None = None
) -> Job:
    """Close the recruiter's posting (idempotent: closing a closed one changes nothing)."""
    row = own_job(session, recruiter_id, job_id)
    if row.closed_at is None:
        row.closed_at = now or utcnow()
        session.flush()
    return row


def job_for(session: Session, viewer_id: int, job_id: int) -> queries.JobView:
    """The posting as `viewer_id` may see it: an open one for anyone signed in; a closed
    one for its recruiter and the members who applied. NotFound otherwise."""
    view = queries.job(session, job_id=job_id)
    if view is None:
        raise NotFound("That job posting does not exist or was taken down.")
    hidden = view.closed_at is not None and view.recruiter_id != viewer_id
    if hidden and application_of(session, job_id, viewer_id) is None:
        raise NotFound("That job posting does not exist or was taken down.")
    return view


# --- applications ---------------------------------------------------------------------


def application_of(session: Session, job_id: int, member_id: int) -> JobApplication | None:
    """The member's application to the job (withdrawn or not), if any."""
    return session.scalar(
        select(JobApplication).where(
            JobApplication.job_id == job_id, JobApplication.member_id == member_id
        )
    )


def apply(
    session: Session, member_id: int, job_id: int, note: str = "", *, now: datetime | None = None
) -> JobApplication:
    """Apply to an open posting with one's profile and an optional private note.

    NotFound for an unknown or taken-down posting; InvalidInput for one's own posting or
    a note that is too long; Conflict for a closed posting or a second application
    (withdrawn ones included). Notifies the recruiter."""
    row = session.get(Job, job_id)
    if row is None or row.deleted_at is not None:
        raise NotFound("That job posting does not exist or was taken down.")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"a note can be at most {MAX_NOTE:,} characters long")
    if row.recruiter_id == member_id:
        raise InvalidInput("You cannot apply to your own job posting.")
    if row.closed_at is not None:
        raise Conflict("This job posting is closed and takes no more applications.")
    earlier = application_of(session, job_id, member_id)
    if earlier is not None:
        raise Conflict(
            "You withdrew your application to this job; it cannot be sent again."
            if earlier.withdrawn_at is not None
            else "You have already applied to this job."
        )
    now = now or utcnow()
    application = JobApplication(job_id=job_id, member_id=member_id, note=note, created_at=now)
    session.add(application)
    session.flush()
    notify(
        session,
        row.recruiter_id,
        "applicant",
        actor_id=member_id,
        subject="job",
        subject_id=job_id,
        at=now,
    )
    return application


def withdraw_application(
    session: Session, member_id: int, job_id: int, *, now: datetime | None = None
) -> JobApplication:
    """Withdraw one's live application to the job; NotFound when there is none."""
    application = application_of(session, job_id, member_id)
    if application is None or application.withdrawn_at is not None:
        raise NotFound("You have no application to this job to withdraw.")
    application.withdrawn_at = now or utcnow()
    session.flush()
    return application


@dataclass(frozen=True)
class Applicant:
    """One application as the posting's recruiter sees it: who, their headline, the
    private note, when. (Their profile is at /members/<handle>.)"""

    member_id: int
    handle: str
    display_name: str
    headline: str
    note: str
    applied_at: datetime


def applicants(session: Session, recruiter_id: int, job_id: int) -> list[Applicant]:
    """Live applications to the recruiter's own posting, oldest first (NotFound for a
    posting that is not theirs). Withdrawn applications and deleted members are left out."""
    own_job(session, recruiter_id, job_id)
    rows = session.execute(
        select(JobApplication, Member.handle, Member.display_name, Profile.headline)
        .join(Member, Member.id == JobApplication.member_id)
        .outerjoin(Profile, Profile.member_id == Member.id)
        .where(
            JobApplication.job_id == job_id,
            JobApplication.withdrawn_at.is_(None),
            Member.deleted_at.is_(None),
        )
        .order_by(JobApplication.created_at, JobApplication.id)
    ).all()
    return [
        Applicant(a.member_id, handle, name, headline or "", a.note, a.created_at)
        for a, handle, name, headline in rows
    ]


@dataclass(frozen=True)
class MyApplication:
    """One of a member's applications, with the posting's state."""

    job_id: int
    title: str
    company: str
    applied_at: datetime
    withdrawn_at: datetime | None
    closed_at: datetime | None


def my_applications(session: Session, member_id: int) -> list[MyApplication]:
    """The member's applications, newest first, to postings not taken down."""
    rows = session.execute(
        select(JobApplication, Job.title, Job.company, Job.closed_at)
        .join(Job, Job.id == JobApplication.job_id)
        .where(JobApplication.member_id == member_id, Job.deleted_at.is_(None))
        .order_by(JobApplication.created_at.desc(), JobApplication.id.desc())
    ).all()
    return [
        MyApplication(a.job_id, title, company, a.created_at, a.withdrawn_at, closed)
        for a, title, company, closed in rows
    ]


@dataclass(frozen=True)
class MyPosting:
    """One of a recruiter's postings with how many live applications it has."""

    job_id: int
    title: str
    company: str
    created_at: datetime
    closed_at: datetime | None
    applicant_count: int


def my_postings(session: Session, recruiter_id: int) -> list[MyPosting]:
    """The recruiter's postings (open and closed), newest first."""
    live = (
        select(func.count(JobApplication.id))
        .join(Member, Member.id == JobApplication.member_id)
        .where(
            JobApplication.job_id == Job.id,
            JobApplication.withdrawn_at.is_(None),
            Member.deleted_at.is_(None),
        )
        .scalar_subquery()
    )
    rows = session.execute(
        select(Job, live)
        .where(Job.recruiter_id == recruiter_id, Job.deleted_at.is_(None))
        .order_by(Job.created_at.desc(), Job.id.desc())
    ).all()
    return [
        MyPosting(j.id, j.title, j.company, j.created_at, j.closed_at, int(n or 0)) for j, n in rows
    ]


def forget_member(session: Session, member_id: int) -> int:
    """For an erasure: delete the member's applications (their private notes with them)
    and the skills of the postings they wrote (the postings themselves are blanked by the
    erasure). Applications others sent to those postings stay: they are the applicants'.
    Returns how many applications were deleted."""
    session.execute(
        delete(JobSkill).where(
            JobSkill.job_id.in_(select(Job.id).where(Job.recruiter_id == member_id))
        )
    )
    gone = session.execute(delete(JobApplication).where(JobApplication.member_id == member_id))
    return gone.rowcount or 0  # type: ignore[attr-defined]
