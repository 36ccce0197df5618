"""Slots of a job seeker's question, found by rules: only values the index knows.

`Vocabulary` is what the citable postings contain (titles, companies, skills, cities)
plus the gazetteer's places. `read_slots` finds, in a question, the spans that name one
of those values, and returns every candidate it saw, so that a model may choose among
them (never invent one) and the rules can decide alone when no model is at hand.

Typos are forgiven against the vocabulary only: a word that is one edit (two for long
words) from a known title word, skill, company or place is read as that word
("pyhton", "germnay", "enginer").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from consentry.features.chat.openings import SENIORITY, Openings, role_words, same_family
from consentry.features.chat.places import Place, find_places, gazetteer
from consentry.training.text import STOPWORDS, words

_SENIORITY_WORDS = {
    "junior": "entry", "jr": "entry", "entry": "entry", "entry-level": "entry",
    "graduate": "entry", "grad": "entry", "trainee": "entry", "mid": "mid",
    "mid-level": "mid", "intermediate": "mid", "senior": "senior", "sr": "senior",
    "lead": "lead", "principal": "lead", "head": "executive", "director": "executive",
    "chief": "executive", "vp": "executive", "executive": "executive",
}  # fmt: skip
_REMOTE_NO = re.compile(
    r"\b(on-?site|on site|in[- ]office|in[- ]person|office[- ]based|not remote|no remote|"
    r"non-?remote|without remote)\b"
)
_REMOTE_YES = re.compile(
    r"\b(remote|remotely|from home|wfh|work from anywhere|home[- ]office|home[- ]based|"
    r"fully distributed)\b"
)
# Words of a question that never name the kind of work, though a title may share a stem.
_NOT_ROLE = frozenset(
    """job jobs role roles position positions opening openings vacancy vacancies posting
    postings opportunity opportunities work working apply applying applied application
    find show search list looking look want need give tell more about please could would
    should can will any some there other others fit fits fitting good great best match
    matching suited missing skills skill headline write draft make something anything
    company companies place places city country based located location near around one
    ones first second third fourth fifth last them those these they which where when why
    how much many me also only just like love new open hiring remote remotely office site
    person home anywhere what about thanks thank hello hi hey help learn lack improve
    mine myself profile career experience background currently available really info
    linkedin there here""".split()  # noqa: SIM905
)
MIN_FUZZY = 6


def _edits(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance of a and b, stopping early above `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


@dataclass(frozen=True)
class Vocabulary:
    """Values a question may name: lower-cased phrase -> canonical value."""

    companies: dict[str, str]
    skills: dict[str, str]
    cities: dict[str, Place]
    title_words: frozenset[str]
    known: frozenset[str]

    @classmethod
    def of(cls, openings: Openings) -> Vocabulary:
        companies: dict[str, str] = {}
        skills: dict[str, str] = {}
        cities: dict[str, Place] = {}
        title_words: set[str] = set()
        first_words: dict[str, set[str]] = {}
        for p in openings.index.postings:
            if p.company:
                companies[" ".join(words(p.company))] = p.company
                first_words.setdefault(words(p.company)[0], set()).add(p.company)
            for s in p.skills:
                skills[" ".join(words(s))] = s
            title_words.update(role_words(p.title))
        for job in openings.by_job.values():
            if job.city:
                cities[" ".join(words(job.city))] = Place(
                    job.city, frozenset({job.country}), job.city
                )
        # "the Fjordgate job": a company's first word names it when no other shares it.
        for first, names in first_words.items():
            if len(names) == 1 and len(first) >= 4 and first not in _NOT_ROLE:
                companies.setdefault(first, next(iter(names)))
        known = {w for phrase in [*companies, *skills, *cities] for w in phrase.split()}
        known |= title_words | set(_SENIORITY_WORDS) | _NOT_ROLE | STOPWORDS
        known |= {w for name in gazetteer() for w in name.split()}
        return cls(companies, skills, cities, frozenset(title_words), frozenset(known))

    def correct(self, word: str) -> str:
        """`word`, or the one vocabulary word it is a typo of."""
        if len(word) < MIN_FUZZY or word in self.known or not word.isalpha():
            return word
        if any(same_family(word, t) for t in self.title_words):  # "managers", "nursing"
            return word
        limit = 1 if len(word) < 10 else 2
        targets = self.title_words | {w for p in [*self.skills, *self.companies] for w in p.split()}
        targets |= {"germany", "remote", "remotely", "scientist", "engineer", "netherlands"}
        best = sorted(
            (d, t) for t in targets if len(t) >= MIN_FUZZY for d in [_edits(word, t, limit)]
        )
        return best[0][1] if best and best[0][0] <= limit else word


@dataclass
class Slots:
    """What rules found in a question. Candidates keep every match, for a model to choose
    among; the chosen values are the rules' own choice."""

    words: list[str]
    role: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)
    seniority: str = ""
    remote: bool | None = None
    rest: list[str] = field(default_factory=list)


def _phrases(ws: list[str], table: dict, used: list[bool], max_words: int = 4) -> list:
    found = []
    i = 0
    while i < len(ws):
        for n in range(min(max_words, len(ws) - i), 0, -1):
            if any(used[i : i + n]):
                continue
            value = table.get(" ".join(ws[i : i + n]))
            if value is not None:
                found.append(value)
                for k in range(i, i + n):
                    used[k] = True
                i += n - 1
                break
        i += 1
    return found


def read_slots(question: str, vocab: Vocabulary) -> Slots:
    """The slot values named in `question` (see the module docstring)."""
    text = question.lower()
    ws = [vocab.correct(w) for w in words(text)]
    slots = Slots(ws)
    if _REMOTE_NO.search(text):
        slots.remote = False
    elif _REMOTE_YES.search(" ".join(ws)):
        slots.remote = True
    used = [False] * len(ws)
    slots.companies = _phrases(ws, vocab.companies, used)
    slots.skills = _phrases(ws, vocab.skills, used)
    slots.places = _phrases(ws, vocab.cities, used)
    free = [(i, w) for i, w in enumerate(ws) if not used[i]]
    for start, end, place in find_places([w for _, w in free]):
        slots.places.append(place)
        for k in range(start, end):
            used[free[k][0]] = True
    for i, w in enumerate(ws):
        if used[i] or w in STOPWORDS:
            continue
        after_role = i > 0 and slots.role and ws[i - 1] == slots.role[-1]
        if w in _SENIORITY_WORDS and not after_role:
            slots.seniority = slots.seniority or _SENIORITY_WORDS[w]
        elif w not in _NOT_ROLE and any(same_family(w, t) for t in vocab.title_words):
            slots.role.append(w)
        elif w not in _NOT_ROLE and not w.isdigit():
            slots.rest.append(w)
    assert not slots.seniority or slots.seniority in SENIORITY
    return slots
