"""AI on a job's applicants: a fit score and an outreach draft, only where each applicant
allows recruiter AI now.

Applying is not consent: an applicant is listed to the recruiter whatever their choices
(that is what applying means), but no AI feature reads their profile unless their
`recruiter-ai` decision (`consent.decide`) is allowed at the moment the recruiter looks.
`assess_applicants` checks that decision first, for every applicant, and reads nothing
of a refusing applicant's profile; it never reorders applicants (a ranking would place
the refusing ones by their profile's absence), so the recruiter's list stays in the
order people applied.

The fit score is the outreach feature's match model (train-ai); the feature's other
gates apply too: the recruiter tool needs Premium, and the models must be trained.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.consent.decide import decide
from consentry.errors import ConsentryError
from consentry.features.catalog import BY_KEY, NOT_TRAINED, access, missing_models
from consentry.features.member_facts import member_facts
from consentry.network.queries import JobView
from consentry.store.tables import Member
from consentry.training.models.match import Candidate, Target
from consentry.training.sisa import load_active

NOT_ALLOWED = "AI not used — this applicant has not allowed recruiter AI"
FEATURE = BY_KEY["outreach"]


@dataclass(frozen=True)
class ApplicantAi:
    """What AI says about one applicant. `allowed`: their recruiter-ai decision allows it
    now. `fit` (0..1) and `shared_skills` only when allowed and the feature is usable;
    otherwise `message` says why there is none."""

    member_id: int
    allowed: bool
    fit: float | None = None
    shared_skills: tuple[str, ...] = ()
    message: str = ""

    @property
    def used(self) -> bool:
        return self.fit is not None


def _allows_recruiter_ai(session: Session, member_id: int) -> bool:
    """The applicant's recruiter-ai decision now; a decision that cannot be made (no
    policy published yet) allows nothing."""
    try:
        return decide(session, member_id, "recruiter-ai").allowed
    except ConsentryError:
        return False


def assess_applicants(
    session: Session,
    settings: Settings,
    recruiter: Member,
    job: JobView,
    member_ids: Sequence[int],
) -> dict[int, ApplicantAi]:
    """For each applicant id: a fit score for `job`, or why there is none. Profiles are
    read only for applicants whose recruiter-ai decision is allowed now."""
    gate = access(recruiter, FEATURE)
    missing = missing_models(session, FEATURE) if gate.allowed else []
    unusable = gate.reason if not gate.allowed else (NOT_TRAINED if missing else "")
    model = None
    out: dict[int, ApplicantAi] = {}
    for member_id in member_ids:
        if not _allows_recruiter_ai(session, member_id):
            out[member_id] = ApplicantAi(member_id, False, message=NOT_ALLOWED)
            continue
        if unusable:
            out[member_id] = ApplicantAi(member_id, True, message=unusable)
            continue
        if model is None:
            _, model = load_active(session, settings, "match")
        facts = member_facts(session, member_id)
        fit = model.fit(
            Candidate(facts.titles, facts.skills, facts.country),
            Target(job.title, tuple(job.skills), job.region.split("-")[0]),
        )
        own = {s.lower() for s in facts.skills}
        shared = tuple(s for s in job.skills if s.lower() in own)
        out[member_id] = ApplicantAi(member_id, True, round(fit, 4), shared)
    return out
