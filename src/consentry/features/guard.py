"""The regurgitation guard: no output carries 8 or more consecutive words of a training record.

The index is the set of hashes of every run of 8 words (`training.text.words`, the
phrasing model's own tokenisation) in every record the active text models were trained on:
the phrasing model's shards (train-genai: profiles, posts, articles, comments), the skills
model's profiles and the retrieval index's postings (train-ai). The hashes live inside the sub-models, so a
member's withdrawal takes their text out of the guard with the retrained shard.

A feature calls `clean(text)` on every candidate output and regenerates with the next
pattern (or drops the sentence) when it is hit. Erring on the side of blocking: a run
shared by several members is blocked too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.errors import ConsentryError
from consentry.training.sisa import load_active
from consentry.training.text import gram_hash, ngram_hashes, words

SPAN = 8


@dataclass(frozen=True)
class Guard:
    """Sorted unique 8-gram hashes of the training records."""

    hashes: np.ndarray

    def hits(self, text: str) -> list[str]:
        """The 8-word runs of `text` found in a training record."""
        ws = words(text)
        found = []
        for i in range(len(ws) - SPAN + 1):
            h = np.uint64(gram_hash(ws[i : i + SPAN]))
            j = np.searchsorted(self.hashes, h)
            if j < len(self.hashes) and self.hashes[j] == h:
                found.append(" ".join(ws[i : i + SPAN]))
        return found

    def clean(self, text: str) -> bool:
        return not self.hits(text)

    def keep_clean_lines(self, lines: list[str]) -> str:
        """`lines` joined, each kept only if the text so far stays clean (so no run can
        straddle two lines either)."""
        kept: list[str] = []
        for line in lines:
            if self.clean("\n".join([*kept, line])):
                kept.append(line)
        return "\n".join(kept)

    def first_clean(self, candidates: Iterable[str | None]) -> str | None:
        """The first candidate the guard lets through, or None."""
        for text in candidates:
            if text and self.clean(text):
                return text
        return None


def guard_for(session: Session, settings: Settings) -> Guard:
    """The guard over the active phrasing model and, where there is one, retrieval index."""
    phrasing_version, phrasing = load_active(session, settings, "phrasing")
    try:
        index_version, index = load_active(session, settings, "retrieval")
    except ConsentryError:
        index_version, index = None, None
    skills_version, skills = load_active(session, settings, "skills")
    key = (phrasing_version.id, index_version.id if index_version else "", skills_version.id)
    if key not in _CACHE:
        parts = [phrasing.guard, skills.guard]
        if index is not None:
            parts.append(ngram_hashes(t for p in index.postings for t in (p.title, p.text)))
        if len(_CACHE) >= 8:
            _CACHE.clear()
        _CACHE[key] = Guard(np.unique(np.concatenate(parts).astype(np.uint64)))
    return _CACHE[key]


# Model versions are immutable, so a guard built for a pair of them never goes stale.
_CACHE: dict[tuple[str, str, str], Guard] = {}
