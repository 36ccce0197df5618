"""The audit's residual-PII check: every text column of every record re-scanned for
personal data that a placeholder should have replaced.

The scan is the scrubber's (`datasets/scrub/residual.py`), a separate component from the
selection: a scrubber that knows every member's name and handle as the `members` table
holds them now and every erased member's name by its keyed hashes
(`scrub.known.network_scrubber`), run over every string column and every list entry. A
finding names the record, the column, the type and the offsets — never the personal
data itself, so the report can be read by anyone allowed to read the dataset.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.datasets.records import RECORD_SCHEMA
from consentry.datasets.scrub.known import network_scrubber
from consentry.datasets.scrub.residual import ResidualFinding, residual_pii
from consentry.keys import KeyPurpose, Keyring


def where(found: ResidualFinding) -> str:
    """`text 11-32`, or `companies[1] 0-12` for an entry of a list column."""
    part = found.column if found.item < 0 else f"{found.column}[{found.item}]"
    return f"{part} {found.start}-{found.end}"


class ResidualScanner:
    """The network's scrubber as it is now, asked only to find, never to replace."""

    def __init__(self, session: Session, settings: Settings) -> None:
        key = Keyring.load(settings).key(KeyPurpose.ERASED_NAMES).secret
        self.scrubber = network_scrubber(session, erased_key=key)[0]

    def scan(self, records: Sequence[dict[str, Any]]) -> list[ResidualFinding]:
        """What is still found in `records` (rows of a shard file), sorted."""
        if not records:
            return []
        table = pa.Table.from_pylist(list(records), schema=RECORD_SCHEMA)
        return residual_pii(table, self.scrubber)
