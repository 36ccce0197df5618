"""Where a member lives decides their rules: codes are normalised where they enter, and a
code that is not a region (a row written before codes were checked) gets the policy's
strictest reading, never the "elsewhere" rule. On both databases, through the command
line as an operator would use it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from builders import EPOCH, add_members, linkedin_archive, publish_preset
from consentry.cli import main
from consentry.commands.context import store_engine
from consentry.consent.decide import decide
from consentry.consent.decide_batch import decide_all
from consentry.consent.ledger import ledger_session
from consentry.consent.record import record_choice
from consentry.consent.signals import apply_gpc
from consentry.store.engine import session_scope, utcnow
from consentry.store.tables import Member

PURPOSES = ("train-genai", "train-ai", "recruiter-ai", "share-affiliates")


@pytest.fixture
def cli_engine(settings):
    """The test's database, set up as `consentry init` leaves it (consent-first)."""
    assert main(["init"]) == 0
    engine = store_engine(settings)  # the commands' own engine
    yield engine
    engine.dispose()


def _years_ago(years: int, days: int = 30) -> str:
    today = utcnow().date()
    return (today.replace(year=today.year - years) - timedelta(days=days)).isoformat()


def _create(tmp_path, capsys, email: str, region: str, born: str) -> Member:
    """`consentry import linkedin-export A.zip --create --region R` as an operator types it."""
    archive = linkedin_archive(tmp_path / f"{email}.zip")
    command = ["import", "linkedin-export", str(archive), "--create", "--email", email]
    code = main([*command, "--region", region, "--birth-date", born])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    engine = store_engine()
    try:
        with session_scope(engine) as session:
            return session.scalars(select(Member).where(Member.email == email)).one()
    finally:
        engine.dispose()


def _grant(engine, member_id: int, purpose: str) -> None:
    with ledger_session(engine) as session:
        record_choice(session, member_id, purpose, "grant", source="settings", actor="test")


def _agree(engine, member_id: int, purpose: str):
    """The single decision, checked against the batch query's row for the member."""
    with session_scope(engine) as session:
        d = decide(session, member_id, purpose)
        rows = session.execute(decide_all(session, purpose, as_of_seq=d.as_of_seq, at=d.at)).all()
        (row,) = [r for r in rows if r.member_id == member_id]
        assert (row.allowed, row.basis, row.reason_code) == (d.allowed, d.basis, d.code)
        return d


def test_imported_regions_are_stored_canonical_and_gpc_objects_in_california(
    cli_engine, tmp_path, capsys
):
    maya = _create(tmp_path, capsys, "maya@example.test", "us-ca", "1990-01-01")
    assert maya.region == "US-CA"
    assert _create(tmp_path, capsys, "uk@example.test", " uk ", "1990-01-01").region == "GB"
    with ledger_session(cli_engine) as session:
        entries = apply_gpc(session, maya.id)
    # consent-first maps GPC to sharing with affiliates in every US state.
    assert [(e.purpose, e.action, e.source) for e in entries] == [
        ("share-affiliates", "object", "gpc")
    ]
    assert not _agree(cli_engine, maya.id, "share-affiliates").allowed


def test_granted_teenagers_are_judged_by_their_countrys_art8_age(cli_engine, tmp_path, capsys):
    de17 = _create(tmp_path, capsys, "de17@example.test", "de", _years_ago(17))
    fr15 = _create(tmp_path, capsys, "fr15@example.test", "fr", _years_ago(15))
    de15 = _create(tmp_path, capsys, "de15@example.test", "de", _years_ago(15))
    for member in (de17, fr15, de15):
        _grant(cli_engine, member.id, "train-genai")
    assert (de17.region, fr15.region) == ("DE", "FR")
    assert _agree(cli_engine, de17.id, "train-genai").code == "granted"  # DE: 16
    assert _agree(cli_engine, fr15.id, "train-genai").code == "granted"  # FR: 15
    young = _agree(cli_engine, de15.id, "train-genai")
    assert (young.allowed, young.reason) == (
        False,
        "Members under 16 in Germany are never included",
    )


def test_an_unknown_region_is_refused_with_one_line_and_nothing_written(
    cli_engine, tmp_path, capsys
):
    archive = linkedin_archive(tmp_path / "a.zip")
    command = ["import", "linkedin-export", str(archive), "--create", "--email", "z@example.test"]
    assert main([*command, "--region", "zz-zz", "--birth-date", "1990-01-01"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "unknown region code 'zz-zz'" in err
    with session_scope(cli_engine) as session:
        assert session.scalar(select(func.count()).select_from(Member)) == 0


def test_linkedin_2024_does_not_train_on_members_its_public_record_excludes(
    settings, tmp_path, capsys, monkeypatch
):
    from consentry.commands import consent as consent_commands

    monkeypatch.setattr(consent_commands.out, "width", 200)  # one table row per line
    engine = store_engine(settings)
    try:
        publish_preset(engine, "linkedin-2024", at=EPOCH)
        assert main(["init"]) == 0
        made = {
            region: _create(tmp_path, capsys, f"{region}@example.test", region, "1980-01-01")
            for region in ("de", "gb", "hk", "ca-qc", "us-ny")
        }
        for region, member in made.items():
            d = _agree(engine, member.id, "train-genai")
            assert d.allowed == (region == "us-ny"), (region, d.reason)
        assert main(["consent", "show", made["de"].handle]) == 0
        shown = capsys.readouterr().out
        assert "on by default in Germany" not in shown
        assert "never used for members in Germany" in shown
    finally:
        engine.dispose()


# -- rows written before codes were checked: the strictest reading ------------------------

LEGACY = ["de", "hk", "UK", "us-ca", "zz-zz", " DE"]


@pytest.mark.parametrize("preset", ["consent-first", "linkedin-2024", "linkedin-2025"])
def test_an_unknown_stored_region_gets_the_strictest_rule(engine, preset):
    adult, seventeen = date(1980, 1, 1), date(2008, 6, 1)
    ids = add_members(
        engine, [(r, adult) for r in LEGACY] + [("zz-zz", seventeen), ("zz-zz", adult)]
    )
    publish_preset(engine, preset, at=EPOCH)
    at = datetime(2026, 1, 1)
    *legacy, minor, granted = ids
    with ledger_session(engine) as session:
        for member_id in (minor, granted):
            record_choice(
                session, member_id, "train-genai", "grant", source="settings", actor="t", at=at
            )
    with session_scope(engine) as session:
        for purpose in PURPOSES:
            batch = {
                r.member_id: r
                for r in session.execute(decide_all(session, purpose, as_of_seq=10**6, at=at))
            }
            for member_id in ids:
                d = decide(session, member_id, purpose, at=at)
                row = batch[member_id]
                assert (row.allowed, row.basis, row.reason_code) == (d.allowed, d.basis, d.code)
            for member_id in legacy:
                d = decide(session, member_id, purpose, at=at)
                # Never on by default, whatever the policy does "elsewhere".
                assert not d.allowed and d.basis in ("consent", "excluded"), d
                assert "on by default" not in d.reason
        # A grant counts (consent is the basis), but only from the highest age any
        # country in the policy has: 18 in every preset.
        assert decide(session, granted, "train-genai", at=at).code == "granted"
        young = decide(session, minor, "train-genai", at=at)
        assert young.code == "under-age"
        assert young.reason == (
            "Members under 18 in a region whose code (zz-zz) is not recognised are never included"
        )


def test_gpc_from_an_unknown_region_objects_to_everything_gpc_covers(engine):
    (member,) = add_members(engine, [("us-ca", date(1980, 1, 1))])
    publish_preset(engine, "consent-first", at=EPOCH)
    with ledger_session(engine) as session:
        entries = apply_gpc(session, member)
    assert {e.purpose for e in entries} == set(PURPOSES)
