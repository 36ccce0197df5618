"""The phrasing model (`train-genai`): the patterns people use, abstracted over slots.

Headlines, about sections, posts and articles are cut into sentences; in each, the
record's own titles, companies, skills and industry, the shard's known titles, companies
and skills, place names (the GeoNames gazetteer of `training.places`) and numbers are
replaced by slots (`{title}`, `{company}`, `{skill}`, `{industry}`, `{location}`, `{n}`).
What is left is a pattern.

Per shard the model keeps, for each (kind, pattern), the number of DISTINCT MEMBERS who
used it. Records carry no member id; the shard's lineage supplies it at training time and
is not stored. Shards are member-disjoint, so summing per-shard counts gives the global
number of distinct members. A pattern is usable only when at least k members attest it
(default 5): one member's wording can never come back out on its own.

Each sub-model also carries the 8-word-run hashes of its shard's records, which the
regurgitation guard (`features/guard.py`) checks every output against; because they live
in the sub-model, a withdrawal removes a member's text from the guard too.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from consentry.training.artifacts import dump_arrays, load_arrays
from consentry.training.models import ShardData
from consentry.training.places import PlaceIndex
from consentry.training.text import ngram_hashes, sentences, words

DEFAULT_K = 5
SLOTS = ("title", "company", "skill", "industry", "location", "n")
KINDS = {"headline", "about", "post"}
MAX_WORDS = 30
_NUMBER = re.compile(r"(?<![\w{])\d+(?![\w}])")
_SLOT = re.compile(r"\{(" + "|".join(SLOTS) + r")\}")


class _Gazetteer:
    """Known names -> slot, matched longest first on word boundaries."""

    def __init__(self, names: Mapping[str, str]) -> None:
        self.names = {n.lower(): s for n, s in names.items() if len(n) >= 2}
        alternation = "|".join(re.escape(n) for n in sorted(self.names, key=lambda n: (-len(n), n)))
        self.regex = (
            re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE) if alternation else None
        )

    def abstract(self, text: str, extra: Mapping[str, str]) -> str:
        if extra:
            local = _Gazetteer(extra)
            text = local.abstract(text, {})
        if self.regex is not None:
            text = self.regex.sub(lambda m: "{" + self.names[m.group(0).lower()] + "}", text)
        return text


def _shard_gazetteer(records: Iterable[dict]) -> _Gazetteer:
    names: dict[str, str] = {}
    for rec in records:
        names.update({c: "company" for c in rec["companies"]})
        names.update({t: "title" for t in rec["titles"]})
        names.update({s: "skill" for s in rec["skills"]})
    return _Gazetteer(names)


@cache
def _places() -> PlaceIndex:
    return PlaceIndex()


def _record_names(rec: dict) -> dict[str, str]:
    names = {c: "company" for c in rec["companies"]}
    names.update({t: "title" for t in rec["titles"]})
    names.update({s: "skill" for s in rec["skills"]})
    if rec["industry"]:
        names[rec["industry"]] = "industry"
    return names


def patterns_of(rec: dict, gaz: _Gazetteer) -> set[tuple[str, str]]:
    """The (kind, pattern) pairs one record uses."""
    out: set[tuple[str, str]] = set()
    extra = _record_names(rec)
    if rec["data_class"] == "profile":
        parts = [("headline", rec["title"])] + [("about", s) for s in sentences(rec["text"])]
    else:
        parts = [("post", s) for s in sentences(rec["text"])]
    for kind, text in parts:
        text = text.strip()
        if not text or "<" in text or len(words(text)) > MAX_WORDS:
            continue  # scrubbed personal data has no place in a pattern
        pattern = _NUMBER.sub("{n}", _places().abstract(gaz.abstract(text, extra)))
        if _SLOT.search(pattern):
            out.add((kind, pattern))
    return out


def count_patterns(shard: ShardData) -> dict[tuple[str, str], int]:
    """(kind, pattern) -> number of distinct members of the shard who used it."""
    records = shard.records
    gaz = _shard_gazetteer(records)
    members: dict[tuple[str, str], set[int]] = defaultdict(set)
    for rec in records:
        member = shard.member_of.get(rec["record_id"])
        if member is None or rec["data_class"] == "job":
            continue
        for key in patterns_of(rec, gaz):
            members[key].add(member)
    return {key: len(who) for key, who in members.items()}


def fill(pattern: str, values: Mapping[str, Sequence[str]]) -> str | None:
    """`pattern` with each slot taken in turn from `values`; None if any runs out.

    A slot that occurs twice takes two different values (`{skill} and {skill}`).
    """
    used: dict[str, int] = defaultdict(int)
    missing = False

    def take(m: re.Match) -> str:
        nonlocal missing
        slot = m.group(1)
        pool = values.get(slot, ())
        i = used[slot]
        used[slot] += 1
        if i >= len(pool):
            missing = True
            return ""
        return pool[i]

    text = _SLOT.sub(take, pattern)
    return None if missing else text


_PERSONAL = re.compile(r"\b(i|i'm|i've|i'd|my|me|mine)\b|[?:]", re.IGNORECASE)


def impersonal(pattern: str) -> bool:
    """Whether a pattern reads as a statement about the work, not one person's story
    (no first person, no question, no "Label:" opener) - the register of a posting."""
    return not _PERSONAL.search(pattern)


@dataclass
class PhrasingModel:
    """Patterns with their global distinct-member counts, and the guard's n-gram hashes."""

    counts: dict[tuple[str, str], int]
    guard: np.ndarray

    def usable(self, kind: str, *, k: int = DEFAULT_K) -> list[tuple[str, int]]:
        """Patterns of `kind` attested by at least `k` members, most attested first."""
        found = [(p, n) for (kd, p), n in self.counts.items() if kd == kind and n >= k]
        return sorted(found, key=lambda pn: (-pn[1], pn[0]))


class PhrasingKind:
    name = "phrasing"
    purpose = "train-genai"
    ext = "npz"
    description = "headline, about and post patterns over slots, with distinct-member counts"

    def train_shard(self, shard: ShardData, *, seed: int) -> bytes:
        counts = sorted(count_patterns(shard).items())
        texts = [t for r in shard.records for t in (r["title"], r["text"])]
        return dump_arrays(
            {
                "kind": np.array([k for (k, _), _ in counts], dtype=str),
                "pattern": np.array([p for (_, p), _ in counts], dtype=str),
                "members": np.array([n for _, n in counts], dtype=np.int64),
                "guard": ngram_hashes(texts),
            }
        )

    def load(self, blobs: Sequence[bytes]) -> PhrasingModel:
        counts: dict[tuple[str, str], int] = defaultdict(int)
        guards = []
        for blob in blobs:
            arrays = load_arrays(blob)
            for kd, p, n in zip(arrays["kind"], arrays["pattern"], arrays["members"], strict=True):
                counts[(str(kd), str(p))] += int(n)
            guards.append(arrays["guard"])
        guard = np.unique(np.concatenate(guards)) if guards else np.zeros(0, np.uint64)
        return PhrasingModel(dict(counts), guard)


KIND = PhrasingKind()
