"""What a job seeker asks: the intent, the filters, and the job they refer to.

Two readers give the same `Request`:

- `read_by_rules`: keyword patterns for the intent, `slots.read_slots` for the values.
- `read_by_model`: a language model chooses the intent among the labels (a few-shot
  prompt and one constrained choice, `choose`, never free text), and chooses each
  single-valued slot among the candidates the rules found in the question, when they
  found more than one. The model can therefore only pick values that occur in the
  question and in the index. When no model is given, or it fails, or its answer is not
  one of the options, the rules' reading stands (`Request.source` says which was used).

Filters on a question about one job (why I fit, what I miss, a headline, details) serve
to find that job ("the Senior Data Scientist job at Fjordgate AI"); a reference by id,
ordinal or pronoun makes them moot, so they are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from consentry.features.chat.openings import Filters
from consentry.features.chat.slots import Slots, Vocabulary, read_slots


class Intent(StrEnum):
    FIND_JOBS = "find_jobs"
    WHY_FIT = "why_fit"
    MISSING_SKILLS = "missing_skills"
    WRITE_HEADLINE = "write_headline"
    JOB_DETAIL = "job_detail"
    OTHER = "other"


class Chooser(Protocol):
    """The part of the generation contract the chat uses: the index of the option the
    model finds likeliest after `prompt`."""

    def choose(self, prompt: str, options: list[str]) -> int: ...


@dataclass(frozen=True)
class JobRef:
    """A job named in the question: by id (`job 12`), by position in the last list shown
    (`ordinal`, 0-based; -1 the last), or by a pronoun (`that one`, `it`)."""

    job_id: int | None = None
    ordinal: int | None = None
    pronoun: bool = False

    def __bool__(self) -> bool:
        return self.job_id is not None or self.ordinal is not None or self.pronoun


@dataclass(frozen=True)
class Request:
    intent: Intent
    filters: Filters = field(default_factory=Filters)
    ref: JobRef = field(default_factory=JobRef)
    # Words to rank by (BM25) that are not filters; the role and skills are added.
    query: tuple[str, ...] = ()
    # A follow-up that narrows or shifts the last search ("only remote ones", "what about Berlin").
    refines: bool = False
    source: str = "rules"


# --- rules -----------------------------------------------------------------------------

_HEADLINE = re.compile(r"\b(head ?line|tag ?line|title for my profile|profile title)\b")
_MISSING = re.compile(
    r"\b(missing|miss|lack|lacking|gaps?|upskill|what (?:else )?should i learn|need to learn|"
    r"skills? (?:do|would|will|should) i need|skills? (?:am i|i am|i'm) (?:missing|lacking)|"
    r"what do i need|which skills do i need|skills? i need|should i learn|skills? should i|"
    r"(?:have|need) to learn)\b"
)
_WHY = re.compile(r"^\s*(why|how come)\b|\bwhy (?:am|do|would|is|should)\b")
_FIT = re.compile(
    r"\b(fit|fits|good match|match for|a match am i|suited|qualified|right for me|my chances|chance|"
    r"how well|strong candidate)\b"
)
_PLURAL = re.compile(
    r"\b(jobs|roles|positions|openings|vacancies|postings|opportunities|ones|any(?:thing)?|"
    r"hiring|find|search|show|list|recommend|looking for|look for|out there|available)\b"
)
_DETAIL = re.compile(
    r"\b(tell me (?:more )?about|more about|details?|info|information|describe|where is|what is|what's|is it|"
    r"is (?:that|this|the \w+)(?: one| job)?|does it|what kind|which company|who is hiring|"
    r"located|contract|full[- ]time|part[- ]time|employment type)\b"
)
_ONE_JOB = re.compile(r"\b(job|role|position|posting|one|opening)\b")
_OTHER = re.compile(
    r"^\s*(hi|hello|hey|thanks|thank you|ok|okay|cool|great|bye|good (?:morning|evening))\b|"
    r"\b(what can you do|how does this work|who are you|help)\b"
)
_REFINE = re.compile(
    r"^\s*(what about|how about|and|only|just|any|what if|but|also|instead|same|of those|"
    r"which of (?:those|them|these))\b|\b(ones|of those|of them|instead)\b"
)
_JOB_ID = re.compile(r"\b(?:job|posting|role|position)\s*(?:#|no\.?|number)?\s*(\d+)\b|#(\d+)\b")
_ORDINALS = {
    "first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3,
    "4th": 3, "fifth": 4, "5th": 4, "last": -1, "top": 0,
}  # fmt: skip
_ORDINAL = re.compile(
    r"\b(?:the\s+)?(" + "|".join(_ORDINALS) + r")\b(?:\s+(?:one|job|role|posting|position))?|"
    r"\bnumber\s+(\d)\b|\bno\.\s*(\d)\b"
)
_PRONOUN = re.compile(r"\b(that one|this one|that job|this job|that role|this role|it|the job)\b")


def _ref(text: str) -> JobRef:
    m = _JOB_ID.search(text)
    if m:
        return JobRef(job_id=int(m.group(1) or m.group(2)))
    m = _ORDINAL.search(text)
    if m:
        if m.group(1):
            return JobRef(ordinal=_ORDINALS[m.group(1)])
        return JobRef(ordinal=int(m.group(2) or m.group(3)) - 1)
    return JobRef(pronoun=bool(_PRONOUN.search(text)))


def _rules_intent(text: str, slots: Slots, ref: JobRef) -> Intent:
    return candidate_intents(text, slots, ref)[0]


def candidate_intents(text: str, slots: Slots, ref: JobRef) -> list[Intent]:
    """Every intent some cue of the question points to, the rules' choice first: what
    a model may choose among. Never empty."""
    plural = bool(_PLURAL.search(text))
    cues = {
        Intent.WRITE_HEADLINE: bool(_HEADLINE.search(text)),
        Intent.MISSING_SKILLS: bool(_MISSING.search(text)),
        # "Which jobs fit me" asks for jobs that fit, not why one job does.
        Intent.WHY_FIT: bool(_WHY.search(text) or (_FIT.search(text) and not plural)),
        Intent.JOB_DETAIL: bool(
            (_DETAIL.search(text) and (ref or slots.companies))
            or (slots.companies and _ONE_JOB.search(text))
        ),
        Intent.FIND_JOBS: bool(
            plural
            or _FIT.search(text)
            or slots.role
            or slots.skills
            or slots.places
            or slots.remote is not None
            or slots.seniority
            or slots.companies
        ),
        Intent.OTHER: bool(_OTHER.search(text)),
    }
    # The rules' order of precedence.
    if cues[Intent.WRITE_HEADLINE]:
        first = Intent.WRITE_HEADLINE
    elif cues[Intent.MISSING_SKILLS]:
        first = Intent.MISSING_SKILLS
    elif _WHY.search(text) or (_FIT.search(text) and not plural):
        first = Intent.WHY_FIT
    elif cues[Intent.JOB_DETAIL] and not plural:
        first = Intent.JOB_DETAIL
    elif _OTHER.search(text) and not (slots.role or slots.skills or slots.places):
        first = Intent.OTHER
    elif cues[Intent.FIND_JOBS]:
        first = Intent.FIND_JOBS
    elif ref:
        first = Intent.JOB_DETAIL
    else:
        first = Intent.OTHER
    return [first] + [i for i, on in cues.items() if on and i != first]


def _filters(slots: Slots) -> Filters:
    place = slots.places[0] if slots.places else None
    return Filters(
        role=tuple(slots.role),
        skills=tuple(dict.fromkeys(slots.skills)),
        countries=place.countries if place else frozenset(),
        city=place.city if place else "",
        place=place.name if place else "",
        remote=slots.remote,
        seniority=slots.seniority,
        company=slots.companies[0] if slots.companies else "",
    )


def _finish(intent: Intent, slots: Slots, ref: JobRef, text: str, source: str) -> Request:
    filters = _filters(slots)
    if intent not in (Intent.FIND_JOBS, Intent.OTHER) and ref:
        filters = Filters()
    if intent == Intent.OTHER:
        filters, ref = Filters(), JobRef()
    refines = intent == Intent.FIND_JOBS and bool(_REFINE.search(text))
    return Request(intent, filters, ref, tuple(slots.rest), refines, source)


def read_by_rules(question: str, vocab: Vocabulary) -> Request:
    """The rules' reading of `question`."""
    text = question.lower()
    slots = read_slots(question, vocab)
    ref = _ref(text)
    return _finish(_rules_intent(text, slots, ref), slots, ref, text, "rules")


# --- model -----------------------------------------------------------------------------

# One word each: `choose` sums log-probabilities, so labels of equal length compete fairly.
LABELS = {
    Intent.FIND_JOBS: "search",
    Intent.WHY_FIT: "fit",
    Intent.MISSING_SKILLS: "gaps",
    Intent.WRITE_HEADLINE: "headline",
    Intent.JOB_DETAIL: "details",
    Intent.OTHER: "other",
}
_SHOTS = (
    ("any data jobs in berlin?", Intent.FIND_JOBS),
    ("why would I be a good fit for job 31", Intent.WHY_FIT),
    ("Show me remote nursing roles", Intent.FIND_JOBS),
    ("what skills do I lack for the second one?", Intent.MISSING_SKILLS),
    ("tell me more about that one", Intent.JOB_DETAIL),
    ("draft a headline for the Acme job", Intent.WRITE_HEADLINE),
    ("thanks, that's all", Intent.OTHER),
    ("Which jobs suit me?", Intent.FIND_JOBS),
    ("am I qualified for the first one", Intent.WHY_FIT),
    ("where is job 8 based", Intent.JOB_DETAIL),
)


def _intent_prefix() -> str:
    lines = ["Messages to a job search assistant, each with its request type.", ""]
    for q, intent in _SHOTS:
        lines += [f"Message: {q}", f"Type: {LABELS[intent]}", ""]
    return "\n".join(lines) + "\n"


INTENT_PREFIX = _intent_prefix()
"""The examples every intent prompt starts with (a model may keep their computation)."""


def intent_prompt(question: str) -> str:
    """The few-shot prompt whose continuation is an intent label."""
    return INTENT_PREFIX + f"Message: {' '.join(question.split())[:300]}\nType:"


def _choose(model: Chooser, prompt: str, options: list[str]) -> int | None:
    try:
        i = model.choose(prompt, options)
    except Exception:  # a failing backend (HTTP down, model missing): the rules answer
        return None
    return i if isinstance(i, int) and 0 <= i < len(options) else None


def read_by_model(
    question: str, vocab: Vocabulary, model: Chooser | None, *, restrict: bool = True
) -> Request:
    """The model's reading of `question`, the rules filling in (see the module docstring).

    With `restrict` the model chooses among the intents the question's cues point to
    (`candidate_intents`; no call when there is one); without, among all six."""
    text = question.lower()
    slots = read_slots(question, vocab)
    ref = _ref(text)
    candidates = candidate_intents(text, slots, ref) if restrict else list(LABELS)
    if model is None:
        return _finish(candidate_intents(text, slots, ref)[0], slots, ref, text, "rules")
    intent = candidates[0]
    source = "rules"
    if len(candidates) > 1:
        i = _choose(model, intent_prompt(question), [" " + LABELS[t] for t in candidates])
        if i is None:
            return _finish(candidate_intents(text, slots, ref)[0], slots, ref, text, "rules")
        intent, source = candidates[i], "model"
    if len(slots.places) > 1:
        j = _choose(
            model,
            f"Question: {question}\nThe place where the jobs should be:",
            [" " + p.name for p in slots.places],
        )
        if j is not None:
            slots.places, source = [slots.places[j]], "model"
    names = list(dict.fromkeys(slots.companies))
    if len(names) > 1:
        j = _choose(
            model, f"Question: {question}\nThe company asked about:", [" " + n for n in names]
        )
        if j is not None:
            slots.companies, source = [names[j]], "model"
    return _finish(intent, slots, ref, text, source)
