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
from collections.abc import Iterable, KeysView
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
    "Dott|Dott\\.ssa|Sig|Sig\\.ra|Ing|Mevr|Dhr|Pan|Pani|Madame|Monsieur|Mademoiselle|Signora|"
    "Signor|Signorina|Señor|Señora|Señorita|Senhor|Senhora|Mevrouw|Meneer|"
    # written in lower case inside a sentence: "il sig. Accardo", "la sra. Ruiz"
    "sig|sig\\.ra|dott|dott\\.ssa|sr|sra|srta|dña"
)
# The look-behind follows the first letter so that `re` can skip ahead to capitals fast.
RUN = re.compile(
    rf"(?P<run>[{_UPPER}](?<![\w@'’\-].)[\w'’\-]*(?:(?:[ \t]+(?:{_PARTICLES}))*[ \t]+{_WORD})*)"
)
# A title right before a run ("Dr. ", "Mme "), or as the run's first word ("Dr Anna").
_TITLE_BEFORE = re.compile(rf"(?<![\w])(?:{_TITLES})\.?[ \t]+$")
# The capitalised words of a text: every word of a run but its particles, and more.
_CAPITALISED = re.compile(_WORD)
_PARTICLE_WORDS = frozenset(_PARTICLES.split("|"))
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
    """Full names as casefolded word tuples, with the name lengths seen per first word.

    Matching inside a run costs one dict lookup per word plus one set lookup per distinct
    name length starting with that word, however many names share the first word (a
    network of 100,000 members has thousands of names starting "Anna").
    """

    __slots__ = ("_lengths", "_names", "singles")

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._names: set[tuple[str, ...]] = set()
        # first word -> the distinct lengths of the names starting with it, longest first
        self._lengths: dict[str, tuple[int, ...]] = {}
        # one-word names, for the single-word runs that make up most runs of a text
        self.singles: set[str] = set()
        for name in names:
            self.add(name)

    def add(self, name: str) -> None:
        words = _words(name)
        if not words or words in self._names:
            return
        self._names.add(words)
        n = len(words)
        if n == 1:
            self.singles.add(words[0])
        lengths = self._lengths.get(words[0], ())
        if n not in lengths:
            self._lengths[words[0]] = tuple(sorted((*lengths, n), reverse=True))

    def __len__(self) -> int:
        return len(self._names)

    def first_words(self) -> KeysView[str]:
        """Every word a known name starts with."""
        return self._lengths.keys()

    def match(self, words: list[str], i: int) -> int:
        """How many words from `words[i]` form a known name (0 if none); the longest wins."""
        lengths = self._lengths.get(words[i])
        if lengths:
            left = len(words) - i
            for n in lengths:
                if n <= left and tuple(words[i : i + n]) in self._names:
                    return n
        return 0


class _Starters:
    """The words at which a name can start for one known index: a run holding none of them
    (and no title before it) cannot hold a name, so most runs are dismissed in one pass."""

    __slots__ = ("index", "multi", "particles", "single", "size")

    def __init__(self, known: NameIndex) -> None:
        solo, needs_surname = given_names()
        self.index = known
        self.size = len(known)
        # A one-word run is a name only if the word is a one-word name or a solo given name.
        self.single = frozenset(known.singles) | solo
        self.multi = frozenset(known.first_words()) | solo | needs_surname | _TITLE_WORDS
        # Whether a name may start with a particle ("van Dijk" known as a whole name).
        self.particles = not self.multi.isdisjoint(_PARTICLE_WORDS)


_STARTERS: dict[int, _Starters] = {}


def _starters(known: NameIndex) -> _Starters:
    # Keyed by identity and refreshed when the index grew (Scrubber.add_names).
    cached = _STARTERS.get(id(known))
    if cached is None or cached.index is not known or cached.size != len(known):
        if len(_STARTERS) > 64:
            _STARTERS.clear()
        cached = _STARTERS[id(known)] = _Starters(known)
    return cached


@lru_cache(maxsize=8192)
def _author_index(author_names: tuple[str, ...]) -> NameIndex | None:
    index = NameIndex()
    for name in author_names:
        if not name or not name.strip():
            continue
        index.add(name)
        for word in name.split():
            if len(word) > 1 and word.casefold() not in _NOT_SURNAME:
                index.add(word)
    return index if len(index) else None


def author_index(author_names: Iterable[str]) -> NameIndex | None:
    """The author's names and each word of them (of two letters or more) as a NameIndex.

    Cached per distinct tuple of names (an author writes many texts); treat it as read-only.
    """
    return _author_index(tuple(author_names))


_EMPTY: frozenset[str] = frozenset()
# Could a title stand anywhere in the text? (A superset of `_TITLE_BEFORE`.)
_ANY_TITLE = re.compile(rf"(?:{_TITLES})\.?[ \t]")


def find_persons(
    text: str, known: NameIndex, author: NameIndex | None, *, titles: bool | None = None
) -> list[tuple[int, int, str, str]]:
    """PERSON spans for names in `text` (titles themselves are not part of the span), each
    with the rule that found it: `known-name`, `author-name`, `rule:title` or
    `rule:given-name`.

    `titles` may say whether `text` can hold a title at all (`_ANY_TITLE`), when the
    caller already knows; None lets this function look.
    """
    solo, needs_surname = given_names()
    starters = _starters(known)
    single, multi = starters.single, starters.multi
    own_single = author.singles if author is not None else _EMPTY
    own_multi = author.first_words() if author is not None else _EMPTY
    if titles is None:
        titles = _ANY_TITLE.search(text) is not None
    if not titles:
        # Most texts name nobody: one look at all their capitalised words at once (no
        # match objects, no per-run Python) settles it. Every word of a run is such a word
        # or a particle; a one-word name is also a first word.
        if starters.particles or not own_multi.isdisjoint(_PARTICLE_WORDS):
            words = " ".join(RUN.findall(text)).casefold().split()
        else:
            words = " ".join(_CAPITALISED.findall(text)).casefold().split()
        if multi.isdisjoint(words) and own_multi.isdisjoint(words):
            return []
    out: list[tuple[int, int, str, str]] = []
    for m in RUN.finditer(text):
        base = m.start()
        run = m.group()
        words = run.casefold().split()
        titled = titles and _TITLE_BEFORE.search(text, max(0, base - 12), base) is not None
        if len(words) == 1:
            # A one-word run: the general loop below reduces to exactly this test.
            if titled or words[0] in single or words[0] in own_single:
                out.append((base, m.end(), "PERSON", _one_word_rule(words[0], titled, own_single)))
            continue
        if not titled and multi.isdisjoint(words) and own_multi.isdisjoint(words):
            continue
        tokens = [(t.start() + base, t.end() + base) for t in _TOKEN.finditer(run)]
        raw = [text[s:e] for s, e in tokens]
        n = len(words)
        i = 0
        while i < n:
            # The longest reading wins: "Thomas Davies" (known) over "Thomas" (the author's).
            length = known.match(words, i)
            rule = "known-name"
            if author is not None:
                own = author.match(words, i)
                if own > length:
                    length, rule = own, "author-name"
            w = words[i]
            if titled and i == 0:
                more = 1 + _surname_length(raw, words, 1)
                if more > length:
                    length, rule = more, "rule:title"
            elif w in _TITLE_WORDS and i + 1 < n and not length:
                more = _surname_length(raw, words, i + 1)
                if more:
                    out.append((tokens[i + 1][0], tokens[i + more][1], "PERSON", "rule:title"))
                    i += 1 + more
                    continue
            elif i and words[i - 1] in _PLACE_PREFIXES:
                pass  # San Francisco, Saint Paul: a place, unless known as a name above
            elif w in solo:
                more = 1 + _surname_length(raw, words, i + 1)
                if more > length:
                    length, rule = more, "rule:given-name"
            elif w in needs_surname:
                more = _surname_length(raw, words, i + 1)
                if more and 1 + more > length:
                    length, rule = 1 + more, "rule:given-name"
            if length:
                out.append((tokens[i][0], tokens[i + length - 1][1], "PERSON", rule))
                i += length
            else:
                i += 1
    return out


def _one_word_rule(word: str, titled: bool, own: frozenset[str] | set[str]) -> str:
    if titled:
        return "rule:title"
    if word in own:
        return "author-name"
    return "rule:given-name" if word in given_names()[0] else "known-name"


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
