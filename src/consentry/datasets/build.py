"""Build a dataset version: consented, scrubbed, sharded by member, published atomically.

    driver: snapshot (ledger head T, time t) -> consented query -> structure, authors
            -> raw batches (`making.RAW_SCHEMA`) and a `RecordMaker`
    engine: scrub, record ids and hashes, shard (the maker) -> dedup per shard
            -> Parquet shards and lineage
    driver: manifest, datasheet, Croissant -> rename into place
            -> dataset row, shards and lineage in one transaction

The driver only plans, reads and publishes: everything per row runs in the engine, so an
engine on a cluster spreads the scrubbing too. Memory stays bounded: rows stream from the
database in chunks, and the engine makes and stages them on disk. `publish.py` registers the version before its
folder takes its final name and activates it only after checking every member against the
ledger head; a build as of an earlier position is published as a reproduction, which
training refuses. `successor.py` reuses this pipeline.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import pyarrow as pa
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.consent import ledger
from consentry.datasets import snapshot as snapshots
from consentry.datasets.eligibility import (
    EXCLUSION_REASONS,
    ExclusionReason,
    consented_items,
    private_count,
)
from consentry.datasets.engines import (
    DatasetEngine,
    QueryReadingEngine,
    ShardWrite,
    get_engine,
)
from consentry.datasets.lineage_events import emit_run_event
from consentry.datasets.making import RAW_SCHEMA, RecordMaker
from consentry.datasets.manifest import write_documents
from consentry.datasets.publish import Publication, publish
from consentry.datasets.raw_query import raw_query
from consentry.datasets.records import shard_expression
from consentry.datasets.scrub.known import network_spec
from consentry.datasets.scrub.ner import configuration as ner_configuration
from consentry.datasets.structure import attach_structure
from consentry.errors import InvalidInput
from consentry.keys import KeyPurpose, Keyring
from consentry.store.engine import session_scope, utcnow

CHUNK_ROWS = 5_000
Progress = Callable[[int, int], None]


@dataclass
class BuildResult:
    """What a build did (or, for a dry run, would do)."""

    dataset_id: str | None
    snapshot: snapshots.Snapshot
    shards: int
    engine: str
    counts: dict[str, int]
    excluded: dict[str, int]
    scrubbed: dict[str, int]
    path: Path | None = None
    files: list[dict[str, Any]] = field(default_factory=list)
    dry_run: bool = False
    #: Built as of an earlier ledger position: a reproduction, never used for training.
    reproduction: bool = False

    def summary(self) -> str:
        head = "would build" if self.dry_run else f"built {self.dataset_id}"
        if self.reproduction:
            head += " (a reproduction of the past: never used for training)"
        records = self.counts.get("records", self.counts.get("eligible_items", 0))
        members = self.counts.get("members", self.counts.get("eligible_members", 0))
        excluded = ", ".join(f"{k} {v:,}" for k, v in self.excluded.items() if v) or "none"
        return (
            f"{head} for {self.snapshot.purpose} as of ledger position {self.snapshot.seq}: "
            f"{records:,} records from {members:,} members in {self.shards} shards; "
            f"excluded: {excluded}"
        )


def new_dataset_id(purpose: str) -> str:
    return f"{purpose}-{utcnow():%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


def selection(snap: snapshots.Snapshot, *, shards: int, only: Collection[int] | None = None):
    """The consented query of `snap` as a subquery, restricted to the shards in `only`."""
    items = consented_items(
        snap.purpose_def.data_classes,
        decisions=snap.decisions,
        aipref_category=snap.purpose_def.aipref,
        at=snap.at,
        deleted_by=snap.started_at,
        regions=snap.regions,
    ).subquery("consented")
    if only is None:
        return items
    stmt = select(items).where(shard_expression(items.c.member_id, shards).in_(sorted(only)))
    return stmt.subquery("consented_shards")


def count_selection(session: Session, snap, items) -> tuple[dict[str, int], dict[str, int]]:
    """(counts, excluded) of a selection: eligible items and members, exclusions by reason."""
    excluded: dict[str, int] = dict.fromkeys(EXCLUSION_REASONS, 0)
    eligible = 0
    for reason, count in session.execute(
        select(items.c.excluded, snapshots.count_rows()).group_by(items.c.excluded)
    ):
        if reason is None:
            eligible = count
        else:
            excluded[reason] = count
    excluded[ExclusionReason.PRIVATE] = session.scalar(private_count(snap.at)) or 0
    members = session.scalar(
        select(snapshots.count_distinct(items.c.member_id)).where(items.c.excluded.is_(None))
    )
    return {"eligible_items": eligible, "eligible_members": members or 0}, excluded


def build_dataset(
    db: Engine,
    settings: Settings,
    *,
    purpose: str,
    as_of: int | None = None,
    shards: int = 4,
    engine: str | DatasetEngine = "duckdb",
    dry_run: bool = False,
    progress: Progress | None = None,
    policy_version: int | None = None,
) -> BuildResult:
    """Build (or with `dry_run`, count) a dataset version for `purpose` as of ledger
    position `as_of` (default: the head when the build starts).

    `engine` is an engine's name (`get_engine`) or an engine itself.
    `policy_version` pins the policy version (refused while in its notice period); by
    default the newest version whose notice period has passed applies.
    Raises ConsentryError for an unknown purpose, a position past the head, a policy
    still in its notice period, or a bad shard count; nothing is written then.
    """
    if shards < 1 or shards > 4096:
        raise InvalidInput("--shards must be between 1 and 4096")
    dataset_engine = get_engine(engine) if isinstance(engine, str) else engine
    with session_scope(db) as session:
        snap = snapshots.take(session, purpose=purpose, as_of=as_of, policy_version=policy_version)
        # As of an earlier position the build reproduces the past exactly, members who
        # have withdrawn since included: it is published as a reproduction, which training
        # refuses, never as an active version.
        reproduction = snap.seq < ledger.head(session).seq
        counts, excluded = count_selection(session, snap, selection(snap, shards=shards))
    if dry_run:
        return BuildResult(
            None,
            snap,
            shards,
            dataset_engine.name,
            counts,
            excluded,
            {},
            dry_run=True,
            reproduction=reproduction,
        )

    pub = Publication(
        dataset_id=new_dataset_id(purpose),
        purpose=purpose,
        snap=snap,
        engine=dataset_engine,
        shards=shards,
        counts=counts,
        excluded=excluded,
        scrubbed=Counter(),
        reproduction=reproduction,
        notes={"scrubber": ner_configuration(settings.scrub_ner)},
    )

    def write(staging: Path, scratch: Path) -> ShardWrite:
        written = write_selection(
            db,
            settings,
            dataset_engine,
            pub.snap,
            shards=shards,
            out_dir=staging / "data",
            scratch=scratch,
            total=pub.counts["eligible_items"],
            progress=progress,
        )
        pub.scrubbed = written.scrubbed
        return written

    def refresh() -> None:
        # Members withdrew while the version was written: select again at the head.
        with session_scope(db) as session:
            pub.snap = snapshots.take(session, purpose=purpose, policy_version=policy_version)
            pub.counts, pub.excluded = count_selection(
                session, pub.snap, selection(pub.snap, shards=shards)
            )
        pub.scrubbed = Counter()

    with emit_run_event(settings, pub):
        final, files = publish(
            db, settings, pub, write=write, documents=write_documents, refresh=refresh
        )
    return BuildResult(
        pub.dataset_id,
        pub.snap,
        shards,
        dataset_engine.name,
        pub.counts,
        pub.excluded,
        dict(pub.scrubbed),
        path=final,
        files=files,
        reproduction=reproduction,
    )


def write_selection(
    db: Engine,
    settings: Settings,
    engine: DatasetEngine,
    snap: snapshots.Snapshot,
    *,
    shards: int,
    out_dir: Path,
    scratch: Path,
    total: int,
    progress: Progress | None = None,
) -> ShardWrite:
    """Have `engine` make and write the records of `snap`'s eligible items: the maker is
    made here, once, and the raw rows stream to the engine as they are read — or, on
    PostgreSQL with an engine that reads the database itself (`reads_jdbc`), the engine
    gets them as one statement (`raw_query`) and reads them on its own workers."""
    with session_scope(db) as session:
        maker, names = record_maker(session, settings, shards=shards)

        def raw() -> Iterator[pa.RecordBatch]:
            return stream_raw(db, snap, shards=shards, names=names, total=total, progress=progress)

        query = None
        if engine.capabilities.reads_jdbc and db.dialect.name == "postgresql":
            query = raw_query(
                session,
                db.url,
                selection(snap, shards=shards),
                at=snap.at,
                names=names,
                stream=raw,
            )
    if query is None:
        return engine.write_shards(raw(), maker, out_dir=out_dir, scratch=scratch)
    reader = cast(QueryReadingEngine, engine)
    written = reader.write_shards_from_query(query, maker, out_dir=out_dir, scratch=scratch)
    if progress and written.read != "arrow":
        progress(total, total)
    return written


def record_maker(
    session: Session, settings: Settings, *, shards: int
) -> tuple[RecordMaker, dict[int, tuple[str, ...]]]:
    """The build's `RecordMaker`, and each member's own names (for `stream_raw`).

    Erased names as they stand now, whatever the as-of: an erasure is never undone."""
    keyring = Keyring.load(settings)
    spec, names = network_spec(
        session, erased_key=keyring.key(KeyPurpose.ERASED_NAMES).secret, ner=settings.scrub_ner
    )
    key = keyring.key(KeyPurpose.RECORD_IDS).secret
    return RecordMaker(record_key=key, shards=shards, scrub=spec), names


def stream_raw(
    db: Engine,
    snap: snapshots.Snapshot,
    *,
    shards: int,
    names: Mapping[int, tuple[str, ...]],
    total: int,
    progress: Progress | None = None,
) -> Iterator[pa.RecordBatch]:
    """The eligible items of the selection, unscrubbed, with their structure (as of the
    snapshot) and their authors' names, as RAW_SCHEMA batches of `CHUNK_ROWS`."""
    items = selection(snap, shards=shards)
    stmt = select(items).where(items.c.excluded.is_(None))
    done = 0
    with session_scope(db) as session:
        if db.dialect.name == "postgresql":
            # yield_per reads through a server-side cursor, which PostgreSQL plans for the
            # first 10% of rows by default (nested loops over the decisions): for all of
            # them, as a build reads, that plan is ~150x slower than the whole-result one.
            session.execute(text("SET LOCAL cursor_tuple_fraction = 1.0"))
        result = session.execute(stmt.execution_options(yield_per=CHUNK_ROWS))
        for chunk in result.partitions(CHUNK_ROWS):
            rows = [dict(r._mapping) for r in chunk]
            attach_structure(session, rows, at=snap.at)
            for row in rows:
                row["year"] = _year(row["created_at"])
                row["author_names"] = names.get(row["member_id"], ())
            batch = pa.RecordBatch.from_pylist(rows, schema=RAW_SCHEMA)
            done += batch.num_rows
            if progress:
                progress(done, total)
            yield batch


def _year(value: datetime | str) -> int:
    return int(value[:4]) if isinstance(value, str) else value.year
