"""Erased members' names, kept as keyed hashes so that the scrubber still finds them.

Erasure overwrites a member's name in the members table, where the scrubber learns the
names it knows; without more, every build after an erasure would leave the erased person's
name readable in other members' texts ("Lunch with Xanthippe Vordermeyer today"). So the
erasure keeps, instead of the name, HMAC-SHA256 digests (under the fixed `erased-names`
key) of the ways the name is written, and the scrubber hashes the word windows of a text
and replaces those that match with `<PERSON>`.

What is hashed: the folded word sequences (casefolded, accents removed, a possessive
`'s` dropped, so "XANTHIPPE VORDERMEYER's" and "Xanthippe Vördermeyer" match alike) of

- the display name;
- first name(s) followed by last name(s) ("Mary Ann Smith");
- the first given name and the last name(s), without middle names ("Mary Smith");
- last name(s) then first name(s), as lists write it ("Smith, Mary Ann");
- the handle, when it has two words or more ("anna.mueller84", "qz_77"): written bare in
  other members' texts it names the member as surely as the name does.

Only sequences of two words or more are kept. One word alone — a last name ("Smith",
"Baker", "Rose") or a first name ("Anna") — names thousands of other people and is often
an ordinary word; scrubbing every occurrence of it would strip far more than the erased
person from the data, and the hash cannot tell one "Baker" from another. A given name
alone is still caught by the ordinary person finder's name list where it is one.

Speed: each word of a text is folded once (memoised) and looked up against a set of 16-bit
"gates" — buckets of the keyed hash of each name's first word — and only windows that
start at a gated word are hashed. A gate is deliberately too coarse to confirm a first
name: with the key and a list of names, the full digests can still be tried, which is why
the key never leaves the data folder.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# A word: letters or digits, with inner apostrophes and hyphens (O'Brien, Müller-Lüdenscheidt).
_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
# At most this many characters between two words of one name ("Smith, Mary": ", ").
MAX_GAP = 3
# Names longer than this many words are hashed but their longest forms are not matched.
MAX_WORDS = 6
_GATE_BITS = 16
_MEMO_LIMIT = 200_000


def fold(word: str) -> str:
    """A word as names are compared: casefolded, accents removed, a possessive dropped."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")
    if folded.endswith("'s") and len(folded) > 2:
        folded = folded[:-2]
    return folded


def words_of(text: str) -> list[str]:
    """The folded words of `text`, in order."""
    return [fold(m.group()) for m in _WORD.finditer(text)]


def _digest(key: bytes, words: Iterable[str]) -> bytes:
    return hmac.digest(key, b"name\0" + "\x1f".join(words).encode(), "sha256")


def _gate(key: bytes, word: str) -> int:
    raw = hmac.digest(key, b"gate\0" + word.encode(), "sha256")
    return int.from_bytes(raw[:4], "big") >> (32 - _GATE_BITS)


@dataclass(frozen=True, order=True)
class NameHash:
    """One stored form of an erased name: its digest (hex), word count and gate."""

    digest: str
    words: int
    gate: int


def name_forms(first: str, last: str, display: str, handle: str = "") -> set[tuple[str, ...]]:
    """The folded word sequences of a name (and handle) that are kept (see the module
    docstring)."""
    given, family, shown = words_of(first), words_of(last), words_of(display)
    forms = {tuple(shown), tuple(given + family), tuple(family + given), tuple(words_of(handle))}
    if given and family:
        forms.add((given[0], *family))
    return {f for f in forms if len(f) >= 2}


def name_hashes(
    key: bytes, first: str, last: str, display: str, handle: str = ""
) -> list[NameHash]:
    """The hashes to keep for a member named (`first`, `last`, `display`), sorted."""
    return sorted(
        NameHash(_digest(key, form).hex(), len(form), _gate(key, form[0]))
        for form in name_forms(first, last, display, handle)
    )


class ErasedNames:
    """Finds erased names in text by their stored hashes.

    `hashes` are (digest hex, word count, gate) triples as stored. Empty: `find` returns
    nothing at once. Not thread-safe (a memo of folded words is kept); one per build.
    """

    def __init__(self, key: bytes, hashes: Iterable[tuple[str, int, int]] = ()) -> None:
        self._key = key
        self._digests: set[bytes] = set()
        self._gates: set[int] = set()
        lengths: set[int] = set()
        for digest, words, gate in hashes:
            self._digests.add(bytes.fromhex(digest))
            self._gates.add(gate)
            if words <= MAX_WORDS:
                lengths.add(words)
        self._lengths = tuple(sorted(lengths, reverse=True))  # the longest match wins
        # raw word -> (folded word, whether it can start a stored name)
        self._memo: dict[str, tuple[str, bool]] = {}
        # The whitespace-separated pieces of text seen so far, and those holding a word
        # that can start a stored name: most texts hold none, and `str.split` and two set
        # operations, all in C, say so without a regex or a Python step per word.
        self._pieces: set[str] = set()
        self._gated: set[str] = set()

    def __len__(self) -> int:
        return len(self._digests)

    def __bool__(self) -> bool:
        return bool(self._digests)

    def _word(self, raw: str) -> tuple[str, bool]:
        known = self._memo.get(raw)
        if known is None:
            if len(self._memo) > _MEMO_LIMIT:
                self._memo.clear()
            folded = fold(raw)
            known = self._memo[raw] = (folded, _gate(self._key, folded) in self._gates)
        return known

    def _may_hold_a_name(self, text: str) -> bool:
        pieces = set(text.split())
        new = pieces.difference(self._pieces)
        if new:
            if len(self._pieces) > _MEMO_LIMIT:
                self._pieces.clear()
                self._gated.clear()
            for piece in new:
                if any(self._word(w)[1] for w in _WORD.findall(piece)):
                    self._gated.add(piece)
            self._pieces |= new
        return not pieces.isdisjoint(self._gated)

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """PERSON spans of `text` whose words hash to a stored erased name."""
        if not self._digests:
            return []
        if not self._may_hold_a_name(text):
            return []
        matches = list(_WORD.finditer(text))
        words = [self._word(m.group()) for m in matches]
        out: list[tuple[int, int, str]] = []
        n = len(words)
        i = 0
        while i < n:
            if not words[i][1]:
                i += 1
                continue
            length = self._match(text, matches, words, i)
            if length:
                out.append((matches[i].start(), matches[i + length - 1].end(), "PERSON"))
                i += length
            else:
                i += 1
        return out

    def _match(self, text, matches, words, i: int) -> int:
        for length in self._lengths:
            last = i + length - 1
            if last >= len(words):
                continue
            # Words of one name stand close together: a space, ", " or ". " between them.
            if any(matches[j + 1].start() - matches[j].end() > MAX_GAP for j in range(i, last)):
                continue
            if _digest(self._key, (w for w, _ in words[i : last + 1])) in self._digests:
                return length
        return 0
