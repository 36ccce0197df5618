"""Person names in free text: known names, the author's own, titles and given names.

The text is cut into runs of capitalised words (lower-case name particles such as `van`,
`de`, `di` may sit inside a run). Within a run, a name is:

- a known full name (every member display name the network knows), matched through a
  dict from its first word to the full names starting with it, so 100,000 names cost
  one dict lookup per capitalised word;
- one of the author's own names, or any single word of them ("Smith" alone counts);
- a title (`Dr.`, `Ms`, `Herr`, `Mme`, ...) followed by capitalised words;
- a given name from the shipped list, with the capitalised words after it as surname.
  Given names that are also everyday words ("Grace", "Will", "May") need a surname.

Matching is case-insensitive on the words but only capitalised words start a run, as
names are written; an all-lower-case "anna müller" is not recognised.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

# Every upper-case letter of Latin, Latin-1, Latin Extended-A/B (Ł, Ś, Č, Ș, ...) and Greek.
_UPPER = "".join(c for c in map(chr, range(0x41, 0x3FF)) if c.isupper() and c.isalpha())
_WORD = rf"[{_UPPER}][\w'’\-]*"
_PARTICLES = (
    "van|von|de|der|den|del|della|dei|di|da|du|dos|das|do|le|la|ten|ter|bin|ibn|al|el|zu|af|av"
)
_TITLES = (
    "Mr|Mrs|Ms|Mx|Miss|Dr|Prof|Professor|Sir|Dame|Herr|Frau|Mme|Mlle|M|Sr|Sra|Srta|Dña|Don|"
    "Dott|Dott\\.ssa|Sig|Sig\\.ra|Ing|Mevr|Dhr|Pan|Pani"
)
# The look-behind follows the first letter so that `re` can skip ahead to capitals fast.
RUN = re.compile(
    rf"(?P<run>[{_UPPER}](?<![\w@'’\-].)[\w'’\-]*(?:(?:[ \t]+(?:{_PARTICLES}))*[ \t]+{_WORD})*)"
)
# A title right before a run ("Dr. ", "Mme "), or as the run's first word ("Dr Anna").
_TITLE_BEFORE = re.compile(rf"(?<![\w])(?:{_TITLES})\.?[ \t]+$")
_TITLE_WORDS = frozenset(t.casefold().replace("\\", "") for t in _TITLES.split("|"))
_TOKEN = re.compile(r"\S+")

# Capitalised words that follow a given name without being a surname.
_NOT_SURNAME_WORDS = """
the and or but of in on at for with from to by as is was are we i you he she they it our my
your his her their this that these those team today yesterday tomorrow tonight thanks thank hi
hello dear congrats congratulations welcome cheers best regards monday tuesday wednesday
thursday friday saturday sunday january february march april may june july august september
october november december inc ltd llc gmbh ag sa corp co plc street road avenue lane drive also
just so if when after before during who what where why how all any every great big new old good
last next first high school college university secondary primary international institute
academy hospital clinic bank group consulting labs studio agency foundation center centre office
director manager engineer designer developer officer lead head analyst scientist consultant
specialist coordinator assistant associate intern architect president partner founder recruiter
teacher nurse
"""
_NOT_SURNAME = frozenset(_NOT_SURNAME_WORDS.split())
# Words before a given name that make it a place: San Francisco, Saint Paul, São Paulo.
_PLACE_WORDS = "san santa santo são sao saint st ste sainte los las el port fort mount"
_PLACE_PREFIXES = frozenset(_PLACE_WORDS.split())

_DATA = resources.files("consentry.datasets.scrub") / "data"


def _read_list(name: str) -> frozenset[str]:
    text = (_DATA / name).read_text(encoding="utf-8")
    return frozenset(
        line.strip().casefold() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


@lru_cache(maxsize=1)
def given_names() -> tuple[frozenset[str], frozenset[str]]:
    """(given names that stand alone, given names that need a surname), casefolded."""
    ambiguous = _read_list("ambiguous_names.txt")
    return _read_list("first_names.txt") - ambiguous, ambiguous


def _words(name: str) -> tuple[str, ...]:
    return tuple(w.casefold() for w in name.split())


class NameIndex:
    """Full names grouped by their first word, longest first, for matching inside a run."""

    __slots__ = ("_by_first",)

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._by_first: dict[str, list[tuple[str, ...]]] = {}
        for name in names:
            self.add(name)

    def add(self, name: str) -> None:
        words = _words(name)
        if not words:
            return
        bucket = self._by_first.setdefault(words[0], [])
        if words not in bucket:
            bucket.append(words)
            bucket.sort(key=len, reverse=True)

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_first.values())

    def match(self, words: list[str], i: int) -> int:
        """How many words from `words[i]` form a known name (0 if none)."""
        bucket = self._by_first.get(words[i])
        if bucket:
            for candidate in bucket:
                n = len(candidate)
                if tuple(words[i : i + n]) == candidate:
                    return n
        return 0


def author_index(author_names: Iterable[str]) -> NameIndex | None:
    """The author's names and each word of them (of two letters or more) as a NameIndex."""
    index = NameIndex()
    for name in author_names:
        if not name or not name.strip():
            continue
        index.add(name)
        for word in name.split():
            if len(word) > 1 and word.casefold() not in _NOT_SURNAME:
                index.add(word)
    return index if len(index) else None


def find_persons(
    text: str, known: NameIndex, author: NameIndex | None
) -> list[tuple[int, int, str]]:
    """PERSON spans for names in `text` (titles themselves are not part of the span)."""
    solo, needs_surname = given_names()
    out: list[tuple[int, int, str]] = []
    for m in RUN.finditer(text):
        base = m.start("run")
        run = m.group("run")
        tokens = [(t.start() + base, t.end() + base) for t in _TOKEN.finditer(run)]
        raw = [text[s:e] for s, e in tokens]
        words = [w.casefold() for w in raw]
        n = len(words)
        titled = _TITLE_BEFORE.search(text, max(0, base - 12), base) is not None
        i = 0
        while i < n:
            # The longest reading wins: "Thomas Davies" (known) over "Thomas" (the author's).
            length = known.match(words, i)
            if author is not None:
                length = max(length, author.match(words, i))
            w = words[i]
            if titled and i == 0:
                length = max(length, 1 + _surname_length(raw, words, 1))
            elif w in _TITLE_WORDS and i + 1 < n and not length:
                more = _surname_length(raw, words, i + 1)
                if more:
                    out.append((tokens[i + 1][0], tokens[i + more][1], "PERSON"))
                    i += 1 + more
                    continue
            elif i and words[i - 1] in _PLACE_PREFIXES:
                pass  # San Francisco, Saint Paul: a place, unless known as a name above
            elif w in solo:
                length = max(length, 1 + _surname_length(raw, words, i + 1))
            elif w in needs_surname:
                more = _surname_length(raw, words, i + 1)
                if more:
                    length = max(length, 1 + more)
            if length:
                out.append((tokens[i][0], tokens[i + length - 1][1], "PERSON"))
                i += length
            else:
                i += 1
    return out


def _surname_length(raw: list[str], words: list[str], j: int) -> int:
    """How many words from `j` on read as surname (particles included), at most three."""
    k = j
    while k < len(words) and k - j < 4:
        w = words[k]
        if w in _NOT_SURNAME or (len(raw[k]) > 1 and raw[k].isupper()):
            break
        k += 1
    # A trailing particle is not part of the name ("Anna de" + lower-case text).
    while k > j and raw[k - 1][0].islower():
        k -= 1
    return k - j
