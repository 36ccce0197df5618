"""The scale-out dataset engine: Apache Spark (PySpark), local mode or any cluster.

Same contract as the DuckDB engine (`consentry.datasets.engines`), same bytes out:

    driver: stream the build's batches into Parquet files in `scratch/staged`
    Spark:  read them, keep the smallest `record_id` of each (shard, data class, title,
            text), hash-partition by shard, sort each partition by (shard, record_id)
    tasks:  write each shard's file with `write_parquet` (the writer both engines share,
            so a shard's file is byte-identical to DuckDB's) and its lineage rows
    driver: write an empty file for every shard that kept no record, then join the
            per-shard lineage files, in shard order, into `scratch/lineage.parquet`

Nothing is collected on the driver but one small row per shard (rows, sha256). Spark's
own writer is not used for the shard files: it writes a folder of part-files named by
task, with its own metadata, where the contract wants one file per shard named by
`shard_name` and the same hash from every engine.

The master is `CONSENTRY_SPARK_MASTER` (a Spark master URL such as
``spark://host:7077``), ``local[*]`` when unset. A session already active in the process
(a notebook's, a test's) is used as it is. On a cluster the data folder must be on a
filesystem every executor mounts at the same path (tasks read the staged batches and
write the shard files there), and every executor needs this package installed.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from pyspark.sql import SparkSession, Window
from pyspark.sql import functions as F

from consentry.datasets.engines import (
    LINEAGE_SCHEMA,
    EngineCapabilities,
    ParquetSink,
    ShardFile,
    ShardWrite,
    file_sha256,
    write_parquet,
)
from consentry.datasets.records import BUILD_SCHEMA, RECORD_SCHEMA, shard_name
from consentry.errors import Conflict

DEFAULT_MASTER = "local[*]"
#: Rows per staged Parquet file: each is one input split of the Spark job.
STAGE_FILE_ROWS = 200_000
#: What each write task reports back to the driver: one row per shard it wrote.
_WRITTEN = "shard int, rows long, sha256 string"
_WRITTEN_ARROW = pa.schema([("shard", pa.int32()), ("rows", pa.int64()), ("sha256", pa.string())])
_LOCAL_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "8",
}


class SparkEngine:
    """Stages batches as Parquet, drops duplicates per shard with a window function and
    writes each shard from the Spark task that holds it (module docstring)."""

    name = "spark"
    capabilities = EngineCapabilities(
        spills_to_disk=True,
        distributed=True,
        description=(
            "Apache Spark, in local mode or on the cluster at CONSENTRY_SPARK_MASTER; "
            "spills to Spark's local folders"
        ),
    )

    def __init__(self, master: str | None = None) -> None:
        """`master` overrides `CONSENTRY_SPARK_MASTER`. Raises Conflict without Java,
        before anything is written."""
        if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
            raise Conflict("the spark engine needs Java 17: install a JDK or set JAVA_HOME")
        self.master = master or os.environ.get("CONSENTRY_SPARK_MASTER") or DEFAULT_MASTER

    def session(self) -> SparkSession:
        """The active session, or a new one on `self.master`; Conflict if none starts."""
        active = SparkSession.getActiveSession()
        if active is not None:
            return active
        builder = SparkSession.builder.master(self.master).appName("consentry-datasets")
        if self.master.startswith("local"):
            # Spark's Python workers run `python3` from PATH unless told otherwise; in
            # local mode they must run this interpreter, which has this package.
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            for key, value in _LOCAL_CONF.items():
                builder = builder.config(key, value)
        try:
            spark = builder.getOrCreate()
        except Exception as exc:  # a bad master URL, a cluster out of reach, no JVM
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise Conflict(f"could not start Spark on {self.master!r}: {reason}") from None
        # Spark logs at INFO/WARN to stderr; a build reports through its own progress bar.
        spark.sparkContext.setLogLevel("ERROR")
        return spark

    def write_shards(
        self,
        batches: Iterable[pa.RecordBatch],
        *,
        shards: int,
        out_dir: Path,
        scratch: Path,
        only: Iterable[int] | None = None,
    ) -> ShardWrite:
        scratch.mkdir(parents=True, exist_ok=True)
        out_dir.mkdir(parents=True, exist_ok=True)
        wanted = sorted(set(only)) if only is not None else list(range(shards))
        staged_rows = _stage(batches, scratch / "staged")
        parts = scratch / "lineage-parts"
        parts.mkdir(exist_ok=True)

        spark = self.session()
        staged = spark.read.parquet(str(scratch / "staged"))
        # One shuffle: hash-partitioning on `shard` already clusters the window's keys
        # (shard first), so every shard's records meet in one task, where the window
        # keeps the first of each content and the sort orders the shard's rows; a task
        # then streams each of its shards into one file. Every kept shard (not only those
        # in `only`) goes through, for its lineage rows.
        first = Window.partitionBy("shard", "data_class", "title", "text").orderBy("record_id")
        by_shard = (
            staged.repartition(max(1, min(shards, 1024)), "shard")
            .withColumn("_n", F.row_number().over(first))
            .where(F.col("_n") == 1)
            .drop("_n")
            .sortWithinPartitions("shard", "record_id")
        )
        task = _shard_writer(str(out_dir), str(parts), shards, set(wanted))
        written = {row["shard"]: row for row in by_shard.mapInArrow(task, _WRITTEN).collect()}

        files = []
        for shard in wanted:
            path = out_dir / shard_name(shard, shards)
            if shard in written:
                files.append(
                    ShardFile(shard, path, written[shard]["rows"], written[shard]["sha256"])
                )
            else:
                rows = write_parquet([], RECORD_SCHEMA, path)
                files.append(ShardFile(shard, path, rows, file_sha256(path)))
        lineage = scratch / "lineage.parquet"
        kept_rows = write_parquet(_lineage_batches(parts, shards), LINEAGE_SCHEMA, lineage)
        return ShardWrite(files=files, lineage=lineage, duplicates_dropped=staged_rows - kept_rows)


def _stage(batches: Iterable[pa.RecordBatch], folder: Path) -> int:
    """Write `batches` as Parquet files of about `STAGE_FILE_ROWS` rows; returns rows.

    At least one file is written, so that Spark reads the schema of an empty build."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = 0
    names = (folder / f"part-{n:06d}.parquet" for n in itertools.count())
    writer = pq.ParquetWriter(next(names), BUILD_SCHEMA, compression="zstd")
    in_file = 0
    try:
        for batch in batches:
            if not batch.num_rows:
                continue
            if in_file >= STAGE_FILE_ROWS:
                writer.close()
                writer = pq.ParquetWriter(next(names), BUILD_SCHEMA, compression="zstd")
                in_file = 0
            writer.write_table(pa.Table.from_batches([batch]).cast(BUILD_SCHEMA))
            in_file += batch.num_rows
            rows += batch.num_rows
    finally:
        writer.close()
    return rows


def _shard_writer(
    out_dir: str, parts: str, shards: int, wanted: set[int]
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The function each Spark task runs over its partition (sorted by shard, record_id):
    for each shard in it, the shard file (when wanted) and its lineage rows, streamed."""

    def write(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for shard, runs in itertools.groupby(_runs(batches), key=lambda run: run[0]):
            lineage = ParquetSink(Path(parts) / f"shard-{shard:05d}.parquet", LINEAGE_SCHEMA)
            path = Path(out_dir) / shard_name(shard, shards)
            data = ParquetSink(path, RECORD_SCHEMA) if shard in wanted else None
            try:
                for _, piece in runs:
                    lineage.write(piece.select(LINEAGE_SCHEMA.names))
                    if data is not None:
                        data.write(piece.select(RECORD_SCHEMA.names))
            finally:
                lineage.close()
                rows = data.close() if data is not None else 0
            if data is not None:
                yield pa.RecordBatch.from_pydict(
                    {"shard": [shard], "rows": [rows], "sha256": [file_sha256(path)]},
                    schema=_WRITTEN_ARROW,
                )

    return write


def _runs(batches: Iterator[pa.RecordBatch]) -> Iterator[tuple[int, pa.RecordBatch]]:
    """(shard, slice) for each run of one shard's rows in `batches`, in order."""
    for batch in batches:
        shard = batch.column("shard").to_numpy()
        cuts = [0, *(np.flatnonzero(shard[1:] != shard[:-1]) + 1).tolist(), len(shard)]
        for start, end in itertools.pairwise(cuts):
            if end > start:
                yield int(shard[start]), batch.slice(start, end - start)


def _lineage_batches(parts: Path, shards: int) -> Iterator[pa.RecordBatch]:
    """The per-shard lineage files, in shard order (records in `record_id` order within)."""
    for shard in range(shards):
        path = parts / f"shard-{shard:05d}.parquet"
        if path.exists():
            yield from pq.ParquetFile(path).iter_batches()
