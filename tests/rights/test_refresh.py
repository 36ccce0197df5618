"""A refresh carries a change of content or region (no consent event) to live datasets:
a deleted post or an edited text leaves every active dataset, the member's other records
stay, the affected sub-models are retrained, and the receipt says why."""

from __future__ import annotations

import pyarrow.parquet as pq
from sqlalchemy import select, update

from builders import dataset_folder, members_of
from consentry.rights.refresh import request_refresh
from consentry.rights.worker import propagate_now
from consentry.store.engine import session_scope, utcnow
from consentry.store.rights_tables import PropagationJob
from consentry.store.tables import Member, Post, UsagePreference
from rights.helpers import active, receipt_of


def _texts(engine, settings, dataset_id: str) -> list[str]:
    folder = dataset_folder(engine, settings, dataset_id)
    return [
        t
        for f in sorted(folder.rglob("*.parquet"))
        for t in pq.read_table(f, columns=["text"]).column("text").to_pylist()
    ]


def _a_post_in(engine, dataset_id: str) -> tuple[int, int, str]:
    """(member, post, marker): a live post with no usage preference stated, by a member
    the dataset holds; its text gets a marker, not yet in any dataset."""
    held = members_of(engine, dataset_id)
    with session_scope(engine) as s:
        stated = select(UsagePreference.item_id).where(UsagePreference.data_class == "post")
        member, post_id, text = s.execute(
            select(Post.member_id, Post.id, Post.text)
            .where(
                Post.member_id.in_(held),
                Post.kind == "post",
                Post.deleted_at.is_(None),
                Post.id.not_in(stated),
            )
            .order_by(Post.id)
            .limit(1)
        ).one()
        marker = f"refreshmarker{post_id}x"
        s.execute(update(Post).where(Post.id == post_id).values(text=f"{text} {marker}"))
    return member, post_id, marker


def test_a_deleted_post_leaves_every_active_dataset_and_the_member_stays(trained):
    engine, settings = trained.engine, trained.settings
    member, post_id, marker = _a_post_in(engine, trained.genai)
    # Put the marked text into the live datasets first, through a refresh for an edit.
    with session_scope(engine) as s:
        job = request_refresh(s, member, reason="edited")
    assert job is not None
    first = propagate_now(engine, settings, job)
    assert first.status == "done", first.error
    live = active(engine)
    genai = next(d for d, p in live.datasets.items() if p == "train-genai")
    assert any(marker in t for t in _texts(engine, settings, genai))

    with session_scope(engine) as s:
        s.execute(update(Post).where(Post.id == post_id).values(deleted_at=utcnow()))
        job = request_refresh(s, member, reason="deleted")
        # One queued refresh covers every change made before it runs.
        assert request_refresh(s, member, reason="edited") is None
    outcome = propagate_now(engine, settings, job)
    assert outcome.status == "done", outcome.error

    after = active(engine)
    for dataset_id in after.datasets:
        assert not any(marker in t for t in _texts(engine, settings, dataset_id))
    successor = next(d for d, p in after.datasets.items() if p == "train-genai")
    assert member in members_of(engine, successor)  # still consenting: still there
    document = receipt_of(engine, settings, job)
    assert document["kind"] == "refresh" and document["reason"] == "deleted"
    assert document["ledger_entry"] is None
    genai_change = next(d for d in document["datasets"] if d["retired"]["purpose"] == "train-genai")
    assert genai_change["records_removed"] == 1
    assert any(m["created"] for m in document["models"])


def test_nothing_is_queued_for_a_member_no_active_dataset_holds(trained):
    engine = trained.engine
    with session_scope(engine) as s:
        everyone = set(s.scalars(select(Member.id)))
        outsider = min(
            everyone - members_of(engine, trained.genai) - members_of(engine, trained.ai)
        )
        assert request_refresh(s, outsider, reason="deleted") is None
        assert (
            s.scalar(select(PropagationJob.id).where(PropagationJob.member_id == outsider)) is None
        )
