"""The fact check for generated drafts: every fact in a draft comes from the grounds.

A draft (profile headline and about, job posting, outreach message) is written by the
language model, which invents freely: "across 14 companies", "14 years", a skill the
member never listed. After generation every sentence is read for the facts it states -
numbers (digits and spelled out: "fourteen", "a decade"), capitalised names and runs of
them ("Fjordgate AI", "Director of Nursing"), any known title, skill or company name
(from the active skills model and retrieval index), and place names (the GeoNames
gazetteer of `training.places`) - and each must be found in the `Grounds`: the member's
own data, the job's, and the few figures the feature itself computed (a fit percentage).

A sentence with an unsupported fact is regenerated (another seed, a bounded number of
tries) or dropped; when nothing survives, the caller writes a sentence from the facts
alone. Extraction errs towards finding too much: a false "fact" costs a dropped
sentence, a missed one would be an invented fact in front of a member.

`Tally` counts what happened to the generated sentences, for the benchmark figures.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.errors import ConsentryError
from consentry.features.guard import Guard
from consentry.features.member_facts import MemberFacts
from consentry.genai.generate import Generator
from consentry.store.tables import Job, Skill
from consentry.training.places import PlaceIndex
from consentry.training.sisa import load_active

# Spelled-out numbers a draft could state a count or a duration with. "one" is left out:
# it is far more often a pronoun ("no one", "one of the") than a claim.
_SPELLED = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "hundreds": 100,
    "thousand": 1000,
    "thousands": 1000,
    "million": 1_000_000,
    "millions": 1_000_000,
    "dozen": 12,
    "dozens": 12,
    "decade": 10,
    "decades": 10,
    "double": 2,
    "twice": 2,
    "triple": 3,
    "half": 2,
}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_SPELLED_RE = re.compile(r"(?<![\w-])(" + "|".join(_SPELLED) + r")(?![\w-])", re.IGNORECASE)
# A capitalised word: a capital, then letters, digits and the marks names carry (O'Neil,
# Coca-Cola, C++, AT&T, Node.js); "of", "and", "&", "de", "for" may join two of them.
_CAP_WORD = r"[A-ZÀ-ÖØ-Þ][\w'&+#\-]*(?:\.\w+)*"
_JOINER = r"(?:of|and|&|de|du|der|van|von|for|the|la|le|am|upon)"
_CAP_RUN = re.compile(rf"(?<![\w'-]){_CAP_WORD}(?:\s+(?:{_JOINER}\s+)?{_CAP_WORD})*")
_JOINERS = frozenset(_JOINER.strip("(?:)").split("|"))
_SENTENCE_START = re.compile(r"(?:^|[.!?:;•\n\"(\-–—]\s*|\|\s*|·\s*)$")
_WORD = re.compile(r"[\w'&+#-]+")
# Words a sentence may open with, or that are capitalised mid-sentence, without naming
# anything. The phrasing model's patterns add the words members write in lower case.
_FUNCTION_TEXT = """i i'm i've i'd i'll a an the and or but so if as at by for from in into of on to
    with without about after before during over under between through across this that
    these those there here it it's its my me our we we're you you're your they their he she
    his her who what when where why how which while also currently now today always
    ever every each all both more most some any many much other such than then very just
    only even still yet not no yes is are was were be been being have has had do does did
    can could will would should may might must let let's outside happy open based before
    join joined looking helping working leading building hello hi dear thanks thank best
    regards cheers kind warm would like love passionate experienced seasoned proven
    driven dedicated motivated results-driven curious"""
_FUNCTION_WORDS = frozenset(_FUNCTION_TEXT.split())


@dataclass(frozen=True)
class Grounds:
    """What a draft may state: names (companies, titles, skills, places, the person's
    name, the industry) and numbers, as the data holds them."""

    names: tuple[str, ...]
    numbers: frozenset[int]

    @classmethod
    def of(cls, names: Iterable[str], numbers: Iterable[int] = ()) -> Grounds:
        found = [n.strip() for n in names if n and n.strip()]
        numbers = set(numbers)
        for name in found:  # "Web3", "Windows 11": a number inside a name is the name's
            numbers |= {_as_int(m.group(0)) for m in _NUMBER.finditer(name)}
        return cls(tuple(dict.fromkeys(found)), frozenset(numbers))

    def __or__(self, other: Grounds) -> Grounds:
        return Grounds(tuple(dict.fromkeys(self.names + other.names)), self.numbers | other.numbers)

    @property
    def name_words(self) -> tuple[tuple[str, ...], ...]:
        return _name_words(self.names)

    def supports_name(self, claim: str) -> bool:
        """Whether `claim` is one of the names or a run of words inside one ("Data
        Scientist" of "Senior Data Scientist"), or a run of such parts joined by "and"."""
        said = tuple(_norm_words(claim))
        if not said:
            return True
        for words in self.name_words:
            n = len(said)
            if any(words[i : i + n] == said for i in range(len(words) - n + 1)):
                return True
        return self._covered(said)

    def _covered(self, said: tuple[str, ...]) -> bool:
        # A run of several names ("Lead Data Scientist Fjordgate AI", "Python and SQL"):
        # every word must belong to a piece that is itself a run inside one name.
        ok = [True] + [False] * len(said)
        for end in range(1, len(said) + 1):
            for start in range(end):
                if not ok[start]:
                    continue
                piece = said[start:end]
                if (len(piece) == 1 and piece[0] in _JOINERS) or any(
                    words[i : i + len(piece)] == piece
                    for words in self.name_words
                    for i in range(len(words) - len(piece) + 1)
                ):
                    ok[end] = True
                    break
        return ok[-1]


@cache
def _name_words(names: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(_norm_words(n)) for n in names)


def _norm_words(text: str) -> list[str]:
    return [w.lower().removesuffix("'s").strip("'.-") for w in _WORD.findall(text)]


def _as_int(text: str) -> int:
    digits = re.sub(r"[.,]\d+$", "", text).replace(",", "").replace(".", "")
    return int(digits) if digits.isdigit() else -1


@dataclass(frozen=True)
class Vocabulary:
    """Names the network knows (titles, skills, companies: lower-cased, matched anywhere
    in a sentence whatever their case), words that name nothing, and the gazetteer."""

    known: frozenset[str]
    common: frozenset[str]
    places: PlaceIndex = field(default_factory=PlaceIndex)

    @cached_property
    def openers(self) -> frozenset[str]:
        """Words that may open a sentence capitalised without naming anything."""
        return self.common | _FUNCTION_WORDS

    @property
    def known_regex(self) -> re.Pattern[str] | None:
        return _known_regex(self.known)


@cache
def _known_regex(known: frozenset[str]) -> re.Pattern[str] | None:
    names = sorted((k for k in known if len(k) >= 2), key=lambda n: (-len(n), n))
    if not names:
        return None
    return re.compile(
        r"(?<![\w])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w])", re.IGNORECASE
    )


def claims(sentence: str, vocab: Vocabulary) -> list[str]:
    """Every fact-like thing `sentence` states: numbers, capitalised names, known
    titles, skills and companies, places. Generous by design."""
    found: list[str] = [m.group(0) for m in _NUMBER.finditer(sentence)]
    found += [m.group(0) for m in _SPELLED_RE.finditer(sentence)]
    for m in _CAP_RUN.finditer(sentence):
        run = m.group(0).rstrip(".'-")
        if _SENTENCE_START.search(sentence[: m.start()]) or m.start() == 0:
            first, _, rest = run.partition(" ")
            label = sentence[m.start() + len(first) : m.start() + len(first) + 1] == ":"
            if label or first.lower().strip("'") in vocab.openers:
                run = rest.strip()
                run = re.sub(rf"^{_JOINER}\s+", "", run)
        if run and run.lower() not in _FUNCTION_WORDS:
            found.append(run)
    regex = vocab.known_regex
    if regex is not None:
        found += [m.group(0) for m in regex.finditer(sentence)]
    found += [sentence[a:b] for a, b in vocab.places.spans(sentence)]
    return found


def unsupported(sentence: str, grounds: Grounds, vocab: Vocabulary) -> list[str]:
    """The claims of `sentence` that the grounds do not hold (empty: the sentence may stay)."""
    bad = []
    for claim in claims(sentence, vocab):
        if _NUMBER.fullmatch(claim):
            ok = _as_int(claim) in grounds.numbers
        elif _SPELLED_RE.fullmatch(claim):
            ok = _SPELLED[claim.lower()] in grounds.numbers
        else:
            ok = grounds.supports_name(claim)
        if not ok:
            bad.append(claim)
    return bad


def vocabulary_for(session: Session, settings: Settings) -> Vocabulary:
    """The known names (the active skills model's and retrieval index's, and the skill
    names, job titles and companies on the network), and the common words of the active
    phrasing model's patterns (a word members write in lower case is not a name).

    Kept per model versions: a skill added to the network since is only known to the
    next versions' vocabulary (its capital letters still mark most names)."""
    phrasing_version, phrasing = load_active(session, settings, "phrasing")
    skills_version, skills = load_active(session, settings, "skills")
    try:
        index_version, index = load_active(session, settings, "retrieval")
    except ConsentryError:
        index_version, index = None, None
    key = (phrasing_version.id, skills_version.id, index_version.id if index_version else "")
    if key not in _VOCAB:
        known = {s.lower() for s in skills.popularity}
        known |= {f.split(":", 1)[1] for f in skills.features if f.startswith("title:")}
        for p in index.postings if index is not None else ():
            known |= {p.title.lower(), p.company.lower(), *(s.lower() for s in p.skills)}
        common = {
            w
            for (_, pattern) in phrasing.counts
            for w in re.findall(r"(?<![{\w])[a-z][a-z'-]+(?![\w}])", pattern)
        }
        # Names on the network at large, only ever to block a sentence: a skill no
        # consenting member lists ("cloud security") is still not this member's skill.
        # Nothing read here reaches a draft or a model.
        known |= {n.lower() for n in session.scalars(select(Skill.name).distinct())}
        known |= {t.lower() for t in session.scalars(select(Job.title).distinct())}
        known |= {c.lower() for c in session.scalars(select(Job.company).distinct())}
        known = {k for k in known if k and k not in _FUNCTION_WORDS}
        if len(_VOCAB) >= 8:
            _VOCAB.clear()
        _VOCAB[key] = Vocabulary(frozenset(known), frozenset(common - known))
    return _VOCAB[key]


# Model versions are immutable, so a vocabulary built for them never goes stale.
_VOCAB: dict[tuple[str, str, str], Vocabulary] = {}


@dataclass
class Tally:
    """What happened to generated sentences: kept as written, replaced by a regenerated
    one, dropped after the tries ran out, and drafts that fell back to facts alone."""

    generated: int = 0
    kept: int = 0
    regenerated: int = 0
    dropped: int = 0
    fallbacks: int = 0
    rejected: list[tuple[str, list[str]]] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.generated += other.generated
        self.kept += other.kept
        self.regenerated += other.regenerated
        self.dropped += other.dropped
        self.fallbacks += other.fallbacks
        self.rejected += other.rejected[:20]

    def as_dict(self) -> dict[str, Any]:
        return {
            "generated": self.generated,
            "kept": self.kept,
            "regenerated": self.regenerated,
            "dropped": self.dropped,
            "fallbacks": self.fallbacks,
        }


_SPLIT = re.compile(r"(?<=[.!?])\s+")
SENTENCE_STOPS = ("\n",)


def split_sentences(text: str) -> list[str]:
    """`text` cut into sentences, each ending in a full stop (one is added if missing)."""
    out = []
    for part in _SPLIT.split(text.strip()):
        part = part.strip(" \t-–—•*")
        said = _WORD.findall(part)
        if len(said) < 3:
            continue  # a fragment says nothing
        if part[-1] not in ".!?" and said[-1].lower() in _FUNCTION_WORDS:
            continue  # cut short by the token limit ("... solve problems on the")
        out.append(part if part[-1] in ".!?" else part + ".")
    return out


# Words a generated sentence may use besides the member's or the job's own: how people
# ask, invite and describe work in general, never what anyone is, has or did. With the
# word check on, every other word of four letters or more must be one of the grounds'
# words, so a skill, product, sector or achievement the data does not hold ("strategy",
# "cloud security") cannot slip through in lower case, where the names' check does not
# reach. Pronouns that give a gender are never the data's: it holds none.
PLAIN_WORDS = frozenset(
    """about across after again also always another anyone anything available back background
    based been before being best better between both bring brings build building builds
    built call calls came care career cares chance chat come coming conversation could
    currently daily days deliver delivered delivering does doing done each early else enjoy
    enjoys even ever every excited experience experienced expertise explore feel find first
    focus focused focuses free from further glad good great happy have having hear hearing
    hello help helped helping helps here hiring hope hoping idea ideas interest interested
    into join joining just keen know knowledge lead leading leads learn led less like
    likely looking love loves made make many match matches maybe meet message might more
    most much need next open opportunity other over part passionate people perhaps person
    personally please possible previously profile project projects quick quickly reach
    reaching ready really responsible right role roles same schedule seemed seems share
    short should since skill skills solid some somebody someone something soon sound sounds
    speak spend still strong such suit suits take talk talking team teams than thank thanks
    that their them then there these they think this those though through time today
    together touch very want wanted week weeks well were what when where whether which
    while will wish with within without wonder wondering work worked working works would
    write year years your yours""".split()  # noqa: SIM905
)  # fmt: skip
# Courtesies: they state nothing about anyone.
PLAIN_WORDS |= frozenset(
    """look looking forward meeting caught noticed collaborate collaborating exciting
    incredibly super sure happen together connect connecting discuss discussing curious
    wanted wondered hearing reply replies thoughts touch base""".split()  # noqa: SIM905
)
# Spelled-out numbers are the number check's to judge (`unsupported`).
PLAIN_WORDS |= frozenset(
    """zero three four five seven eight nine eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty
    ninety hundred""".split()  # noqa: SIM905
)
_GENDERED = re.compile(r"\b(he|she|him|his|her|hers|himself|herself)\b", re.IGNORECASE)


def words_of(names: Iterable[str]) -> frozenset[str]:
    """The lower-cased words of `names` (a member's or a job's facts)."""
    return frozenset(w for name in names for w in re.findall(r"[a-z][a-z'-]+", name.lower()))


def foreign_words(sentence: str, own: frozenset[str]) -> list[str]:
    """The words of `sentence` no fact supports: each word of four letters or more that
    neither `own` nor `PLAIN_WORDS` holds (a plural's singular counts), and gendered
    pronouns."""
    found = [m.group(0) for m in _GENDERED.finditer(sentence)]
    found += [
        w
        for w in re.findall(r"[a-z][a-z'-]{3,}", sentence.lower())
        if w not in PLAIN_WORDS and w not in own and w.rstrip("s") not in own
    ]
    return found


@dataclass(frozen=True)
class Check:
    """Everything a generated sentence must pass: the facts, the guard, and any rule the
    feature adds (outreach forbids praise at low fit)."""

    grounds: Grounds
    vocab: Vocabulary
    guard: Guard
    extra: Callable[[str], list[str]] | None = None
    # The word check (`foreign_words`) on the grounds' words: for text about a person.
    words: bool = False

    def problems(self, sentence: str, before: Sequence[str] = ()) -> list[str]:
        bad = unsupported(sentence, self.grounds, self.vocab)
        if self.words:
            bad += foreign_words(sentence, words_of(self.grounds.names))
        if self.extra is not None:
            bad += self.extra(sentence)
        # The guard reads the sentence with the one before it: a run may straddle two.
        if not self.guard.clean(" ".join([*before[-1:], sentence])):
            bad.append("<training text>")
        return bad


def grounded(
    generator: Generator,
    prompt: str,
    check: Check,
    tally: Tally,
    *,
    sentences: int,
    max_tokens: int,
    seed: int,
    tries: int = 1,
    temperature: float = 0.8,
    lead: str = "",
) -> list[str]:
    """Up to `sentences` sentences continuing `prompt`, each passing `check`.

    One completion (to the end of the line) is cut into sentences; a sentence that fails
    is regenerated from the prompt and the sentences kept before it with another seed,
    up to `tries` times, and otherwise dropped. Same seed, same sentences. A `lead` (the
    first words of the first sentence, ours) is part of the prompt and of that sentence,
    so the model finishes a sentence that starts from the facts.
    """
    text = lead + generator.complete(
        prompt + lead,
        max_tokens=max_tokens,
        stop=SENTENCE_STOPS,
        seed=seed,
        temperature=temperature,
    )
    kept: list[str] = []
    for i, sentence in enumerate(split_sentences(text)[:sentences]):
        tally.generated += 1
        bad = check.problems(sentence, kept)
        if not bad:
            kept.append(sentence)
            tally.kept += 1
            continue
        tally.rejected.append((sentence, bad))
        for attempt in range(1, tries + 1):
            opening = "" if kept else lead
            again = opening + generator.complete(
                (prompt + " ".join([*kept, ""]) if kept else prompt) + opening,
                max_tokens=max(12, max_tokens // max(1, sentences)) + 8,
                stop=SENTENCE_STOPS,
                seed=seed * 1009 + (i + 1) * 101 + attempt,
                temperature=temperature,
            )
            first = split_sentences(again)[:1]
            if first and not check.problems(first[0], kept):
                kept.append(first[0])
                tally.regenerated += 1
                break
        else:
            tally.dropped += 1
    return kept


def generator_for(session: Session, settings: Settings, given: Generator | None) -> Generator:
    """`given`, or the features' configured language model."""
    if given is not None:
        return given
    from consentry.features.lm import feature_generator  # the model loads on first use

    generator: Generator = feature_generator(session, settings)
    return generator


def member_grounds(facts: MemberFacts) -> Grounds:
    """What a draft may say of a member: their name, titles, employers, skills, industry
    and places, their years of work and how many employers and roles they had."""
    country = _country_name(facts.country)
    return Grounds.of(
        [
            facts.name,
            *facts.titles,
            *facts.companies,
            facts.company,
            *facts.skills,
            facts.industry,
            facts.location,
            *facts.places,
            country,
            facts.country,
        ],
        [
            n
            # Counts a draft could state: "13 years", "3 companies", "3 roles".
            for n in (facts.years, len(facts.companies), len(set(facts.titles)))
            if n
        ],
    )


@cache
def _country_name(code: str) -> str:
    import pycountry

    found = pycountry.countries.get(alpha_2=code.upper()) if len(code) == 2 else None
    return str(getattr(found, "common_name", None) or getattr(found, "name", "")) if found else ""
