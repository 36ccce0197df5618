"""Residual personal data: what a scrubber still finds in records that were already scrubbed.

A dataset's records were scrubbed when they were built. Scanning them again — every string
column, list items one by one — with a scrubber that knows the network's names and the
erased-name hashes *now* shows what got through: a column a build forgot to scrub, a name
erased after the build, a detector that changed since. An audit reports each finding.

The placeholders a build wrote (`<PERSON>`, `<EMAIL>`, ...) are not findings; a span that
lies within one is dropped. A finding carries the record id, the column, the list item and
the type and offsets of what was found, never the text itself, so a report of findings
holds no personal data.

Records carry no member id, so the scan knows no author: an author's own one-word name
("Smith" in Smith's post) is only found when the scrubber finds it on other grounds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from consentry.datasets.scrub.columns import strings_of
from consentry.datasets.scrub.scrubber import TYPES, Scrubber

_PLACEHOLDER = re.compile("|".join(f"<{t}>" for t in TYPES))
_BATCH = 5_000


@dataclass(frozen=True, order=True)
class ResidualFinding:
    """Personal data of `kind` (a scrubber type such as PERSON or PHONE) found at
    `start:end` of column `column` of record `record_id` (`item`: the position in a list
    column, -1 for a string column)."""

    record_id: str
    column: str
    item: int
    kind: str
    start: int
    end: int


def text_columns(
    schema: pa.Schema, *, skip: Sequence[str] = ("record_id", "record_hash")
) -> list[str]:
    """Every string or list-of-strings column of `schema` but those in `skip`."""
    return [
        f.name
        for f in schema
        if f.name not in skip
        and (
            pa.types.is_string(f.type)
            or pa.types.is_large_string(f.type)
            or (pa.types.is_list(f.type) and pa.types.is_string(f.type.value_type))
        )
    ]


def residual_pii(
    table: pa.Table, scrubber: Scrubber, *, id_column: str = "record_id"
) -> list[ResidualFinding]:
    """Findings in every string column of `table` (a shard's records), sorted.

    `scrubber` should know what the network knows now: `known.network_scrubber(session,
    erased_key=Keyring.load(settings).key(KeyPurpose.ERASED_NAMES).secret)[0]`. An empty
    list means nothing was found. Reads the table in batches of a few thousand rows.
    """
    columns = text_columns(table.schema, skip=(id_column, "record_hash"))
    findings: list[ResidualFinding] = []
    for batch in table.select([id_column, *columns]).to_batches(max_chunksize=_BATCH):
        findings.extend(_scan(batch.to_pylist(), columns, scrubber, id_column))
    findings.sort()
    return findings


def residual_pii_in_shard(path: Path, scrubber: Scrubber) -> list[ResidualFinding]:
    """`residual_pii` of one Parquet shard file."""
    return residual_pii(pq.read_table(path), scrubber)


def _scan(
    records: list[dict], columns: list[str], scrubber: Scrubber, id_column: str
) -> Iterator[ResidualFinding]:
    where, texts = strings_of(records, columns)
    for (i, column, k), text, result in zip(where, texts, scrubber.scrub_batch(texts), strict=True):
        if not result.spans:
            continue
        placeholders = [(m.start(), m.end()) for m in _PLACEHOLDER.finditer(text)]
        for span in result.spans:
            if any(s <= span.start and span.end <= e for s, e in placeholders):
                continue
            yield ResidualFinding(records[i][id_column], column, k, span.type, span.start, span.end)
