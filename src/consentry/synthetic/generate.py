"""The synthetic network generator: a realistic, deterministic professional network in bulk.

`generate_network(engine, members=..., seed=...)` writes members (with the four demo
accounts as members 1-4), profiles, careers, connections, posts, articles, comments,
@mentions, private messages, job postings, revisions of edited items and the ground
truth of every piece of personal data planted into text (`planted_pii`).

Same seed, same rows: every table's content is a function of (seed, members, time window)
alone, except password hashes (argon2 salts are random). The time window runs from
2019-01-01 to `as_of`, by default the earlier of `DEFAULT_END` and today (UTC midnight),
so nothing is ever dated in the future.

Everything is written in one transaction: a failed run leaves the previous network as it
was. Rows go out in batches (the driver's executemany on SQLite, COPY on PostgreSQL),
and the written tables' secondary indexes are built once, at the end of the transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine

from consentry.errors import Conflict, InvalidInput
from consentry.network.accounts import hash_password
from consentry.store.engine import advance_id_sequences, utcnow
from consentry.store.tables import Base
from consentry.synthetic import activity
from consentry.synthetic.bulk import BulkSink, deferred_indexes, delete_everything, member_count
from consentry.synthetic.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from consentry.synthetic.population import build_population, write_members, write_profiles
from consentry.synthetic.run import GenerationRun

START = datetime(2019, 1, 1)
DEFAULT_END = datetime(2026, 11, 1)

# Display order of tables in the summary.
TABLES = (
    "members",
    "profiles",
    "positions",
    "education",
    "skills",
    "connections",
    "posts",
    "comments",
    "mentions",
    "messages",
    "jobs",
    "job_skills",
    "revisions",
    "planted_pii",
)


@dataclass(frozen=True)
class GenerationStats:
    """What one run wrote: rows per table and how long it took."""

    members: int
    seed: int
    counts: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0
    # stage -> (seconds, rows written in it, including its planted PII, mentions, revisions)
    stages: dict[str, tuple[float, int]] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.elapsed if self.elapsed > 0 else 0.0

    def summary(self) -> str:
        """One paragraph for people: what was generated, how fast."""
        c = self.counts
        parts = ", ".join(f"{c.get(t, 0):,} {t.replace('_', ' ')}" for t in TABLES[1:])
        return (
            f"Generated a network of {c.get('members', 0):,} members "
            f"({self.members:,} synthetic + {len(DEMO_ACCOUNTS)} demo accounts, seed {self.seed}): "
            f"{parts}. {self.rows:,} rows in {self.elapsed:.1f} s "
            f"({self.rows_per_second:,.0f} rows/s). Demo log-in: {DEMO_ACCOUNTS[0].email} / "
            f"{DEMO_PASSWORD} (see `consentry demo-accounts`)."
        )


def default_end() -> datetime:
    """The end of the default time window: `DEFAULT_END`, or today if that is earlier."""
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    return min(DEFAULT_END, today)


# Stages and the rows each reports progress in, in the order they run.
def _stage_totals(members: int) -> dict[str, int]:
    total = members + len(DEMO_ACCOUNTS)
    return {
        "members": total,
        "profiles": total,
        "connections": total * activity.CONNECTIONS_PER_MEMBER // 2,
        "posts": total * activity.POSTS_PER_MEMBER,
        "comments": total * activity.POSTS_PER_MEMBER // 2,
        "messages": total * activity.MESSAGES_PER_MEMBER,
        "jobs": activity.job_count(total),
    }


@contextmanager
def _progress(show: bool, totals: dict[str, int]) -> Iterator[Callable[[str, int], None]]:
    if not show:
        yield lambda stage, done: None
        return
    columns = (
        TextColumn("{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=False) as bar:
        tasks = {stage: bar.add_task(stage, total=total) for stage, total in totals.items()}

        def advance(stage: str, done: int) -> None:
            bar.advance(tasks[stage], done)

        yield advance
        # Totals were estimates; show every stage as complete at what it really wrote.
        for task in bar.tasks:
            bar.update(task.id, total=task.completed or 1, completed=task.completed or 1)


def generate_network(
    engine: Engine,
    *,
    members: int,
    seed: int,
    reset: bool = False,
    progress: bool = False,
    as_of: datetime | None = None,
    reference_writes: bool = False,
) -> GenerationStats:
    """Generate a network of `members` synthetic members (plus the demo accounts).

    Refuses (ConsentryError) when the database already has members, unless `reset`,
    which first empties every Consentry table (the network and everything that refers
    to it). `as_of` ends the time window (naive UTC; default `default_end()`); nothing is
    dated after it. Runs in one transaction; returns what was written.

    Rows go out in bulk (COPY on PostgreSQL, the driver's executemany on SQLite) with the
    written tables' secondary indexes built once at the end (`bulk.deferred_indexes`);
    `reference_writes` writes them through SQLAlchemy Core statements into indexed tables
    instead, the slower path the bulk one is tested against (same rows, same bytes).
    """
    if members < 1:
        raise InvalidInput("the network needs at least one member")
    end = as_of or default_end()
    if end <= START:
        raise InvalidInput(f"the time window must end after {START:%Y-%m-%d}")
    began = time.perf_counter()
    password_hash = hash_password(DEMO_PASSWORD)  # argon2 is slow by design: once per run
    with engine.begin() as conn:
        existing = member_count(conn)
        if existing and not reset:
            raise Conflict(
                f"the network already has {existing:,} members; use --reset to replace it"
            )
        if existing or reset:
            delete_everything(conn)
        sink = BulkSink(conn, reference=reference_writes)
        written = [] if reference_writes else [Base.metadata.tables[t] for t in TABLES]
        stages: dict[str, tuple[float, int]] = {}
        with deferred_indexes(conn, written):
            with _progress(progress, _stage_totals(members)) as advance:
                run = GenerationRun(sink, seed=seed, start=START, end=end, advance=advance)

                def timed(stage: str, work: Callable[[], object]):
                    clock, rows = time.perf_counter(), sum(sink.counts.values())
                    result = work()
                    if stage != "population":
                        sink.flush_all()
                    stages[stage] = (time.perf_counter() - clock, sum(sink.counts.values()) - rows)
                    return result

                pop = timed("population", lambda: build_population(run, members))
                timed("members", lambda: write_members(run, pop, password_hash))
                timed("profiles", lambda: write_profiles(run, pop))
                edges = timed("connections", lambda: activity.connections(run, pop))
                _authors, post_created = timed("posts", lambda: activity.posts(run, pop))
                timed("comments", lambda: activity.comments(run, pop, post_created))
                timed("messages", lambda: activity.messages(run, pop, edges))
                timed("jobs", lambda: activity.jobs(run, pop))
            indexing = time.perf_counter()
        stages["indexes"] = (time.perf_counter() - indexing, 0)
        advance_id_sequences(conn)  # rows went in with explicit ids
    counts = {t: sink.counts.get(t, 0) for t in TABLES}
    return GenerationStats(
        members=members,
        seed=seed,
        counts=counts,
        elapsed=time.perf_counter() - began,
        stages=stages,
    )
