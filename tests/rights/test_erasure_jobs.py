"""Erasure reaches the jobs slice (SQLite and PostgreSQL): an erased applicant's
applications and notes are gone, an erased recruiter's postings leave lists, search and
their skills, and nothing of either is found by search afterwards."""

from __future__ import annotations

from sqlalchemy import select

from builders import hand_network
from consentry.network import jobs, queries, search
from consentry.network.jobs import JobDraft
from consentry.rights.erasure import erase_content
from consentry.store.engine import session_scope
from consentry.store.social_tables import JobApplication
from consentry.store.tables import JobSkill

KEY = b"k" * 32


def test_an_erased_applicant_leaves_no_application_or_note(engine):
    net = hand_network(engine)
    alice, bob, rita = (net.members[h] for h in ("alice", "bob", "rita"))
    with session_scope(engine) as s:
        jobs.apply(s, alice, net.jobs["python"], "Alice's private note")
        jobs.apply(s, bob, net.jobs["python"], "Bob's note")
    with session_scope(engine) as s:
        counts = erase_content(s, alice, erased_key=KEY)
        assert counts["job_applications"] == 1
    with session_scope(engine) as s:
        notes = s.scalars(select(JobApplication.note)).all()
        assert notes == ["Bob's note"]
        assert [a.handle for a in jobs.applicants(s, rita, net.jobs["python"])] == ["bob"]
        assert search.search_people(s, "Archer").items == []


def test_an_erased_recruiters_postings_leave_lists_search_and_skills(engine):
    net = hand_network(engine)
    rita, bob = net.members["rita"], net.members["bob"]
    with session_scope(engine) as s:
        job = jobs.post_job(
            s, rita, JobDraft("Hooli", "Zymurgist", description="Brew", skills=("Yeast",))
        ).id
        jobs.apply(s, bob, job, "Bob's own note")
    with session_scope(engine) as s:
        erase_content(s, rita, erased_key=KEY)
    with session_scope(engine) as s:
        assert queries.jobs(s).items == []
        for word in ("Zymurgist", "Yeast", "Globex", "Figma"):
            assert search.search_jobs(s, word).items == [], word
        assert s.scalars(select(JobSkill)).all() == []
        # Bob's application is Bob's: it stays, but the posting is gone from his list.
        assert s.scalars(select(JobApplication.note)).all() == ["Bob's own note"]
        assert jobs.my_applications(s, bob) == []
