"""DESIGN invariant 4 in built datasets: every string column of every record is scrubbed,
and an erased member's name stays scrubbed in other members' texts in every later build."""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import insert, select, text, update

from builders import add_named_member, grant, hand_network, publish_default_policy
from consentry.datasets.build import build_dataset
from consentry.datasets.records import TEXT_COLUMNS
from consentry.datasets.scrub.erased import words_of
from consentry.datasets.scrub.known import network_scrubber
from consentry.datasets.scrub.residual import ResidualFinding, residual_pii, residual_pii_in_shard
from consentry.keys import KeyPurpose, Keyring
from consentry.network.publishing import publish_post
from consentry.rights.erasure import erase
from consentry.rights.worker import run_worker
from consentry.store.dataset_tables import DatasetVersionRow
from consentry.store.engine import session_scope, utcnow
from consentry.store.tables import Member, Position, Profile, Skill

ERASED = ("Xanthippe", "Vordermeyer")


def _strings(path: Path) -> list[str]:
    """Every string value of a shard file, list items included, but the record ids and
    hashes (random hex, which may hold any run of digits)."""
    table = pq.read_table(path)
    out: list[str] = []
    for name in table.column_names:
        if name in ("record_id", "record_hash"):
            continue
        for value in table.column(name).to_pylist():
            if isinstance(value, str):
                out.append(value)
            elif isinstance(value, list):
                out.extend(v for v in value if isinstance(v, str))
    return out


def _folded(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _shards(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "datasets").rglob("*.parquet"))


def _post(engine, author: int, body: str) -> None:
    with session_scope(engine) as session:
        publish_post(session, author_id=author, text=body)


def _scrubber(engine, settings):
    key = Keyring.load(settings).key(KeyPurpose.ERASED_NAMES).secret
    with session_scope(engine) as session:
        return network_scrubber(session, erased_key=key)[0]


def test_an_erased_members_name_stays_scrubbed_in_every_later_build(engine, settings):
    publish_default_policy(engine, settings)
    net = hand_network(engine)
    bob, carol = net.members["bob"], net.members["carol"]
    xanthippe = add_named_member(engine, *ERASED)
    _post(engine, bob, "Lunch with Xanthippe Vordermeyer today")
    _post(engine, carol, "thanks to xanthippe vördermeyer's team, and to VORDERMEYER, XANTHIPPE")
    _post(engine, xanthippe, "My own post")
    _post(engine, bob, "ping xanthippe.vordermeyer about it")  # the handle, without an @
    grant(engine, [bob, carol, xanthippe], "train-ai")
    first = build_dataset(engine, settings, purpose="train-ai", shards=2)
    texts = [s for p in _shards(settings.data_dir) for s in _strings(p)]
    assert "Lunch with <PERSON> today" in texts

    erase(engine, settings, xanthippe, source="settings", actor="member")
    (outcome,) = run_worker(engine, settings, once=True)
    assert outcome.status == "done", outcome.error
    second = build_dataset(engine, settings, purpose="train-ai", shards=2)

    with session_scope(engine) as s:
        live = set(
            s.scalars(select(DatasetVersionRow.id).where(DatasetVersionRow.status == "active"))
        )
        gone = s.get(Member, xanthippe)
        assert (gone.first_name, gone.last_name) != ERASED
    assert second.dataset_id in live and first.dataset_id not in live
    shards = _shards(settings.data_dir)
    assert {p.parent.parent.name for p in shards} >= live  # the successor and the new build
    texts = [s for p in shards for s in _strings(p)]
    for value in texts:
        assert "xanthippe" not in _folded(value) and "vordermeyer" not in _folded(value), value
    assert "Lunch with <PERSON> today" in texts
    assert "thanks to <PERSON> team, and to <PERSON>" in texts
    assert "ping <PERSON> about it" in texts
    scrubber = _scrubber(engine, settings)
    assert [f for p in shards for f in residual_pii_in_shard(p, scrubber)] == []


def test_the_erased_name_table_holds_only_keyed_hashes(engine, settings):
    publish_default_policy(engine, settings)
    xanthippe = add_named_member(engine, *ERASED)
    erase(engine, settings, xanthippe, source="admin", actor="test")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT digest, words, gate FROM erased_name_hashes")).all()
    # "Xanthippe Vordermeyer", "Vordermeyer Xanthippe" (the handle "xanthippe.vordermeyer"
    # has the first one's words); no one-word form.
    assert sorted(r.words for r in rows) == [2, 2]
    unkeyed = {
        hashlib.sha256(" ".join(form).encode()).hexdigest()
        for form in (("xanthippe", "vordermeyer"), ("vordermeyer", "xanthippe"))
    }
    for digest, _, gate in rows:
        assert len(digest) == 64 and set(digest) <= set("0123456789abcdef")
        assert digest not in unkeyed and 0 <= gate < 2**16
        assert not any(w in digest for w in ("xanthippe", "vordermeyer"))
    # Someone with the database but not the key matches nothing (rules only: the NER
    # stage would find this name without any hash).
    other = Keyring(b"another master secret, 32 bytes!").key(KeyPurpose.ERASED_NAMES).secret
    with session_scope(engine) as session:
        wrong = network_scrubber(session, erased_key=other, ner=False)[0]
    assert wrong.scrub("Lunch with Xanthippe Vordermeyer").text.endswith("Vordermeyer")
    # Erasing a namesake adds nothing new; the rows stay as they were.
    namesake = add_named_member(engine, *ERASED)
    erase(engine, settings, namesake, source="admin", actor="test")
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT digest, words, gate FROM erased_name_hashes")).all() == rows
        )


def test_structured_columns_are_scrubbed_like_text(engine, settings):
    publish_default_policy(engine, settings)
    net = hand_network(engine)
    alice, bob = net.members["alice"], net.members["bob"]
    now = utcnow()
    with session_scope(engine) as s:
        s.execute(
            insert(Position).values(
                member_id=alice,
                title="Chief of staff to Carol Cruz",
                company="Acme Corp, call +1 212 555 0143",
                started_on=now.date(),
                created_at=now,
                updated_at=now,
            )
        )
        s.execute(
            insert(Skill).values(
                member_id=alice,
                name="Mentoring (ask alice.archer@mail.test)",
                created_at=now,
                updated_at=now,
            )
        )
        s.execute(
            update(Profile).where(Profile.member_id == alice).values(industry="Software Archer")
        )
    grant(engine, [alice, bob], "train-ai")
    build_dataset(engine, settings, purpose="train-ai", shards=1)
    (shard,) = _shards(settings.data_dir)
    (profile,) = [r for r in pq.read_table(shard).to_pylist() if r["titles"]]  # Alice's
    assert "Acme Corp, call <PHONE>" in profile["companies"]
    assert "Acme Analytics" in profile["companies"]  # ordinary values stay as they were
    assert "Chief of staff to <PERSON>" in profile["titles"]
    assert "Mentoring (ask <EMAIL>)" in profile["skills"]
    assert profile["industry"] == "Software <PERSON>"  # the author's own last name
    everything = " ".join(_strings(shard))
    assert "555" not in everything and "alice.archer" not in everything
    assert residual_pii_in_shard(shard, _scrubber(engine, settings)) == []


def test_the_residual_scan_reports_what_got_through_and_not_placeholders():
    from consentry.datasets.scrub import Scrubber

    table = pa.table(
        {
            "record_id": ["r1", "r2", "r3"],
            "data_class": ["post", "post", "profile"],
            "title": ["", "<PERSON> at <URL>", ""],
            "text": ["Call <PERSON> on <PHONE>", "write to anna@example.org", "<EMAIL>"],
            "companies": [[], [], ["Acme", "Acme Corp, call +1 212 555 0143"]],
            "year": [2024, 2024, 2024],
            "record_hash": ["h1", "h2", "h3"],
        }
    )
    findings = residual_pii(table, Scrubber())
    assert findings == [
        ResidualFinding("r2", "text", -1, "EMAIL", 9, 25),
        ResidualFinding("r3", "companies", 1, "PHONE", 16, 31),
    ]


def test_a_residual_scan_with_erased_names_finds_a_name_erased_after_the_build(engine, settings):
    publish_default_policy(engine, settings)
    xanthippe = add_named_member(engine, *ERASED)
    table = pa.table({"record_id": ["r1"], "text": ["Lunch with Xanthippe Vordermeyer today"]})
    erase(engine, settings, xanthippe, source="admin", actor="test")
    assert residual_pii(table, _scrubber(engine, settings)) == [
        ResidualFinding("r1", "text", -1, "PERSON", 11, 32)
    ]


def test_every_string_column_of_a_record_is_scrubbed():
    # A new string column is scrubbed unless it is one the system itself writes.
    assert set(TEXT_COLUMNS) == {
        "title", "text", "industry", "country", "seniority", "titles", "companies", "skills"
    }  # fmt: skip
    assert words_of("Vördermeyer’s") == ["vordermeyer"]
