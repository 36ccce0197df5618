"""Re-audit a published dataset from the ledger and the policy alone.

An audit trusts nothing the build wrote about consent. It re-derives, as of the dataset's
recorded ledger position and time and under its recorded policy version:

- that the ledger still holds the recorded head (position and hash) and verifies;
- that the policy version is the one recorded (same content hash);
- that every record's author was allowed for the purpose then (batch decisions), and
  every record's item was eligible then (live, its own preference not denying) — by
  re-running the consented query and recomputing the record ids it yields;
- that every shard file still has its recorded sha256, and every record in the files
  has the hash and shard the lineage recorded.

Every violation is reported; none is expected. `AuditReport.document()` is the report as
published (the API's answer): an `AuditDocument`, whose JSON Schema is
docs/schemas/audit-report.schema.json (`consentry.schemas`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine, select

from consentry.config import Settings
from consentry.consent import ledger
from consentry.consent.versions import versions
from consentry.datasets import snapshot as snapshots
from consentry.datasets.catalog import get_dataset
from consentry.datasets.eligibility import consented_items
from consentry.datasets.engines import file_sha256
from consentry.datasets.records import record_hash, record_id
from consentry.keys import KeyPurpose, Keyring
from consentry.store.consent_tables import ConsentEvent
from consentry.store.dataset_tables import DatasetLineageRow, DatasetShardRow
from consentry.store.engine import session_scope


class AuditDocument(BaseModel):
    """An audit's report as an auditor reads it: what was checked, every violation found,
    `ok` (no violation) and a one-line summary."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dataset_id: str
    ok: bool
    records_checked: int = Field(ge=0)
    members_checked: int = Field(ge=0)
    files_checked: int = Field(ge=0)
    violations: list[str]
    summary: str


@dataclass
class AuditReport:
    """The outcome of an audit: what was checked and every violation found."""

    dataset_id: str
    records_checked: int = 0
    members_checked: int = 0
    files_checked: int = 0
    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    def summary(self) -> str:
        verdict = "no violations" if self.ok else f"{len(self.violations)} violations"
        return (
            f"audit of {self.dataset_id}: {self.records_checked} records of "
            f"{self.members_checked} members and {self.files_checked} files checked; {verdict}"
        )

    def document(self) -> AuditDocument:
        """The report as published."""
        return AuditDocument(
            dataset_id=self.dataset_id,
            ok=self.ok,
            records_checked=self.records_checked,
            members_checked=self.members_checked,
            files_checked=self.files_checked,
            violations=list(self.violations),
            summary=self.summary(),
        )


def audit_dataset(db: Engine, settings: Settings, dataset_id: str) -> AuditReport:
    """Audit `dataset_id`; see the module docstring for what is checked."""
    report = AuditReport(dataset_id)
    key = Keyring.load(settings).key(KeyPurpose.RECORD_IDS).secret
    with session_scope(db) as session:
        dataset = get_dataset(session, dataset_id)
        _check_ledger(session, dataset, report)
        _check_policy(session, dataset, report)
        lineage = {
            r.record_id: r
            for r in session.scalars(
                select(DatasetLineageRow).where(DatasetLineageRow.dataset_id == dataset_id)
            )
        }
        report.records_checked = len(lineage)
        report.members_checked = len({r.member_id for r in lineage.values()})
        if report.violations:
            return report  # decisions cannot be re-derived on a broken ledger or policy
        shards = session.scalars(
            select(DatasetShardRow).where(DatasetShardRow.dataset_id == dataset_id)
        ).all()
        # A successor reuses shards selected at an earlier position: re-derive each group
        # of shards at the position its contents were selected at.
        groups: dict[tuple[int, datetime], list[int]] = {}
        for shard in shards:
            groups.setdefault((shard.as_of_seq, shard.as_of_time), []).append(shard.shard)
        for (seq, at), numbers in sorted(groups.items(), key=lambda g: g[0][0]):
            part = {k: r for k, r in lineage.items() if r.shard in numbers}
            snap = snapshots.at_position(
                session,
                purpose=dataset.purpose,
                seq=seq,
                head_hash=_hash_at(session, seq),
                at=at,
                # Reused shards were selected under whatever version applied then.
                policy_version=dataset.policy_version if seq == dataset.as_of_seq else None,
            )
            _check_decisions(session, snap, part, report)
            _check_items(session, snap, part, key, report)
        _check_files(dataset, shards, lineage, report)
    return report


def _hash_at(session, seq: int) -> str:
    if seq == 0:
        return ledger.GENESIS
    return session.get(ConsentEvent, seq).hash


def _check_ledger(session, dataset, report: AuditReport) -> None:
    result = ledger.verify(session, anchors=[(dataset.as_of_seq, dataset.as_of_hash)])
    if not result.ok:
        report.violations.append(f"ledger: {result.problem}")


def _check_policy(session, dataset, report: AuditReport) -> None:
    recorded = {v.version: v for v in versions(session)}.get(dataset.policy_version)
    manifest = dataset.manifest()
    if recorded is None:
        report.violations.append(f"policy version {dataset.policy_version} is no longer published")
    elif recorded.content_hash != manifest["policy"]["hash"]:
        report.violations.append(
            f"policy version {dataset.policy_version} no longer has the content hash the "
            "dataset was built under"
        )


def _check_decisions(session, snap, lineage, report: AuditReport) -> None:
    members = {r.member_id for r in lineage.values()}
    decisions = {
        row.member_id: (row.allowed, row.reason_code)
        for row in session.execute(select(snap.decisions))
        if row.member_id in members
    }
    for rec in sorted(lineage.values(), key=lambda r: r.record_id):
        allowed, code = decisions.get(rec.member_id, (False, "unknown-member"))
        if not allowed:
            report.violations.append(
                f"record {rec.record_id} (shard {rec.shard}): its author was not allowed "
                f"{snap.purpose} at ledger position {snap.seq} ({code})"
            )


def _check_items(session, snap, lineage, key: bytes, report: AuditReport) -> None:
    items = consented_items(
        snap.purpose_def.data_classes,
        decisions=snap.decisions,
        aipref_category=snap.purpose_def.aipref,
        at=snap.at,
    ).subquery("consented")
    status: dict[str, str | None] = {}
    rows = session.execute(
        select(items.c.data_class, items.c.item_id, items.c.excluded).execution_options(
            yield_per=20_000
        )
    )
    for data_class, item_id, excluded in rows:
        rid = record_id(key, data_class, item_id)
        if rid in lineage:
            status[rid] = excluded
    for rid, rec in sorted(lineage.items()):
        if rid not in status:
            report.violations.append(
                f"record {rid} (shard {rec.shard}) matches no item that existed at the snapshot"
            )
        elif status[rid] is not None:
            report.violations.append(
                f"record {rid} (shard {rec.shard}) was not eligible at the snapshot: {status[rid]}"
            )


def _check_files(dataset, shards, lineage, report: AuditReport) -> None:
    seen: Counter[str] = Counter()
    for shard in shards:
        path = dataset.path / shard.file
        report.files_checked += 1
        if not path.exists():
            report.violations.append(f"shard file {shard.file} is missing")
            continue
        if file_sha256(path) != shard.sha256:
            report.violations.append(f"shard file {shard.file} no longer matches its sha256")
        try:
            reader = pq.ParquetFile(path)
        except (pa.ArrowInvalid, OSError) as exc:
            report.violations.append(f"shard file {shard.file} cannot be read as Parquet: {exc}")
            continue
        for batch in reader.iter_batches(batch_size=20_000):
            for row in batch.to_pylist():
                rid = row["record_id"]
                seen[rid] += 1
                rec = lineage.get(rid)
                if rec is None:
                    report.violations.append(f"record {rid} in {shard.file} is not in the lineage")
                elif rec.shard != shard.shard:
                    report.violations.append(
                        f"record {rid} is in {shard.file} but the lineage puts it in shard {rec.shard}"
                    )
                elif record_hash(row) != rec.record_hash or row["record_hash"] != rec.record_hash:
                    report.violations.append(
                        f"record {rid} in {shard.file} does not match its recorded hash"
                    )
    for rid in sorted(set(lineage) - set(seen)):
        report.violations.append(f"record {rid} is in the lineage but in no shard file")
    for rid, n in sorted(seen.items()):
        if n > 1:
            report.violations.append(f"record {rid} appears {n} times in the files")
