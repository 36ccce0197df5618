"""DESIGN invariant 3, end to end: a withdrawal or erasure reaches every dataset, model
and retrieval index of its scope, and the member holds a receipt naming every change."""

from __future__ import annotations

from sqlalchemy import select, update

from builders import member_in_both, members_of, train_network
from consentry.network.accounts import authenticate, hash_password
from consentry.rights.erasure import ERASED_NAME, erase
from consentry.rights.withdrawal import withdraw
from consentry.rights.worker import propagate_now, run_worker
from consentry.store.dataset_tables import DatasetVersionRow
from consentry.store.engine import session_scope
from consentry.store.tables import Member, Post, Profile
from rights.helpers import (
    active,
    assert_names_every_change,
    assert_reached,
    receipt_of,
)


def test_a_withdrawal_reaches_every_dataset_and_model_of_its_purpose_only(engine, settings):
    net = train_network(engine, settings, members=100)
    member = member_in_both(net)
    before = active(engine)

    request = withdraw(engine, settings, member, "train-genai", source="settings", actor="member")
    outcome = propagate_now(engine, settings, request.job_id)
    assert outcome.status == "done", outcome.error

    after = active(engine)
    assert_reached(engine, member, {"train-genai"})
    document = receipt_of(engine, settings, request.job_id)
    assert_names_every_change(document, before, after)
    assert document["ledger_entry"]["seq"] == request.entry.seq
    assert document["ledger_entry"]["hash"] == request.entry.hash
    assert [d["retired"]["id"] for d in document["datasets"]] == [net.genai]
    assert {m["created"]["feature"] for m in document["models"]} == {"phrasing"}
    # Only the member's shard was retrained; the others were taken over.
    (phrasing,) = document["models"]
    assert sum(s["retrained"] for s in phrasing["created"]["sub_models"]) == 1
    # train-ai (and the retrieval index built on it) is untouched: the member still allows it.
    assert {d for d, p in after.datasets.items() if p == "train-ai"} == {net.ai}
    assert {m for m, p in after.models.items() if p == "train-ai"} == {
        m for m, p in before.models.items() if p == "train-ai"
    }

    # Withdrawing train-ai too moves the skills, match and retrieval models.
    request = withdraw(engine, settings, member, "train-ai", source="settings", actor="member")
    (outcome,) = run_worker(engine, settings, once=True)
    assert outcome.status == "done" and outcome.job_id == request.job_id
    assert_reached(engine, member, {"train-genai", "train-ai"})
    document = receipt_of(engine, settings, request.job_id)
    assert {m["created"]["feature"] for m in document["models"]} == {
        "skills",
        "match",
        "retrieval",
    }
    assert len(document["retrieval_indexes"]) == 1
    with session_scope(engine) as s:
        assert s.get(DatasetVersionRow, net.ai).status == "retired"
    # Old dataset files survive a withdrawal (only an erasure deletes them).
    assert list((settings.data_dir / "datasets").rglob("*.parquet"))


def test_an_erasure_reaches_every_purpose_deletes_old_files_and_the_account(trained):
    engine, settings = trained.engine, trained.settings
    member = member_in_both(trained, skip=1)
    with session_scope(engine) as s:
        s.execute(
            update(Member).where(Member.id == member).values(password_hash=hash_password("pw"))
        )
        email = s.get(Member, member).email
        assert authenticate(s, email, "pw") is not None
        parents = {d: s.get(DatasetVersionRow, d).path for d in (trained.genai, trained.ai)}
    before = active(engine)

    request = erase(engine, settings, member, source="settings", actor="member")
    outcome = propagate_now(engine, settings, request.job_id)
    assert outcome.status == "done", outcome.error

    assert_reached(engine, member, {"train-genai", "train-ai", "recruiter-ai"})
    document = receipt_of(engine, settings, request.job_id)
    assert_names_every_change(document, before, active(engine))
    assert {d["retired"]["id"] for d in document["datasets"]} == set(parents)
    assert all(d["records_removed"] > 0 for d in document["datasets"])
    check = document["erasure_check"]
    assert check["member_records_found"] == 0 and check["parquet_files_scanned"] > 0
    assert {a["id"] for a in check["artifacts"] if a["kind"] == "dataset"} >= set(parents)
    for path in parents.values():
        assert list((settings.data_dir / path / "data").glob("*.parquet")) == []
    with session_scope(engine) as s:
        assert authenticate(s, email, "pw") is None
        row = s.get(Member, member)
        assert row.deleted_at is not None and row.display_name == ERASED_NAME
        assert s.get(Profile, member).about == ""
        posts = s.scalars(select(Post).where(Post.member_id == member)).all()
        assert all(p.deleted_at is not None and p.text == "" for p in posts)
    # Everyone else is still in the successors.
    others = members_of(engine, trained.genai) - {member}
    successor = next(
        d["created"]["id"] for d in document["datasets"] if d["created"]["purpose"] == "train-genai"
    )
    assert members_of(engine, successor) == others


def test_a_member_held_by_nothing_still_gets_a_receipt(trained):
    engine, settings = trained.engine, trained.settings
    with session_scope(engine) as s:
        everyone = set(s.scalars(select(Member.id)))
    outsider = min(everyone - members_of(engine, trained.genai))
    before = active(engine)
    request = withdraw(engine, settings, outsider, "train-genai", source="api", actor="member")
    assert propagate_now(engine, settings, request.job_id).status == "done"
    document = receipt_of(engine, settings, request.job_id)
    assert document["datasets"] == [] and document["models"] == []
    assert active(engine) == before


def test_an_erasure_deletes_the_files_of_every_earlier_version_that_held_the_member(trained):
    from consentry.store.training_tables import ModelVersionRow

    engine, settings = trained.engine, trained.settings
    member = member_in_both(trained, skip=2)
    # A withdrawal first: the old train-genai version is retired but keeps its files.
    first = withdraw(engine, settings, member, "train-genai", source="settings", actor="member")
    assert propagate_now(engine, settings, first.job_id).status == "done"
    with session_scope(engine) as s:
        old = s.get(DatasetVersionRow, trained.genai)
        superseded = s.scalars(
            select(ModelVersionRow).where(ModelVersionRow.dataset_id == trained.genai)
        ).all()
    assert old.status == "retired"
    assert list((settings.data_dir / old.path / "data").glob("*.parquet"))
    assert superseded and all(m.status != "active" for m in superseded)

    request = erase(engine, settings, member, source="settings", actor="member")
    assert propagate_now(engine, settings, request.job_id).status == "done"
    assert list((settings.data_dir / old.path / "data").glob("*.parquet")) == []
    for model in superseded:
        assert list((settings.data_dir / model.path).glob("shard-*")) == []
    document = receipt_of(engine, settings, request.job_id)
    checked = {
        (a["kind"], a["id"]): a["files_absent"] for a in document["erasure_check"]["artifacts"]
    }
    assert checked[("dataset", trained.genai)] == 4  # its four shard files, each absent
    assert all(checked[("model", m.id)] > 0 for m in superseded)
