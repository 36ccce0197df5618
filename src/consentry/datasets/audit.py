"""The audit: an independent witness that a dataset holds only what its members allowed.

`audit_dataset(ID)` and `audit_all()` trust nothing the build wrote about consent. They
re-derive everything with a second, deliberately simple implementation — plain SELECTs
over the ledger, the members, the stored policy documents, the content tables and their
revisions (`audit_rules`, `audit_items`) — and never call the build's code path (the
consented query, the decision code, the snapshot or the build itself):

- files (`audit_files`): every shard file has its recorded sha256 and reads as Parquet;
  every record's hash is right and the lineage names exactly the records the files hold,
  in the right shard, with the author the item really has; the manifest agrees with the
  registry;
- ledger: the ledger verifies and still holds the recorded head; the recorded policy
  version is published with the recorded content hash;
- selection: every record of every shard, at the position that shard records AND at the
  position the dataset states (a manifest must never state a position a shard was not
  checked at): its author was allowed (basis, latest choice, no erasure), of age and in a
  valid region; its item was live and its preference did not deny the purpose; its title
  and text are that revision's (`audit_items.aligned`);
- currency, for what is in use (an active dataset; the shards an active model was trained
  on): no author whose present decision denies the purpose or who erased, no item deleted
  or denied by its preference now;
- residual PII: every text column re-scanned for members' names and handles, erased
  names, e-mail addresses, phone numbers, IBANs and card numbers by a finder of its own
  (`audit_pii`, `audit_contacts`) that shares no code with the scrubber it checks.

Every finding is a violation (`audit_report`). A record whose author has since erased
cannot have its text compared (erasure removes every revision by design): it is counted
as `texts_unverifiable`, and is a currency finding wherever it is still in use.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.consent import ledger
from consentry.datasets.audit_files import read_published
from consentry.datasets.audit_items import History, Item, aligned, find_items, live
from consentry.datasets.audit_pii import ResidualScanner, where
from consentry.datasets.audit_report import (
    AuditCheck,
    AuditDocument,
    AuditReport,
    Finding,
    FindingKind,
    SweepDocument,
    SweepReport,
)
from consentry.datasets.audit_rules import Author, Choices, authors, choices_at, denial, policy_at
from consentry.errors import NotFound
from consentry.keys import KeyPurpose, Keyring
from consentry.store.consent_tables import ConsentEvent, PolicyVersion
from consentry.store.dataset_tables import (
    DatasetShardRow,
    DatasetStatus,
    DatasetVersionRow,
)
from consentry.store.engine import session_scope, utcnow
from consentry.store.training_tables import ModelShardRow, ModelStatus, ModelVersionRow

__all__ = [
    "AuditDocument",
    "AuditReport",
    "Finding",
    "SweepDocument",
    "SweepReport",
    "audit_all",
    "audit_dataset",
]

_TRAINABLE = ("profile", "post", "article", "comment", "job")
FILES, LEDGER, SELECTION, CURRENCY, PII = (
    AuditCheck.FILES,
    AuditCheck.LEDGER,
    AuditCheck.SELECTION,
    AuditCheck.CURRENCY,
    AuditCheck.RESIDUAL_PII,
)


def audit_dataset(db: Engine, settings: Settings, dataset_id: str) -> AuditReport:
    """Audit one dataset version (NotFound for an unknown id); see the module docstring."""
    with session_scope(db) as session:
        return _Audit(session, settings).dataset(dataset_id)


def audit_all(db: Engine, settings: Settings) -> SweepReport:
    """Audit every dataset in use (active, or pinned by an active model) and check every
    active model's training shards for currency."""
    with session_scope(db) as session:
        return _Audit(session, settings).everything()


@dataclass
class _Loaded:
    """One dataset's records as its files hold them, and the items they came from."""

    row: DatasetVersionRow
    shards: dict[int, DatasetShardRow]
    records: dict[str, tuple[int, dict[str, Any]]]
    items: dict[str, Item]
    history: History


class _Audit:
    def __init__(self, session: Session, settings: Settings) -> None:
        self.session, self.settings = session, settings
        self.key = Keyring.load(settings).key(KeyPurpose.RECORD_IDS).secret
        self.now = utcnow()
        self.head = session.scalar(select(func.max(ConsentEvent.seq))) or 0
        self._verified: ledger.Verification | None = None
        self._choices: dict[tuple[str, int], Choices] = {}
        self._authors: dict[int, Author] = {}
        self._loaded: dict[str, _Loaded | None] = {}
        self._scanner: ResidualScanner | None = None
        self.erased_ever = choices_at(session, "*", self.head).erased
        self.pinned = set(
            session.scalars(
                select(ModelVersionRow.dataset_id).where(
                    ModelVersionRow.status == ModelStatus.ACTIVE
                )
            )
        )

    # -- entry points ---------------------------------------------------------------------
    def dataset(self, dataset_id: str) -> AuditReport:
        row = self.session.get(DatasetVersionRow, dataset_id)
        if row is None:
            raise NotFound(
                f"no dataset version {dataset_id!r}; `consentry datasets list` shows them"
            )
        in_use = row.status == DatasetStatus.ACTIVE or row.id in self.pinned
        report = AuditReport(row.id, in_use=in_use)
        self._ledger(row, report)
        data = self._load(row, report)
        if data is None:
            return report
        report.records_checked = len(data.records)
        report.members_checked = len({i.author for i in data.items.values()})
        self._selection(data, report)
        if in_use:
            self._currency(data, data.records, report, dataset_id=row.id)
        self._residual(data, report)
        return report

    def everything(self) -> SweepReport:
        active = self.session.scalars(
            select(DatasetVersionRow.id).where(DatasetVersionRow.status == DatasetStatus.ACTIVE)
        )
        sweep = SweepReport(self.head)
        for dataset_id in sorted(set(active) | self.pinned):
            sweep.datasets.append(self.dataset(dataset_id))
        for model in self.session.scalars(
            select(ModelVersionRow)
            .where(ModelVersionRow.status == ModelStatus.ACTIVE)
            .order_by(ModelVersionRow.id)
        ):
            sweep.models_checked.append(model.id)
            self._model(model, sweep)
        return sweep

    # -- ledger and policy ----------------------------------------------------------------
    def _ledger(self, row: DatasetVersionRow, report: AuditReport) -> None:
        if self._verified is None:
            self._verified = ledger.verify(self.session)
        if not self._verified.ok:
            report.add(LEDGER, "ledger", f"the ledger does not verify: {self._verified.problem}")
        recorded = (
            ledger.GENESIS
            if row.as_of_seq == 0
            else self.session.scalar(
                select(ConsentEvent.hash).where(ConsentEvent.seq == row.as_of_seq)
            )
        )
        if recorded != row.as_of_hash:
            report.add(
                LEDGER,
                "ledger",
                f"the ledger no longer holds the recorded head: entry {row.as_of_seq} "
                "is missing or has another hash",
                position=row.as_of_seq,
            )
        policy = self.session.get(PolicyVersion, row.policy_version)
        if policy is None:
            report.add(LEDGER, "policy", f"policy version {row.policy_version} is not published")
        elif policy.content_hash != row.policy_hash:
            report.add(
                LEDGER,
                "policy",
                f"policy version {row.policy_version} no longer has the content hash the "
                "dataset was built under",
            )

    # -- files and lineage ----------------------------------------------------------------
    def _load(self, row: DatasetVersionRow, report: AuditReport) -> _Loaded | None:
        if row.id in self._loaded:
            return self._loaded[row.id]
        self._loaded[row.id] = None
        published = read_published(self.session, self.settings, row, report)
        if published is None:
            return None
        shards, records, lineage = published.shards, published.records, published.lineage
        items = find_items(self.session, self.key, _TRAINABLE, records)
        for rid in sorted(set(records) - set(items)):
            report.add(
                SELECTION,
                "unknown-record",
                f"record {rid} (shard {records[rid][0]}) is no item of the network",
                shard=records[rid][0],
                record_id=rid,
            )
        for rid, item in items.items():
            rec_class = records[rid][1]["data_class"]
            if rec_class != item.data_class:
                report.add(
                    FILES,
                    "file",
                    f"record {rid} says it is a {rec_class} but is a {item.data_class}",
                    record_id=rid,
                )
            held = lineage.get(rid)
            if held is not None and held.member_id != item.author:
                report.add(
                    FILES,
                    "lineage",
                    f"the lineage names member {held.member_id} as the author of record {rid}, "
                    f"but its item is member {item.author}'s: a withdrawal by its author "
                    "would not find it",
                    record_id=rid,
                    member_id=item.author,
                )
        missing = {i.author for i in items.values()} - set(self._authors)
        self._authors.update(authors(self.session, missing))
        policy = self._policy_or_none(row.as_of_time, row.policy_version)
        category = policy.aipref(row.purpose) if policy else None
        loaded = _Loaded(
            row, shards, records, items, History(self.session, items.values(), category)
        )
        self._loaded[row.id] = loaded
        return loaded

    # -- selection at each recorded position ----------------------------------------------
    def _selection(self, data: _Loaded, report: AuditReport) -> None:
        row = data.row
        groups: dict[tuple[int, datetime], set[int]] = defaultdict(set)
        for number, shard in data.shards.items():
            groups[(shard.as_of_seq, shard.as_of_time)].add(number)
            # The position the dataset states must hold for every shard too.
            groups[(row.as_of_seq, row.as_of_time)].add(number)
        report.positions_checked = sorted({seq for seq, _ in groups})
        unverifiable: set[str] = set()
        for (seq, at), numbers in sorted(groups.items(), key=lambda g: (g[0][0], g[0][1])):
            version = row.policy_version if seq == row.as_of_seq else None
            policy = self._policy_or_none(at, version)
            if policy is None:
                report.add(
                    LEDGER, "policy", f"no stored policy version applied at ledger position {seq}"
                )
                continue
            choices = self._choices_at(row.purpose, seq)
            classes = policy.data_classes(row.purpose)
            category = policy.aipref(row.purpose)
            for rid, (number, rec) in sorted(data.records.items()):
                item = data.items.get(rid)
                if number not in numbers or item is None:
                    continue
                where = {
                    "shard": number,
                    "record_id": rid,
                    "member_id": item.author,
                    "position": seq,
                }
                here = f"record {rid} (shard {number}) at ledger position {seq}"
                author = self._authors[item.author]
                if item.data_class not in classes:
                    report.add(
                        SELECTION,
                        "data-class",
                        f"{here}: {row.purpose} does not use {item.data_class}",
                        **where,
                    )
                why = denial(author, row.purpose, policy, choices, at)
                if why is not None:
                    report.add(
                        SELECTION, why[0], f"{here}: its author was not allowed: {why[1]}", **where
                    )
                if not live(item, author.deleted_at, at):
                    report.add(
                        SELECTION,
                        "not-live",
                        f"{here}: its item did not exist or was deleted",
                        **where,
                    )
                if category and data.history.says_no(item, at):
                    report.add(
                        SELECTION,
                        "item-preference",
                        f"{here}: its item's usage preference denied {category}",
                        **where,
                    )
                if item.author in self.erased_ever:
                    unverifiable.add(rid)
                    continue
                title = data.history.field_at(item, item.title_field, item.title, at)
                text = data.history.field_at(item, item.text_field, item.text, at)
                if (
                    title is None
                    or text is None
                    or not (aligned(rec["title"], title) and aligned(rec["text"], text))
                ):
                    report.add(
                        SELECTION,
                        "text",
                        f"{here}: its title or text is not the item's text then",
                        **where,
                    )
        report.texts_unverifiable = len(unverifiable)

    # -- currency -------------------------------------------------------------------------
    def _currency(
        self,
        data: _Loaded,
        records: dict[str, tuple[int, dict[str, Any]]],
        report: AuditReport | SweepReport,
        **label,
    ) -> None:
        purpose = data.row.purpose
        policy = self._policy_or_none(self.now, None)
        if policy is None:
            return
        choices = self._choices_at(purpose, self.head)
        category = policy.aipref(purpose)
        holder = f"model {label['model_id']}" if "model_id" in label else f"dataset {data.row.id}"
        for rid, (shard, _rec) in sorted(records.items()):
            item = data.items.get(rid)
            if item is None:
                continue
            author = self._authors[item.author]
            where = {**label, "shard": shard, "record_id": rid, "member_id": item.author}
            here = f"{holder} still holds record {rid} (shard {shard}) of member {item.author}"
            why = denial(author, purpose, policy, choices, self.now)
            if why is not None:
                self._add(
                    report,
                    CURRENCY,
                    why[0],
                    f"{here}, who is not allowed {purpose} now: {why[1]}",
                    where,
                )
            if item.deleted_at is not None or author.deleted_at is not None:
                self._add(report, CURRENCY, "not-live", f"{here}, whose item is deleted now", where)
            elif category and data.history.says_no(item, self.now):
                self._add(
                    report,
                    CURRENCY,
                    "item-preference",
                    f"{here}, whose item now denies {category}",
                    where,
                )

    def _model(self, model: ModelVersionRow, sweep: SweepReport) -> None:
        holder = AuditReport(model.dataset_id)
        dataset = self.session.get(DatasetVersionRow, model.dataset_id)
        data = self._load(dataset, holder) if dataset is not None else None
        if data is None:
            sweep.findings.append(
                Finding(
                    check=CURRENCY,
                    kind=FindingKind.UNVERIFIABLE,
                    message=f"model {model.id}: the files of dataset {model.dataset_id} it was "
                    "trained on cannot be read, so what it holds cannot be checked",
                    model_id=model.id,
                    dataset_id=model.dataset_id,
                )
            )
            return
        trained: set[int] = set()
        for sub in self.session.scalars(
            select(ModelShardRow).where(ModelShardRow.model_id == model.id)
        ):
            shard = data.shards.get(sub.shard)
            if shard is None or shard.sha256 != sub.dataset_sha256:
                sweep.findings.append(
                    Finding(
                        check=CURRENCY,
                        kind=FindingKind.UNVERIFIABLE,
                        message=f"model {model.id}: sub-model {sub.shard} was trained on a shard "
                        f"file of {model.dataset_id} that is no longer there",
                        model_id=model.id,
                        dataset_id=model.dataset_id,
                        shard=sub.shard,
                    )
                )
                continue
            trained.add(sub.shard)
        held = {rid: r for rid, r in data.records.items() if r[0] in trained}
        self._currency(data, held, sweep, model_id=model.id, dataset_id=model.dataset_id)

    # -- residual personal data -----------------------------------------------------------
    def _residual(self, data: _Loaded, report: AuditReport) -> None:
        if self._scanner is None:
            self._scanner = ResidualScanner(self.session, self.settings)
        records = [rec for _rid, (_shard, rec) in sorted(data.records.items())]
        for found in self._scanner.scan(records):
            shard = data.records[found.record_id][0]
            report.add(
                PII,
                "personal-data",
                f"record {found.record_id} (shard {shard}) still holds a {found.kind} "
                f"at {where(found)}",
                shard=shard,
                record_id=found.record_id,
            )

    # -- helpers --------------------------------------------------------------------------
    @staticmethod
    def _add(report: AuditReport | SweepReport, check, kind, message, where) -> None:
        report.findings.append(
            Finding(check=check, kind=FindingKind(kind), message=message, **where)
        )

    def _choices_at(self, purpose: str, seq: int) -> Choices:
        if (purpose, seq) not in self._choices:
            self._choices[(purpose, seq)] = choices_at(self.session, purpose, seq)
        return self._choices[(purpose, seq)]

    def _policy_or_none(self, at: datetime, version: int | None):
        try:
            return policy_at(self.session, at, version)
        except LookupError:
            return None
