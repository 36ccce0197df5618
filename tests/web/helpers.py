"""Helpers for the web tests: a small hand-made network, an app over it, and a browser's
way of filling in forms.

`seed_network` inserts members, profiles, posts, comments, a private message and jobs with
SQLAlchemy Core, so each test knows exactly who may see what.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert

from consentry.config import Settings
from consentry.network.accounts import hash_password
from consentry.store.engine import utcnow
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
    Skill,
)
from consentry.web.app import WebOptions, create_app

PASSWORD = "correct horse battery staple"
_HASH = hash_password(PASSWORD)

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Network:
    members: dict[str, int]
    posts: dict[str, int]
    jobs: dict[str, int]

    def email(self, handle: str) -> str:
        return f"{handle}@example.test"


def _insert(conn, table, **values) -> int:
    return conn.execute(insert(table.__table__).values(**values)).inserted_primary_key[0]


def seed_network(engine: Engine) -> Network:
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


def make_app(engine: Engine, data_dir: Path, **options):
    settings = Settings(data_dir=data_dir, database_url=engine.url.render_as_string())
    return create_app(settings, engine, options=WebOptions(**options))


def csrf_from(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def log_in(client: TestClient, email: str, password: str = PASSWORD, **extra):
    """Fill in the log-in form the way a browser would; returns the POST's response."""
    page = client.get("/login")
    data = {"email": email, "password": password, "csrf_token": csrf_from(page.text), **extra}
    return client.post("/login", data=data, follow_redirects=False)


def page_csrf(client: TestClient, path: str = "/feed") -> str:
    return csrf_from(client.get(path).text)
