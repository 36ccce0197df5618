"""OpenLineage run events for dataset builds (START, then COMPLETE or FAIL).

Events go through openlineage-python's file transport, appended as JSON lines to
`<data_dir>/openlineage/events.ndjson`, where any OpenLineage consumer can pick them up.
OpenLineage tracks datasets, not people: the member -> record index stays ours.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import dataset_version_dataset, schema_dataset
from openlineage.client.transport.file import FileConfig, FileTransport

from consentry import __version__
from consentry.config import Settings
from consentry.datasets.records import RECORD_SCHEMA

NAMESPACE = "consentry"
PRODUCER = f"https://consentry.example/consentry/{__version__}"


def events_file(settings: Settings):
    return settings.data_dir / "openlineage" / "events.ndjson"


def _client(settings: Settings) -> OpenLineageClient:
    path = events_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    return OpenLineageClient(
        transport=FileTransport(FileConfig(log_file_path=str(path), append=True))
    )


def _event(state: RunState, run_id: str, pub) -> RunEvent:
    snap = pub.snap
    inputs = [
        InputDataset(NAMESPACE, "network"),
        InputDataset(
            NAMESPACE,
            "consent_ledger",
            facets={
                "version": dataset_version_dataset.DatasetVersionDatasetFacet(
                    datasetVersion=f"{snap.seq}:{snap.head_hash}"
                )
            },
        ),
    ]
    if pub.parent_id:
        inputs.append(InputDataset(NAMESPACE, f"datasets/{pub.parent_id}"))
    outputs = []
    if state == RunState.COMPLETE:
        fields = [
            schema_dataset.SchemaDatasetFacetFields(name=f.name, type=str(f.type))
            for f in RECORD_SCHEMA
        ]
        outputs.append(
            OutputDataset(
                NAMESPACE,
                f"datasets/{pub.dataset_id}",
                facets={
                    "version": dataset_version_dataset.DatasetVersionDatasetFacet(
                        datasetVersion=pub.dataset_id
                    ),
                    "schema": schema_dataset.SchemaDatasetFacet(fields=fields),
                },
            )
        )
    return RunEvent(
        eventTime=datetime.now(UTC).isoformat(),
        producer=PRODUCER,
        run=Run(runId=run_id),
        job=Job(namespace=NAMESPACE, name=f"datasets.build.{pub.purpose}"),
        eventType=state,
        inputs=inputs,
        outputs=outputs,
    )


@contextmanager
def emit_run_event(settings: Settings, pub) -> Iterator[str]:
    """Emit START now, then COMPLETE when the block succeeds or FAIL when it raises."""
    client = _client(settings)
    run_id = str(uuid.uuid4())
    client.emit(_event(RunState.START, run_id, pub))
    try:
        yield run_id
    except BaseException:
        client.emit(_event(RunState.FAIL, run_id, pub))
        raise
    client.emit(_event(RunState.COMPLETE, run_id, pub))
