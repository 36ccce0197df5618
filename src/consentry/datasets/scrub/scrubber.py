"""The scrubber: finds personal data in a text and replaces it with typed placeholders.

`Scrubber.find` and `Scrubber.scrub` work on one text and run every detector;
`Scrubber.scrub_batch` works on many (a dataset build and `consentry scrub` call it) and
first asks the RE2 gates of `triggers`, vectorised over the batch, which detectors each
text can need at all, then runs only those, in Python, with their validators. A gate never
refuses a text its detector would find something in, so both give the same spans.

Overlaps are resolved once, the same way for every caller: structured types first, longer
span first, then the more specific type (a checksum-validated CARD, IBAN or ID beats a
PHONE over the same digits); PERSON spans fill in only where nothing structured was found,
so a name never swallows an email, URL or address.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from consentry.datasets.scrub import formats, handles, persons, phones
from consentry.datasets.scrub import triggers as g
from consentry.datasets.scrub.erased import ErasedNames
from consentry.datasets.scrub.triggers import triggers_batch

TYPES = ("EMAIL", "PHONE", "PERSON", "ADDRESS", "URL", "ID", "CARD", "IBAN", "IP", "DOB")
_ID_SHAPES = tuple(g.ID_SHAPE_BITS.items())
_ID_BITS = sum(g.ID_SHAPE_BITS.values())
# Higher wins a tie between overlapping spans of the same length.
_PRIORITY = {
    "CARD": 9, "IBAN": 9, "ID": 8, "EMAIL": 8, "IP": 7, "URL": 6, "DOB": 5, "PHONE": 4,
    "ADDRESS": 3, "PERSON": 1,
}  # fmt: skip


class Span(NamedTuple):
    """Personal data of `type` at `text[start:end]`."""

    start: int
    end: int
    type: str

    @property
    def placeholder(self) -> str:
        return f"<{self.type}>"


@dataclass(frozen=True)
class ScrubResult:
    """The scrubbed text and the spans that were replaced, as offsets into the input text."""

    text: str
    spans: list[Span]


def resolve(found: Iterable[tuple[int, int, str]], text: str | None = None) -> list[Span]:
    """Non-overlapping spans, sorted by start: structured types first, then PERSON.

    With `text`, a PERSON candidate that runs into a structured span ("Anna" in a run
    "Anna Via Roma" whose "Via Roma 10" is an ADDRESS) keeps its words outside that span,
    so that scrubbing the result again finds nothing new.
    """
    ordered = sorted(found, key=lambda f: (f[2] == "PERSON", f[0] - f[1], -_PRIORITY[f[2]], f[0]))
    taken: list[tuple[int, int]] = []
    kept: list[Span] = []
    for start, end, kind in ordered:
        if end <= start:
            continue
        if any(start < e and s < end for s, e in taken):
            if kind != "PERSON" or text is None:
                continue
            piece = _outside(start, end, taken, text)
            if piece is None:
                continue
            start, end = piece
        taken.append((start, end))
        kept.append(Span(start, end, kind))
    kept.sort()
    return kept


# Types whose spans no phone number can share. Digit-run types (ID, CARD) are left to
# `resolve`: a phone number may contain a run that also passes an ID check.
_MASKS_PHONES = frozenset({"IP", "IBAN", "EMAIL", "URL", "PERSON"})


def _mask(text: str, found: list[tuple[int, int, str]], kinds: frozenset[str]) -> str:
    """`text` with the spans of `kinds` in `found` blanked by NULs (same length, no digits)."""
    spans = [(s, e) for s, e, kind in found if kind in kinds]
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        chars[start:end] = "\0" * (end - start)
    return "".join(chars)


def _outside(start: int, end: int, taken: list[tuple[int, int]], text: str):
    """The first stretch of whole capitalised words of [start, end) that no taken span
    covers, or None."""
    cuts = sorted((max(s, start), min(e, end)) for s, e in taken if s < end and start < e)
    pos = start
    for s, e in [*cuts, (end, end)]:
        if s > pos:
            m = _WORDS.fullmatch(text, pos, s)
            if m is not None and m.group("words"):
                return m.start("words"), m.end("words")
        pos = max(pos, e)
    return None


_WORDS = re.compile(r"\W*(?P<words>[^\W\d_][\w'’-]*(?:\s+[^\W\d_][\w'’-]*)*)?\W*")


def apply(text: str, spans: Sequence[Span]) -> str:
    """`text` with each span replaced by its placeholder (spans sorted, non-overlapping)."""
    if not spans:
        return text
    parts: list[str] = []
    at = 0
    for span in spans:
        parts.append(text[at : span.start])
        parts.append(span.placeholder)
        at = span.end
    parts.append(text[at:])
    return "".join(parts)


#: Passes after the first, at most: each can only shrink what is left readable.
_MAX_PASSES = 3


def _outside_placeholders(found: Sequence[Span], spans: Sequence[Span]) -> list[Span]:
    """The spans `found` in `apply(text, spans)` that touch no placeholder, as offsets into
    `text` itself (a span that overlaps a placeholder cannot be mapped back and is left)."""
    out: list[Span] = []
    shift = 0  # how much longer `text` is than the scrubbed text, before the current span
    index = 0
    at = 0  # where the current placeholder starts in the scrubbed text
    edges: list[
        tuple[int, int, int]
    ] = []  # (start, end) of each placeholder, and the shift after it
    for span in spans:
        at = span.start - shift
        shift += (span.end - span.start) - len(span.placeholder)
        edges.append((at, at + len(span.placeholder), shift))
    for f in found:
        while index < len(edges) and edges[index][1] <= f.start:
            index += 1
        if index < len(edges) and edges[index][0] < f.end:
            continue  # overlaps a placeholder
        before = edges[index - 1][2] if index else 0
        out.append(Span(f.start + before, f.end + before, f.type))
    return out


class Scrubber:
    """Finds and replaces personal data.

    `known_names` are full display names the network knows (every member's); `known_handles`
    are member handles, found in text even without an `@`. `erased` holds the keyed hashes
    of erased members' names (`erased.ErasedNames`), found as PERSON wherever their words
    appear. `region` is the default region hint for national-format phone numbers; a
    per-call `region` overrides it.
    """

    def __init__(
        self,
        known_names: Iterable[str] = (),
        known_handles: Iterable[str] = (),
        *,
        erased: ErasedNames | None = None,
        region: str | None = None,
    ) -> None:
        self.names = persons.NameIndex(known_names)
        self.erased = erased
        # Only handles that cannot be an ordinary word are matched bare ("anna.mueller84").
        self.handles = frozenset(h.casefold() for h in known_handles if h and not h.isalpha())
        self.region = region

    def add_names(self, names: Iterable[str]) -> None:
        """Learn more known full names."""
        for name in names:
            self.names.add(name)

    def find(
        self, text: str, *, author_names: Iterable[str] = (), region: str | None = None
    ) -> list[Span]:
        """The personal data in `text`: sorted, non-overlapping spans."""
        return self._find(text, g.ALL, author_names, region or self.region)

    def scrub(
        self, text: str, *, author_names: Iterable[str] = (), region: str | None = None
    ) -> ScrubResult:
        """`text` with every span found replaced by its `<TYPE>` placeholder."""
        spans = self.find(text, author_names=author_names, region=region)
        return ScrubResult(apply(text, spans), spans)

    def scrub_batch(
        self,
        texts: Sequence[str],
        author_names: Sequence[Sequence[str]] | None = None,
        regions: Sequence[str | None] | None = None,
    ) -> list[ScrubResult]:
        """Scrub many texts at once; result `i` is exactly `scrub(texts[i], ...)`.

        `author_names[i]` and `regions[i]` belong to `texts[i]` when given.
        """
        flags = triggers_batch(texts)
        out: list[ScrubResult] = []
        for i, text in enumerate(texts):
            names = author_names[i] if author_names is not None else ()
            region = (regions[i] if regions is not None else None) or self.region
            spans = self._find(text, flags[i], names, region)
            out.append(ScrubResult(apply(text, spans), spans))
        return out

    def _find(
        self, text: str, t: int, author_names: Iterable[str], region: str | None
    ) -> list[Span]:
        names = tuple(author_names)
        spans = self._find_once(text, t, names, region)
        # Detectors judge a candidate by its neighbours, and a longer span may swallow the
        # start of a shorter one ("x@y.com" cut by an address): once the first spans are
        # placeholders, what is left can read as personal data of its own. Scrub until
        # nothing new is found, so that scrubbing a scrubbed text changes nothing.
        for _ in range(_MAX_PASSES):
            if not spans:
                break
            extra = _outside_placeholders(
                self._find_once(apply(text, spans), g.ALL, names, region), spans
            )
            if not extra:
                break
            spans = sorted([*spans, *extra])
        return spans

    def _find_once(
        self, text: str, t: int, author_names: Iterable[str], region: str | None
    ) -> list[Span]:
        found: list[tuple[int, int, str]] = []
        if t & g.AT:
            found += formats.find_emails(text)
            found += formats.find_mentions(text)
        if t & g.URL:
            found += formats.find_urls(text)
        if t & g.DIGIT:
            if t & g.IBAN:
                found += formats.find_ibans(text)
            if t & g.CARD:
                found += formats.find_cards(text)
            if t & g.IPV4:
                found += formats.find_ipv4s(text)
            if t & g.IPV6 and ":" in text:
                found += formats.find_ipv6s(text)
            if t & g.PHONE:
                # Phone candidates are loose digit runs: mask what stricter detectors
                # already claimed, as a placeholder would on a second pass, so a number
                # running into an IP or IBAN is judged on its own digits.
                found += phones.find_phones(_mask(text, found, _MASKS_PHONES), region)
            if t & g.ADDRESS:
                found += formats.find_addresses(text)
            if t & g.BIRTH:
                found += formats.find_dobs(text)
        if t & _ID_BITS:
            # Outside the digit test: an omocodia fiscal code may be written without a digit.
            found += formats.find_ids(text, [n for n, b in _ID_SHAPES if t & b])
        if self.handles and t & g.HANDLE:
            found += handles.find_handles(text, self.handles)
        found += persons.find_persons(
            text, self.names, persons.author_index(author_names), titles=bool(t & g.TITLE)
        )
        if self.erased:
            # Any case and any accents: the hashes are of folded words (see `erased.py`).
            found += self.erased.find(text)
        return resolve(found, text) if found else []


def scrub_batch(
    texts: Sequence[str],
    author_names: Sequence[Sequence[str]] | None = None,
    *,
    scrubber: Scrubber | None = None,
) -> list[ScrubResult]:
    """Scrub `texts` with `scrubber` (a scrubber that knows no member names by default)."""
    return (scrubber or Scrubber()).scrub_batch(texts, author_names)
