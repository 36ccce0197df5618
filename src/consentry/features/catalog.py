"""The catalogue of AI features as members are offered them: who may use each, what it
draws on, and whether its models are trained.

The features themselves are their own modules of `consentry.features`; this one
describes them for every face (the pages, the API):

- every feature is part of Premium (as on the original network); a member without
  Premium is shown what Premium offers instead of the feature;
- the job-posting writer and outreach drafts are recruiter tools;
- each feature states the purposes and whose data it uses (its `USES`), with the
  purposes' plain-language titles from the policy that applies now;
- `missing_models` names the built-in models a feature needs that have no active
  version yet, so a page can say "run consentry train" instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentry.consent.versions import resolve_policy
from consentry.errors import ConsentryError
from consentry.features import Uses, chatbot, job_posts, outreach, profile_assistant
from consentry.network.accounts import is_recruiter
from consentry.store.tables import Member
from consentry.store.training_tables import ModelVersionRow

MEMBERS = "member"
RECRUITERS = "recruiter"

NOT_TRAINED = "The models have not been trained yet: run `consentry train`."


@dataclass(frozen=True)
class AiFeature:
    """One AI feature as offered: its page, who it is for, what it needs."""

    key: str
    title: str
    path: str
    audience: str  # MEMBERS or RECRUITERS
    summary: str
    premium_pitch: str
    models: tuple[str, ...]
    uses: Uses


FEATURES: tuple[AiFeature, ...] = (
    AiFeature(
        "profile-assistant",
        "Profile assistant",
        "/ai/profile-assistant",
        MEMBERS,
        "Suggests a headline, an about section and skills you may be missing, from your "
        "own profile.",
        "Get a headline and an about section written from your own experience, and see "
        "which skills people in your role usually list.",
        ("phrasing", "skills"),
        profile_assistant.USES,
    ),
    AiFeature(
        "job-chat",
        "Job-seeker chat",
        "/ai/chat",
        MEMBERS,
        "Finds jobs for you, says why you fit one, which skills you are missing, and "
        "drafts a headline aimed at it. Every answer names the jobs it is about.",
        "Chat with an assistant that finds jobs for you, explains how well you fit, and "
        "drafts your headline for the one you want.",
        ("retrieval", "match", "skills", "phrasing"),
        chatbot.USES,
    ),
    AiFeature(
        "job-post-writer",
        "Job-posting writer",
        "/ai/job-post",
        RECRUITERS,
        "Writes a complete job posting from a title, a company, a place and a few skills.",
        "Write a complete job posting from a title and a few skills.",
        ("phrasing", "skills"),
        job_posts.USES,
    ),
    AiFeature(
        "outreach",
        "Outreach drafts",
        "/ai/outreach",
        RECRUITERS,
        "Drafts a first message to a candidate for one of your jobs, only if the candidate "
        "allowed recruiter features to use their profile.",
        "Draft a first message to a candidate for one of your jobs.",
        ("match", "phrasing"),
        outreach.USES,
    ),
)
BY_KEY = {f.key: f for f in FEATURES}


@dataclass(frozen=True)
class PurposeUse:
    key: str
    title: str
    text: str


def purposes_used(session: Session, feature: AiFeature) -> list[PurposeUse]:
    """The feature's purposes with the titles and texts members see in their settings."""
    try:
        policy = resolve_policy(session).policy
    except ConsentryError:  # no policy yet: the keys alone still say what is used
        return [PurposeUse(p, p, "") for p in feature.uses.purposes]
    out = []
    for key in feature.uses.purposes:
        purpose = policy.purposes.get(key)
        out.append(
            PurposeUse(key, purpose.title, purpose.text) if purpose else PurposeUse(key, key, "")
        )
    return out


def missing_models(session: Session, feature: AiFeature) -> list[str]:
    """The models `feature` needs that have no active version (empty when ready)."""
    active = set(
        session.scalars(
            select(ModelVersionRow.feature)
            .where(ModelVersionRow.status == "active", ModelVersionRow.feature.in_(feature.models))
            .distinct()
        )
    )
    return [m for m in feature.models if m not in active]


@dataclass(frozen=True)
class Access:
    """Whether `member` may use a feature; `reason` says why not, in a sentence."""

    allowed: bool
    needs_premium: bool = False
    reason: str = ""


def access(member: Member, feature: AiFeature) -> Access:
    """Recruiter tools need the recruiter role; every feature needs Premium."""
    if feature.audience == RECRUITERS and not is_recruiter(member):
        return Access(False, reason="This tool is for recruiters only.")
    if not member.premium:
        return Access(
            False,
            needs_premium=True,
            reason=f"{feature.title} is part of Consentry Premium.",
        )
    return Access(True)


def offered_to(member: Member) -> list[AiFeature]:
    """The features shown to `member`: recruiters see every one, members theirs."""
    return [f for f in FEATURES if f.audience == MEMBERS or is_recruiter(member)]
