"""The progress of a propagation job: what each step has done so far, durably.

A worker records every unit of work in `propagation_jobs.progress` as soon as it is done,
so a worker killed anywhere leaves a job the next one resumes (rights/propagation.py);
operators and auditors read the same document (`GET /api/v1/admin/propagation/...`).
`PropagationProgress` is its typed form, and the contract is:

- a key is present only once its unit of work has been recorded: `"successor" in entry`
  means the dataset step finished that dataset (a null successor then means none was
  found), `"models" in entry` that its models were planned, and so on. The models keep
  that distinction (`model_fields_set`), so parsing a stored document and serialising it
  gives back exactly the same JSON;
- nothing else may be recorded (closed models): the queue validates the document before
  it stores it, so the published JSON Schema (docs/schemas/propagation-progress.schema.json,
  `consentry.schemas`) cannot drift from what workers write.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
)


class PropagationStep(StrEnum):
    """The steps of a propagation, in the order they run."""

    DATASETS = "datasets"
    MODELS = "models"
    RETRIEVAL = "retrieval"
    PURGE = "purge"
    RECEIPT = "receipt"


Count = Annotated[int, Field(ge=0)]


class _Recorded(BaseModel):
    """Closed, and serialised with only the keys that were recorded (see the module)."""

    model_config = ConfigDict(extra="forbid")

    @model_serializer(mode="wrap")
    def _recorded_only(self, handler: SerializerFunctionWrapHandler):
        data = handler(self)
        return {k: v for k, v in data.items() if k in self.model_fields_set}


class ModelMove(_Recorded):
    """A model version trained on a dataset the propagation retired. `successor` is
    recorded once it was moved: the new version's id, or null when a concurrent
    propagation superseded it first."""

    model: str
    feature: str
    purpose: str
    successor: str | None = None


class DatasetMove(_Recorded):
    """A dataset version that held the member (`parent`) and what replaced it.

    Recorded by the datasets step: `records_removed` (the member's records in it),
    `successor` (the version that replaced it; null if none was found), the shards
    rebuilt and reused, and whether the parent's files were deleted (an erasure).
    Recorded by the models step: `models`, those trained on the parent.
    """

    parent: str
    records_removed: Count | None = None
    successor: str | None = None
    rebuilt_shards: list[Count] = Field(default_factory=list)
    reused_shards: list[Count] = Field(default_factory=list)
    files_deleted: bool = False
    models: list[ModelMove] = Field(default_factory=list)


class Purged(_Recorded):
    """For an erasure: the earlier dataset and model versions whose files were deleted."""

    datasets: list[str] = Field(default_factory=list)
    models: list[str] = Field(default_factory=list)


class ArtifactAbsent(_Recorded):
    """A dataset or model version that held the member: its `files_absent` shard files
    or sub-model artifacts were each found absent after the purge."""

    kind: Literal["dataset", "model"]
    id: str
    files_absent: Count


class Verified(_Recorded):
    """For an erasure: what the check after the purge found (rights/erasure_check.py).
    Recorded only when it found nothing of the member; otherwise the step fails."""

    checked_at: str
    artifacts: list[ArtifactAbsent]
    parquet_files_scanned: Count
    model_artifacts_scanned: Count
    member_records_found: Literal[0]


class PropagationProgress(_Recorded):
    """What a propagation job has done: steps finished, their seconds, every dataset and
    model moved, retrieval indexes changed, and (erasure) files purged and the check that
    followed. `planned` is true once the datasets holding the member were listed."""

    steps_done: list[PropagationStep] = Field(default_factory=list)
    timings: dict[PropagationStep, Annotated[float, Field(ge=0)]] = Field(default_factory=dict)
    planned: bool = False
    datasets: list[DatasetMove] = Field(default_factory=list)
    indexes: list[str] = Field(default_factory=list)
    purged: Purged | None = None
    verified: Verified | None = None
    reason: str | None = None  # a refresh only: what changed (deleted, edited, region)

    @classmethod
    def parse(cls, document: str | dict[str, Any]) -> PropagationProgress:
        """The progress in a stored document (JSON text, or already parsed)."""
        if isinstance(document, str):
            return cls.model_validate_json(document or "{}")
        return cls.model_validate(document)

    def to_json(self) -> dict[str, Any]:
        """The progress as JSON data, with exactly the keys recorded."""
        return self.model_dump(mode="json")

    def dumps(self) -> str:
        """The stored form: canonical JSON (sorted keys)."""
        return json.dumps(self.to_json(), sort_keys=True)


def checked(progress: dict[str, Any]) -> str:
    """`progress` as the stored document, after checking it is a valid
    `PropagationProgress` (pydantic's ValidationError otherwise)."""
    return PropagationProgress.parse(progress).dumps()
