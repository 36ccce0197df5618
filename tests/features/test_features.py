"""The features on a trained network: outputs, consent gating, multi-turn chat, and the
regurgitation guard over many generations."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from builders import train_all
from consentry.consent.decide import decide
from consentry.features.chatbot import JobSeekerChat
from consentry.features.guard import guard_for
from consentry.features.job_posts import write_job_post
from consentry.features.outreach import OutreachRefused, draft_outreach
from consentry.features.profile_assistant import assist_profile
from consentry.store.dataset_tables import DatasetVersionRow
from consentry.store.engine import session_scope
from consentry.store.tables import Job, Member, Position
from consentry.training.text import ngram_hashes


def _training_grams(engine, data_dir) -> set[int]:
    """Every 8-word run of every record a model trained on (all of train-genai; the
    profiles and postings of train-ai), computed here independently of the guard."""
    with session_scope(engine) as s:
        rows = [(data_dir / r.path, r.purpose) for r in s.scalars(select(DatasetVersionRow))]
    texts = []
    for path, purpose in rows:
        for f in sorted((data_dir / path / "data").glob("*.parquet")):
            texts += [
                t
                for r in pq.read_table(f).to_pylist()
                if purpose == "train-genai" or r["data_class"] in ("profile", "job")
                for t in (r["title"], r["text"])
            ]
    return set(ngram_hashes(texts).tolist())


@pytest.mark.slow
def test_features_answer_and_never_regurgitate(sqlite_engine, sqlite_settings, seeded):
    engine, settings = sqlite_engine, sqlite_settings
    seeded(engine, settings, members=400, recruiters_consent=True)
    train_all(engine, settings)
    grams = _training_grams(engine, settings.data_dir)
    outputs: list[str] = []
    with session_scope(engine) as s:
        members = s.scalars(
            select(Member.id).where(Member.id.in_(select(Position.member_id))).order_by(Member.id)
        ).all()[:40]
        jobs = s.scalars(select(Job.id).where(Job.deleted_at.is_(None)).order_by(Job.id)).all()
        # Profile drafts for the first 12 (each is several model calls): the guard's
        # question is the same for every draft, and the suite runs on two cores.
        for i, member in enumerate(members[:12]):
            draft = assist_profile(s, settings, member, seed=i)
            assert draft.headline and len(draft.missing_skills) == 5
            outputs += [draft.headline, draft.about]
        for i, (title, skills) in enumerate(
            [
                ("Data Engineer", ["Python", "SQL", "Airflow"]),
                ("Nurse", ["triage", "patient care"]),
                ("Account Executive", ["CRM", "negotiation"]),
                ("Product Designer", ["Figma"]),
            ]
            * 5
        ):
            post = write_job_post(
                s, settings, title=title, company="Acme", location="Berlin", skills=skills, seed=i
            )
            assert title in post.text and all(sk in post.text for sk in skills)
            outputs.append(post.text)
        allowed = refused = 0
        for member in members:
            decision = decide(s, member, "recruiter-ai")
            if decision.allowed:
                out = draft_outreach(s, settings, job_id=jobs[0], candidate_id=member)
                assert f"job {jobs[0]}" in out.text and 0 <= out.fit <= 1
                outputs.append(out.text)
                allowed += 1
            else:
                with pytest.raises(OutreachRefused, match="not available for recruiter AI"):
                    draft_outreach(s, settings, job_id=jobs[0], candidate_id=member)
                refused += 1
        assert allowed and refused
        for member in members[:10]:
            chat = JobSeekerChat(member)
            found = chat.reply(s, settings, "find engineer jobs in sales marketing nursing")
            outputs.append(found.text)
            for message in (
                "why do I fit the first one?",
                "which skills am I missing?",
                "draft my headline for it",
            ):
                reply = chat.reply(s, settings, message)
                if found.job_ids:
                    assert f"job {found.job_ids[0]}" in reply.text
                    assert reply.job_ids == [found.job_ids[0]]
                outputs.append(reply.text)
        guard = guard_for(s, settings)
    assert len(outputs) > 70
    for text in outputs:
        from consentry.training.text import gram_hash, words

        ws = words(text)
        assert not any(gram_hash(ws[i : i + 8]) in grams for i in range(len(ws) - 7)), text
    # The guard blocks a training record verbatim.
    assert not guard.clean(
        "Specialities: " + " ".join(["x"] * 0) + _a_long_record(engine, settings.data_dir)
    )


def _a_long_record(engine, data_dir) -> str:
    with session_scope(engine) as s:
        path = s.scalars(
            select(DatasetVersionRow.path).where(DatasetVersionRow.purpose == "train-genai")
        ).first()
    for f in sorted((data_dir / path / "data").glob("*.parquet")):
        for r in pq.read_table(f).to_pylist():
            if len(r["text"].split()) > 12:
                return r["text"]
    raise AssertionError("no long record")
