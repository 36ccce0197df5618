"""Outreach's rule, the same from the CLI as from the pages and the API: a recruiter
drafts only for one of their own live job postings (`features.outreach.outreach_for`)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from builders import hand_network, publish_default_policy
from consentry.cli import main
from consentry.consent.decide import decide
from consentry.features.outreach import OutreachDeclined, outreach_for
from consentry.rights.withdrawal import withdraw
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


def test_a_refusal_tells_the_recruiter_nothing_of_the_member_s_history(
    sqlite_engine, sqlite_settings, capsys
):
    network = hand_network(sqlite_engine)
    publish_default_policy(sqlite_engine, sqlite_settings)
    alice = network.members["alice"]
    withdraw(sqlite_engine, sqlite_settings, alice, "recruiter-ai", source="settings", actor="t")
    with session_scope(sqlite_engine) as s:
        rita = s.get(Member, network.members["rita"])
        assert rita is not None
        decision = decide(s, alice, "recruiter-ai")
        assert decision.code == "withdrawn"
        with pytest.raises(OutreachDeclined) as refused:
            outreach_for(s, sqlite_settings, rita, network.jobs["python"], "alice")
    said = str(refused.value)
    assert said == "Alice Archer (@alice) is not available for recruiter AI"
    assert decision.reason not in said
    argv = ["assist", "outreach", "--job", str(network.jobs["python"]), "--candidate", "alice"]
    assert main([*argv, "--recruiter", "rita"]) == 2
    err = capsys.readouterr().err
    assert "is not available for recruiter AI" in err and "withdr" not in err.lower()
