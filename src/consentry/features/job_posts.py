"""The job-posting writer: from a title, company, location and a few skills, a posting.

Uses: the language model (`features.lm`), the phrasing model (train-genai: sentence
patterns attested by at least k consenting members), the skills model (train-ai: which
skills go with the title, from consenting members' profiles).

The posting always has the same sections, in the same order, under the same headings:
the title line, an introduction, "What you'll do", "What you bring", "Nice to have" (when
the skills model suggests any) and "Where" (when a location is given). The model writes
the introduction and the duties, continuing a short document whose example duties are
k-anonymous phrasing patterns; every generated sentence passes the fact check
(`features.grounding`: each number, name, title, skill and place must be the job's own)
and the regurgitation guard, else it is regenerated or dropped. A duty that no try
gets right is written from the job's skills alone. The headings are ours, never checked
away: the guard reads each section's lines on their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.errors import InvalidInput
from consentry.features import Uses
from consentry.features.grounding import (
    Check,
    Generator,
    Grounds,
    Tally,
    generator_for,
    grounded,
    vocabulary_for,
)
from consentry.features.guard import Guard, guard_for
from consentry.features.lm import models_used
from consentry.features.profile_assistant import rotate
from consentry.training.models.phrasing import DEFAULT_K, PhrasingModel, fill, impersonal
from consentry.training.sisa import load_active

USES = Uses(
    purposes=("train-genai", "train-ai"),
    data="patterns from consenting members (k or more each) and skill counts from "
    "consenting members' profiles; the title, company, location and skills you give",
)
SECTIONS = ("What you'll do", "What you bring", "Nice to have")
DUTIES = 3
_SKILL_ONLY = re.compile(r"^[^{}]*\{skill\}[^{}]*$")
MAX_FIELD = 120
MAX_SKILLS = 12


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
    tally: Tally | None = None


def _style_duties(phrasing: PhrasingModel, guard: Guard, skills: list[str], *, k: int, seed: int):
    """Two example duties: impersonal k-anonymous patterns about one skill, filled."""
    patterns = rotate(
        [
            p
            for kind in ("post", "about")
            for p, _ in phrasing.usable(kind, k=k)
            if _SKILL_ONLY.match(p) and impersonal(p) and 4 <= len(p.split()) <= 14
        ],
        seed,
    )
    out = []
    for i, pattern in enumerate(patterns[:8]):
        text = fill(pattern, {"skill": [skills[i % len(skills)]]}) if skills else None
        if text and guard.clean(text):
            out.append(text if text[-1] in ".!?" else text + ".")
        if len(out) == 2:
            break
    return out or ["Work with the team every day."]


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
    generator: Generator | None = None,
) -> JobPostDraft:
    """A complete posting, its sections always present and in order.

    Raises InvalidInput without a title and a company, or for fields too long to be a
    posting's.
    """
    title, company, location = title.strip(), company.strip(), location.strip()
    skills = list(dict.fromkeys(s.strip() for s in skills if s.strip()))
    if not title or not company:
        raise InvalidInput("a job posting needs at least a title and a company")
    if max(len(title), len(company), len(location), *(len(s) for s in skills)) > MAX_FIELD:
        raise InvalidInput(f"a title, company, location or skill is at most {MAX_FIELD} characters")
    if len(skills) > MAX_SKILLS:
        raise InvalidInput(f"a posting lists at most {MAX_SKILLS} skills")
    phrasing_version, phrasing = load_active(session, settings, "phrasing")
    skills_version, skill_model = load_active(session, settings, "skills")
    guard = guard_for(session, settings)
    lm = generator_for(session, settings, generator)
    nice = [s for s, _ in skill_model.suggest([title], "", have=skills, k=3)]
    grounds = Grounds.of([title, company, location, *location.split(","), *skills, *nice])
    check = Check(grounds, vocabulary_for(session, settings), guard)
    tally = Tally()
    examples = _style_duties(phrasing, guard, skills, k=k, seed=seed)
    facts = f"Job: {title} at {company}" + (f", {location}" if location else "")
    facts += "\nSkills: " + (", ".join(skills) if skills else "none listed")
    intro = grounded(
        lm,
        f"{facts}\nAbout the role:",
        check,
        tally,
        sentences=1,
        max_tokens=28,
        seed=seed,
    )
    if not intro:
        tally.fallbacks += 1
        intro = [f"{company} is hiring a {title}" + (f" in {location}." if location else ".")]
    duties: list[str] = []
    prompt = f"{facts}\nWhat you'll do:\n- " + "\n- ".join(examples) + "\n-"
    for i in range(DUTIES):
        said = grounded(
            lm,
            prompt + "".join(f" {d}\n-" for d in duties),
            check,
            tally,
            sentences=1,
            max_tokens=20,
            seed=seed * 31 + i,
        )
        fresh = [d for d in said if d not in duties and d not in examples]
        if fresh:
            duties.append(fresh[0])
    for skill in skills:
        if len(duties) >= DUTIES:
            break
        tally.fallbacks += 1
        duties.append(f"Work with {skill} every day.")
    if not duties:
        duties = [f"Do the work of a {title} at {company}."]
    sections = [
        [f"{title} at {company}" + (f", {location}" if location else "")],
        [" ".join(intro)],
        [SECTIONS[0], *guarded(guard, [f"- {d}" for d in duties])],
        [
            SECTIONS[1],
            *(
                guarded(guard, [f"- Experience with {s}" for s in skills])
                or ["- Curiosity and care"]
            ),
        ],
    ]
    if nice:
        sections.append([SECTIONS[2], *[f"- {s}" for s in nice]])
    if location:
        sections.append([f"Where: {location}"])
    text = "\n\n".join("\n".join(lines) for lines in sections)
    return JobPostDraft(
        title,
        company,
        location,
        skills,
        nice,
        text,
        {
            "phrasing": phrasing_version.id,
            "skills": skills_version.id,
            **models_used(session, settings, lm),
        },
        tally=tally,
    )


def guarded(guard: Guard, lines: list[str]) -> list[str]:
    """A section's lines the guard lets through together (no run straddles two)."""
    kept = guard.keep_clean_lines(lines)
    return kept.split("\n") if kept else []
