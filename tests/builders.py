"""Every way the tests build data, in one place: members and policies written directly,
a small hand-made network whose every row a test can name, a generated network with its
members' choices made through the ledger, and worlds with datasets built and models
trained — each through the project's own APIs, so what a test sees is what the real
system produced.

Builders take an engine (and settings where they build or train); none commits behind a
test's back except through the same units of work the product uses.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, insert, select, update

from consentry.config import Settings, scrub_ner
from consentry.consent.ledger import ConsentChange, append, ledger_session, sealed
from consentry.consent.ledger_seal import ledger_key
from consentry.consent.policy import load_policy
from consentry.consent.record import record_choice
from consentry.consent.versions import ensure_default_policy, publish
from consentry.datasets.build import build_dataset
from consentry.network.accounts import hash_password
from consentry.store import open_engine
from consentry.store.dataset_tables import DatasetLineageRow, DatasetVersionRow
from consentry.store.engine import session_scope, utcnow
from consentry.store.tables import (
    Comment,
    Connection,
    Education,
    Job,
    JobSkill,
    Member,
    Message,
    Position,
    Post,
    Profile,
    Revision,
    Skill,
)
from consentry.synthetic.choices import seed_choices
from consentry.synthetic.demo import DEMO_ACCOUNTS, write_tour
from consentry.synthetic.demo import DEMO_PASSWORD as DEMO_PASSWORD  # for the tests' log-ins
from consentry.synthetic.generate import generate_network
from consentry.training.sisa import train_feature

FEATURES = ("skills", "phrasing", "match", "retrieval")
PURPOSES = ("train-ai", "train-genai")

# -- members, policies and choices, written directly ----------------------------------

EPOCH = datetime(2024, 1, 1)


def add_members(
    engine, specs: list[tuple[str, date]], *, created_at: datetime = EPOCH
) -> list[int]:
    """Insert members with (region, birth_date); returns their ids in order."""
    rows = []
    with ledger_session(engine) as session:
        start = (session.query(Member).count() or 0) + 1
        for i, (region, born) in enumerate(specs, start):
            rows.append(
                {
                    "id": i,
                    "handle": f"m{i}",
                    "first_name": "Ann",
                    "last_name": f"Member{i}",
                    "display_name": f"Ann Member{i}",
                    "email": f"m{i}@example.test",
                    "password_hash": "x",
                    "region": region,
                    "birth_date": born,
                    "role": "member",
                    "premium": False,
                    "created_at": created_at,
                    "updated_at": created_at,
                }
            )
        session.execute(insert(Member), rows)
    return [r["id"] for r in rows]


def add_named_member(engine: Engine, first: str, last: str, *, region: str = "FR") -> int:
    """Insert one adult member called `first last` (handle `first.last`); returns the id."""
    with session_scope(engine) as session:
        member = Member(
            handle=f"{first}.{last}".casefold(),
            first_name=first,
            last_name=last,
            display_name=f"{first} {last}",
            email=f"{first}.{last}@example.test".casefold(),
            password_hash="x",
            region=region,
            birth_date=date(1985, 5, 5),
            role="member",
            premium=False,
            created_at=EPOCH,
            updated_at=EPOCH,
        )
        session.add(member)
        session.flush()
        return member.id


def publish_preset(
    engine, name: str = "consent-first", *, at: datetime = EPOCH, notice_days: int = 0
):
    with ledger_session(engine) as session:
        return publish(session, load_policy(name), notice_days=notice_days, at=at)


def record(engine, *changes: ConsentChange):
    with ledger_session(engine) as session:
        return append(session, list(changes))


def change(
    member_id: int,
    purpose: str,
    action: str,
    at: datetime,
    *,
    version: int = 1,
    source: str = "settings",
) -> ConsentChange:
    return ConsentChange(
        member_id=member_id,
        purpose=purpose,
        action=action,
        source=source,
        actor=f"member:{member_id}",
        policy_version=version,
        occurred_at=at,
    )


def publish_default_policy(engine: Engine, settings: Settings) -> None:
    """The settings' policy preset, published as the first version (if none is)."""
    with session_scope(engine) as session:
        ensure_default_policy(session, settings)


def grant(engine: Engine, member_ids, purpose: str, *, action: str = "grant") -> None:
    """Record each member granting (or `action`) `purpose` through the ledger, as the
    settings page does."""
    with ledger_session(engine) as session:
        for member_id in member_ids:
            record_choice(
                session, member_id, purpose, action, source="settings", actor=f"member:{member_id}"
            )


def linkedin_archive(path: Path, first: str = "Ada", last: str = "Lovelace") -> Path:
    """A minimal LinkedIn data export (Profile.csv only, no birth year, no region, as
    LinkedIn writes it) at `path`, for `consentry import linkedin-export --create`."""
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "Basic_LinkedInDataExport_03-12-2024/Profile.csv",
            f"First Name,Last Name,Birth Date,Headline\n{first},{last},Dec 10,Analyst\n",
        )
    return path


# -- a small hand-made network ------------------------------------------------------------

PASSWORD = "correct horse battery staple"
_HASH = hash_password(PASSWORD)


@dataclass
class Network:
    members: dict[str, int]
    posts: dict[str, int]
    jobs: dict[str, int]

    def email(self, handle: str) -> str:
        return f"{handle}@example.test"


def _insert(conn, table, **values) -> int:
    return conn.execute(insert(table.__table__).values(**values)).inserted_primary_key[0]


def hand_network(engine: Engine) -> Network:
    """Alice and Bob are connected; Carol is a stranger to both; Dave's account was
    deleted; Rita is a recruiter with two live jobs and one taken down."""
    now = utcnow()
    t = {"created_at": now, "updated_at": now}
    members: dict[str, int] = {}
    posts: dict[str, int] = {}
    jobs: dict[str, int] = {}
    with engine.begin() as conn:
        people = [
            ("alice", "Alice", "Archer", "DE", "member", None),
            ("bob", "Bob", "Baker", "US-CA", "member", None),
            ("carol", "Carol", "Cruz", "FR", "member", None),
            ("dave", "Dave", "Dunn", "GB", "member", now),
            ("rita", "Rita", "Reyes", "US-NY", "recruiter", None),
        ]
        for handle, first, last, region, role, deleted in people:
            members[handle] = _insert(
                conn,
                Member,
                handle=handle,
                first_name=first,
                last_name=last,
                display_name=f"{first} {last}",
                email=f"{handle}@example.test",
                password_hash=_HASH,
                region=region,
                birth_date=date(1990, 1, 1),
                role=role,
                premium=False,
                deleted_at=deleted,
                **t,
            )
        a, b, c, d = (members[h] for h in ("alice", "bob", "carol", "dave"))
        for member_id, headline, about in [
            (a, "Data engineer who likes tidy pipelines", "I build data platforms.\n\nAnd bake."),
            (b, "Rust tinkerer", "Bob's about text."),
            (c, "Carol's secret-free headline", "Carol's about text."),
        ]:
            _insert(
                conn,
                Profile,
                member_id=member_id,
                headline=headline,
                about=about,
                industry="Software",
                location="Berlin" if member_id == a else "Paris",
                **t,
            )
        _insert(
            conn,
            Position,
            member_id=a,
            title="Data Engineer",
            company="Acme Analytics",
            location="Berlin",
            started_on=date(2020, 3, 1),
            description="Pipelines.",
            **t,
        )
        _insert(
            conn,
            Position,
            member_id=a,
            title="Intern",
            company="Old Corp",
            started_on=date(2018, 1, 1),
            ended_on=date(2018, 6, 30),
            **t,
        )
        _insert(
            conn,
            Position,
            member_id=a,
            title="Withdrawn Role",
            company="Hidden GmbH",
            started_on=date(2019, 1, 1),
            deleted_at=now,
            **t,
        )
        _insert(
            conn,
            Position,
            member_id=c,
            title="Lighthouse Keeper",
            company="Carol Corp",
            started_on=date(2015, 1, 1),
            **t,
        )
        _insert(
            conn,
            Education,
            member_id=a,
            school="TU Berlin",
            degree="MSc",
            field_of_study="Computer Science",
            started_on=date(2014, 10, 1),
            ended_on=date(2016, 9, 30),
            started_precision="month",
            ended_precision="month",
            **t,
        )
        for member_id, name in [(a, "Python"), (a, "SQL"), (b, "Rust"), (c, "Knitting")]:
            _insert(conn, Skill, member_id=member_id, name=name, **t)
        conn.execute(
            insert(Connection.__table__).values(
                member_id=min(a, b), other_id=max(a, b), created_at=now
            )
        )

        def post(label, author, text, visibility="public", age_min=0, deleted=None):
            when = now - timedelta(minutes=age_min)
            posts[label] = _insert(
                conn,
                Post,
                member_id=author,
                kind="post",
                title="",
                text=text,
                visibility=visibility,
                created_at=when,
                updated_at=when,
                deleted_at=deleted,
            )

        post("alice_public", a, "Alice public hello", age_min=10)
        post("alice_connections", a, "Alice note for connections", "connections", age_min=9)
        post("bob_connections", b, "Bob connections-only update", "connections", age_min=8)
        post("carol_public", c, "Carol public thoughts", age_min=7)
        post("carol_connections", c, "Carol private musings", "connections", age_min=6)
        post("carol_deleted", c, "Carol deleted post", age_min=5, deleted=now)
        post("dave_public", d, "Dave ghost post", age_min=4)
        _insert(conn, Comment, post_id=posts["alice_public"], member_id=b, text="Nice!", **t)
        _insert(
            conn,
            Comment,
            post_id=posts["alice_public"],
            member_id=c,
            text="Gone",
            deleted_at=now,
            **t,
        )
        _insert(conn, Message, sender_id=c, recipient_id=b, text="Carol secret message", **t)

        r = members["rita"]

        def job(label, **values):
            skills = values.pop("skills")
            jobs[label] = _insert(conn, Job, recruiter_id=r, **values, **t)
            for name in skills:
                conn.execute(insert(JobSkill.__table__).values(job_id=jobs[label], name=name))

        job(
            "python",
            company="Globex",
            title="Senior Python Engineer",
            location="Berlin",
            region="DE",
            remote=True,
            description="Build 100% reliable services.",
            skills=["Python", "PostgreSQL"],
        )
        job(
            "designer",
            company="Initech",
            title="Product Designer",
            location="London",
            region="GB",
            remote=False,
            description="Design things.",
            skills=["Figma"],
        )
        job(
            "gone",
            company="Umbrella",
            title="Old Role",
            location="Nowhere",
            region="GB",
            remote=False,
            deleted_at=now,
            skills=["Python"],
        )
    return Network(members, posts, jobs)


# -- generated networks, datasets and models ----------------------------------------------


def seed_network(
    engine: Engine,
    settings: Settings,
    *,
    members: int = 200,
    seed: int = 5,
    recruiters_consent: bool = False,
) -> None:
    """A generated network with its demo tour, the default policy and a seeded mix of
    choices made through the ledger; optionally every recruiter also allows train-ai
    (postings are rare in small networks)."""
    publish_default_policy(engine, settings)
    generate_network(engine, members=members, seed=seed)
    write_tour(settings.data_dir)
    seed_choices(engine, seed=seed)
    if recruiters_consent:
        with session_scope(engine) as s:
            ids = s.scalars(select(Member.id).where(Member.role == "recruiter")).all()
        grant(engine, ids, "train-ai")


def build(engine: Engine, settings: Settings, purpose: str = "train-ai", shards: int = 2) -> str:
    """Build one dataset of `purpose`; its id."""
    return build_dataset(engine, settings, purpose=purpose, shards=shards).dataset_id


def train_all(engine, settings, *, shards: int = 4, seed: int = 0) -> dict[str, str]:
    """Build both training datasets and train every built-in model; purpose -> dataset id."""
    ids = {p: build(engine, settings, p, shards) for p in PURPOSES}
    for feature in FEATURES:
        train_feature(engine, settings, feature, seed=seed)
    return ids


def members_of(engine: Engine, dataset_id: str) -> set[int]:
    """The members whose records a dataset version holds, by its lineage."""
    with session_scope(engine) as s:
        return set(
            s.scalars(
                select(DatasetLineageRow.member_id).where(
                    DatasetLineageRow.dataset_id == dataset_id
                )
            )
        )


def edit_post(engine: Engine, post_id: int, text: str) -> None:
    """Edit a post's text now, keeping the text it had as a revision (as the network's
    edit does): a build as of an earlier time still reads the old text."""
    now = utcnow()
    with session_scope(engine) as s:
        post = s.get(Post, post_id)
        assert post is not None, post_id
        s.add(
            Revision(
                data_class=post.kind,
                item_id=post.id,
                field="text",
                text=post.text,
                valid_from=post.updated_at,
                valid_to=now,
            )
        )
        post.text, post.updated_at = text, now


def members_by_shard(engine: Engine, dataset_id: str) -> dict[int, list[int]]:
    """shard -> the members a dataset version holds there, by id."""
    with session_scope(engine) as s:
        rows = s.execute(
            select(DatasetLineageRow.shard, DatasetLineageRow.member_id)
            .where(DatasetLineageRow.dataset_id == dataset_id)
            .distinct()
            .order_by(DatasetLineageRow.shard, DatasetLineageRow.member_id)
        ).all()
    out: dict[int, list[int]] = {}
    for shard, member in rows:
        out.setdefault(shard, []).append(member)
    return out


# -- worlds: a generated network with datasets, and with every model trained ------------

DEMO = {a.role if a.role != "member" else a.region: a for a in DEMO_ACCOUNTS}
LENA = DEMO["DE"]  # member in Germany, Premium
MAYA = DEMO["US-CA"]  # member in California, not Premium
RAVI = DEMO["recruiter"]
OPS = DEMO["admin"]


@dataclass
class World:
    engine: Engine
    settings: Settings
    datasets: dict[str, str]  # purpose -> dataset id

    def member_id(self, email: str) -> int:
        with session_scope(self.engine) as session:
            return session.scalar(select(Member.id).where(Member.email == email))


def make_settings(data_dir: Path, database_url: str) -> Settings:
    """Settings for a test installation. `Settings()` alone would run the scrubber's NER
    stage whatever the environment says; this follows `CONSENTRY_SCRUB_NER`, which the
    suite sets off outside the scrubber's own tests (tests/conftest.py)."""
    return Settings(
        data_dir=Path(data_dir), database_url=database_url, scrub_ner=scrub_ner(os.environ)
    )


def settings_for(engine: Engine, data_dir: Path) -> Settings:
    return make_settings(data_dir, engine.url.render_as_string(False))


def build_world(
    engine: Engine,
    data_dir: Path,
    *,
    members: int = 60,
    seed: int = 3,
    purposes: tuple[str, ...] = ("train-ai",),
    shards: int = 2,
) -> World:
    """Generate, seed choices and build one dataset per purpose in `purposes`."""
    settings = settings_for(engine, data_dir)
    seed_network(engine, settings, members=members, seed=seed)
    built = {p: build(engine, settings, p, shards) for p in purposes}
    return World(engine, settings, built)


def build_trained_world(engine: Engine, data_dir: Path, *, members: int = 150) -> World:
    """A world in which the demo accounts can use every AI feature: every recruiter and
    Lena allow train-ai (so postings reach the chatbot's index), Lena allows recruiter-ai
    (Maya does not), both datasets are built and every built-in model is trained."""
    settings = settings_for(engine, data_dir)
    seed_network(engine, settings, members=members, seed=5, recruiters_consent=True)
    lena, maya = (World(engine, settings, {}).member_id(a.email) for a in (LENA, MAYA))
    grant(engine, [lena], "train-ai")
    grant(engine, [maya], "recruiter-ai", action="withdraw")
    grant(engine, [lena], "train-genai")
    grant(engine, [lena], "recruiter-ai")
    return World(engine, settings, train_all(engine, settings, shards=2))


@dataclass
class Trained:
    """A seeded, trained network: its engine, settings and first dataset versions."""

    engine: Engine
    settings: Settings
    genai: str
    ai: str


def train_network(engine: Engine, settings: Settings, *, members: int = 120) -> Trained:
    """Seed a network with the default policy and choices, build both datasets (4 shards),
    train every model."""
    seed_network(engine, settings, members=members, seed=5)
    ids = train_all(engine, settings, shards=4)
    return Trained(engine, settings, ids["train-genai"], ids["train-ai"])


def member_in_both(net: Trained, *, skip: int = 0) -> int:
    """A member with records in both datasets (the `skip`-th such, by id)."""
    return sorted(members_of(net.engine, net.genai) & members_of(net.engine, net.ai))[skip]


def sealed_store(settings: Settings) -> Engine:
    """An engine on the settings' database that carries their ledger key (so that what a
    test appends through it is sealed, as the commands' engines do)."""
    return sealed(open_engine(settings.database_url), ledger_key(settings))


def sealed_engine(url: str, data_dir: Path) -> Engine:
    """An engine on `url` carrying the ledger key of the installation in `data_dir`."""
    return sealed_store(make_settings(data_dir, url))


def copy_trained(template: Path, dest: Path) -> Trained:
    """A private copy of the trained network at `dest`: a plain copy of the data folder
    (stored paths are relative to it, so the copy finds its own files)."""
    shutil.copytree(template / "data", dest / "data")
    data = dest / "data"
    settings = make_settings(data, f"sqlite:///{data / 'consentry.db'}")
    engine = sealed_store(settings)
    with session_scope(engine) as s:
        genai, ai = (
            s.scalars(
                select(DatasetVersionRow.id).where(
                    DatasetVersionRow.purpose == p, DatasetVersionRow.status == "active"
                )
            ).one()
            for p in ("train-genai", "train-ai")
        )
    return Trained(engine, settings, genai, ai)


# -- breakages an audit must catch: a bug's output, written where the bug would write it --


def new_member(
    engine: Engine,
    region: str,
    born: date,
    *,
    first: str = "Quill",
    last: str | None = None,
    created_at: datetime | None = None,
) -> int:
    """One more member, written directly (no region check, as an unchecked import would
    store it), with an empty profile; their id."""
    when = created_at or utcnow() - timedelta(days=30)
    with session_scope(engine) as s:
        new_id = (s.scalar(select(func.max(Member.id))) or 0) + 1
        surname = last or f"Canary{new_id}"
        s.execute(
            insert(Member),
            [
                {
                    "id": new_id,
                    "handle": f"canary{new_id}",
                    "first_name": first,
                    "last_name": surname,
                    "display_name": f"{first} {surname}",
                    "email": f"canary{new_id}@example.test",
                    "password_hash": "x",
                    "region": region,
                    "birth_date": born,
                    "role": "member",
                    "premium": False,
                    "created_at": when,
                    "updated_at": when,
                }
            ],
        )
        s.execute(
            insert(Profile),
            [
                {
                    "member_id": new_id,
                    "headline": "",
                    "about": "",
                    "created_at": when,
                    "updated_at": when,
                }
            ],
        )
    return new_id


def dataset_folder(engine: Engine, settings: Settings, dataset_id: str) -> Path:
    from consentry.store.locations import resolve_location

    with session_scope(engine) as s:
        stored = s.get(DatasetVersionRow, dataset_id).path
    return resolve_location(settings.data_dir, stored)


def _rewrite_shard(engine, settings, dataset_id: str, shard: int, edit) -> None:
    """Rewrite one shard file with `edit(rows) -> rows`, then make the registry, the
    lineage and the manifest agree with the new file, as a build that wrote it would."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    from consentry.datasets.engines import file_sha256
    from consentry.store.dataset_tables import DatasetShardRow

    folder = dataset_folder(engine, settings, dataset_id)
    with session_scope(engine) as s:
        row = s.get(DatasetShardRow, (dataset_id, shard))
        path = folder / row.file
        schema = pq.read_schema(path)
        rows = edit(pq.read_table(path).to_pylist())
        path.unlink()  # a new file, not an edit through a hard link into the parent's
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
        row.sha256, row.rows = file_sha256(path), len(rows)
        manifest = json.loads((folder / "manifest.json").read_text())
        for entry in manifest["files"]:
            if entry["shard"] == shard:
                entry["sha256"], entry["rows"] = row.sha256, row.rows
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
        s.execute(
            update(DatasetVersionRow)
            .where(DatasetVersionRow.id == dataset_id)
            .values(manifest_sha256=file_sha256(folder / "manifest.json"))
        )


def smuggle_item(
    engine: Engine, settings: Settings, dataset_id: str, data_class: str, item_id: int
) -> str:
    """Put a post, article or comment into a dataset as a selection bug would: scrubbed,
    with its id and hash, in its author's shard and the lineage. Its record id."""
    from consentry.datasets.records import record_hash, record_id, shard_of
    from consentry.datasets.scrub import Scrubber
    from consentry.keys import KeyPurpose, Keyring

    key = Keyring.load(settings).key(KeyPurpose.RECORD_IDS).secret
    table = Comment if data_class == "comment" else Post
    with session_scope(engine) as s:
        item = s.get(table, item_id)
        author = s.get(Member, item.member_id)
        shards = s.get(DatasetVersionRow, dataset_id).shards
        names = [m.display_name for m in s.scalars(select(Member))]
        own = (author.display_name, author.first_name, author.last_name)
        scrub = Scrubber(known_names=names)
        rec = {
            "record_id": record_id(key, data_class, item_id),
            "data_class": data_class,
            "title": scrub.scrub(getattr(item, "title", ""), author_names=own).text,
            "text": scrub.scrub(item.text, author_names=own).text,
            "industry": "",
            "country": author.region[:2],
            "seniority": "",
            "titles": [],
            "companies": [],
            "skills": [],
            "year": item.created_at.year,
        }
        rec["record_hash"] = record_hash(rec)
        shard = shard_of(author.id, shards)
        s.add(
            DatasetLineageRow(
                dataset_id=dataset_id,
                member_id=author.id,
                shard=shard,
                record_id=rec["record_id"],
                record_hash=rec["record_hash"],
            )
        )
    _rewrite_shard(engine, settings, dataset_id, shard, lambda rows: [*rows, rec])
    return rec["record_id"]


def rewrite_record(engine: Engine, settings: Settings, dataset_id: str, rid: str, **values) -> None:
    """Change fields of one record as a build bug would have written them: the file, the
    record's hash, the lineage, the registry and the manifest all agree afterwards."""
    from consentry.datasets.records import record_hash

    with session_scope(engine) as s:
        held = s.scalars(
            select(DatasetLineageRow).where(
                DatasetLineageRow.dataset_id == dataset_id, DatasetLineageRow.record_id == rid
            )
        ).one()
        shard = held.shard

    new_hash: list[str] = []

    def edit(rows):
        for row in rows:
            if row["record_id"] == rid:
                row.update(values)
                row["record_hash"] = record_hash(row)
                new_hash.append(row["record_hash"])
        return rows

    _rewrite_shard(engine, settings, dataset_id, shard, edit)
    with session_scope(engine) as s:
        s.execute(
            update(DatasetLineageRow)
            .where(DatasetLineageRow.dataset_id == dataset_id, DatasetLineageRow.record_id == rid)
            .values(record_hash=new_hash[0])
        )


def republish(engine: Engine, settings: Settings, dataset_id: str) -> str:
    """Publish a copy of a dataset version as a new active version, as a build as of the
    same ledger position that resurrects the past would: same selection, new id, now."""
    from consentry.store.dataset_tables import DatasetShardRow
    from consentry.store.locations import to_location

    new_id = f"{dataset_id}-again"
    source = dataset_folder(engine, settings, dataset_id)
    target = source.with_name(source.name + "-again")
    shutil.copytree(source, target)
    with session_scope(engine) as s:
        row = s.get(DatasetVersionRow, dataset_id)
        columns = {c.key: getattr(row, c.key) for c in DatasetVersionRow.__table__.columns}
        columns.update(
            id=new_id,
            status="active",
            path=to_location(settings.data_dir, target),
            created_at=utcnow(),
            retired_at=None,
            parent_id=None,
        )
        s.add(DatasetVersionRow(**columns))
        s.flush()
        for shard in s.scalars(
            select(DatasetShardRow).where(DatasetShardRow.dataset_id == dataset_id)
        ):
            values = {c.key: getattr(shard, c.key) for c in DatasetShardRow.__table__.columns}
            s.add(DatasetShardRow(**{**values, "dataset_id": new_id}))
        for held in s.scalars(
            select(DatasetLineageRow).where(DatasetLineageRow.dataset_id == dataset_id)
        ).all():
            s.add(
                DatasetLineageRow(
                    dataset_id=new_id,
                    member_id=held.member_id,
                    shard=held.shard,
                    record_id=held.record_id,
                    record_hash=held.record_hash,
                )
            )
    return new_id
