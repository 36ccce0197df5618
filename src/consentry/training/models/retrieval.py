"""The retrieval index over job postings (`train-ai`), for the job-seeker chatbot: BM25.

Per shard it keeps the postings of that shard's consenting recruiters: their pseudonymous
record id, title, company, skills, country and seniority (as the consented record carried
them) and term counts. Postings reach it only through the
consented dataset, never from the live table. At load time the shards' postings are
pooled and BM25 statistics (document frequencies, average length) computed over all of
them, so the index equals one built from the whole dataset at once; dropping a member's
shard and rebuilding it removes their postings exactly.

Title words and skills count twice: a query names the role and the skills it wants.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from consentry.training.artifacts import dump_json, load_json
from consentry.training.models import ShardData
from consentry.training.text import terms

K1, B = 1.2, 0.75


def posting_terms(title: str, skills: Sequence[str], text: str) -> Counter[str]:
    counts = Counter(terms(text))
    for _ in range(2):
        counts.update(terms(title))
        for skill in skills:
            counts.update(terms(skill))
    return counts


@dataclass(frozen=True)
class Posting:
    record_id: str
    title: str
    company: str
    skills: tuple[str, ...]
    text: str
    country: str = ""  # ISO 3166-1 alpha-2 of the job's region
    seniority: str = ""


class JobIndex:
    """BM25 over every shard's postings."""

    def __init__(self, postings: list[Posting], counts: list[dict[str, int]]) -> None:
        order = sorted(range(len(postings)), key=lambda i: postings[i].record_id)
        self.postings = [postings[i] for i in order]
        self.counts = [counts[i] for i in order]
        self.by_id = {p.record_id: p for p in self.postings}
        self.lengths = [sum(c.values()) for c in self.counts]
        self.avg = (sum(self.lengths) / len(self.lengths)) if self.lengths else 0.0
        df: Counter[str] = Counter()
        for c in self.counts:
            df.update(c.keys())
        n = len(self.postings)
        self.idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}

    def __len__(self) -> int:
        return len(self.postings)

    def scores(self, query: str) -> list[float]:
        q = terms(query)
        out = []
        for c, length in zip(self.counts, self.lengths, strict=True):
            s = 0.0
            norm = K1 * (1 - B + B * length / self.avg) if self.avg else K1
            for t in q:
                tf = c.get(t, 0)
                if tf:
                    s += self.idf[t] * tf * (K1 + 1) / (tf + norm)
            out.append(s)
        return out

    def search(self, query: str, *, k: int = 5) -> list[tuple[Posting, float]]:
        """The `k` best postings for `query` (score > 0), best first, ties by record id."""
        scored = [(p, s) for p, s in zip(self.postings, self.scores(query), strict=True) if s > 0]
        scored.sort(key=lambda ps: (-ps[1], ps[0].record_id))
        return [(p, round(s, 6)) for p, s in scored[:k]]


class RetrievalKind:
    name = "retrieval"
    purpose = "train-ai"
    ext = "json"
    description = "BM25 index over consenting recruiters' job postings"

    def train_shard(self, shard: ShardData, *, seed: int) -> bytes:
        docs = []
        for rec in sorted(shard.of_class("job"), key=lambda r: r["record_id"]):
            title = rec["titles"][0] if rec["titles"] else rec["title"]
            docs.append(
                {
                    "record_id": rec["record_id"],
                    "title": title,
                    "company": rec["companies"][0] if rec["companies"] else "",
                    "skills": list(rec["skills"]),
                    "text": rec["text"],
                    "country": rec.get("country", ""),
                    "seniority": rec.get("seniority", ""),
                    "terms": dict(posting_terms(title, rec["skills"], rec["text"])),
                }
            )
        return dump_json({"postings": docs})

    def load(self, blobs: Sequence[bytes]) -> JobIndex:
        postings, counts = [], []
        for blob in blobs:
            for d in load_json(blob)["postings"]:
                postings.append(
                    Posting(
                        d["record_id"],
                        d["title"],
                        d["company"],
                        tuple(d["skills"]),
                        d["text"],
                        d.get("country", ""),  # indexes trained before these were kept
                        d.get("seniority", ""),
                    )
                )
                counts.append(d["terms"])
        return JobIndex(postings, counts)


KIND = RetrievalKind()
