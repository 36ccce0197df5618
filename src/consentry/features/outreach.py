"""Recruiter outreach drafts, for a job and a candidate — only where the candidate allows it.

Uses: the candidate's decision for `recruiter-ai` (checked first; without it nothing of
their profile is read), the match model (train-ai), the phrasing model (train-genai:
patterns attested by at least k consenting members), the job posting and the candidate's
profile.

`outreach_for` is the entry point every face uses (the recruiter pages, the JSON API,
`consentry assist outreach`): a recruiter may draft outreach only for one of their own
live job postings, and only to a live member whose recruiter-ai decision allows it.

A refusal says only what the recruiter may know: the member is "not available for
recruiter AI". Why (never allowed, withdrawn on a date, excluded where they live) is the
member's own history, shown to them on their settings page and never to a recruiter.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.consent.decide import decide
from consentry.errors import Forbidden, InvalidInput, NotFound
from consentry.features import Uses
from consentry.features.guard import guard_for
from consentry.features.member_facts import member_facts
from consentry.features.profile_assistant import rotate
from consentry.network.queries import job as job_view
from consentry.network.queries import live_member_by_handle
from consentry.store.tables import Job, Member
from consentry.training.models.match import Candidate, Target
from consentry.training.models.phrasing import DEFAULT_K, fill, impersonal
from consentry.training.sisa import load_active

USES = Uses(
    purposes=("recruiter-ai", "train-ai", "train-genai"),
    data="the candidate's profile (only with their recruiter-ai permission), the job, "
    "a match model and patterns from consenting members (k or more each)",
)


NOT_AVAILABLE = "is not available for recruiter AI"


class OutreachRefused(Forbidden):
    """The candidate's decision for recruiter-ai does not allow a draft. The message
    names the candidate and says nothing of why."""


@dataclass(frozen=True)
class OutreachDraft:
    job_id: int
    candidate_id: int
    fit: float
    shared_skills: list[str]
    text: str
    basis: str
    models: dict[str, str]
    uses: Uses = USES


def draft_outreach(
    session: Session,
    settings: Settings,
    *,
    job_id: int,
    candidate_id: int,
    k: int = DEFAULT_K,
    seed: int = 0,
) -> OutreachDraft:
    """A first message from the job's recruiter to the candidate.

    Raises OutreachRefused (saying only that the member is not available) unless the
    candidate's recruiter-ai decision allows it, and NotFound for an unknown job or member. It does not ask who is
    drafting: faces call `outreach_for`, which does.
    """
    job = job_view(session, job_id=job_id)
    if job is None:
        raise NotFound(f"no live job {job_id}")
    decision = decide(session, candidate_id, "recruiter-ai")
    if not decision.allowed:
        raise OutreachRefused(f"member {candidate_id} {NOT_AVAILABLE}")
    facts = member_facts(session, candidate_id)
    match_version, match = load_active(session, settings, "match")
    phrasing_version, phrasing = load_active(session, settings, "phrasing")
    guard = guard_for(session, settings)
    fit = match.fit(
        Candidate(facts.titles, facts.skills, facts.country),
        Target(job.title, tuple(job.skills), job.region.split("-")[0]),
    )
    own = {s.lower() for s in facts.skills}
    shared = [s for s in job.skills if s.lower() in own]
    slots = {
        "title": [job.title] * 2,
        "company": [job.company] * 2,
        "skill": shared or list(job.skills),
        "location": [job.location.split(",")[0]] if job.location else [],
    }
    pitch_patterns = [
        p
        for p, _ in phrasing.usable("post", k=k)
        if "{title}" in p and "{company}" in p and impersonal(p)
    ]
    pitch = guard.first_clean(fill(p, slots) for p in rotate(pitch_patterns, seed))
    pitch = pitch or f"{job.company} is hiring a {job.title}."
    why = (
        f"Your experience as {facts.title} and with {', '.join(shared[:3])} stood out."
        if shared
        else f"Your experience as {facts.title} stood out."
    )
    text = guard.keep_clean_lines(
        [
            f"Hello {facts.name},",
            "",
            f"{pitch} {why}",
            f"The role: {job.title} at {job.company}"
            + (f", {job.location}" if job.location else "")
            + f" (job {job.id}).",
            "",
            "Would you be open to a short call this week?",
        ]
    )
    return OutreachDraft(
        job_id,
        candidate_id,
        round(fit, 4),
        shared,
        text,
        decision.basis,
        {"match": match_version.id, "phrasing": phrasing_version.id},
    )


def own_jobs(session: Session, recruiter_id: int) -> list[Job]:
    """The recruiter's live postings (neither deleted nor closed), newest first: outreach
    is only for these; nobody is invited to apply for a job that no longer takes
    applications."""
    return list(
        session.scalars(
            select(Job)
            .where(
                Job.recruiter_id == recruiter_id,
                Job.deleted_at.is_(None),
                Job.closed_at.is_(None),
            )
            .order_by(Job.created_at.desc(), Job.id.desc())
        )
    )


@dataclass(frozen=True)
class Refusal:
    """No outreach draft: to whom, and the one sentence the recruiter is told."""

    candidate: Member
    message: str


class OutreachDeclined(OutreachRefused):
    """The candidate's recruiter-ai decision refuses the draft; `refusal` names them."""

    def __init__(self, refusal: Refusal):
        super().__init__(refusal.message)
        self.refusal = refusal


def outreach_for(
    session: Session, settings: Settings, recruiter: Member, job_id: int, handle: str
) -> tuple[Member, OutreachDraft]:
    """The candidate and the draft for (job, candidate `handle`), drafted by `recruiter`.

    Raises InvalidInput unless the job is one of the recruiter's own live postings,
    NotFound for an unknown candidate, and OutreachDeclined ("not available for
    recruiter AI", nothing of why) when their recruiter-ai decision does not allow it.
    """
    if job_id not in {j.id for j in own_jobs(session, recruiter.id)}:
        raise InvalidInput("choose one of your own live job postings")
    candidate = live_member_by_handle(session, handle.strip().lstrip("@"))
    if candidate is None:
        raise NotFound(f"there is no member called {handle.strip()!r}")
    try:
        return candidate, draft_outreach(
            session, settings, job_id=job_id, candidate_id=candidate.id
        )
    except OutreachRefused:
        message = f"{candidate.display_name} (@{candidate.handle}) {NOT_AVAILABLE}"
        raise OutreachDeclined(Refusal(candidate, message)) from None
