"""The dataset engine contract: how a build's raw rows become records and shard files.

A build (``consentry.datasets.build``) plans on its driver: it takes the snapshot, runs
the consented query, attaches each row's structure and author's names, and hands the
engine a stream of raw Arrow batches (`making.RAW_SCHEMA`) with a `RecordMaker` — a
picklable step holding the record-id key, the shard count and the scrubber's spec. The
engine does the rest, which is all the per-row work of a build. It must:

1. accept the stream without holding it all in memory;
2. make every raw row into a record with the maker (`RecordMaker.make`: scrub every string
   column, record id, record hash, shard) — on any process, in batches of any size, as
   the maker gives the same records either way — and add up the spans it scrubbed;
3. drop exact duplicates *within a shard* (same data class, title and text, after
   scrubbing), keeping the record with the smallest `record_id` — within a shard only, so
   that a shard's contents depend on its own members alone and one member's withdrawal
   changes one shard;
4. write every shard ``0..maker.shards-1`` (or only those in `only`, when a successor
   rebuilds some shards) as one Parquet file named by `shard_name`, rows in `record_id`
   order, columns exactly `RECORD_SCHEMA` (an empty shard is an empty file);
5. return, for each shard, its file, row count and sha256; a Parquet file in `scratch` of
   the lineage rows (`LINEAGE_SCHEMA`) of every record it kept, in every shard (not only
   those in `only`), ordered by shard, then `record_id`; and the scrubbed counts, each
   row counted once however the engine ran its tasks (the manifest states them).

Every file is written through `ParquetSink`, whose row groups are cut at fixed counts,
so the same input gives byte-identical files (and the same sha256 in the manifest) on
every engine; `tests/datasets/engines/test_conformance.py` holds each engine to this.

Engines declare what they can do in `EngineCapabilities` rather than callers testing
their names. The same input must give the same records on every engine.

An engine that can read the database itself (`EngineCapabilities.reads_jdbc`) also offers
`write_shards_from_query` (`QueryReadingEngine`): on PostgreSQL the build hands it the
raw rows as one statement with the authors' names beside it (`raw_query.RawQuery`)
instead of streaming them through the driver, and everything above holds as it is: the
same rows give the same bytes whichever way they were read. `ShardWrite.read` says which
way they were ("arrow": the driver's stream; "jdbc": the engine's own read), since an
engine that cannot run the query after all (no driver jar, the database out of its
reach) takes the driver's stream instead.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from consentry.errors import Conflict, InvalidInput

if TYPE_CHECKING:
    from consentry.datasets.making import RecordMaker
    from consentry.datasets.raw_query import RawQuery

LINEAGE_SCHEMA = pa.schema(
    [
        pa.field("member_id", pa.int64()),
        pa.field("shard", pa.int32()),
        pa.field("record_id", pa.string()),
        pa.field("record_hash", pa.string()),
    ]
)


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, read in blocks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


#: Rows per Parquet row group in every file an engine writes. Row groups are cut at fixed
#: counts, whatever the size of the batches an engine produces, so that the same rows give
#: the same bytes (and sha256) on every engine.
ROW_GROUP_ROWS = 50_000


class ParquetSink:
    """One zstd Parquet file with exactly `schema`, written batch by batch in row groups
    of `ROW_GROUP_ROWS`; `close` returns the rows written. A file closed without rows is
    still a valid file with the schema."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.schema = schema
        self.rows = 0
        self._pending: list[pa.Table] = []
        self._held = 0
        self._writer = pq.ParquetWriter(path, schema, compression="zstd")

    def write(self, batch: pa.RecordBatch) -> None:
        if not batch.num_rows:
            return
        self._pending.append(pa.Table.from_batches([batch]).cast(self.schema))
        self._held += batch.num_rows
        self.rows += batch.num_rows
        while self._held >= ROW_GROUP_ROWS:
            table = pa.concat_tables(self._pending)
            self._flush(table.slice(0, ROW_GROUP_ROWS))
            rest = table.slice(ROW_GROUP_ROWS)
            self._pending, self._held = [rest], rest.num_rows

    def _flush(self, table: pa.Table) -> None:
        # One contiguous chunk per column: page boundaries then depend on the rows alone.
        self._writer.write_table(table.combine_chunks(), row_group_size=ROW_GROUP_ROWS)

    def close(self) -> int:
        if self._held:
            self._flush(pa.concat_tables(self._pending))
        self._pending, self._held = [], 0
        self._writer.close()
        return self.rows


def write_parquet(batches: Iterable[pa.RecordBatch], schema: pa.Schema, path: Path) -> int:
    """Stream `batches` into one `ParquetSink` file at `path`; returns rows."""
    sink = ParquetSink(path, schema)
    try:
        for batch in batches:
            sink.write(batch)
    finally:
        rows = sink.close()
    return rows


@dataclass(frozen=True)
class EngineCapabilities:
    """What an engine offers, for callers and operators to choose by."""

    spills_to_disk: bool
    distributed: bool
    description: str
    #: Reads a build's raw rows from PostgreSQL itself (`QueryReadingEngine`).
    reads_jdbc: bool = False


@dataclass(frozen=True)
class ShardFile:
    shard: int
    path: Path
    rows: int
    sha256: str


@dataclass
class ShardWrite:
    """What an engine wrote: the shard files, the lineage rows, the duplicates it dropped
    and the spans its maker scrubbed, by type."""

    files: list[ShardFile]
    lineage: Path
    duplicates_dropped: int
    scrubbed: Counter[str] = field(default_factory=Counter)
    #: How the engine got the raw rows: "arrow" (the driver's stream) or "jdbc".
    read: str = "arrow"


class DatasetEngine(Protocol):
    name: str
    capabilities: EngineCapabilities

    def write_shards(
        self,
        raw: Iterable[pa.RecordBatch],
        maker: RecordMaker,
        *,
        out_dir: Path,
        scratch: Path,
        only: Iterable[int] | None = None,
    ) -> ShardWrite:
        """Make records of `raw` (RAW_SCHEMA) with `maker`, write the shard files into
        `out_dir` (module docstring)."""
        ...


class QueryReadingEngine(DatasetEngine, Protocol):
    """An engine whose capabilities say `reads_jdbc`."""

    def write_shards_from_query(
        self,
        query: RawQuery,
        maker: RecordMaker,
        *,
        out_dir: Path,
        scratch: Path,
        only: Iterable[int] | None = None,
    ) -> ShardWrite:
        """As `write_shards`, the raw rows read by the engine from `query` (or, where it
        cannot, from `query.stream()`); `ShardWrite.read` says which."""
        ...


def get_engine(name: str) -> DatasetEngine:
    """The engine called `name` (``duckdb``, ``spark``), or a clear error."""
    if name == "duckdb":
        from consentry.datasets.engines.duckdb import DuckDBEngine

        return DuckDBEngine()
    if name == "spark":
        try:
            from consentry.datasets.engines.spark import SparkEngine
        except ImportError as exc:
            if (exc.name or "").split(".")[0] not in ("pyspark", "py4j"):
                raise
            raise Conflict(
                "the spark engine needs PySpark: pip install 'consentry[spark]'"
            ) from None
        return SparkEngine()
    raise InvalidInput(f"unknown dataset engine {name!r}; choose duckdb or spark")
