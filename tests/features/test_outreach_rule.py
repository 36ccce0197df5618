"""Outreach's rule, the same from the CLI as from the pages and the API: a recruiter
drafts only for one of their own live job postings (`features.outreach.outreach_for`)."""

from __future__ import annotations

from sqlalchemy import select

from consentry.cli import main
from consentry.store.engine import session_scope
from consentry.store.tables import Job, Member


def test_cli_outreach_refuses_a_job_that_is_not_the_recruiter_s_own(
    sqlite_engine, sqlite_settings, seeded, capsys
):
    seeded(sqlite_engine, sqlite_settings, members=200)
    with session_scope(sqlite_engine) as s:
        job = s.scalars(select(Job).where(Job.deleted_at.is_(None)).limit(1)).one()
        someone_else = s.scalars(
            select(Member.id).where(Member.id != job.recruiter_id, Member.deleted_at.is_(None))
        ).first()
        job_id = job.id
    argv = ["assist", "outreach", "--job", str(job_id), "--candidate", str(someone_else)]
    assert main([*argv, "--recruiter", str(someone_else)]) == 2
    assert "choose one of your own live job postings" in capsys.readouterr().err
