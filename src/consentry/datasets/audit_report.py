"""What an audit reports: typed findings, a report per dataset and a sweep over everything
in use, with their published documents.

`AuditDocument` (one dataset) is published as docs/schemas/audit-report.schema.json and
`SweepDocument` (`consentry datasets audit --all`) as audit-sweep.schema.json
(`consentry.schemas`). Every finding is a violation: a report is `ok` only when it has
none. Notes say what could not be looked at and why (a retired dataset whose files were
deleted), without failing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class AuditCheck(StrEnum):
    """The part of the audit that found something."""

    #: The shard files, their hashes and the lineage, as published.
    FILES = "files"
    #: The ledger (verifies, still holds the recorded head) and the recorded policy version.
    LEDGER = "ledger"
    #: Each record re-derived at its shard's position and at the position the dataset states.
    SELECTION = "selection"
    #: What is in use (active datasets, and the shards active models were trained on)
    #: against every author's present state.
    CURRENCY = "currency"
    #: Personal data still readable in a record.
    RESIDUAL_PII = "residual-pii"


class FindingKind(StrEnum):
    """What was wrong."""

    FILE = "file"
    LINEAGE = "lineage"
    LEDGER = "ledger"
    POLICY = "policy"
    UNKNOWN_RECORD = "unknown-record"
    DATA_CLASS = "data-class"
    UNKNOWN_REGION = "unknown-region"
    UNDER_AGE = "under-age"
    ERASED = "erased"
    EXCLUDED = "excluded"
    NOT_ALLOWED = "not-allowed"
    ITEM_PREFERENCE = "item-preference"
    NOT_LIVE = "not-live"
    TEXT = "text"
    UNVERIFIABLE = "unverifiable"
    PERSONAL_DATA = "personal-data"


class Finding(BaseModel):
    """One violation: what was checked, what was wrong, a sentence, and where."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    check: AuditCheck
    kind: FindingKind
    message: str
    dataset_id: str | None = None
    model_id: str | None = None
    shard: int | None = Field(default=None, ge=0)
    record_id: str | None = None
    member_id: int | None = None
    #: The ledger position the finding was derived at (None: not position-bound).
    position: int | None = Field(default=None, ge=0)


class AuditDocument(BaseModel):
    """An audit's report on one dataset as an auditor reads it: what was checked, every
    finding, `ok` (no finding) and a one-line summary. `violations` are the findings'
    sentences, in the same order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dataset_id: str
    ok: bool
    in_use: bool
    records_checked: int = Field(ge=0)
    members_checked: int = Field(ge=0)
    files_checked: int = Field(ge=0)
    positions_checked: list[int]
    texts_unverifiable: int = Field(ge=0)
    findings: list[Finding]
    violations: list[str]
    notes: list[str]
    summary: str


class SweepDocument(BaseModel):
    """`audit --all`: every dataset in use audited, and every active model's training
    shards checked for currency, at ledger position `head`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ok: bool
    head: int = Field(ge=0)
    datasets: list[AuditDocument]
    models_checked: list[str]
    findings: list[Finding]
    summary: str


@dataclass
class AuditReport:
    """The outcome of an audit of one dataset: what was checked and every finding."""

    dataset_id: str
    in_use: bool = False
    records_checked: int = 0
    members_checked: int = 0
    files_checked: int = 0
    positions_checked: list[int] = field(default_factory=list)
    texts_unverifiable: int = 0
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def violations(self) -> list[str]:
        return [f.message for f in self.findings]

    def all_findings(self) -> list[Finding]:
        return list(self.findings)

    def add(self, check: AuditCheck, kind: str, message: str, **where) -> None:
        self.findings.append(Finding(check=check, kind=FindingKind(kind), message=message, **where))

    def summary(self) -> str:
        verdict = "no violations" if self.ok else f"{len(self.findings)} violations"
        at = ", ".join(map(str, self.positions_checked)) or "none"
        return (
            f"audit of {self.dataset_id}: {self.records_checked} records of "
            f"{self.members_checked} members and {self.files_checked} files checked "
            f"at ledger positions {at}; {verdict}"
        )

    def document(self) -> AuditDocument:
        """The report as published."""
        return AuditDocument(
            dataset_id=self.dataset_id,
            ok=self.ok,
            in_use=self.in_use,
            records_checked=self.records_checked,
            members_checked=self.members_checked,
            files_checked=self.files_checked,
            positions_checked=list(self.positions_checked),
            texts_unverifiable=self.texts_unverifiable,
            findings=list(self.findings),
            violations=self.violations,
            notes=list(self.notes),
            summary=self.summary(),
        )


@dataclass
class SweepReport:
    """The outcome of `audit --all`."""

    head: int
    datasets: list[AuditReport] = field(default_factory=list)
    models_checked: list[str] = field(default_factory=list)
    #: Findings about models (their datasets' own findings are in `datasets`).
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings and all(d.ok for d in self.datasets)

    def all_findings(self) -> list[Finding]:
        return [f for d in self.datasets for f in d.findings] + self.findings

    def summary(self) -> str:
        bad = len(self.all_findings())
        verdict = "no violations" if not bad else f"{bad} violations"
        return (
            f"audit of everything in use at ledger position {self.head}: "
            f"{len(self.datasets)} datasets and {len(self.models_checked)} models; {verdict}"
        )

    def document(self) -> SweepDocument:
        return SweepDocument(
            ok=self.ok,
            head=self.head,
            datasets=[d.document() for d in self.datasets],
            models_checked=list(self.models_checked),
            findings=list(self.findings),
            summary=self.summary(),
        )
