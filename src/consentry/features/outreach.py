"""Recruiter outreach drafts, for a job and a candidate — only where the candidate allows it.

Uses: the candidate's decision for `recruiter-ai` (checked first; without it nothing of
their profile is read), the match model (train-ai), the phrasing model (train-genai:
patterns attested by at least k consenting members), the job posting and the candidate's
profile.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from consentry.consent.decide import decide
from consentry.errors import ConsentryError
from consentry.features import Uses
from consentry.features.guard import guard_for
from consentry.features.member_facts import member_facts
from consentry.features.profile_assistant import rotate
from consentry.network.queries import job as job_view
from consentry.training.models.match import Candidate, Target
from consentry.training.models.phrasing import DEFAULT_K, fill, impersonal
from consentry.training.sisa import load_active

USES = Uses(
    purposes=("recruiter-ai", "train-ai", "train-genai"),
    data="the candidate's profile (only with their recruiter-ai permission), the job, "
    "a match model and patterns from consenting members (k or more each)",
)


class OutreachRefused(ConsentryError):
    """The candidate's decision for recruiter-ai does not allow a draft."""


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
    session: Session, *, job_id: int, candidate_id: int, k: int = DEFAULT_K, seed: int = 0
) -> OutreachDraft:
    """A first message from the job's recruiter to the candidate.

    Raises OutreachRefused (saying why) unless the candidate's recruiter-ai decision
    allows it, and ConsentryError for an unknown job or member.
    """
    job = job_view(session, job_id=job_id)
    if job is None:
        raise ConsentryError(f"no live job {job_id}")
    decision = decide(session, candidate_id, "recruiter-ai")
    if not decision.allowed:
        raise OutreachRefused(
            f"member {candidate_id} has not allowed recruiter features to use their profile "
            f"(recruiter-ai): {decision.reason}"
        )
    facts = member_facts(session, candidate_id)
    match_version, match = load_active(session, "match")
    phrasing_version, phrasing = load_active(session, "phrasing")
    guard = guard_for(session)
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
