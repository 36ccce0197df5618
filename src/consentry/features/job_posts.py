"""The job-posting writer: from a title, company, location and a few skills, a posting.

Uses: the phrasing model (train-genai: sentence patterns attested by at least k
consenting members), the skills model (train-ai: which skills go with the title, from
consenting members' profiles). The posting's structure (sections and their headings) is
fixed; what fills it is learned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.errors import InvalidInput
from consentry.features import Uses
from consentry.features.guard import guard_for
from consentry.features.profile_assistant import rotate
from consentry.training.models.phrasing import DEFAULT_K, fill, impersonal
from consentry.training.sisa import load_active

USES = Uses(
    purposes=("train-genai", "train-ai"),
    data="patterns from consenting members (k or more each) and skill counts from "
    "consenting members' profiles; the title, company, location and skills you give",
)
_SKILL_ONLY = re.compile(r"^[^{}]*\{skill\}[^{}]*$")


@dataclass(frozen=True)
class JobPostDraft:
    title: str
    company: str
    location: str
    skills: list[str]
    nice_to_have: list[str]
    text: str
    models: dict[str, str]
    uses: Uses = USES


def write_job_post(
    session: Session,
    settings: Settings,
    *,
    title: str,
    company: str,
    location: str,
    skills: list[str],
    k: int = DEFAULT_K,
    seed: int = 0,
) -> JobPostDraft:
    """A complete posting: intro, the role, what you bring, nice to have, where."""
    title, company, location = title.strip(), company.strip(), location.strip()
    skills = [s.strip() for s in skills if s.strip()]
    if not title or not company:
        raise InvalidInput("a job posting needs at least a title and a company")
    phrasing_version, phrasing = load_active(session, settings, "phrasing")
    skills_version, skill_model = load_active(session, settings, "skills")
    guard = guard_for(session, settings)
    nice = [s for s, _ in skill_model.suggest([title], "", have=skills, k=3)]
    slots = {
        "title": [title] * 2,
        "company": [company] * 2,
        "location": [location] if location else [],
        "skill": skills,
    }
    intro_patterns = [
        p
        for kind in ("post", "about")
        for p, _ in phrasing.usable(kind, k=k)
        if ("{title}" in p or "{company}" in p) and impersonal(p)
    ]
    intro = guard.first_clean(fill(p, slots) for p in rotate(intro_patterns, seed))
    lines = [f"{title} at {company}" + (f", {location}" if location else ""), ""]
    if intro:
        lines += [intro, ""]
    lines.append("What you'll do")
    skill_patterns = rotate(
        [
            p
            for kind in ("post", "about")
            for p, _ in phrasing.usable(kind, k=k)
            if _SKILL_ONLY.match(p) and impersonal(p) and len(p.split()) >= 4
        ],
        seed,
    )
    for i, skill in enumerate(skills[:4]):
        sentence = guard.first_clean(
            fill(p, {"skill": [skill]}) for p in skill_patterns[i:] + skill_patterns[:i]
        )
        lines.append(f"- {sentence}" if sentence else f"- Work with {skill} every day.")
    lines += ["", "What you bring"]
    lines += [f"- Experience with {s}" for s in skills] or ["- Curiosity and care"]
    if nice:
        lines += ["", "Nice to have", *[f"- {s}" for s in nice]]
    if location:
        lines += ["", f"Where: {location}"]
    text = guard.keep_clean_lines(lines)
    return JobPostDraft(
        title,
        company,
        location,
        skills,
        nice,
        text,
        {"phrasing": phrasing_version.id, "skills": skills_version.id},
    )
