"""The operator API under /api/v1/admin: the same capabilities as the operator pages.

Every route needs an operator (role `admin`): 401 without a token or session, 403 JSON for
anyone else. Audits and ledger verification are POSTs (they can be long); with the session
cookie they need the `X-CSRF-Token` header like every other state-changing call.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.security import HTTPBearer
from pydantic import BaseModel, Field

from consentry.consent import checkpoints
from consentry.consent.rates import consent_rates
from consentry.datasets.audit import AuditDocument, SweepDocument
from consentry.datasets.catalog import DatasetVersion, get_dataset, list_datasets
from consentry.datasets.review import audit_everything, audit_published, manifest_of
from consentry.rights import status as queue_status
from consentry.rights.ledger_audit import audit as audit_ledger
from consentry.store.rights_tables import JOB_STATUSES
from consentry.training.registry import ModelVersion, get_model, list_models
from consentry.web.api import _ERRORS
from consentry.web.deps import DbSession
from consentry.web.roles import CurrentOperator
from consentry.web.schemas import ARTIFACT_ID, UtcDateTime

_bearer = HTTPBearer(auto_error=False, description="An API token from POST /api/v1/tokens.")
router = APIRouter(
    prefix="/api/v1/admin",
    tags=["operators"],
    responses=_ERRORS,
    dependencies=[Depends(_bearer)],
)

ArtifactId = Annotated[str, Path(pattern=ARTIFACT_ID, max_length=64)]
StatusFilter = Annotated[str | None, Query(pattern="^(" + "|".join(JOB_STATUSES) + ")$")]


class DatasetOut(BaseModel):
    id: str
    purpose: str
    status: str
    engine: str
    shards: int
    as_of_seq: int
    as_of_hash: str
    as_of_time: UtcDateTime
    policy_version: int
    records: int
    members: int
    created_at: UtcDateTime
    parent_id: str | None
    path: str = Field(
        description="Where the version's files are published, relative to the data folder."
    )

    @classmethod
    def of(cls, d: DatasetVersion) -> DatasetOut:
        return cls(**{n: getattr(d, n) for n in cls.model_fields if n != "path"}, path=d.location)


class DatasetDetailOut(DatasetOut):
    manifest: dict[str, Any] | None = Field(
        description="The published manifest.json; null when the files were deleted."
    )


class SubModelOut(BaseModel):
    shard: int
    dataset_sha256: str
    file: str
    sha256: str
    reused: bool


class ModelOut(BaseModel):
    id: str
    feature: str
    purpose: str
    dataset_id: str
    shards: int
    status: str
    metrics: dict[str, Any]
    seed: int
    created_at: UtcDateTime
    superseded_at: UtcDateTime | None
    parent_id: str | None
    sub_models: list[SubModelOut]

    @classmethod
    def of(cls, m: ModelVersion) -> ModelOut:
        return cls(
            **{name: getattr(m, name) for name in cls.model_fields if name != "sub_models"},
            sub_models=[SubModelOut(**vars(s)) for s in m.sub_models],
        )


class JobOut(BaseModel):
    id: int
    member_id: int
    member_handle: str | None
    kind: str
    purpose: str = Field(description="The purpose withdrawn, `*` for an erasure.")
    ledger_seq: int
    status: str
    step: str
    attempts: int
    created_at: UtcDateTime
    started_at: UtcDateTime | None
    finished_at: UtcDateTime | None
    error: str | None
    receipt_id: str | None
    progress: dict[str, Any]


class QueueOut(BaseModel):
    counts: dict[str, int] = Field(description="Jobs per status.")
    jobs: list[JobOut] = Field(description="The newest jobs (at most `limit`), newest first.")


class VerificationOut(BaseModel):
    ok: bool
    entries: int = Field(description="Entries whose chain and seals verified.")
    head_seq: int
    head_hash: str
    bad_seq: int | None = Field(description="The first entry the chain or its seals reject.")
    problem: str | None = Field(description="The first problem found, if any.")
    problems: list[str] = Field(
        description="Every problem found: the chain and seals, recorded heads (checkpoints, "
        "dataset manifests, receipts) the ledger no longer holds, the state table, the triggers."
    )
    heads_checked: int = Field(description="Heads recorded outside the ledger, compared with it.")
    sealed: str | None = Field(description="Which entries are sealed, and since when.")


class CheckpointsOut(BaseModel):
    checkpoints: list[dict[str, Any]] = Field(
        description="Signed heads of the ledger (seq, hash, times, reason), oldest first, as "
        "the checkpoint file holds them; verify each with the keys of /.well-known/jwks.json."
    )
    unreadable_lines: int = Field(description="Lines of the file that are not JSON objects.")


class RegionRateOut(BaseModel):
    region: str = Field(description="ISO 3166 code, or `*` for all regions together.")
    name: str
    members: int
    allowed: dict[str, int] = Field(description="Members allowed, per purpose.")
    share: dict[str, float] = Field(description="Allowed / members, per purpose.")


class ConsentRatesOut(BaseModel):
    as_of_seq: int
    as_of_hash: str
    at: UtcDateTime
    policy_version: int
    purposes: dict[str, str] = Field(description="Purpose key -> title.")
    total: RegionRateOut
    regions: list[RegionRateOut]


@router.get("/datasets", response_model=list[DatasetOut])
def datasets(
    db: DbSession,
    operator: CurrentOperator,
    purpose: Annotated[str | None, Query(max_length=32)] = None,
) -> list[DatasetOut]:
    """Every dataset version, newest first."""
    return [DatasetOut.of(d) for d in list_datasets(db, purpose=purpose)]


@router.get("/datasets/{dataset_id}", response_model=DatasetDetailOut)
def dataset(
    request: Request, db: DbSession, operator: CurrentOperator, dataset_id: ArtifactId
) -> DatasetDetailOut:
    """One dataset version with its manifest."""
    found = get_dataset(db, dataset_id)
    manifest = manifest_of(found, request.app.state.settings.data_dir)
    return DatasetDetailOut(**DatasetOut.of(found).model_dump(), manifest=manifest)


@router.post("/datasets/{dataset_id}/audit", response_model=AuditDocument)
def audit(
    request: Request, db: DbSession, operator: CurrentOperator, dataset_id: ArtifactId
) -> AuditDocument:
    """Re-derive consent for every record of the dataset and re-check every file."""
    get_dataset(db, dataset_id)
    report = audit_published(request.app.state.engine, request.app.state.settings, dataset_id)
    return report.document()  # the published audit-report document (consentry.schemas)


@router.post("/audit", response_model=SweepDocument)
def audit_all(request: Request, operator: CurrentOperator) -> SweepDocument:
    """Audit every dataset in use and the training shards of every active model."""
    report = audit_everything(request.app.state.engine, request.app.state.settings)
    return report.document()  # the published audit-sweep document (consentry.schemas)


@router.get("/models", response_model=list[ModelOut])
def models(
    db: DbSession,
    operator: CurrentOperator,
    status: Annotated[str | None, Query(pattern="^(active|superseded|retired)$")] = None,
) -> list[ModelOut]:
    """Every model version, newest first."""
    return [ModelOut.of(m) for m in list_models(db, status=status)]


@router.get("/models/{model_id}", response_model=ModelOut)
def model(db: DbSession, operator: CurrentOperator, model_id: ArtifactId) -> ModelOut:
    """One model version with its sub-models and metrics."""
    return ModelOut.of(get_model(db, model_id))


@router.get("/propagation/jobs", response_model=QueueOut)
def propagation_jobs(
    db: DbSession,
    operator: CurrentOperator,
    status: StatusFilter = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> QueueOut:
    """The propagation queue: counts per status and the newest jobs."""
    jobs = queue_status.propagation_jobs(db, status=status, limit=limit)
    return QueueOut(counts=queue_status.queue_counts(db), jobs=[JobOut(**vars(j)) for j in jobs])


@router.post("/ledger/verify", response_model=VerificationOut)
def verify_ledger(request: Request, db: DbSession, operator: CurrentOperator) -> VerificationOut:
    """Check the consent ledger: chain, seals, recorded heads, state table and triggers;
    `ok` false lists every problem, the first bad entry first."""
    found = audit_ledger(db, request.app.state.settings)
    chain = found.chain
    return VerificationOut(
        ok=found.ok,
        entries=chain.entries,
        head_seq=chain.head_seq,
        head_hash=chain.head_hash,
        bad_seq=chain.bad_seq,
        problem=found.problems[0] if found.problems else None,
        problems=found.problems,
        heads_checked=found.heads_checked,
        sealed=found.sealed,
    )


@router.get("/ledger/checkpoints", response_model=CheckpointsOut)
def ledger_checkpoints(request: Request, operator: CurrentOperator) -> CheckpointsOut:
    """The signed checkpoints of the ledger's head, written outside the database."""
    lines = checkpoints.read(request.app.state.settings)
    return CheckpointsOut(
        checkpoints=[line for line in lines if line is not None],
        unreadable_lines=sum(line is None for line in lines),
    )


@router.get("/consent-rates", response_model=ConsentRatesOut)
def rates(db: DbSession, operator: CurrentOperator) -> ConsentRatesOut:
    """Share of live members allowed per purpose and region, as of the ledger head."""
    found = consent_rates(db)

    def out(r) -> RegionRateOut:
        share = {p.key: r.share(p.key) for p in found.purposes}
        return RegionRateOut(
            region=r.region, name=r.name, members=r.members, allowed=r.allowed, share=share
        )

    return ConsentRatesOut(
        as_of_seq=found.as_of_seq,
        as_of_hash=found.as_of_hash,
        at=found.at,
        policy_version=found.policy_version,
        purposes={p.key: p.title for p in found.purposes},
        total=out(found.total),
        regions=[out(r) for r in found.regions],
    )
