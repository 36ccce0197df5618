"""The match model (`train-ai`): how well a member fits a job, one logistic regression
per shard (scikit-learn), probabilities averaged across shards.

Training pairs come from the shard alone. The targets are the shard's job postings and,
because postings are few, "roles" taken from its profiles (a profile's latest title and
its skills, as a posting for that role would read). Every profile is paired with every
target (or a seeded sample of pairs when there are many); a pair is a fit when the member
has held the target's title or shares at least two of its skills. The model sees only
softer features (below), so it learns how overlap translates into fit.

Same shard, same seed -> the same pairs, the same solver path, the same arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression

from consentry.training.artifacts import dump_arrays, load_arrays
from consentry.training.models import ShardData
from consentry.training.text import terms

FEATURES = (
    "skill_jaccard",
    "skill_coverage",
    "title_jaccard",
    "latest_title_overlap",
    "same_country",
    "seniority_gap",
)
MAX_PAIRS = 4000
_LEVELS = {
    "intern": 0,
    "junior": 1,
    "associate": 1,
    "senior": 3,
    "lead": 3,
    "staff": 3,
    "principal": 4,
    "head": 4,
    "director": 4,
    "chief": 5,
    "vp": 5,
}


@dataclass(frozen=True)
class Candidate:
    """A member as the match model sees them."""

    titles: tuple[str, ...]
    skills: tuple[str, ...]
    country: str


@dataclass(frozen=True)
class Target:
    """A job (or a role) as the match model sees it."""

    title: str
    skills: tuple[str, ...]
    country: str


def _level(title: str) -> int:
    return max((_LEVELS.get(w, 2) for w in terms(title)), default=2)


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def features(c: Candidate, t: Target) -> list[float]:
    cs, ts = {s.lower() for s in c.skills}, {s.lower() for s in t.skills}
    title_words = {w for title in c.titles for w in terms(title)}
    latest = set(terms(c.titles[-1])) if c.titles else set()
    target_words = set(terms(t.title))
    return [
        _jaccard(cs, ts),
        len(cs & ts) / len(ts) if ts else 0.0,
        _jaccard(title_words, target_words),
        _jaccard(latest, target_words),
        1.0 if c.country and c.country == t.country else 0.0,
        abs(_level(c.titles[-1]) - _level(t.title)) / 5 if c.titles else 1.0,
    ]


def is_fit(c: Candidate, t: Target) -> bool:
    """The training label: held the title, or shares two or more of its skills."""
    shared = {s.lower() for s in c.skills} & {s.lower() for s in t.skills}
    return t.title in c.titles or len(shared) >= 2


def candidates_and_targets(records: Sequence[dict]) -> tuple[list[Candidate], list[Target]]:
    cands, targets = [], []
    for rec in records:
        if rec["data_class"] == "profile" and rec["titles"]:
            cands.append(Candidate(tuple(rec["titles"]), tuple(rec["skills"]), rec["country"]))
            targets.append(Target(rec["titles"][-1], tuple(rec["skills"]), rec["country"]))
        elif rec["data_class"] == "job" and rec["titles"]:
            targets.append(Target(rec["titles"][0], tuple(rec["skills"]), rec["country"]))
    return cands, targets


def training_pairs(records: Sequence[dict], *, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) for one shard: every (candidate, other target) pair, or a seeded sample."""
    cands, targets = candidates_and_targets(records)
    pairs = [
        (i, j)
        for i in range(len(cands))
        for j in range(len(targets))
        if not (j < len(cands) and j == i)
    ]  # a profile is not paired with its own role
    if len(pairs) > MAX_PAIRS:
        rng = np.random.default_rng(seed)
        keep = np.sort(rng.choice(len(pairs), MAX_PAIRS, replace=False))
        pairs = [pairs[k] for k in keep]
    X = np.array([features(cands[i], targets[j]) for i, j in pairs], dtype=np.float64)
    y = np.array([is_fit(cands[i], targets[j]) for i, j in pairs], dtype=np.int64)
    return X.reshape(-1, len(FEATURES)), y


def fit_arrays(X: np.ndarray, y: np.ndarray, *, seed: int) -> dict[str, np.ndarray]:
    """A fitted logistic regression as plain arrays (a shard with one class gets its prior)."""
    if len(y) == 0:
        return {"coef": np.zeros(len(FEATURES)), "intercept": np.zeros(1), "pairs": np.array(0)}
    if len(set(y.tolist())) < 2:
        rate = float(np.clip(y.mean(), 0.01, 0.99))
        return {
            "coef": np.zeros(len(FEATURES)),
            "intercept": np.array([np.log(rate / (1 - rate))]),
            "pairs": np.array(len(y)),
        }
    model = LogisticRegression(C=1.0, max_iter=500, random_state=seed)
    model.fit(X, y)
    return {
        "coef": model.coef_[0].astype(np.float64),
        "intercept": model.intercept_.astype(np.float64),
        "pairs": np.array(len(y)),
    }


@dataclass
class MatchModel:
    """Sub-models' arrays; the fit of a pair is their mean predicted probability."""

    coefs: np.ndarray  # (shards with pairs, features)
    intercepts: np.ndarray

    def probability(self, X: np.typing.ArrayLike) -> np.ndarray:
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        if len(self.coefs) == 0:
            return np.full(len(X), 0.5)
        logits = X @ self.coefs.T + self.intercepts
        return (1 / (1 + np.exp(-logits))).mean(axis=1)

    def fit(self, c: Candidate, t: Target) -> float:
        return float(self.probability([features(c, t)])[0])


class MatchKind:
    name = "match"
    purpose = "train-ai"
    ext = "npz"
    description = "member-job fit: logistic regression per shard, probabilities averaged"

    def train_shard(self, shard: ShardData, *, seed: int) -> bytes:
        X, y = training_pairs(shard.records, seed=seed)
        return dump_arrays(fit_arrays(X, y, seed=seed))

    def load(self, blobs: Sequence[bytes]) -> MatchModel:
        parts = [load_arrays(b) for b in blobs]
        parts = [p for p in parts if int(p["pairs"]) > 0]
        if not parts:
            return MatchModel(np.zeros((0, len(FEATURES))), np.zeros(0))
        return MatchModel(
            np.stack([p["coef"] for p in parts]), np.concatenate([p["intercept"] for p in parts])
        )


KIND = MatchKind()
