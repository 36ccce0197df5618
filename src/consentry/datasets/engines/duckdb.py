"""The local dataset engine: DuckDB, on disk, with a bounded memory budget.

The maker runs batch by batch as the raw rows arrive — in worker processes, one per CPU,
where the machine has more than one (`making.make_batches`) — and its records are staged
in DuckDB; DuckDB then drops duplicates and writes the shards."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pyarrow as pa

from consentry.datasets.engines import (
    LINEAGE_SCHEMA,
    EngineCapabilities,
    ShardFile,
    ShardWrite,
    file_sha256,
    write_parquet,
)
from consentry.datasets.making import RecordMaker, make_batches, maker_workers
from consentry.datasets.records import BUILD_SCHEMA, RECORD_SCHEMA, shard_name

MEMORY_LIMIT = "1GB"
BATCH_ROWS = 50_000


class DuckDBEngine:
    """Makes records (in `workers` processes; None: one per CPU, `maker_workers`) and
    stages them in an on-disk DuckDB database (spilling past `MEMORY_LIMIT`), drops
    duplicates per shard with a window function and writes each shard with COPY."""

    name = "duckdb"
    capabilities = EngineCapabilities(
        spills_to_disk=True,
        distributed=False,
        description="DuckDB on one machine; memory bounded, spills to the scratch folder",
    )

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers

    def write_shards(
        self,
        raw: Iterable[pa.RecordBatch],
        maker: RecordMaker,
        *,
        out_dir: Path,
        scratch: Path,
        only: Iterable[int] | None = None,
    ) -> ShardWrite:
        shards = maker.shards
        scrubbed: Counter[str] = Counter()
        scratch.mkdir(parents=True, exist_ok=True)
        out_dir.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(scratch / "stage.duckdb"))
        try:
            con.execute(f"SET memory_limit='{MEMORY_LIMIT}'")
            con.execute(f"SET temp_directory='{scratch / 'spill'}'")
            con.execute("SET preserve_insertion_order=false")
            con.execute("SET threads=2")
            empty = pa.Table.from_batches([], schema=BUILD_SCHEMA)
            con.register("empty_batch", empty)
            con.execute("CREATE TABLE staged AS SELECT * FROM empty_batch")
            con.unregister("empty_batch")
            workers = maker_workers() if self.workers is None else self.workers
            for batch, found in make_batches(maker, raw, workers=workers):
                scrubbed.update(found)
                con.register("batch", pa.Table.from_batches([batch], schema=BUILD_SCHEMA))
                con.execute("INSERT INTO staged SELECT * FROM batch")
                con.unregister("batch")
            staged = con.execute("SELECT count(*) FROM staged").fetchall()[0][0]
            con.execute(
                """
                CREATE TABLE kept AS
                SELECT * FROM staged
                QUALIFY row_number() OVER (
                    PARTITION BY shard, data_class, title, text ORDER BY record_id
                ) = 1
                """
            )
            con.execute("DROP TABLE staged")
            kept = con.execute("SELECT count(*) FROM kept").fetchall()[0][0]
            columns = ", ".join(f'"{name}"' for name in RECORD_SCHEMA.names)
            files = []
            for shard in sorted(only) if only is not None else range(shards):
                path = out_dir / shard_name(shard, shards)
                reader = con.sql(
                    f"SELECT {columns} FROM kept WHERE shard = {int(shard)} ORDER BY record_id"
                ).to_arrow_reader(BATCH_ROWS)
                rows = write_parquet(reader, RECORD_SCHEMA, path)
                files.append(ShardFile(shard, path, rows, file_sha256(path)))
            lineage_path = scratch / "lineage.parquet"
            reader = con.sql(
                "SELECT member_id, shard, record_id, record_hash FROM kept ORDER BY shard, record_id"
            ).to_arrow_reader(BATCH_ROWS)
            write_parquet(reader, LINEAGE_SCHEMA, lineage_path)
        finally:
            con.close()
        return ShardWrite(
            files=files,
            lineage=lineage_path,
            duplicates_dropped=staged - kept,
            scrubbed=scrubbed,
        )
