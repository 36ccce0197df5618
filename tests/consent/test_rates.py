"""Consent rates (`consent.rates`): the figures per region and purpose are the one-by-one
decisions added up, on each database."""

from __future__ import annotations

from sqlalchemy import select

from builders import LENA, build_world
from consentry.consent.decide import decide
from consentry.consent.rates import consent_rates
from consentry.rights.withdrawal import withdraw
from consentry.store.engine import session_scope
from consentry.store.tables import Member


def test_rates_per_region_match_one_by_one_decisions_on_each_database(engine, tmp_path):
    world = build_world(engine, tmp_path / "data", members=30)
    member_id = world.member_id(LENA.email)
    withdraw(engine, world.settings, member_id, "train-ai", source="api", actor="test")
    with session_scope(engine) as session:
        rates = consent_rates(session)
        assert sum(r.members for r in rates.regions) == rates.total.members > 0
        for region in rates.regions:
            members = session.scalars(
                select(Member).where(Member.region == region.region, Member.deleted_at.is_(None))
            ).all()
            assert region.members == len(members)
            for p in rates.purposes:
                expected = sum(
                    decide(session, m, p.key, as_of_seq=rates.as_of_seq).allowed for m in members
                )
                assert region.allowed[p.key] == expected, (region.region, p.key)
