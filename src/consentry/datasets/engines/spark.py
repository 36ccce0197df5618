"""The scale-out dataset engine: Apache Spark (PySpark), local mode or any cluster.

Same contract as the DuckDB engine (`consentry.datasets.engines`), same bytes out:

    driver: stream the build's raw batches into Parquet files in `scratch/raw`, and
            broadcast the `RecordMaker`
    tasks:  `mapInArrow` over the raw rows: the maker makes each batch into records
            (scrubbing, ids, hashes, shard), which the task writes to its own file in
            `scratch/made`, and it returns its scrubbed counts, a few rows
    Spark:  read the made records, keep the smallest `record_id` of each (shard, data
            class, title, text), hash-partition by shard, sort each partition by
            (shard, record_id)
    tasks:  write each shard's file with `write_parquet` (the writer both engines share,
            so a shard's file is byte-identical to DuckDB's) and its lineage rows
    driver: write an empty file for every shard that kept no record, then join the
            per-shard lineage files, in shard order, into `scratch/lineage.parquet`

A making task names its file by its partition and puts it in place by an atomic rename,
so a task run twice (a retry, a speculative copy) leaves one file, and the counts come
from the one attempt whose result Spark kept: each row is counted once. Every Python
worker makes its scrubber from the broadcast spec once and keeps it for later tasks.

Nothing is collected on the driver but the scrubbed counts and one small row per shard
(rows, sha256). Spark's
own writer is not used for the shard files: it writes a folder of part-files named by
task, with its own metadata, where the contract wants one file per shard named by
`shard_name` and the same hash from every engine.

The master is `CONSENTRY_SPARK_MASTER` (a Spark master URL such as
``spark://host:7077``), ``local[*]`` when unset. A session already active in the process
(a notebook's, a test's) is used as it is. On a cluster the data folder must be on a
filesystem every executor mounts at the same path (tasks read the staged batches and
write the shard files there), and every executor needs this package installed (and the
same NER models, when the NER stage runs: a worker without them scrubs by rules only).
The maker carries the record-id key to the executors, so they must be trusted as the
driver is.

On PostgreSQL the executors read the raw rows themselves (`write_shards_from_query`):
Spark's JDBC source runs the build's raw statement (`raw_query`), split into one range
of `member_id` per core, the authors' names join it from a small table the driver
sends, and the rows go straight into the making step above; nothing is staged and no row
passes through the driver. The JDBC driver is Debian's `libpostgresql-jdbc-java`
(`CONSENTRY_SPARK_JDBC_JAR`, default /usr/share/java/postgresql.jar): a new session gets
it in `spark.jars`, an active one by `ADD JAR`. Without the jar, or where the JDBC source
cannot open the statement (its schema is read before any task runs), the build says so
in one line and reads through the driver as before: the files are the same either way.
"""

from __future__ import annotations

import itertools
import logging
import os
import shutil
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from pyspark import TaskContext
from pyspark.broadcast import Broadcast
from pyspark.sql import DataFrame, SparkSession, Window
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
from consentry.datasets.making import RAW_SCHEMA, RecordMaker
from consentry.datasets.raw_query import RawQuery
from consentry.datasets.records import BUILD_SCHEMA, RECORD_SCHEMA, shard_name
from consentry.errors import Conflict

DEFAULT_MASTER = "local[*]"
#: Where Debian's libpostgresql-jdbc-java puts the PostgreSQL JDBC driver.
DEFAULT_JDBC_JAR = "/usr/share/java/postgresql.jar"
#: Rows the JDBC source fetches per round trip (a cursor, not the whole result at once).
JDBC_FETCH_ROWS = 5_000
#: Rows per staged raw Parquet file. Spark splits the files by row groups (one per
#: batch the driver reads) to give every core a share of the making.
STAGE_FILE_ROWS = 200_000
#: What each making task reports back to the driver: its scrubbed spans by type.
_SCRUBBED = "span_type string, spans long"
_SCRUBBED_ARROW = pa.schema([("span_type", pa.string()), ("spans", pa.int64())])
#: What each write task reports back to the driver: one row per shard it wrote.
_WRITTEN = "shard int, rows long, sha256 string"
_WRITTEN_ARROW = pa.schema([("shard", pa.int32()), ("rows", pa.int64()), ("sha256", pa.string())])
log = logging.getLogger(__name__)
_LOCAL_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "8",
}


class SparkEngine:
    """Stages raw batches as Parquet, makes records in `mapInArrow`, drops duplicates per shard with a window function and
    writes each shard from the Spark task that holds it (module docstring)."""

    name = "spark"
    capabilities = EngineCapabilities(
        spills_to_disk=True,
        distributed=True,
        description=(
            "Apache Spark, in local mode or on the cluster at CONSENTRY_SPARK_MASTER; "
            "spills to Spark's local folders; reads PostgreSQL through JDBC"
        ),
        reads_jdbc=True,
    )

    def __init__(self, master: str | None = None) -> None:
        """`master` overrides `CONSENTRY_SPARK_MASTER`. Raises Conflict without Java,
        before anything is written."""
        if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
            raise Conflict("the spark engine needs Java 17: install a JDK or set JAVA_HOME")
        self.master = master or os.environ.get("CONSENTRY_SPARK_MASTER") or DEFAULT_MASTER
        self.jdbc_jar = Path(os.environ.get("CONSENTRY_SPARK_JDBC_JAR") or DEFAULT_JDBC_JAR)

    def session(self) -> SparkSession:
        """The active session, or a new one on `self.master`; Conflict if none starts."""
        active = SparkSession.getActiveSession()
        if active is not None:
            return active
        builder = SparkSession.builder.master(self.master).appName("consentry-datasets")
        if self.jdbc_jar.is_file():
            # On the classpath from the start, and shipped to a cluster's executors.
            builder = builder.config("spark.jars", str(self.jdbc_jar))
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
        raw: Iterable[pa.RecordBatch],
        maker: RecordMaker,
        *,
        out_dir: Path,
        scratch: Path,
        only: Iterable[int] | None = None,
    ) -> ShardWrite:
        scratch.mkdir(parents=True, exist_ok=True)
        _stage(raw, RAW_SCHEMA, scratch / "raw")
        spark = self.session()
        raw_rows = spark.read.parquet(str(scratch / "raw"))
        # Spark packs small files into one split; the making is the costly step, so
        # it gets at least one task per core (which rows a task makes changes nothing).
        cores = spark.sparkContext.defaultParallelism
        if raw_rows.rdd.getNumPartitions() < cores:
            raw_rows = raw_rows.repartition(cores)
        return _write(spark, raw_rows, maker, out_dir=out_dir, scratch=scratch, only=only)

    def write_shards_from_query(
        self,
        query: RawQuery,
        maker: RecordMaker,
        *,
        out_dir: Path,
        scratch: Path,
        only: Iterable[int] | None = None,
    ) -> ShardWrite:
        """As `write_shards`, the executors reading `query` through JDBC (module
        docstring); through the driver's stream, with a one-line warning, where they
        cannot. `ShardWrite.read` is "jdbc" or "arrow"."""
        if not self.jdbc_jar.is_file():
            log.warning(
                "spark engine: no PostgreSQL JDBC driver at %s (apt-get install "
                "libpostgresql-jdbc-java, or set CONSENTRY_SPARK_JDBC_JAR); "
                "reading the database through the build's driver instead",
                self.jdbc_jar,
            )
            return self.write_shards(
                query.stream(), maker, out_dir=out_dir, scratch=scratch, only=only
            )
        spark = self.session()
        try:
            raw_rows = self._read_jdbc(spark, query)
        except Exception as exc:  # unreachable, refused, or no driver class: all before any task
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            log.warning(
                "spark engine: could not read the database through JDBC (%s); "
                "reading it through the build's driver instead",
                reason[:300],
            )
            return self.write_shards(
                query.stream(), maker, out_dir=out_dir, scratch=scratch, only=only
            )
        # A left join: a member without names has none (null, read as an empty list).
        names = spark.createDataFrame(query.names)
        raw_rows = raw_rows.join(names, "member_id", "left")
        written = _write(spark, raw_rows, maker, out_dir=out_dir, scratch=scratch, only=only)
        written.read = "jdbc"
        return written

    def _read_jdbc(self, spark: SparkSession, query: RawQuery) -> DataFrame:
        """The JDBC DataFrame of `query`, one range of member ids per core; Spark reads
        its schema here, so a database it cannot reach fails here, before any task."""
        jar = str(self.jdbc_jar)
        if jar not in (spark.conf.get("spark.jars", "") or "").split(","):
            # A session started elsewhere (a notebook's, a test's) lacks it: added now, to
            # the driver's class loader and every executor's.
            spark.sql(f"ADD JAR '{jar}'")
        low, high = query.member_ids
        reader = (
            spark.read.format("jdbc")
            .option("url", query.jdbc_url)
            .option("driver", "org.postgresql.Driver")
            .option("dbtable", f"({query.sql}) AS raw")
            .option("partitionColumn", "member_id")
            .option("lowerBound", str(low))
            .option("upperBound", str(max(high, low + 1)))
            .option("numPartitions", str(spark.sparkContext.defaultParallelism))
            .option("fetchsize", str(JDBC_FETCH_ROWS))
        )
        for key, value in query.jdbc_properties.items():
            reader = reader.option(key, value)
        return reader.load()


def _write(
    spark: SparkSession,
    raw_rows: DataFrame,
    maker: RecordMaker,
    *,
    out_dir: Path,
    scratch: Path,
    only: Iterable[int] | None,
) -> ShardWrite:
    """Make the records of `raw_rows` (RAW_SCHEMA's columns), drop duplicates per shard
    and write the shards and the lineage (module docstring)."""
    shards = maker.shards
    scratch.mkdir(parents=True, exist_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    wanted = sorted(set(only)) if only is not None else list(range(shards))
    made = scratch / "made"
    made.mkdir(exist_ok=True)
    # Spark reads the schema of an empty build from this file; it adds no rows.
    write_parquet([], BUILD_SCHEMA, made / "empty.parquet")
    parts = scratch / "lineage-parts"
    parts.mkdir(exist_ok=True)

    shared = spark.sparkContext.broadcast(maker)
    try:
        making = _record_maker(shared, str(made))
        scrubbed: Counter[str] = Counter()
        for row in raw_rows.mapInArrow(making, _SCRUBBED).collect():
            scrubbed[row["span_type"]] += row["spans"]
    finally:
        shared.destroy()
    staged = spark.read.parquet(str(made))
    # Parquet footers alone: one record was made per raw row.
    made_rows = staged.count()
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
            files.append(ShardFile(shard, path, written[shard]["rows"], written[shard]["sha256"]))
        else:
            rows = write_parquet([], RECORD_SCHEMA, path)
            files.append(ShardFile(shard, path, rows, file_sha256(path)))
    lineage = scratch / "lineage.parquet"
    kept_rows = write_parquet(_lineage_batches(parts, shards), LINEAGE_SCHEMA, lineage)
    return ShardWrite(
        files=files,
        lineage=lineage,
        duplicates_dropped=made_rows - kept_rows,
        scrubbed=scrubbed,
    )


def _stage(batches: Iterable[pa.RecordBatch], schema: pa.Schema, folder: Path) -> int:
    """Write `batches` as Parquet files of about `STAGE_FILE_ROWS` rows; returns rows.

    At least one file is written, so that Spark reads the schema of an empty build."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = 0
    names = (folder / f"part-{n:06d}.parquet" for n in itertools.count())
    writer = pq.ParquetWriter(next(names), schema, compression="zstd")
    in_file = 0
    try:
        for batch in batches:
            if not batch.num_rows:
                continue
            if in_file >= STAGE_FILE_ROWS:
                writer.close()
                writer = pq.ParquetWriter(next(names), schema, compression="zstd")
                in_file = 0
            writer.write_table(pa.Table.from_batches([batch]).cast(schema))
            in_file += batch.num_rows
            rows += batch.num_rows
    finally:
        writer.close()
    return rows


def _record_maker(
    shared: Broadcast[RecordMaker], folder: str
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The function each making task runs over its partition of raw rows: the records
    into `folder/part-<partition>.parquet` (BUILD_SCHEMA), the scrubbed counts out."""

    def make(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        task = TaskContext.get()
        assert task is not None  # always set inside a Spark task
        maker = shared.value
        final = Path(folder) / f"part-{task.partitionId():05d}.parquet"
        # Spark's reader skips names starting with "_": a failed attempt's file is unseen.
        partial = final.with_name(f"_{final.stem}-{task.attemptNumber()}.partial")
        found: Counter[str] = Counter()
        sink = pq.ParquetWriter(partial, BUILD_SCHEMA, compression="zstd")
        try:
            for raw in batches:
                if raw.num_rows:
                    records, spans = maker.make(raw)
                    found.update(spans)
                    sink.write_batch(records)
        finally:
            sink.close()
        os.replace(partial, final)
        if found:
            yield pa.RecordBatch.from_pydict(
                {"span_type": list(found), "spans": list(found.values())}, schema=_SCRUBBED_ARROW
            )

    return make


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
