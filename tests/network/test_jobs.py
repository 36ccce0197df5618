"""Job postings and applications (SQLite and PostgreSQL): who may post, edit and close;
applying once, withdrawing, never to a closed or one's own posting; the recruiter told of
each application; and an edited posting's old text gone from every later build."""

from __future__ import annotations

import uuid
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from builders import build, dataset_folder, grant, hand_network, publish_default_policy
from consentry.consent import ledger
from consentry.datasets.build import build_dataset
from consentry.errors import Conflict, InvalidInput, NotFound
from consentry.network import jobs, notifications, queries
from consentry.network.jobs import JobDraft, JobRejected
from consentry.rights.refresh import request_refresh
from consentry.store.engine import session_scope
from consentry.store.rights_tables import JobKind, PropagationJob
from consentry.store.tables import Job, JobSkill, Revision


@pytest.fixture
def net(engine):
    return hand_network(engine)


def _draft(**changes) -> JobDraft:
    values = {
        "company": "Hooli",
        "title": "Data Engineer",
        "location": "Lisbon",
        "region": "pt",
        "remote": True,
        "employment_type": "contract",
        "seniority": "senior",
        "description": "Pipelines all day.",
        "skills": ("SQL", "Python", "sql", "  "),
    }
    return JobDraft(**{**values, **changes})


def test_a_recruiter_posts_edits_and_closes_their_job(engine, net):
    rita = net.members["rita"]
    with session_scope(engine) as s:
        job_id = jobs.post_job(s, rita, _draft()).id
    with session_scope(engine) as s:
        view = jobs.job_for(s, net.members["alice"], job_id)
        assert (view.region, view.remote, view.seniority) == ("PT", True, "senior")
        assert jobs.skills_of(s, job_id) == ["SQL", "Python"]  # repeats in any case dropped
        assert job_id in [j.id for j in queries.jobs(s).items]
    with session_scope(engine) as s:
        changed = jobs.edit_job(s, rita, job_id, _draft(title="Staff Data Engineer", skills=()))
        assert set(changed) == {"title", "skills"}
        # Both revisioned fields keep their earlier text, the unchanged one too.
        kept = {
            r.field: r.text
            for r in s.scalars(
                select(Revision).where(Revision.item_id == job_id, Revision.data_class == "job")
            )
        }
        assert kept == {"title": "Data Engineer", "description": "Pipelines all day."}
        assert jobs.edit_job(s, rita, job_id, _draft(title="Staff Data Engineer", skills=())) == []
    with session_scope(engine) as s:
        closed = jobs.close_job(s, rita, job_id).closed_at
        assert closed is not None and jobs.close_job(s, rita, job_id).closed_at == closed
    with session_scope(engine) as s:
        assert job_id not in [j.id for j in queries.jobs(s).items]  # gone from the list
        assert jobs.job_for(s, rita, job_id).closed_at == closed  # the recruiter still sees it
        with pytest.raises(NotFound):
            jobs.job_for(s, net.members["alice"], job_id)  # nobody else, unless they applied
        assert not s.scalars(select(JobSkill).where(JobSkill.job_id == job_id)).all()


def test_only_the_posting_recruiter_changes_a_job(engine, net):
    job_id = net.jobs["python"]
    with session_scope(engine) as s:
        for other in (net.members["alice"], net.members["carol"]):
            with pytest.raises(NotFound) as edit:
                jobs.edit_job(s, other, job_id, _draft())
            with pytest.raises(NotFound) as close:
                jobs.close_job(s, other, job_id)
            with pytest.raises(NotFound) as listed:
                jobs.applicants(s, other, job_id)
            # Worded exactly as for a posting that does not exist.
            with pytest.raises(NotFound) as missing:
                jobs.close_job(s, net.members["rita"], 999_999)
            assert str(edit.value) == str(close.value) == str(listed.value) == str(missing.value)
        with pytest.raises(NotFound):
            jobs.edit_job(s, net.members["rita"], net.jobs["gone"], _draft())  # taken down
        assert s.get(Job, job_id).title == "Senior Python Engineer"


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"title": "  "}, "needs a title"),
        ({"company": ""}, "needs a company"),
        ({"title": "x" * 201}, "at most 200"),
        ({"employment_type": "gig"}, "type must be one of"),
        ({"seniority": "wizard"}, "seniority must be one of"),
        ({"region": "Atlantis"}, "unknown region code"),
        ({"skills": tuple(f"s{i}" for i in range(21))}, "at most 20 skills"),
        ({"description": "x" * 20_001}, "at most 20,000"),
    ],
)
def test_a_posting_that_cannot_be_saved_says_why_and_writes_nothing(engine, net, changes, says):
    with session_scope(engine) as s:
        before = s.scalar(select(Job.id).order_by(Job.id.desc()).limit(1))
        with pytest.raises(InvalidInput) as refused:
            jobs.post_job(s, net.members["rita"], _draft(**changes))
        assert says in str(refused.value)
        assert isinstance(refused.value, JobRejected) or "region" in says
        s.rollback()
        assert s.scalar(select(Job.id).order_by(Job.id.desc()).limit(1)) == before


def test_apply_once_withdraw_never_closed_never_own(engine, net):
    alice, bob, rita = (net.members[h] for h in ("alice", "bob", "rita"))
    python, designer = net.jobs["python"], net.jobs["designer"]
    with session_scope(engine) as s:
        jobs.apply(s, alice, python, "  I love pipelines.  ")
        with pytest.raises(Conflict, match="already applied"):
            jobs.apply(s, alice, python)
        with pytest.raises(InvalidInput, match="your own job"):
            jobs.apply(s, rita, python)
        with pytest.raises(NotFound):
            jobs.apply(s, alice, net.jobs["gone"])
        with pytest.raises(InvalidInput, match="at most 2,000"):
            jobs.apply(s, bob, python, "x" * 2001)
    with session_scope(engine) as s:
        told = notifications.recent(s, rita)
        assert [(n.kind, n.actor_id, n.subject, n.subject_id) for n in told] == [
            ("applicant", alice, "job", python)
        ]
        [applicant] = jobs.applicants(s, rita, python)
        assert (applicant.handle, applicant.note) == ("alice", "I love pipelines.")
        assert applicant.headline == "Data engineer who likes tidy pipelines"
    with session_scope(engine) as s:
        jobs.withdraw_application(s, alice, python)
        with pytest.raises(NotFound):
            jobs.withdraw_application(s, alice, python)
        with pytest.raises(Conflict, match="withdrew"):
            jobs.apply(s, alice, python)
        assert jobs.applicants(s, rita, python) == []
        jobs.apply(s, bob, designer)
        jobs.close_job(s, rita, designer)
        with pytest.raises(Conflict, match="closed"):
            jobs.apply(s, alice, designer)
    with session_scope(engine) as s:
        # Bob applied before it closed: he still sees the closed posting; Alice does not.
        assert jobs.job_for(s, bob, designer).closed_at is not None
        with pytest.raises(NotFound):
            jobs.job_for(s, alice, designer)
        mine = jobs.my_applications(s, alice)
        assert [(a.job_id, a.withdrawn_at is not None) for a in mine] == [(python, True)]
        posted = {p.job_id: p for p in jobs.my_postings(s, rita)}
        assert posted[designer].applicant_count == 1 and posted[designer].closed_at is not None
        assert net.jobs["gone"] not in posted


def _marker(kind: str) -> str:
    letters = "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:14])
    return f"zq{kind}{letters}"


def _text(engine, settings, dataset_id: str) -> str:
    folder: Path = dataset_folder(engine, settings, dataset_id)
    files = sorted(folder.rglob("*.parquet"))
    assert files, f"dataset {dataset_id} has no Parquet file"
    return " ".join(
        str(value)
        for path in files
        for row in pq.read_table(path).to_pylist()
        for value in row.values()
    )


def test_an_edited_jobs_old_text_leaves_later_builds(engine, settings, net):
    """Jobs are a data class of train-ai (not of train-genai, in every preset): the old
    title and description of an edited posting are in no later train-ai build, while a
    build as of before the edit still reproduces them."""
    rita = net.members["rita"]
    publish_default_policy(engine, settings)
    grant(engine, [rita], "train-ai")
    old_title, old_text, new_text, kept = (_marker(k) for k in ("title", "old", "new", "kept"))
    with session_scope(engine) as s:
        job_id = jobs.post_job(
            s, rita, _draft(title=f"Engineer {old_title}", description=f"Build {old_text}")
        ).id
        jobs.post_job(s, rita, _draft(title="Control", description=f"Stay {kept}"))
    grant(engine, [net.members["bob"]], "train-ai")  # a ledger position after the posting
    first = build(engine, settings, "train-ai", shards=1)
    text = _text(engine, settings, first)
    assert old_title in text and old_text in text and kept in text
    with session_scope(engine) as s:
        position = ledger.head(s).seq
    with session_scope(engine) as s:
        assert jobs.edit_job(
            s, rita, job_id, _draft(title="Engineer", description=f"Build {new_text}")
        )
        queued = request_refresh(s, rita, reason="edited")
        assert queued is not None  # the live dataset holds Rita's records
        assert s.get(PropagationJob, queued).kind == JobKind.REFRESH
    grant(engine, [net.members["carol"]], "train-ai")  # the ledger moves past `position`
    later = build(engine, settings, "train-ai", shards=1)
    text = _text(engine, settings, later)
    assert old_title not in text and old_text not in text
    assert new_text in text and kept in text
    as_of = build_dataset(engine, settings, purpose="train-ai", as_of=position, shards=1)
    assert as_of.reproduction
    text = _text(engine, settings, as_of.dataset_id)
    assert old_text in text and new_text not in text
