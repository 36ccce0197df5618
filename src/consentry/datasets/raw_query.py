"""A build's raw rows as one PostgreSQL statement, for an engine that reads the database
itself (the Spark engine, through JDBC) instead of taking the driver's Arrow stream.

`raw_statement` yields, for each eligible item of a selection, exactly the columns and
values `build.stream_raw` produces (`making.RAW_SCHEMA`) but the author's names: the
structure as of the snapshot is aggregated in SQL with the same filters and the same
orders `structure.attach_structure` asks PostgreSQL for (positions by start date then id,
skills and a job's skills by name, each sorted by the database's own collation), and the
year is the one of `created_at` (a timestamp without time zone, so no session time zone
enters). Author names are derived in Python (`scrub.known.network_spec`); `RawQuery`
carries them as a small Arrow table that the engine joins on `member_id`.

A list column the driver path makes empty may come out NULL here: the record maker reads
both as an empty list, so the records are the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa
from sqlalchemy import (
    BigInteger,
    FromClause,
    Integer,
    Select,
    Text,
    case,
    cast,
    extract,
    func,
    literal,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

# The one definition of "live at the snapshot time" for structure rows, shared with the
# driver path so that both read the same positions and skills.
from consentry.datasets.structure import _live
from consentry.store.tables import JobSkill, Member, Position, Skill

_TEXTS = postgresql.ARRAY(Text)
NAMES_SCHEMA = pa.schema(
    [
        pa.field("member_id", pa.int64(), nullable=False),
        pa.field("author_names", pa.list_(pa.string())),
    ]
)


@dataclass(frozen=True)
class RawQuery:
    """A build's raw rows as a query an engine can run itself.

    `sql`: one PostgreSQL statement (literal values inlined) whose rows are RAW_SCHEMA's
    columns but `author_names`; `names`: (member_id, author_names) of every member who has
    names (`NAMES_SCHEMA`; a member absent has none); `jdbc_url` and `jdbc_properties`
    (user, password) reach the database; `member_ids`: the lowest and highest member id,
    for splitting the read by ranges of `member_id`; `stream`: the driver's Arrow stream
    of the same rows (RAW_SCHEMA), for an engine that cannot run the query after all."""

    sql: str
    names: pa.Table
    jdbc_url: str
    jdbc_properties: dict[str, str]
    member_ids: tuple[int, int]
    stream: Callable[[], Iterable[pa.RecordBatch]]


def raw_statement(items: FromClause, *, at: datetime) -> Select:
    """The eligible rows of the selection `items` (`build.selection`) with their structure
    as of `at` and their year: RAW_SCHEMA's columns but `author_names` (module docstring)."""
    e = select(items).where(items.c.excluded.is_(None)).subquery("eligible")
    profile = e.c.data_class == "profile"
    job = e.c.data_class == "job"

    def aggregate(column, key, where, *order):
        ordered = postgresql.aggregate_order_by(column, *order)
        return select(func.array_agg(ordered)).where(key == e.c.member_id, *where)

    position_titles = aggregate(
        Position.title, Position.member_id, (_live(Position, at),), Position.started_on, Position.id
    )
    position_companies = aggregate(
        Position.company,
        Position.member_id,
        (_live(Position, at),),
        Position.started_on,
        Position.id,
    )
    member_skills = aggregate(Skill.name, Skill.member_id, (_live(Skill, at),), Skill.name)
    job_skills = select(
        func.array_agg(postgresql.aggregate_order_by(JobSkill.name, JobSkill.name))
    ).where(JobSkill.job_id == e.c.item_id)

    def one(column):
        # A job's own title or company, as a one-element list when it is not empty.
        return postgresql.array([cast(column, Text)])

    def listed(for_profile, for_job):
        whens = [(profile, cast(for_profile.scalar_subquery(), _TEXTS))]
        if for_job is not None:
            whens.append((job, for_job))
        return cast(case(*whens, else_=literal(None)), _TEXTS)

    return select(
        cast(e.c.item_id, BigInteger).label("item_id"),
        cast(e.c.data_class, Text).label("data_class"),
        cast(e.c.member_id, BigInteger).label("member_id"),
        cast(e.c.title, Text).label("title"),
        cast(e.c.text, Text).label("text"),
        cast(e.c.industry, Text).label("industry"),
        cast(e.c.country, Text).label("country"),
        cast(e.c.seniority, Text).label("seniority"),
        listed(
            position_titles,
            case((e.c.title != "", one(e.c.title)), else_=literal(None)),
        ).label("titles"),
        listed(
            position_companies,
            case((e.c.company != "", one(e.c.company)), else_=literal(None)),
        ).label("companies"),
        listed(member_skills, cast(job_skills.scalar_subquery(), _TEXTS)).label("skills"),
        cast(extract("year", e.c.created_at), Integer).label("year"),
    )


def compile_postgresql(stmt: Select) -> str:
    """`stmt` as PostgreSQL text with every value inlined (no parameters: JDBC runs it as
    a subquery). The named parameter style keeps a literal `%` as it is."""
    dialect = postgresql.dialect(paramstyle="named")
    return str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def names_table(names: Mapping[int, tuple[str, ...]]) -> pa.Table:
    """The build's author names (`build.record_maker`) as a `NAMES_SCHEMA` table."""
    ids = sorted(names)
    return pa.Table.from_pydict(
        {"member_id": ids, "author_names": [list(names[i]) for i in ids]}, schema=NAMES_SCHEMA
    )


def member_id_range(session: Session) -> tuple[int, int]:
    """The lowest and highest member id ((0, 0) with no member): every author is one."""
    low, high = session.execute(select(func.min(Member.id), func.max(Member.id))).one()
    return int(low or 0), int(high or 0)


def jdbc_location(url: URL) -> tuple[str, dict[str, str]] | None:
    """The JDBC URL and properties (user, password) of a PostgreSQL SQLAlchemy URL, or
    None where JDBC cannot follow it (a Unix-socket host, which the driver does not reach)."""
    if url.get_backend_name() != "postgresql" or not url.database:
        return None
    host = url.host or url.query.get("host") or "localhost"
    if not isinstance(host, str) or host.startswith("/"):
        return None
    # An IPv6 literal goes in brackets, as in any URL.
    where = f"[{host}]" if ":" in host else host
    jdbc = f"jdbc:postgresql://{where}:{url.port or 5432}/{url.database}"
    properties = {}
    if url.username:
        properties["user"] = url.username
    if url.password is not None:
        properties["password"] = str(url.password)
    sslmode = url.query.get("sslmode")
    if isinstance(sslmode, str):
        properties["sslmode"] = sslmode
    return jdbc, properties


def raw_query(
    session: Session,
    url: URL,
    items: FromClause,
    *,
    at: datetime,
    names: Mapping[int, tuple[str, ...]],
    stream: Callable[[], Iterable[pa.RecordBatch]],
) -> RawQuery | None:
    """The `RawQuery` of the selection `items` on the PostgreSQL database at `url`, or
    None where JDBC cannot reach it (`jdbc_location`)."""
    location = jdbc_location(url)
    if location is None:
        return None
    return RawQuery(
        sql=compile_postgresql(raw_statement(items, at=at)),
        names=names_table(names),
        jdbc_url=location[0],
        jdbc_properties=location[1],
        member_ids=member_id_range(session),
        stream=stream,
    )
