"""Quality against simple baselines: skill suggestions and chatbot retrieval."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from consentry.datasets.build import build_dataset
from consentry.store.dataset_tables import DatasetLineageRow
from consentry.store.engine import session_scope
from consentry.training.models import ShardData
from consentry.training.models.retrieval import KIND as RETRIEVAL
from consentry.training.models.skills import SkillModel, count_profiles
from consentry.training.text import terms


def _records_with_members(engine, dataset) -> list[tuple[int, dict]]:
    with session_scope(engine) as s:
        member_of = dict(
            s.execute(
                select(DatasetLineageRow.record_id, DatasetLineageRow.member_id).where(
                    DatasetLineageRow.dataset_id == dataset.dataset_id
                )
            ).all()
        )
    rows = []
    for f in sorted((dataset.path / "data").glob("*.parquet")):
        rows += [(member_of[r["record_id"]], r) for r in pq.read_table(f).to_pylist()]
    return rows


def test_skill_suggestions_beat_most_popular_on_held_out_profiles(
    sqlite_engine, sqlite_settings, seeded
):
    seeded(sqlite_engine, sqlite_settings, members=300)
    dataset = build_dataset(sqlite_engine, sqlite_settings, purpose="train-ai", shards=4)
    profiles = [
        (m, r)
        for m, r in _records_with_members(sqlite_engine, dataset)
        if r["data_class"] == "profile" and r["skills"] and r["titles"]
    ]
    train = [r for m, r in profiles if m % 5 != 0]
    held_out = [r for m, r in profiles if m % 5 == 0]
    assert len(held_out) >= 15
    model = SkillModel.from_counts([count_profiles(train)])
    hits_model = hits_popular = 0
    for rec in held_out:
        truth = set(rec["skills"])
        hits_model += bool(
            truth & {s for s, _ in model.suggest(rec["titles"], rec["industry"], k=5)}
        )
        hits_popular += bool(truth & set(model.most_popular(k=5)))
    rate_model, rate_popular = hits_model / len(held_out), hits_popular / len(held_out)
    assert rate_model > rate_popular + 0.1, (rate_model, rate_popular)
    assert rate_model >= 0.6


def _keyword_only(postings, query: str) -> list[str]:
    """Baseline: rank by how many query words a posting contains at all."""
    q = set(terms(query))

    def score(p):
        return len(q & set(terms(" ".join([p.title, p.text, *p.skills]))))

    return [p.record_id for p in sorted(postings, key=lambda p: (-score(p), p.record_id))]


@pytest.mark.slow
def test_chatbot_retrieval_beats_random_and_keyword_only(sqlite_engine, sqlite_settings, seeded):
    seeded(sqlite_engine, sqlite_settings, members=900, recruiters_consent=True)
    dataset = build_dataset(sqlite_engine, sqlite_settings, purpose="train-ai", shards=2)
    records = _records_with_members(sqlite_engine, dataset)
    shards = [ShardData(0, [r for _, r in records], {})]
    index = RETRIEVAL.load([RETRIEVAL.train_shard(shards[0], seed=0)])
    n = len(index)
    assert n >= 10
    # Labelled queries from the network, in a job seeker's own words: a member's headline
    # and about section; the postings for a role the member has held are right.
    queries = []
    for _, r in records:
        if r["data_class"] != "profile" or not r["titles"]:
            continue
        relevant = {p.record_id for p in index.postings if p.title in r["titles"]}
        if relevant:
            queries.append((f"{r['title']} {r['text']}", relevant))
    assert len(queries) >= 20

    def mrr(rank) -> float:
        total = 0.0
        for query, relevant in queries:
            order = rank(query)
            total += next((1 / (i + 1) for i, rid in enumerate(order) if rid in relevant), 0.0)
        return total / len(queries)

    bm25 = mrr(lambda q: [p.record_id for p, _ in index.search(q, k=n)])
    keyword = mrr(lambda q: _keyword_only(index.postings, q))
    # A random ranking's expected reciprocal rank of the first of r relevant among n.
    rand = sum(
        sum((1 / (i + 1)) * (len(rel) / (n - i)) * _none_before(i, len(rel), n) for i in range(n))
        for _, rel in queries
    ) / len(queries)
    assert bm25 > keyword and bm25 > rand + 0.3, (bm25, keyword, rand)
    print(f"MRR bm25 {bm25:.3f} keyword {keyword:.3f} random {rand:.3f}")


def _none_before(i: int, r: int, n: int) -> float:
    """P(no relevant item in the first i places of a random order of n with r relevant)."""
    p = 1.0
    for j in range(i):
        p *= (n - r - j) / (n - j)
    return max(p, 0.0)
