"""Span-level scores: recall and precision per type, typed and untyped.

Matching rule (the same for every tool and set):

- A labelled span is **caught** when predicted spans cover at least half of its non-space
  characters. *Typed*: only predicted spans of the label's type count. *Untyped*: a
  predicted span of any type counts (the text is hidden either way, under another
  placeholder). *Touched* (reported for PERSON and ADDRESS only, as a looser view): any
  overlap with a predicted span of the label's type.
- A predicted span is **right** when it overlaps a labelled span (typed: of its own type;
  untyped: of any type). Precision per type is right / predicted of that type.
- Clean texts: the share of words (runs of non-space characters) that overlap a predicted
  span. Negatives: the number of negative texts with any predicted span at all.

`unlabelled_persons_ok` leaves PERSON spans that overlap no label out of precision: the
network's generator writes members' names in greetings without labelling them (set C only).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

TYPES = ("PERSON", "ADDRESS", "EMAIL", "PHONE", "URL", "ID", "CARD", "IBAN", "IP", "DOB")
_WORD = re.compile(r"\S+")

Spans = list[tuple[int, int, str]]


@dataclass
class Score:
    """Counts behind one tool's figures on one set."""

    gold: Counter = field(default_factory=Counter)
    caught: Counter = field(default_factory=Counter)  # typed
    caught_any: Counter = field(default_factory=Counter)  # untyped
    touched: Counter = field(default_factory=Counter)  # typed, any overlap at all
    predicted: Counter = field(default_factory=Counter)
    right: Counter = field(default_factory=Counter)
    right_any: Counter = field(default_factory=Counter)
    words: int = 0
    words_flagged: int = 0
    negatives: Counter = field(default_factory=Counter)
    negatives_flagged: Counter = field(default_factory=Counter)
    misses: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    false_positives: list[str] = field(default_factory=list)

    def recall(self, kind: str | None = None, typed: bool = True) -> float:
        hits = self.caught if typed else self.caught_any
        if kind is None:
            total = sum(self.gold.values())
            return sum(hits.values()) / total if total else float("nan")
        return hits[kind] / self.gold[kind] if self.gold[kind] else float("nan")

    def touched_share(self, kind: str) -> float:
        return self.touched[kind] / self.gold[kind] if self.gold[kind] else float("nan")

    def precision(self, kind: str | None = None, typed: bool = True) -> float:
        ok = self.right if typed else self.right_any
        if kind is None:
            total = sum(self.predicted.values())
            return sum(ok.values()) / total if total else float("nan")
        return ok[kind] / self.predicted[kind] if self.predicted[kind] else float("nan")

    @property
    def flagged_share(self) -> float:
        return self.words_flagged / self.words if self.words else float("nan")


def _covered(start: int, end: int, spans: Spans, text: str, kind: str | None) -> bool:
    cover = set()
    for s, e, k in spans:
        if (kind is None or k == kind) and s < end and start < e:
            cover.update(range(max(s, start), min(e, end)))
    need = [i for i in range(start, end) if not text[i].isspace()]
    return sum(1 for i in need if i in cover) * 2 >= len(need)


def score(cases, predicted: list[Spans], *, unlabelled_persons_ok: bool = False) -> Score:
    """Score `predicted[i]` against `cases[i]` (objects with text, spans and kind)."""
    out = Score()
    for case, spans in zip(cases, predicted, strict=True):
        text, gold = case.text, case.spans
        if case.kind == "clean":
            for w in _WORD.finditer(text):
                out.words += 1
                out.words_flagged += any(s < w.end() and w.start() < e for s, e, _ in spans)
            if spans:
                out.false_positives.append(_show(text, spans))
            continue
        if case.kind != "positive":
            out.negatives[case.kind] += 1
            out.negatives_flagged[case.kind] += bool(spans)
            if spans:
                out.false_positives.append(f"[{case.kind}] " + _show(text, spans))
            continue
        for start, end, kind in gold:
            out.gold[kind] += 1
            typed = _covered(start, end, spans, text, kind)
            out.caught[kind] += typed
            out.caught_any[kind] += _covered(start, end, spans, text, None)
            out.touched[kind] += any(s < end and start < e and k == kind for s, e, k in spans)
            if not typed:
                out.misses[kind].append(f"{text[start:end]!r} in {_show(text, spans)}")
        for s, e, k in spans:
            hit_same = any(s < ge and gs < e and gk == k for gs, ge, gk in gold)
            hit_any = any(s < ge and gs < e for gs, ge, _ in gold)
            if k == "PERSON" and not hit_any and unlabelled_persons_ok:
                continue
            out.predicted[k] += 1
            out.right[k] += hit_same
            out.right_any[k] += hit_any
            if not hit_any:
                out.false_positives.append(f"{text[s:e]!r} as {k} in {text[:160]!r}")
    return out


def _show(text: str, spans: Spans) -> str:
    """The text with predicted spans marked [TYPE: value], cut to 240 characters."""
    parts, at = [], 0
    for s, e, k in sorted(spans):
        if s < at:
            continue
        parts.append(text[at:s] + f"[{k}: {text[s:e]}]")
        at = e
    parts.append(text[at:])
    shown = "".join(parts)
    return repr(shown if len(shown) <= 240 else shown[:237] + "...")
