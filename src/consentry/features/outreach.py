"""Recruiter outreach drafts, for a job and a candidate — only where the candidate allows it.

Uses: the candidate's decision for `recruiter-ai` (checked first; without it nothing of
their profile is read), the match model (train-ai), the language model (`features.lm`),
the job posting and the candidate's profile.

The message states the real fit: the match model's estimate as a percentage and the
skills the candidate and the job actually share, in words that follow the number (a low
fit is said to be one; nothing "stood out" at 0%). The model writes the opening
sentences, continuing a short note that holds the job's and the candidate's facts; each
generated sentence passes the fact check (`features.grounding`: every number, name,
title, skill and place is the candidate's or the job's), the praise check (no praise
above what the fit supports), the claim check (nothing said of what the company or the
recruiter is or does: the job's data holds none of it), the word check (every longer
word is the job's, the candidate's or one of a fixed list of asking words) and the
regurgitation guard, else it is regenerated or
dropped. The seed mixes in the candidate, so ten candidates get ten different drafts.

`outreach_for` is the entry point every face uses (the recruiter pages, the JSON API,
`consentry assist outreach`): a recruiter may draft outreach only for one of their own
live job postings, and only to a live member whose recruiter-ai decision allows it.

A refusal says only what the recruiter may know: the member is "not available for
recruiter AI". Why (never allowed, withdrawn on a date, excluded where they live) is the
member's own history, shown to them on their settings page and never to a recruiter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.consent.decide import decide
from consentry.errors import Forbidden, InvalidInput, NotFound
from consentry.features import Uses
from consentry.features.grounding import (
    Check,
    Generator,
    Grounds,
    Tally,
    foreign_words,
    generator_for,
    grounded,
    member_grounds,
    vocabulary_for,
    words_of,
)
from consentry.features.guard import guard_for
from consentry.features.lm import models_used
from consentry.features.member_facts import MemberFacts, member_facts
from consentry.features.profile_assistant import rotate
from consentry.network.queries import job as job_view
from consentry.network.queries import live_member_by_handle
from consentry.store.tables import Job, Member
from consentry.training.models.match import Candidate, Target
from consentry.training.models.phrasing import DEFAULT_K
from consentry.training.sisa import load_active

USES = Uses(
    purposes=("recruiter-ai", "train-ai", "train-genai"),
    data="the candidate's profile (only with their recruiter-ai permission), the job, "
    "a match model and a language model",
)
# Fit (the match model's probability) from which a draft may call the match strong, and
# below which it must say the role is a step away from the candidate's work.
STRONG_FIT = 0.6
LOW_FIT = 0.3
_PRAISE = re.compile(
    r"\b(stood out|stand(s)? out|perfect|ideal|excellent|impressive|exactly|outstanding|"
    r"strong (fit|match|background|profile)|great (fit|match)|ideally suited|well suited)\b",
    re.IGNORECASE,
)
# What a company is, does or has won: the job's data holds none of it, so a sentence
# that describes the company ("We are a leading cloud security company") invents it.
_COMPANY_CLAIM = re.compile(
    r"\b(we are|we're|we have|we've|our (company|firm|mission|clients|customers|products?|"
    r"platform|culture)|(company|firm|start-?up) (is|was|has)|leading|leader|award|"
    r"founded|fast[- ]growing|world[- ]class|best[- ]in[- ]class|industry[- ]leading)\b",
    re.IGNORECASE,
)
# Who the recruiter is: not in the job's data either ("I am a Senior Financial Analyst").
_SELF_CLAIM = re.compile(r"\b(i am|i'm|i was) (a|an|the)\b|\bmy (name|title|company)\b", re.I)


def opening_problems(sentence: str, own: frozenset[str], fit: float) -> list[str]:
    """Why a generated sentence of an opening may not stand, beyond the fact check:
    praise above what `fit` supports, a claim about the company or the recruiter, and
    the words `grounding.foreign_words` finds (neither in `own` nor plain)."""
    found = []
    if fit < STRONG_FIT and _PRAISE.search(sentence):
        found.append(f"<praise at {round(fit * 100)}% fit>")
    if _COMPANY_CLAIM.search(sentence) or _SELF_CLAIM.search(sentence):
        found.append("<a claim about the company or the recruiter>")
    # Praise words are the praise rule's to judge, not the word check's.
    found += foreign_words(_PRAISE.sub(" ", sentence), own)
    return found


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
    tally: Tally | None = None


def fit_sentence(
    fit: float, shared: list[str], facts: MemberFacts, job_title: str, seed: int
) -> str:
    """The real fit, in words the number supports: the match model's percentage and the
    skills actually shared; a low fit says the role is a step from the candidate's work."""
    pct = round(fit * 100)
    skills = ", ".join(shared[:3])
    if fit >= STRONG_FIT:
        frames = [
            f"Our match model puts your fit for this role at {pct}%"
            + (f", and you bring {skills}, which it asks for." if shared else "."),
            f"By our match model's estimate you fit this role at {pct}%"
            + (f"; {skills} are on both your profile and the posting." if shared else "."),
        ]
    elif fit >= LOW_FIT:
        frames = [
            f"Our match model puts your fit at {pct}%: a partial match"
            + (f", with {skills} in common." if shared else ", with no listed skill in common."),
            f"By our match model's estimate you fit this role at {pct}%"
            + (f"; you share {skills} with it." if shared else "; no listed skill is shared."),
        ]
    else:
        frames = [
            f"To be open: our match model puts your fit at only {pct}%, so the {job_title} "
            f"role would be a step away from your work as {facts.title}.",
            f"Our match model rates your fit at {pct}%, which is low: the role asks for "
            + (
                f"more than the {skills} you share."
                if shared
                else "skills your profile does not list."
            ),
        ]
    return rotate(frames, seed)[0]


def draft_outreach(
    session: Session,
    settings: Settings,
    *,
    job_id: int,
    candidate_id: int,
    k: int = DEFAULT_K,
    seed: int = 0,
    generator: Generator | None = None,
) -> OutreachDraft:
    """A first message from the job's recruiter to the candidate.

    Raises OutreachRefused (saying only that the member is not available) unless the
    candidate's recruiter-ai decision allows it, and NotFound for an unknown job or
    member. It does not ask who is drafting: faces call `outreach_for`, which does.
    """
    job = job_view(session, job_id=job_id)
    if job is None:
        raise NotFound(f"no live job {job_id}")
    decision = decide(session, candidate_id, "recruiter-ai")
    if not decision.allowed:
        raise OutreachRefused(f"member {candidate_id} {NOT_AVAILABLE}")
    facts = member_facts(session, candidate_id)
    match_version, match = load_active(session, settings, "match")
    phrasing_version, _ = load_active(session, settings, "phrasing")  # the guard's words
    guard = guard_for(session, settings)
    lm = generator_for(session, settings, generator)
    fit = match.fit(
        Candidate(facts.titles, facts.skills, facts.country),
        Target(job.title, tuple(job.skills), job.region.split("-")[0]),
    )
    own = {s.lower() for s in facts.skills}
    shared = [s for s in job.skills if s.lower() in own]
    pct = round(fit * 100)
    grounds = member_grounds(facts) | Grounds.of(
        [job.title, job.company, job.location, *job.location.split(","), *job.skills],
        [job.id, pct, len(shared)],
    )

    own_words = words_of(grounds.names)
    check = Check(
        grounds,
        vocabulary_for(session, settings),
        guard,
        extra=lambda sentence: opening_problems(sentence, own_words, fit),
    )
    tally = Tally()
    mixed = seed * 7919 + candidate_id
    first = facts.name.split()[0] if facts.name else "there"
    note = (
        f"Job: {job.title} at {job.company}"
        + (f", {job.location}" if job.location else "")
        + "\nJob skills: "
        + (", ".join(job.skills[:6]) or "none listed")
        + f"\nCandidate: {facts.name}, {facts.title}"
        + (f" at {facts.company}" if facts.company else "")
        + "\nShared skills: "
        + (", ".join(shared[:4]) or "none")
        + f"\nMessage from the recruiter:\nHello {first}, I am hiring a {job.title} at {job.company}."
    )
    # The model finishes a sentence that starts from the candidate's own work.
    lead = f" Your work as {facts.title}" + (f" at {facts.company}" if facts.company else "")
    pitch = grounded(
        lm, note, check, tally, sentences=2, max_tokens=36, seed=mixed, lead=lead, tries=2
    )
    if not pitch:  # no generated sentence stood: the lead, finished by us
        tally.fallbacks += 1
        pitch = [f"{lead.strip()} is why I am writing to you."]
    opening = " ".join([f"I am hiring a {job.title} at {job.company}.", *pitch])
    text = guard.keep_clean_lines(
        [
            f"Hello {facts.name},",
            "",
            opening,
            fit_sentence(fit, shared, facts, job.title, mixed),
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
        {
            "match": match_version.id,
            "phrasing": phrasing_version.id,
            **models_used(session, settings, lm),
        },
        tally=tally,
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
