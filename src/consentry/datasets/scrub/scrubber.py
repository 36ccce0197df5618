"""The scrubber: finds personal data in a text and replaces it with typed placeholders.

A cascade, cheapest first:

1. the RE2 gates of `triggers`, vectorised over a batch, say which format detectors each
   text can need at all (`Scrubber.find` runs them all; a gate never refuses a text its
   detector would find something in, so both give the same spans);
2. the rules: formats and validators (`formats`, `phones`, python-stdnum), known member
   names and handles, erased-name hashes, names by their context (`persons`, `context`),
   spelled-out emails and phone numbers (`deobfuscate`);
3. a pretrained NER model (`ner`), only for the texts the rules leave unsettled
   (`cascade.needs_ner`), in batches, for names of people who are not members and for
   places in address context.

Overlaps are resolved once, the same way for every caller: structured types first, longer
span first, then the more specific type (a checksum-validated CARD, IBAN or ID beats a
PHONE over the same digits); PERSON spans fill in only where nothing structured was found,
so a name never swallows an email, URL or address.

Each span knows the detector that found it (`Detected.detector`: `format:email`,
`validator:iban`, `known-name`, `rule:initial-surname`, `deobfuscated:email`,
`ner:en_core_web_sm`, ...); `Span`, which callers unpack as (start, end, type), does not
carry it, and `find(..., explain=True)` returns `Detected` spans instead.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, NamedTuple, overload

from consentry.datasets.scrub import (
    addresses,
    context,
    deobfuscate,
    formats,
    handles,
    persons,
    phones,
)
from consentry.datasets.scrub import triggers as g
from consentry.datasets.scrub.cascade import read_entities, unsettled
from consentry.datasets.scrub.erased import ErasedNames
from consentry.datasets.scrub.ner import ModelPin, available_models, entities, guess_language
from consentry.datasets.scrub.triggers import triggers_batch

TYPES = ("EMAIL", "PHONE", "PERSON", "ADDRESS", "URL", "ID", "CARD", "IBAN", "IP", "DOB")
_ID_SHAPES = tuple(g.ID_SHAPE_BITS.items())
_ID_BITS = sum(g.ID_SHAPE_BITS.values())
# Higher wins a tie between overlapping spans of the same length.
_PRIORITY = {
    "CARD": 9, "IBAN": 9, "ID": 8, "EMAIL": 8, "IP": 7, "URL": 6, "DOB": 5, "PHONE": 4,
    "ADDRESS": 3, "PERSON": 1,
}  # fmt: skip
_PLACEHOLDER = re.compile("|".join(f"<{t}>" for t in TYPES))


class Span(NamedTuple):
    """Personal data of `type` at `text[start:end]`."""

    start: int
    end: int
    type: str

    @property
    def placeholder(self) -> str:
        return f"<{self.type}>"


class Detected(NamedTuple):
    """A span with the detector that found it (`find(..., explain=True)`)."""

    start: int
    end: int
    type: str
    detector: str

    @property
    def placeholder(self) -> str:
        return f"<{self.type}>"

    @property
    def span(self) -> Span:
        return Span(self.start, self.end, self.type)


@dataclass(frozen=True)
class ScrubResult:
    """The scrubbed text and the spans that were replaced, as offsets into the input text;
    `detectors[i]` names the detector of `spans[i]`."""

    text: str
    spans: list[Span]
    detectors: tuple[str, ...] = field(default=(), compare=False)

    def explained(self) -> list[Detected]:
        """The spans with their detectors."""
        return [Detected(*s, d) for s, d in zip(self.spans, self.detectors, strict=True)]


Found = tuple[int, int, str, str]


def resolve(found: Iterable[tuple], text: str | None = None) -> list[Span]:
    """Non-overlapping spans, sorted by start: structured types first, then PERSON.

    `found` holds (start, end, type) or (start, end, type, detector) tuples. With `text`,
    a PERSON candidate that runs into a structured span ("Anna" in a run "Anna Via Roma"
    whose "Via Roma 10" is an ADDRESS) keeps its words outside that span, so that
    scrubbing the result again finds nothing new.
    """
    tagged = [(f[0], f[1], f[2], f[3] if len(f) > 3 else "") for f in found]
    return [d.span for d in _resolve(tagged, text)]


def _resolve(found: Iterable[Found], text: str | None) -> list[Detected]:
    ordered = sorted(found, key=lambda f: (f[2] == "PERSON", f[0] - f[1], -_PRIORITY[f[2]], f[0]))
    taken: list[tuple[int, int]] = []
    if text is not None and "<" in text:
        # Placeholders of an earlier pass are not personal data, and no span may cut one.
        taken = [(m.start(), m.end()) for m in _PLACEHOLDER.finditer(text)]
    kept: list[Detected] = []
    for start, end, kind, detector in ordered:
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
        kept.append(Detected(start, end, kind, detector))
    kept.sort()
    return kept


# Types whose spans no phone number can share. Digit-run types (ID, CARD) are left to
# `resolve`: a phone number may contain a run that also passes an ID check.
_MASKS_PHONES = frozenset({"IP", "IBAN", "EMAIL", "URL", "PERSON"})


def _mask(text: str, found: list[Found], kinds: frozenset[str]) -> str:
    """`text` with the spans of `kinds` in `found` blanked by NULs (same length, no digits)."""
    spans = [(f[0], f[1]) for f in found if f[2] in kinds]
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        chars[start:end] = "\0" * (end - start)
    return "".join(chars)


def _borders_letter(text: str, found: list[Found], kinds: frozenset[str]) -> bool:
    """Whether a span of `kinds` in `found` has a letter right before or after it."""
    n = len(text)
    return any(
        (f[0] and text[f[0] - 1].isalpha()) or (f[1] < n and text[f[1]].isalpha())
        for f in found
        if f[2] in kinds
    )


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


def apply(text: str, spans: Sequence[Span | Detected]) -> str:
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
#: Texts up to this long are remembered by `Scrubber.scrub_batch` (longer ones rarely
#: repeat), at most `_MEMO_LIMIT` of them.
_MEMO_CHARS = 200
_MEMO_LIMIT = 200_000


@lru_cache(maxsize=8192)
def _own_words(names: tuple[str, ...]) -> frozenset[str]:
    """Every word of an author's names, casefolded, as `persons.author_index` reads them."""
    return frozenset(w.casefold() for name in names for w in name.split())


def _outside_placeholders(found: Sequence[Detected], spans: Sequence[Detected]) -> list[Detected]:
    """The spans `found` in `apply(text, spans)` that touch no placeholder, as offsets into
    `text` itself (a span that overlaps a placeholder cannot be mapped back and is left)."""
    out: list[Detected] = []
    shift = 0  # how much longer `text` is than the scrubbed text, before the current span
    index = 0
    # (start, end) of each placeholder in the scrubbed text, and the shift after it
    edges: list[tuple[int, int, int]] = []
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
        out.append(Detected(f.start + before, f.end + before, f.type, f.detector))
    return out


def ner_setting(environ: dict[str, str] | os._Environ[str] | None = None) -> bool:
    """The `CONSENTRY_SCRUB_NER` setting: whether the NER stage runs where a model is
    installed (`on`, the default) or never (`off`). See `consentry.config`."""
    from consentry.config import scrub_ner

    return scrub_ner(os.environ if environ is None else environ)


class Scrubber:
    """Finds and replaces personal data.

    `known_names` are full display names the network knows (every member's); `known_handles`
    are member handles, found in text even without an `@`. `erased` holds the keyed hashes
    of erased members' names (`erased.ErasedNames`), found as PERSON wherever their words
    appear. `region` is the default region hint for national-format phone numbers; a
    per-call `region` overrides it.

    `ner`: whether the NER stage runs (True: with every pinned model that is installed;
    False: rules only; None: as the `CONSENTRY_SCRUB_NER` setting says). `ner_models`
    tells which models run; empty means rules only. `stats` counts the texts scrubbed
    (`texts`) and those sent to the NER model (`ner_texts`), first passes only.
    """

    def __init__(
        self,
        known_names: Iterable[str] = (),
        known_handles: Iterable[str] = (),
        *,
        erased: ErasedNames | None = None,
        region: str | None = None,
        ner: bool | None = None,
    ) -> None:
        self.names = persons.NameIndex(known_names)
        self.erased = erased
        # Only handles that cannot be an ordinary word are matched bare ("anna.mueller84").
        self.handles = frozenset(h.casefold() for h in known_handles if h and not h.isalpha())
        self.region = region
        self.ner_requested = ner_setting() if ner is None else ner
        self.ner_models: tuple[ModelPin, ...] = available_models() if self.ner_requested else ()
        self._given: frozenset[str] | None = None
        self.stats: Counter[str] = Counter()
        # memo key (`_memo_key`) -> the spans found in a short text
        self._memo: dict[tuple, list[Detected]] = {}

    def describe(self) -> dict[str, object]:
        """The scrubber's configuration as a manifest records it: the NER models used
        (name, version, package), none when it ran on rules only."""
        return {"ner_models": [pin.describe() for pin in self.ner_models]}

    def add_names(self, names: Iterable[str]) -> None:
        """Learn more known full names."""
        for name in names:
            self.names.add(name)
        self._given = None
        self._memo.clear()

    @property
    def given_names(self) -> frozenset[str]:
        """Known members' given names, for the cue rule (`context`)."""
        if self._given is None:
            self._given = context.given_names_of(self.names)
        return self._given

    @overload
    def find(
        self,
        text: str,
        *,
        author_names: Iterable[str] = (),
        region: str | None = None,
        explain: Literal[False] = False,
    ) -> list[Span]: ...

    @overload
    def find(
        self,
        text: str,
        *,
        author_names: Iterable[str] = (),
        region: str | None = None,
        explain: Literal[True],
    ) -> list[Detected]: ...

    def find(
        self,
        text: str,
        *,
        author_names: Iterable[str] = (),
        region: str | None = None,
        explain: bool = False,
    ) -> list[Span] | list[Detected]:
        """The personal data in `text`: sorted, non-overlapping spans (with the detector
        of each when `explain`)."""
        found = self._find([text], [g.ALL], [tuple(author_names)], [region or self.region])[0]
        return found if explain else [d.span for d in found]

    def scrub(
        self, text: str, *, author_names: Iterable[str] = (), region: str | None = None
    ) -> ScrubResult:
        """`text` with every span found replaced by its `<TYPE>` placeholder."""
        found = self.find(text, author_names=author_names, region=region, explain=True)
        return _result(text, found)

    def scrub_batch(
        self,
        texts: Sequence[str],
        author_names: Sequence[Sequence[str]] | None = None,
        regions: Sequence[str | None] | None = None,
    ) -> list[ScrubResult]:
        """Scrub many texts at once; result `i` is exactly `scrub(texts[i], ...)`.

        `author_names[i]` and `regions[i]` belong to `texts[i]` when given.
        """
        texts = list(texts)
        names = [
            tuple(author_names[i]) if author_names is not None else () for i in range(len(texts))
        ]
        hints = [
            (regions[i] if regions is not None else None) or self.region for i in range(len(texts))
        ]
        # Short strings repeat (job titles, skills, companies): each distinct one is
        # scrubbed once per batch and remembered across batches.
        found: list[list[Detected]] = [[] for _ in texts]
        run: list[int] = []  # the texts to scrub
        first: dict[tuple, int] = {}  # memo key -> the text that is scrubbed for it
        copies: list[tuple[int, int]] = []
        for i, text in enumerate(texts):
            key = self._memo_key(text, names[i], hints[i])
            if key is None:
                run.append(i)
            elif (known := self._memo.get(key)) is not None:
                found[i] = known
            elif (j := first.get(key)) is not None:
                copies.append((i, j))
            else:
                first[key] = i
                run.append(i)
        self.stats["texts"] += len(texts) - len(run)
        if run:
            picked = [texts[i] for i in run]
            scrubbed = self._find(
                picked, triggers_batch(picked), [names[i] for i in run], [hints[i] for i in run]
            )
            for i, spans in zip(run, scrubbed, strict=True):
                found[i] = spans
        for i, j in copies:
            found[i] = found[j]
        if len(self._memo) + len(first) > _MEMO_LIMIT:
            self._memo.clear()
        for key, j in first.items():
            self._memo[key] = found[j]
        return [_result(text, spans) for text, spans in zip(texts, found, strict=True)]

    def _memo_key(self, text: str, names: tuple[str, ...], region: str | None) -> tuple | None:
        """The key under which `text`'s spans are remembered, None for a text too long to
        remember. The author's names are part of it only where a word of them is a word
        of the text: elsewhere they cannot change what is found (`persons`, `context`)."""
        if len(text) > _MEMO_CHARS:
            return None
        if names and not _own_words(names).isdisjoint(context.words_of(text)):
            return (text, region, names)
        return (text, region, ())

    def _find(
        self,
        texts: list[str],
        flags: Sequence[int],
        names: Sequence[tuple[str, ...]],
        regions: Sequence[str | None],
    ) -> list[list[Detected]]:
        self.stats["texts"] += len(texts)
        found = [self._rules(text, flags[i], names[i], regions[i]) for i, text in enumerate(texts)]
        for f, text in zip(found, texts, strict=True):
            f += addresses.join(f, text)
        spans = [_resolve(f, text) for f, text in zip(found, texts, strict=True)]
        # Detectors judge a candidate by its neighbours, and a longer span may swallow the
        # start of a shorter one ("x@y.com" cut by an address): once the first spans are
        # placeholders, what is left can read as personal data of its own. Scrub until
        # nothing new is found, so that scrubbing a scrubbed text changes nothing.
        self._until_settled(texts, spans, [i for i, s in enumerate(spans) if s], names, regions)
        if not self.ner_models:
            return spans
        # The model reads each text once, as the rules left it (their finds replaced by
        # placeholders): what it finds there it would find again in the scrubbed text, so
        # only the texts it added something to are scrubbed again, with the model.
        ruled = [apply(text, s) for text, s in zip(texts, spans, strict=True)]
        by_model: list[list[Found]] = [[] for _ in texts]
        self._ner(ruled, by_model, range(len(texts)), count=True)
        todo = []
        for i, hits in enumerate(by_model):
            extra = _outside_placeholders(_resolve(hits, ruled[i]), spans[i])
            if extra:
                merged: list[Found] = [*spans[i], *extra]
                spans[i] = _resolve(merged + addresses.join(merged, texts[i]), texts[i])
                todo.append(i)
        self._until_settled(texts, spans, todo, names, regions, ner=True)
        return spans

    def _until_settled(self, texts, spans, todo, names, regions, *, ner: bool = False) -> None:
        """Scrub the texts `todo` again (rules, and the model when `ner`) until nothing new
        is found, adding what is found to `spans[i]` (offsets into `texts[i]`)."""
        for _ in range(_MAX_PASSES):
            if not todo:
                break
            scrubbed = {i: apply(texts[i], spans[i]) for i in todo}
            # The gates hold for the scrubbed texts as for any: they skip only detectors
            # that would find nothing.
            bits = dict(zip(todo, triggers_batch(list(scrubbed.values())), strict=True))
            again = {i: self._rules(scrubbed[i], bits[i], names[i], regions[i]) for i in todo}
            if ner:
                self._ner(scrubbed, again, todo, count=False)
            for i in todo:
                again[i] += addresses.join(again[i], scrubbed[i])
            more = []
            for i in todo:
                extra = _outside_placeholders(_resolve(again[i], scrubbed[i]), spans[i])
                if extra:
                    spans[i] = sorted([*spans[i], *extra])
                    more.append(i)
            todo = more

    def _ner(self, texts, found, which: Iterable[int], *, count: bool) -> None:
        """Add the NER stage's spans to `found[i]` for each unsettled text `i` of `which`."""
        if not self.ner_models:
            return
        languages = [pin.language for pin in self.ner_models]
        by_language = {pin.language: pin for pin in self.ner_models}
        groups: dict[ModelPin, list[int]] = {}
        given = self.given_names
        # Placeholders already in a text count as found (an `<ADDRESS>` gives a place next
        # to it its address context), so the model reads a text the same way whether its
        # placeholders were put there by this call or by an earlier one.
        marks: dict[int, list[Found]] = {}
        windows: dict[int, list[tuple[int, int]]] = {}
        for i in which:
            text = texts[i]
            marks[i] = _placeholders(text)
            covered = [(f[0], f[1]) for f in [*found[i], *marks[i]]]
            windows[i] = unsettled(text, covered, given)
            if windows[i]:
                pin = by_language[guess_language(text, languages)]
                groups.setdefault(pin, []).append(i)
        for pin, indices in groups.items():
            if count:
                self.stats["ner_texts"] += len(indices)
            # Only the unsettled sentences are read, each with its offset in the text.
            pieces = [(i, s, texts[i][s:e]) for i in indices for s, e in windows[i]]
            found_by_model = entities(pin, [p for _, _, p in pieces])
            ents: dict[int, list[tuple[int, int, str]]] = {i: [] for i in indices}
            for (i, offset, _), hits in zip(pieces, found_by_model, strict=True):
                ents[i] += [(offset + s, offset + e, label) for s, e, label in hits]
            for i in indices:
                rules = [(f[0], f[1], f[2]) for f in [*found[i], *marks[i]]]
                found[i].extend(read_entities(pin, texts[i], ents[i], rules))

    def _rules(
        self, text: str, t: int, author_names: tuple[str, ...], region: str | None
    ) -> list[Found]:
        found: list[Found] = []
        if t & g.AT:
            found += _tag(formats.find_emails(text), "format:email")
            found += _tag(formats.find_mentions(text), "format:mention")
        if t & g.URL:
            found += _tag(formats.find_urls(text), "format:url")
        if t & g.DIGIT:
            if t & g.IBAN:
                found += _tag(formats.find_ibans(text), "validator:iban")
            if t & g.CARD:
                found += _tag(formats.find_cards(text), "validator:card")
            if t & g.IPV4:
                found += _tag(formats.find_ipv4s(text), "format:ip")
            if t & g.IPV6 and ":" in text:
                found += _tag(formats.find_ipv6s(text), "format:ip")
            if t & g.PHONE:
                # Phone candidates are loose digit runs: mask what stricter detectors
                # already claimed, as a placeholder would on a second pass, so a number
                # running into an IP or IBAN is judged on its own digits.
                masked = _mask(text, found, _MASKS_PHONES)
                found += _tag(phones.find_phones(masked, region), "validator:phone")
            if t & g.IBAN:
                found = formats.outside_bad_ibans(text, found)
            if t & g.ADDRESS:
                found += _tag(formats.find_addresses(text), "format:address")
            found += addresses.find_streets(text)
            if t & g.BIRTH:
                found += _tag(formats.find_dobs(text), "format:dob")
        if t & _ID_BITS:
            # Outside the digit test: an omocodia fiscal code may be written without a digit.
            ids = formats.find_ids(text, [n for n, b in _ID_SHAPES if t & b])
            found += _tag(ids, "validator:id")
        if self.handles and t & g.HANDLE:
            found += _tag(handles.find_handles(text, self.handles), "known-handle")
        author = persons.author_index(author_names)
        found += persons.find_persons(text, self.names, author, titles=bool(t & g.TITLE))
        found += context.find_initials(text)
        words = context.words_of(text)
        found += context.find_lowercase_names(text, self.names, words)
        if author is not None:
            own = context.find_lowercase_names(text, author, words)
            found += [(*f[:3], "author-name") for f in own]
        found += context.find_cued_given_names(text, self.given_names, words)
        found += context.find_cued_names(
            text,
            greeting=bool(t & g.GREETING),
            intro=bool(t & g.INTRO),
            opening=bool(t & g.OPENING),
        )
        found += deobfuscate.find_emails(text, spelled=bool(t & g.SPELLED_AT))
        masked = _mask(text, found, _MASKS_PHONES)
        # The gate was read on the text as it was: a masked span that borders a letter
        # could leave a number word standing alone ("x@y.com" glued to "one"), so there
        # the detector looks for itself.
        spelled = bool(t & g.NUMBER_WORD) or (_borders_letter(text, found, _MASKS_PHONES) and None)
        found += deobfuscate.find_phones(masked, region, words=spelled)
        if self.erased:
            # Any case and any accents: the hashes are of folded words (see `erased.py`).
            found += _tag(self.erased.find(text), "erased-name")
        return found


def _placeholders(text: str) -> list[Found]:
    """The placeholders in `text`, as spans of their type."""
    if "<" not in text:
        return []
    return [
        (m.start(), m.end(), m.group()[1:-1], "placeholder") for m in _PLACEHOLDER.finditer(text)
    ]


def _tag(found: list[tuple[int, int, str]], detector: str) -> list[Found]:
    return [(s, e, kind, detector) for s, e, kind in found]


def _result(text: str, found: Sequence[Detected]) -> ScrubResult:
    if not found:
        return ScrubResult(text, [])
    return ScrubResult(
        apply(text, found), [d.span for d in found], tuple(d.detector for d in found)
    )


def scrub_batch(
    texts: Sequence[str],
    author_names: Sequence[Sequence[str]] | None = None,
    *,
    scrubber: Scrubber | None = None,
) -> list[ScrubResult]:
    """Scrub `texts` with `scrubber` (a scrubber that knows no member names by default)."""
    return (scrubber or Scrubber()).scrub_batch(texts, author_names)
