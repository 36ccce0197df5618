"""Raw consented rows into training records: the step a dataset engine runs.

A build's driver reads the consented selection and attaches each row's structure and its
author's names (`RAW_SCHEMA`); everything after that is per row and needs no database,
so it runs inside the engine, where a cluster can spread it:

    raw batch -> scrub every string column -> record id -> record hash -> shard
              -> BUILD_SCHEMA batch, and how many spans of each type were replaced

`RecordMaker` holds all that step needs — the record-id key, the shard count and a
`ScrubberSpec` gathered once on the driver — and pickles, so that each worker process
gets a copy and makes its scrubber from the spec once (`ScrubberSpec.scrubber`). The same
raw rows give the same records whichever process makes them and however the rows are cut
into batches: every step is a function of one row (and the spec) alone.

`make_batches` runs a maker over a stream of batches on a local pool of worker processes,
in order and with a bounded number of batches in flight: what an engine on one machine
uses to scrub on every CPU while its own process reads and stages.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

import pyarrow as pa

from consentry.datasets.records import (
    BUILD_SCHEMA,
    TEXT_COLUMNS,
    record_hash,
    record_id,
    shard_of,
)
from consentry.datasets.scrub.columns import scrub_columns
from consentry.datasets.scrub.known import ScrubberSpec

_TEXT = pa.string()
_LIST = pa.list_(pa.string())

RAW_SCHEMA = pa.schema(
    [
        pa.field("item_id", pa.int64(), nullable=False),
        pa.field("data_class", _TEXT, nullable=False),
        pa.field("member_id", pa.int64(), nullable=False),
        pa.field("title", _TEXT),
        pa.field("text", _TEXT),
        pa.field("industry", _TEXT),
        pa.field("country", _TEXT),
        pa.field("seniority", _TEXT),
        pa.field("titles", _LIST),
        pa.field("companies", _LIST),
        pa.field("skills", _LIST),
        pa.field("year", pa.int16(), nullable=False),
        # The author's own names (display, first, last): scrubbed from their records too.
        pa.field("author_names", _LIST),
    ]
)
"""One consented item as the driver reads it: unscrubbed, with its structure attached.
Strings may be null (a missing title); a record has "" there."""


@dataclass(frozen=True)
class RecordMaker:
    """Makes BUILD_SCHEMA records from RAW_SCHEMA rows (module docstring). Picklable."""

    record_key: bytes
    shards: int
    scrub: ScrubberSpec

    def make(self, raw: pa.RecordBatch) -> tuple[pa.RecordBatch, Counter[str]]:
        """The records of `raw` (same rows, same order), and the spans scrubbed by type.

        Accepts any batch with RAW_SCHEMA's column names (an engine may hand over wider
        string or nullable types)."""
        rows = raw.to_pylist()
        out = [
            {
                "record_id": record_id(self.record_key, row["data_class"], row["item_id"]),
                "data_class": row["data_class"],
                "title": row["title"] or "",
                "text": row["text"] or "",
                "industry": row["industry"] or "",
                "country": row["country"] or "",
                "seniority": row["seniority"] or "",
                "titles": row["titles"] or [],
                "companies": row["companies"] or [],
                "skills": row["skills"] or [],
                "year": row["year"],
            }
            for row in rows
        ]
        # Every string a record carries, structured columns included, before it is hashed.
        found = scrub_columns(
            self.scrub.scrubber(),
            out,
            TEXT_COLUMNS,
            author_names=[tuple(row["author_names"] or ()) for row in rows],
            regions=[row["country"] or None for row in rows],
        )
        for row, rec in zip(rows, out, strict=True):
            rec["record_hash"] = record_hash(rec)
            rec["member_id"] = row["member_id"]
            rec["shard"] = shard_of(row["member_id"], self.shards)
        return pa.RecordBatch.from_pylist(out, schema=BUILD_SCHEMA), found


Made = tuple[pa.RecordBatch, Counter[str]]

#: Batches handed to the pool and not yet taken back, per worker: enough to keep every
#: worker busy while the caller stages a result, few enough to bound memory.
_IN_FLIGHT_PER_WORKER = 2


#: The most worker processes `maker_workers` gives: each holds a scrubber, and with it
#: every name of the network (and the NER models, where they run).
MAX_WORKERS = 8


def maker_workers() -> int:
    """Worker processes `make_batches` should use here: one per CPU this process may run
    on (at most `MAX_WORKERS`), or 0 (make in process) where there is only one."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return min(cpus, MAX_WORKERS) if cpus > 1 else 0


def make_batches(
    maker: RecordMaker, raw: Iterable[pa.RecordBatch], *, workers: int
) -> Iterator[Made]:
    """`maker.make(batch)` for each batch of `raw`, in order.

    With `workers` > 0 the batches are made by that many worker processes (started fresh,
    "spawn": the caller may hold threads and connections a fork would copy), each of which
    unpickles the maker once; at most `_IN_FLIGHT_PER_WORKER` batches per worker are in
    flight, so the stream is never held whole. The records are the same either way
    (module docstring). An error in a worker is raised here, as the maker raised it."""
    if workers <= 0:
        for batch in raw:
            yield maker.make(batch)
        return
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start_worker, initargs=(maker,)
    )
    pending: deque[Future[Made]] = deque()
    try:
        for batch in raw:
            pending.append(pool.submit(_make_in_worker, batch))
            if len(pending) >= workers * _IN_FLIGHT_PER_WORKER:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


_WORKER_MAKER: list[RecordMaker] = []


def _start_worker(maker: RecordMaker) -> None:
    # The maker arrives once per worker, not with every batch (its spec holds every name of
    # the network); its scrubber is made now, while the first batches are still being read.
    _WORKER_MAKER[:] = [maker]
    maker.scrub.scrubber()


def _make_in_worker(batch: pa.RecordBatch) -> Made:
    return _WORKER_MAKER[0].make(batch)
