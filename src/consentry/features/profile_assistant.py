"""The profile-writing assistant: a headline, an about section and missing skills.

Uses: the phrasing model (train-genai: patterns attested by at least k consenting
members, never one member's wording), the skills model (train-ai: consenting members'
profiles), and the requesting member's own profile as the slot values.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.errors import InvalidInput
from consentry.features import Uses
from consentry.features.guard import Guard, guard_for
from consentry.features.member_facts import MemberFacts, member_facts
from consentry.training.models.phrasing import DEFAULT_K, PhrasingModel, fill
from consentry.training.sisa import load_active

USES = Uses(
    purposes=("train-genai", "train-ai"),
    data="patterns from consenting members (k or more each), skill counts from consenting "
    "members' profiles, and your own profile",
)
ABOUT_SENTENCES = 4


@dataclass(frozen=True)
class ProfileDraft:
    member_id: int
    headline: str
    about: str
    missing_skills: list[str]
    models: dict[str, str]
    uses: Uses = USES


def rotate(items: list, seed: int) -> list:
    """`items` starting at a seed-chosen place: same seed, same order."""
    if not items:
        return items
    start = seed % len(items)
    return items[start:] + items[:start]


def write_headline(
    phrasing: PhrasingModel, guard: Guard, slots: dict, *, k: int, seed: int = 0
) -> str:
    """The first headline pattern (most attested first, rotated by seed) that fills and
    passes the guard; the plain title when none does."""
    patterns = rotate([p for p, _ in phrasing.usable("headline", k=k)][:6], seed)
    found = guard.first_clean(fill(p, slots) for p in patterns)
    return found or (slots["title"][0] if slots["title"] else "")


def write_about(
    phrasing: PhrasingModel, guard: Guard, slots: dict, *, k: int, seed: int = 0
) -> str:
    """Up to four about sentences, each from a different pattern, each guard-checked,
    and the whole checked again (a run could straddle two sentences)."""
    chosen: list[str] = []
    for pattern in rotate([p for p, _ in phrasing.usable("about", k=k)], seed):
        text = fill(pattern, slots)
        if text and text[-1] not in ".!?":
            text += "."
        if not text or not guard.clean(text) or not guard.clean(" ".join([*chosen, text])):
            continue
        chosen.append(text)
        if len(chosen) == ABOUT_SENTENCES:
            break
    return " ".join(chosen)


def assist_profile(
    session: Session, settings: Settings, member_id: int, *, k: int = DEFAULT_K, seed: int = 0
) -> ProfileDraft:
    """A headline, about section and missing skills for `member_id`'s own profile."""
    facts: MemberFacts = member_facts(session, member_id)
    if not facts.title:
        raise InvalidInput("add a position to your profile first: the assistant writes from it")
    phrasing_version, phrasing = load_active(session, settings, "phrasing")
    skills_version, skills = load_active(session, settings, "skills")
    guard = guard_for(session, settings)
    slots = facts.slots()
    missing = [s for s, _ in skills.suggest(facts.titles, facts.industry, have=facts.skills, k=5)]
    return ProfileDraft(
        member_id=member_id,
        headline=write_headline(phrasing, guard, slots, k=k, seed=seed),
        about=write_about(phrasing, guard, slots, k=k, seed=seed),
        missing_skills=missing,
        models={"phrasing": phrasing_version.id, "skills": skills_version.id},
    )
