"""What an operator reads about one published dataset version, without failing on it.

A dataset whose files are gone (an erased dataset's are deleted) or damaged is still a
row an operator must be able to look at: `manifest_of` answers None instead of raising,
and `audit_published` reports a shard file that cannot even be read as a violation of
what was published, instead of failing. Both faces (the operator pages and the admin
API) call these, so they say the same.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import Engine

from consentry.config import Settings
from consentry.datasets.audit import AuditReport, SweepReport, audit_all, audit_dataset
from consentry.datasets.audit_report import AuditCheck, FindingKind
from consentry.datasets.catalog import DatasetVersion
from consentry.errors import ConsentryError

log = logging.getLogger("consentry.datasets")


def manifest_of(found: DatasetVersion, data_dir: Path) -> dict[str, Any] | None:
    """The published manifest, or None when its files are gone (an erased dataset's are)
    or its stored path lies outside the data folder (refused, and so not shown)."""
    try:
        return found.manifest(data_dir)
    except (ConsentryError, OSError, ValueError):  # gone or unreadable: shown, not raised
        return None


def audit_published(engine: Engine, settings: Settings, dataset_id: str) -> AuditReport:
    """`audit_dataset`, except that a shard file that cannot even be read (truncated,
    not Parquet, gone) is reported as a violation instead of raising."""
    try:
        return audit_dataset(engine, settings, dataset_id)
    except (OSError, pa.ArrowException) as exc:
        log.warning("audit of %s could not read its files: %s", dataset_id, exc)
        report = AuditReport(dataset_id)
        report.add(
            AuditCheck.FILES,
            FindingKind.FILE,
            f"a shard file could not be read, so it is not what was published: {exc}",
        )
        return report


def audit_everything(engine: Engine, settings: Settings) -> SweepReport:
    """`audit_all`: every dataset in use and every active model (the operators' sweep)."""
    return audit_all(engine, settings)
