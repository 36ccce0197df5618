"""The skills model (`train-ai`): which skills go with which titles and industries.

Per shard it counts, over consented profile records, how often each skill appears with
each title word and each industry. Sub-models aggregate by summing counts, so the
aggregated model equals one trained on all shards at once, and retraining a shard after
a withdrawal subtracts the member's counts exactly.

A suggestion scores skill s for a profile with title words T and industry I as
    sum over f in T + {I} of  count(f, s) / (count(f) + 1)
(the +1 damps words seen once), plus a small popularity prior that breaks ties.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from consentry.training.artifacts import dump_json, load_json
from consentry.training.models import ShardData
from consentry.training.text import ngram_hashes, terms

# Seniority words say little about which skills a role needs.
_GENERIC = frozenset(
    ["senior", "junior", "lead", "head", "chief", "principal", "staff", "associate", "intern"]
)


def profile_features(titles: Iterable[str], industry: str) -> set[str]:
    """The evidence a suggestion rests on: title words and the industry."""
    feats = {f"title:{w}" for t in titles for w in terms(t) if w not in _GENERIC}
    if industry:
        feats.add(f"industry:{industry.lower()}")
    return feats


def count_profiles(records: Iterable[dict]) -> dict:
    """The sufficient statistics of a set of profile records (the artifact's content)."""
    records = list(records)
    co: dict[str, Counter[str]] = defaultdict(Counter)
    seen: Counter[str] = Counter()
    popularity: Counter[str] = Counter()
    profiles = 0
    for rec in records:
        skills = set(rec["skills"])
        if not skills:
            continue
        profiles += 1
        popularity.update(skills)
        for f in profile_features(rec["titles"], rec["industry"]):
            seen[f] += 1
            co[f].update(skills)
    return {
        "co": {f: dict(c) for f, c in co.items()},
        "features": dict(seen),
        "popularity": dict(popularity),
        "profiles": profiles,
        # 8-word runs of the profiles' text, for the regurgitation guard (features/guard.py)
        "guard": ngram_hashes(t for r in records for t in (r["title"], r["text"])).tolist(),
    }


@dataclass
class SkillModel:
    """Summed counts of every shard; suggests skills for a profile."""

    co: dict[str, Counter[str]]
    features: Counter[str]
    popularity: Counter[str]
    profiles: int
    guard: np.ndarray

    @classmethod
    def from_counts(cls, parts: Iterable[dict]) -> SkillModel:
        co: dict[str, Counter[str]] = defaultdict(Counter)
        features: Counter[str] = Counter()
        popularity: Counter[str] = Counter()
        profiles = 0
        guards = [np.zeros(0, np.uint64)]
        for part in parts:
            guards.append(np.array(part.get("guard", []), dtype=np.uint64))
            for f, c in part["co"].items():
                co[f].update(c)
            features.update(part["features"])
            popularity.update(part["popularity"])
            profiles += part["profiles"]
        return cls(dict(co), features, popularity, profiles, np.unique(np.concatenate(guards)))

    def suggest(
        self, titles: Sequence[str], industry: str, *, have: Iterable[str] = (), k: int = 5
    ) -> list[tuple[str, float]]:
        """Up to `k` (skill, score) pairs the profile lacks, best first."""
        owned = {s.lower() for s in have}
        scores: dict[str, float] = {}
        for f in profile_features(titles, industry):
            total = self.features.get(f, 0)
            for skill, n in self.co.get(f, {}).items():
                scores[skill] = scores.get(skill, 0.0) + n / (total + 1)
        prior = max(self.profiles, 1) * 1000.0
        for skill, n in self.popularity.items():
            scores[skill] = scores.get(skill, 0.0) + n / prior
        ranked = sorted(
            ((s, v) for s, v in scores.items() if s.lower() not in owned),
            key=lambda sv: (-sv[1], sv[0]),
        )
        return [(s, round(v, 6)) for s, v in ranked[:k]]

    def most_popular(self, *, have: Iterable[str] = (), k: int = 5) -> list[str]:
        """The baseline: the `k` most common skills the profile lacks."""
        owned = {s.lower() for s in have}
        ranked = sorted(self.popularity.items(), key=lambda sv: (-sv[1], sv[0]))
        return [s for s, _ in ranked if s.lower() not in owned][:k]


class SkillsKind:
    name = "skills"
    purpose = "train-ai"
    ext = "json"
    description = "skills that go with titles and industries (counts, from profiles)"

    def train_shard(self, shard: ShardData, *, seed: int) -> bytes:
        return dump_json(count_profiles(shard.of_class("profile")))

    def load(self, blobs: Sequence[bytes]) -> SkillModel:
        return SkillModel.from_counts(load_json(b) for b in blobs)


KIND = SkillsKind()
