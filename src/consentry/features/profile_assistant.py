"""The profile-writing assistant: a headline, an about section and missing skills.

Uses: the language model (`features.lm`), the phrasing model (train-genai: patterns
attested by at least k consenting members, never one member's wording), the skills model
(train-ai: consenting members' profiles), and the requesting member's own profile.

The draft is written by the model, continuing a short document: one example profile
whose headline and about are k-anonymous phrasing patterns filled with the example's
facts (the style), then the member's own facts (titles, employers, skills, place,
years) and "Headline:". Every sentence then passes the fact check (`features.grounding`:
each number, name, title, skill and place must be the member's own) and the
regurgitation guard; one that fails is regenerated or dropped, and when nothing is left
the pattern-filled sentence stands in. Same seed, same draft; another seed, another
example and another sample.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.errors import InvalidInput
from consentry.features import Uses
from consentry.features.grounding import (
    Check,
    Generator,
    Tally,
    generator_for,
    grounded,
    member_grounds,
    split_sentences,
    vocabulary_for,
)
from consentry.features.guard import Guard, guard_for
from consentry.features.lm import models_used
from consentry.features.member_facts import MemberFacts, member_facts
from consentry.training.models.phrasing import DEFAULT_K, PhrasingModel, fill
from consentry.training.sisa import load_active

USES = Uses(
    purposes=("train-genai", "train-ai"),
    data="patterns from consenting members (k or more each), skill counts from consenting "
    "members' profiles, and your own profile",
)
ABOUT_SENTENCES = 2
HEADLINE_TOKENS = 16
ABOUT_TOKENS = 40
# Fictional people whose profiles show the model the document's shape; their facts are
# nobody's, and the fact check drops any the model copies into a member's draft.
EXAMPLES = (
    MemberFacts(
        0,
        "Amal Haddad",
        "Charge Nurse",
        "Northgate Hospital",
        ("Staff Nurse", "Charge Nurse"),
        ("patient care", "triage", "wound care"),
        "Healthcare",
        "Leeds",
        "GB",
        9,
        ("Riverside Clinic", "Northgate Hospital"),
    ),
    MemberFacts(
        0,
        "Tomás Ferreira",
        "Senior Software Engineer",
        "Brightwave Labs",
        ("Software Engineer", "Senior Software Engineer"),
        ("Go", "Kubernetes", "code review"),
        "Software",
        "Lisbon",
        "PT",
        7,
        ("Cobalt Systems", "Brightwave Labs"),
    ),
    MemberFacts(
        0,
        "Grace Okafor",
        "Account Executive",
        "Meridian Freight",
        ("Sales Associate", "Account Executive"),
        ("negotiation", "CRM", "forecasting"),
        "Logistics",
        "Rotterdam",
        "NL",
        5,
        ("Harbour Goods", "Meridian Freight"),
    ),
)

# The examples' own headline and about, written for them here: the style a prompt shows
# when the network's k-anonymous patterns fill nothing yet (a small or new network). An
# example with a bare title for a headline and no about teaches the model to write none.
EXAMPLE_WRITING = (
    (
        "Charge Nurse | Patient care, triage and wound care",
        "Charge Nurse at Northgate Hospital in Leeds, with 9 years in healthcare. I lead a "
        "ward team and care most about safe triage and good wound care.",
    ),
    (
        "Senior Software Engineer | Go, Kubernetes, code review",
        "Senior Software Engineer at Brightwave Labs in Lisbon. For 7 years I have built "
        "services in Go and run them on Kubernetes, and I enjoy careful code review.",
    ),
    (
        "Account Executive | Negotiation, CRM, forecasting",
        "Account Executive at Meridian Freight in Rotterdam, with 5 years in logistics. I "
        "keep a clean CRM, forecast honestly and negotiate for the long run.",
    ),
)


@dataclass(frozen=True)
class ProfileDraft:
    member_id: int
    headline: str
    about: str
    missing_skills: list[str]
    models: dict[str, str]
    uses: Uses = USES
    tally: Tally | None = None


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
    phrasing: PhrasingModel,
    guard: Guard,
    slots: dict,
    *,
    k: int,
    seed: int = 0,
    sentences: int = ABOUT_SENTENCES,
) -> str:
    """Up to `sentences` about sentences, each from a different pattern, each
    guard-checked, and the whole checked again (a run could straddle two sentences)."""
    chosen: list[str] = []
    for pattern in rotate([p for p, _ in phrasing.usable("about", k=k)], seed):
        text = fill(pattern, slots)
        if text and text[-1] not in ".!?":
            text += "."
        if not text or not guard.clean(text) or not guard.clean(" ".join([*chosen, text])):
            continue
        chosen.append(text)
        if len(chosen) == sentences:
            break
    return " ".join(chosen)


def facts_block(facts: MemberFacts) -> str:
    """A member's facts as the prompt's document states them."""
    work = f"{facts.title} at {facts.company}" if facts.company else facts.title
    earlier = [t for t in dict.fromkeys(reversed(facts.titles[:-1])) if t != facts.title][:2]
    if earlier:  # titles and employers are not paired: the prompt must not pair them
        work += "; before: " + ", ".join(earlier)
    lines = [f"Profile of {facts.name}", f"Work: {work}"]
    if facts.skills:
        lines.append("Skills: " + ", ".join(facts.skills[:6]))
    where = f"Place: {facts.location}" if facts.location else ""
    years = f"Years of work: {facts.years}" if facts.years else ""
    if where or years:
        lines.append(" · ".join(x for x in (where, years) if x))
    return "\n".join(lines)


def profile_prompt(
    phrasing: PhrasingModel, guard: Guard, facts: MemberFacts, *, k: int, seed: int
) -> str:
    """The document the model continues: an example profile written in k-anonymous
    patterns (or in the example's own words where the patterns fill nothing), then the
    member's facts, ending in "Headline:"."""
    which = seed % len(EXAMPLES)
    example = EXAMPLES[which]
    slots = example.slots()
    headline = write_headline(phrasing, guard, slots, k=k, seed=seed)
    if headline == example.title:  # no headline pattern filled
        headline = EXAMPLE_WRITING[which][0]
    about = write_about(phrasing, guard, slots, k=k, seed=seed, sentences=2)
    about = about or EXAMPLE_WRITING[which][1]
    return (
        f"{facts_block(example)}\nHeadline: {headline}\nAbout: {about}\n\n"
        f"{facts_block(facts)}\nHeadline:"
    )


def assist_profile(
    session: Session,
    settings: Settings,
    member_id: int,
    *,
    k: int = DEFAULT_K,
    seed: int = 0,
    generator: Generator | None = None,
) -> ProfileDraft:
    """A headline, about section and missing skills for `member_id`'s own profile.

    Every fact in the headline and the about is the member's own (`features.grounding`);
    nothing in them repeats 8 words of a training record (the guard).
    """
    facts: MemberFacts = member_facts(session, member_id)
    if not facts.title:
        raise InvalidInput("add a position to your profile first: the assistant writes from it")
    phrasing_version, phrasing = load_active(session, settings, "phrasing")
    skills_version, skills = load_active(session, settings, "skills")
    guard = guard_for(session, settings)
    lm = generator_for(session, settings, generator)
    check = Check(member_grounds(facts), vocabulary_for(session, settings), guard, words=True)
    tally = Tally()
    prompt = profile_prompt(phrasing, guard, facts, k=k, seed=seed)
    slots = facts.slots()
    headline = _headline(lm, prompt, check, tally, seed=seed)
    # An about that only repeats the headline (or the facts line) says nothing new.
    echoes = {_plain(headline), _plain(facts_block(facts).split("\n")[1].removeprefix("Work: "))}
    echoes.add(_plain(f"{facts.title} at {facts.company}"))
    check = replace(check, extra=lambda s: ["<echo>"] if _plain(s) in echoes else [])
    if not headline:
        tally.fallbacks += 1
        headline = write_headline(phrasing, guard, slots, k=k, seed=seed)
        if check.problems(headline):
            headline = facts.title
    about_sentences = grounded(
        lm,
        f"{prompt} {headline}\nAbout:",
        check,
        tally,
        sentences=ABOUT_SENTENCES,
        max_tokens=ABOUT_TOKENS,
        seed=seed,
    )
    if not about_sentences:
        tally.fallbacks += 1
        about_sentences = [
            s
            for s in split_sentences(write_about(phrasing, guard, slots, k=k, seed=seed))
            if not check.problems(s)
        ][:2] or [_plain_about(facts)]
    missing = [s for s, _ in skills.suggest(facts.titles, facts.industry, have=facts.skills, k=5)]
    return ProfileDraft(
        member_id=member_id,
        headline=headline,
        about=" ".join(about_sentences),
        missing_skills=missing,
        models={
            "phrasing": phrasing_version.id,
            "skills": skills_version.id,
            **models_used(session, settings, lm),
        },
        tally=tally,
    )


def _headline(lm: Generator, prompt: str, check: Check, tally: Tally, *, seed: int) -> str:
    """The model's headline, if one of its tries passes the check (a headline is a line,
    not a sentence: it is checked whole)."""
    for attempt in range(2):
        text = lm.complete(
            prompt,
            max_tokens=HEADLINE_TOKENS,
            stop=("\n",),
            seed=seed * 1009 + attempt,
            temperature=0.8,
        ).strip(" -|·")
        if len(text.split()) < 2:
            continue
        tally.generated += 1 if attempt == 0 else 0
        bad = check.problems(text)
        if not bad:
            if attempt == 0:
                tally.kept += 1
            else:
                tally.regenerated += 1
            return text
        tally.rejected.append((text, bad))
    tally.dropped += 1
    return ""


def _plain_about(facts: MemberFacts) -> str:
    """One sentence from the member's facts alone, for when no generated one survives."""
    where = f" in {facts.location}" if facts.location else ""
    at = f" at {facts.company}" if facts.company else ""
    return f"{facts.title}{at}{where}."


def _plain(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))
