"""The audit as an independent witness: a clean real build audits clean on both databases,
and each way a dataset can hold what its members did not allow — made to happen for real
through the product where it can be, else written where a bug would write it — fails
the audit with a finding that names it."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from builders import (
    build,
    grant,
    members_of,
    new_member,
    republish,
    rewrite_record,
    seed_network,
    smuggle_item,
)
from consentry.cli import main
from consentry.datasets.audit import audit_all, audit_dataset
from consentry.datasets.audit_report import SweepDocument
from consentry.datasets.build import build_dataset
from consentry.datasets.records import record_id
from consentry.keys import KeyPurpose, Keyring
from consentry.network.publishing import publish_post, set_no_ai_training
from consentry.rights.erasure import erase
from consentry.rights.withdrawal import withdraw
from consentry.rights.worker import propagate_now
from consentry.store.engine import session_scope, utcnow
from consentry.store.tables import Member, Post, Revision
from consentry.training.sisa import train_feature

ADULT = date(1985, 5, 5)


def _post(engine, author: int, text: str, **kw) -> int:
    with session_scope(engine) as s:
        return publish_post(
            s, author_id=author, text=text, now=utcnow() - timedelta(days=1), **kw
        ).id


def _consenting(engine, region: str = "DE", born: date = ADULT, **kw) -> int:
    member = new_member(engine, region, born, **kw)
    grant(engine, [member], "train-ai")
    return member


def _rid(settings, data_class: str, item_id: int) -> str:
    return record_id(Keyring.load(settings).key(KeyPurpose.RECORD_IDS).secret, data_class, item_id)


def _kinds(report, check: str | None = None) -> set[tuple[str, str]]:
    return {
        (f.check.value, f.kind.value) for f in report.all_findings() if check in (None, f.check)
    }


def _about(report, member: int) -> set[tuple[str, str]]:
    return {(f.check.value, f.kind.value) for f in report.all_findings() if f.member_id == member}


def _world(engine, settings, members: int = 50):
    seed_network(engine, settings, members=members, seed=4, recruiters_consent=True)


def test_a_clean_real_build_audits_clean(engine, settings, capsys):
    _world(engine, settings, members=70)
    ai, genai = build(engine, settings, "train-ai", 3), build(engine, settings, "train-genai", 2)
    train_feature(engine, settings, "skills")
    sweep = audit_all(engine, settings)
    assert sweep.ok, [f.message for f in sweep.all_findings()][:5]
    assert {d.dataset_id for d in sweep.datasets} == {ai, genai}
    assert all(d.records_checked > 0 and d.members_checked > 0 for d in sweep.datasets)
    assert len(sweep.models_checked) == 1
    assert main(["datasets", "audit", ai]) == 0
    assert "no violations" in capsys.readouterr().out
    assert main(["datasets", "audit", "--all", "--json"]) == 0
    document = SweepDocument.model_validate_json(capsys.readouterr().out)
    assert document.ok and len(document.datasets) == 2


def test_a_clean_build_under_an_on_by_default_policy_audits_clean(sqlite_engine, sqlite_settings):
    # linkedin-2024: legitimate interest, EEA and CH excluded, dated UK and HK rules —
    # the audit's own reading of the rule table must agree with the build's.
    from builders import publish_preset

    engine, settings = sqlite_engine, sqlite_settings
    _world(engine, settings, members=90)
    publish_preset(engine, "linkedin-2024", at=utcnow())
    dataset = build(engine, settings, "train-genai", 2)
    report = audit_dataset(engine, settings, dataset)
    assert report.ok, report.violations[:5]
    assert report.records_checked > 0


def test_the_command_needs_an_id_or_all(sqlite_engine, sqlite_settings, capsys):
    _world(sqlite_engine, sqlite_settings, members=20)
    assert main(["datasets", "audit"]) == 2
    assert main(["datasets", "audit", "x", "--all"]) == 2
    assert main(["datasets", "audit", "nope"]) == 2
    err = capsys.readouterr().err
    assert "--all" in err and "no dataset version" in err and "Traceback" not in err


def test_a_withdrawn_member_in_an_active_dataset_and_model_fails(engine, settings, capsys):
    _world(engine, settings)
    member = _consenting(engine)
    _post(engine, member, "Shipping the ranking service this week.")
    dataset = build(engine, settings, "train-ai", 2)
    model = train_feature(engine, settings, "skills").id
    assert audit_all(engine, settings).ok
    withdraw(engine, settings, member, "train-ai", source="settings", actor=f"member:{member}")
    sweep = audit_all(engine, settings)
    assert not sweep.ok
    assert ("currency", "not-allowed") in _about(sweep, member)
    assert {f.model_id for f in sweep.findings if f.member_id == member} == {model}
    assert main(["datasets", "audit", dataset]) == 1
    out = capsys.readouterr().out
    assert "VIOLATION [currency/not-allowed]" in out and f"member {member}" in out


def test_a_propagated_withdrawal_audits_clean_again(sqlite_engine, sqlite_settings):
    engine, settings = sqlite_engine, sqlite_settings
    _world(engine, settings)
    member = _consenting(engine)
    _post(engine, member, "Notes from the data meetup.")
    build(engine, settings, "train-ai", 2)
    job = withdraw(engine, settings, member, "train-ai", source="settings", actor="member").job_id
    assert not audit_all(engine, settings).ok
    propagate_now(engine, settings, job)
    sweep = audit_all(engine, settings)
    assert sweep.ok, [f.message for f in sweep.all_findings()][:5]


def test_an_erased_members_name_readable_in_anothers_text_fails(sqlite_engine, sqlite_settings):
    engine, settings = sqlite_engine, sqlite_settings
    _world(engine, settings)
    erased = new_member(engine, "FR", ADULT, first="Xanthippe", last="Vordermeyer")
    friend = _consenting(engine)
    post = _post(engine, friend, "Lunch with Xanthippe Vordermeyer today")
    dataset = build(engine, settings, "train-ai", 2)
    job = erase(engine, settings, erased, source="settings", actor=f"member:{erased}").job_id
    propagate_now(engine, settings, job)
    assert audit_dataset(engine, settings, dataset).ok
    # What a build that forgot erased names writes: the name, readable.
    rewrite_record(
        engine,
        settings,
        dataset,
        _rid(settings, "post", post),
        text="Lunch with Xanthippe Vordermeyer today",
    )
    report = audit_dataset(engine, settings, dataset)
    assert ("residual-pii", "personal-data") in _kinds(report)
    assert "Xanthippe" not in " ".join(report.violations)  # the report never repeats it


def test_a_text_that_is_not_its_revisions_text_fails(engine, settings):
    _world(engine, settings)
    member = _consenting(engine)
    post = _post(engine, member, "Dinner plans: tapas at eight")
    # The member edited the post an hour ago: the old text becomes a revision.
    edited = utcnow() - timedelta(hours=1)
    with session_scope(engine) as s:
        row = s.get(Post, post)
        s.add(
            Revision(
                data_class="post",
                item_id=post,
                field="text",
                text=row.text,
                valid_from=row.updated_at,
                valid_to=edited,
            )
        )
        row.text, row.updated_at = "Dinner plans: sushi at nine", edited
    dataset = build(engine, settings, "train-ai", 2)
    assert audit_dataset(engine, settings, dataset).ok
    # What a build that read the wrong revision writes.
    rewrite_record(
        engine, settings, dataset, _rid(settings, "post", post), text="Dinner plans: tapas at eight"
    )
    report = audit_dataset(engine, settings, dataset)
    assert _about(report, member) == {("selection", "text")}


def test_a_dataset_that_resurrects_a_withdrawn_member_fails(engine, settings):
    _world(engine, settings)
    member = _consenting(engine)
    _post(engine, member, "Weekend project: a tiny compiler.")
    first = build(engine, settings, "train-ai", 2)
    with session_scope(engine) as s:
        before = s.scalar(select(Member.id).where(Member.id == member))
    assert before and member in members_of(engine, first)
    job = withdraw(engine, settings, member, "train-ai", source="settings", actor="member").job_id
    propagate_now(engine, settings, job)
    assert audit_all(engine, settings).ok
    # The past, published again as usable: selected before the withdrawal, active after it.
    again = republish(engine, settings, first)
    report = audit_dataset(engine, settings, again)
    assert ("currency", "not-allowed") in _about(report, member)
    assert ("selection", "not-allowed") not in _about(report, member)  # true at its position


def test_whatever_a_build_as_of_the_past_publishes_the_audit_agrees(sqlite_engine, sqlite_settings):
    engine, settings = sqlite_engine, sqlite_settings
    _world(engine, settings)
    member = _consenting(engine)
    _post(engine, member, "Weekend project: a tiny compiler.")
    first = build_dataset(engine, settings, purpose="train-ai", shards=2)
    job = withdraw(engine, settings, member, "train-ai", source="settings", actor="member").job_id
    propagate_now(engine, settings, job)
    build_dataset(engine, settings, purpose="train-ai", shards=2, as_of=first.snapshot.seq)
    from consentry.store.dataset_tables import DatasetStatus, DatasetVersionRow

    with session_scope(engine) as s:
        active = s.scalars(
            select(DatasetVersionRow.id).where(DatasetVersionRow.status == DatasetStatus.ACTIVE)
        ).all()
    resurrected = any(member in members_of(engine, d) for d in active)
    sweep = audit_all(engine, settings)
    assert (("currency", "not-allowed") in _about(sweep, member)) == resurrected


def test_a_member_in_an_unknown_region_fails(engine, settings):
    _world(engine, settings)
    member = _consenting(engine, "DE")
    _post(engine, member, "Hello from the new office.")
    dataset = build(engine, settings, "train-ai", 2)
    with session_scope(engine) as s:  # as an import that never checked the code stores it
        s.execute(update(Member).where(Member.id == member).values(region="zz-zz"))
    report = audit_dataset(engine, settings, dataset)
    assert {("selection", "unknown-region"), ("currency", "unknown-region")} <= _about(
        report, member
    )


def test_a_build_leaves_out_a_granted_member_whose_region_cannot_be_read(engine, settings):
    # decide() gives an unreadable region the strictest rule (consent, the highest age), so
    # a granted adult there is "allowed"; a dataset still needs a region a rule is known for.
    _world(engine, settings)
    member = _consenting(engine, "DE")
    _post(engine, member, "Hello from a place nobody can name.")
    with session_scope(engine) as s:  # as an import that never checked the code stores it
        s.execute(update(Member).where(Member.id == member).values(region="zz-zz"))
    result = build_dataset(engine, settings, purpose="train-ai", shards=2)
    assert member not in members_of(engine, result.dataset_id)
    assert result.excluded["jurisdiction"] >= 2  # the profile and the post
    assert audit_dataset(engine, settings, result.dataset_id).ok


def test_a_minor_fails(engine, settings):
    _world(engine, settings)
    today = utcnow().date()
    minor = _consenting(engine, "FR", date(today.year - 14, 1, 1))  # FR: 15
    post = _post(engine, minor, "My school robotics club won!")
    dataset = build(engine, settings, "train-ai", 2)
    assert minor not in members_of(engine, dataset)
    smuggle_item(engine, settings, dataset, "post", post)
    report = audit_dataset(engine, settings, dataset)
    assert ("selection", "under-age") in _about(report, minor)
    assert any("under 15 in FR" in v for v in report.violations)


def test_an_item_preference_violated_fails(engine, settings):
    _world(engine, settings)
    member = _consenting(engine)
    private = _post(engine, member, "Please keep this one out of AI.", usage={"train-ai": False})
    public = _post(engine, member, "This one is fine to learn from.")
    dataset = build(engine, settings, "train-ai", 2)
    assert audit_dataset(engine, settings, dataset).ok
    smuggle_item(engine, settings, dataset, "post", private)
    report = audit_dataset(engine, settings, dataset)
    assert _about(report, member) == {
        ("selection", "item-preference"),
        ("currency", "item-preference"),
    }
    # A preference stated after the build: the dataset in use no longer may hold it.
    with session_scope(engine) as s:
        set_no_ai_training(s, member, public, True)
    report = audit_dataset(engine, settings, dataset)
    later = [f for f in report.findings if f.record_id == _rid(settings, "post", public)]
    assert {(f.check.value, f.kind.value) for f in later} == {("currency", "item-preference")}


def test_a_deleted_item_fails(engine, settings):
    _world(engine, settings)
    member = _consenting(engine)
    gone = _post(engine, member, "An old post I took down.")
    kept = _post(engine, member, "A post I will take down later.")
    with session_scope(engine) as s:
        s.get(Post, gone).deleted_at = utcnow() - timedelta(hours=2)
    dataset = build(engine, settings, "train-ai", 2)
    smuggle_item(engine, settings, dataset, "post", gone)
    report = audit_dataset(engine, settings, dataset)
    assert ("selection", "not-live") in _about(report, member)
    with session_scope(engine) as s:
        s.get(Post, kept).deleted_at = utcnow()
    report = audit_dataset(engine, settings, dataset)
    now_gone = [f for f in report.findings if f.record_id == _rid(settings, "post", kept)]
    assert {(f.check.value, f.kind.value) for f in now_gone} == {("currency", "not-live")}


def test_an_erased_member_in_an_active_dataset_fails(sqlite_engine, sqlite_settings):
    engine, settings = sqlite_engine, sqlite_settings
    _world(engine, settings)
    member = _consenting(engine)
    _post(engine, member, "Moving on to new adventures.")
    dataset = build(engine, settings, "train-ai", 2)
    erase(engine, settings, member, source="settings", actor=f"member:{member}")  # not propagated
    report = audit_dataset(engine, settings, dataset)
    assert ("currency", "erased") in _about(report, member)
    assert report.texts_unverifiable >= 1  # erasure removed the texts it would compare
    document = report.document()
    assert json.loads(document.model_dump_json())["ok"] is False


@pytest.mark.parametrize("kind", ["withdraw", "object"])
def test_the_audit_reads_the_stored_policy_not_the_build(sqlite_engine, sqlite_settings, kind):
    # Under linkedin-2024 a member in the US is on by default: a withdrawal or an objection
    # takes them out; the audit sees both from the ledger alone.
    from builders import publish_preset

    engine, settings = sqlite_engine, sqlite_settings
    _world(engine, settings)
    publish_preset(engine, "linkedin-2024", at=utcnow())
    member = new_member(engine, "US-TX", ADULT)
    _post(engine, member, "Rodeo season again.")
    dataset = build(engine, settings, "train-genai", 2)
    assert member in members_of(engine, dataset)
    withdraw(engine, settings, member, "train-genai", source="settings", actor="m", action=kind)
    assert ("currency", "not-allowed") in _about(audit_dataset(engine, settings, dataset), member)
