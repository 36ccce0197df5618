"""The synthetic network generator on SQLite and PostgreSQL: determinism, realism, ground truth."""

from __future__ import annotations

import re
from datetime import date
from itertools import pairwise

import pytest
from sqlalchemy import func, select, text

from consentry.errors import ConsentryError
from consentry.network.accounts import authenticate
from consentry.store import session_scope
from consentry.store.tables import Base, Member
from consentry.synthetic.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from consentry.synthetic.generate import START, TABLES, generate_network
from consentry.synthetic.regions import CA_PROVINCES, EEA_ONLY, EU
from synthetic.helpers import AS_OF, network_digest

N = 200


def _generate(engine, members=N, seed=11, reset=False):
    return generate_network(engine, members=members, seed=seed, reset=reset, as_of=AS_OF)


def _rows(engine, sql):
    with engine.connect() as conn:
        return conn.execute(text(sql)).all()


def test_same_seed_gives_the_same_rows(engine):
    stats = _generate(engine, seed=3)
    first = network_digest(engine)
    _generate(engine, seed=3, reset=True)
    assert network_digest(engine) == first
    _generate(engine, seed=4, reset=True)
    assert network_digest(engine) != first
    assert stats.counts["members"] == N + len(DEMO_ACCOUNTS)
    assert stats.rows == sum(stats.counts.values()) > 10 * N
    assert "members" in stats.summary() and "rows/s" in stats.summary()


def test_refuses_to_overwrite_without_reset(engine):
    _generate(engine)
    with pytest.raises(ConsentryError, match=r"already has 204 members; use --reset"):
        _generate(engine, seed=12)
    assert _rows(engine, "SELECT count(*) FROM members")[0][0] == N + len(DEMO_ACCOUNTS)
    stats = _generate(engine, members=50, seed=12, reset=True)
    assert _rows(engine, "SELECT count(*) FROM members")[0][0] == 54 == stats.counts["members"]


def test_members_cover_every_required_jurisdiction(sqlite_engine):
    _generate(sqlite_engine)
    regions = {r for (r,) in _rows(sqlite_engine, "SELECT DISTINCT region FROM members")}
    assert len(regions) >= 40
    assert set(EU) | set(EEA_ONLY) | {"GB", "CH", "CA", "HK", *CA_PROVINCES} <= regions
    assert len({r for r in regions if r.startswith("US-")}) >= 8
    counts = dict(_rows(sqlite_engine, "SELECT region, count(*) FROM members GROUP BY region"))
    assert counts["US-CA"] > counts["LI"] and counts["DE"] > counts["MT"]


def test_ages_include_a_realistic_share_of_minors(sqlite_engine):
    _generate(sqlite_engine, members=1500)
    births = [
        date.fromisoformat(b) for (b,) in _rows(sqlite_engine, "SELECT birth_date FROM members")
    ]
    ages = [AS_OF.year - b.year - ((AS_OF.month, AS_OF.day) < (b.month, b.day)) for b in births]
    minors = sum(13 <= a <= 17 for a in ages) / len(ages)
    assert 0.025 <= minors <= 0.06
    assert min(ages) >= 13 and max(ages) <= 71
    assert sum(a >= 50 for a in ages) > 0.05 * len(ages)


def test_handles_emails_and_names_fit_members(engine):
    _generate(engine)
    rows = _rows(
        engine, "SELECT handle, email, first_name, last_name, display_name, region FROM members"
    )
    assert len({r[0] for r in rows}) == len({r[1].lower() for r in rows}) == len(rows)
    assert all(r[4] == f"{r[2]} {r[3]}" for r in rows)
    assert all(re.fullmatch(r"[a-z0-9.]+", r[0]) for r in rows)
    assert any(not r[3].isascii() for r in rows)  # some accents: Müller, García, Nowak-ish
    names_de = {r[3] for r in rows if r[5] in ("DE", "AT")}
    names_hk = {r[3] for r in rows if r[5] == "HK"}
    assert names_hk and not (names_hk & names_de)


def test_demo_accounts_exist_and_log_in(engine):
    _generate(engine)
    with session_scope(engine) as session:
        for account in DEMO_ACCOUNTS:
            member = authenticate(session, account.email, DEMO_PASSWORD)
            assert member is not None
            assert (member.role, member.region, member.premium) == (
                account.role,
                account.region,
                account.premium,
            )
        assert authenticate(session, DEMO_ACCOUNTS[0].email, "wrong") is None
        synthetic = session.scalar(select(Member).where(Member.id == 10))
        assert authenticate(session, synthetic.email, DEMO_PASSWORD) is not None
        hashes = session.scalar(select(func.count(func.distinct(Member.password_hash))))
        assert hashes == 1  # hashed once per run


def test_planted_pii_spans_match_the_text_exactly(engine):
    _generate(engine)
    fields = {
        "profile": "SELECT member_id, about FROM profiles",
        "post": "SELECT id, text FROM posts WHERE kind = 'post'",
        "article": "SELECT id, text FROM posts WHERE kind = 'article'",
        "comment": "SELECT id, text FROM comments",
        "message": "SELECT id, text FROM messages",
    }
    seen_types = set()
    for data_class, sql in fields.items():
        items = dict(_rows(engine, sql))
        spans = _rows(
            engine,
            'SELECT item_id, field, start, "end", type, value FROM planted_pii '
            f"WHERE data_class = '{data_class}'",
        )
        assert spans, data_class
        for item_id, field, start, end, kind, value in spans:
            assert field == ("about" if data_class == "profile" else "text")
            assert items[item_id][start:end] == value, (data_class, item_id, kind)
            seen_types.add(kind)
        # Greetings and sign-offs name people in most messages; count the planted sentences.
        planted = {s[0] for s in spans if s[4] != "PERSON" or " " in s[5] or s[5][0] == "@"}
        share = len(planted) / len(items)
        if data_class in ("post", "comment", "message"):
            assert 0.08 <= share <= 0.30, (data_class, share)
    greetings = _rows(
        engine,
        "SELECT count(*) FROM planted_pii WHERE data_class = 'message' "
        "AND type = 'PERSON' AND value NOT LIKE '% %' AND value NOT LIKE '@%'",
    )
    assert greetings[0][0] > 0
    assert seen_types == {
        "EMAIL",
        "PHONE",
        "ADDRESS",
        "URL",
        "ID",
        "CARD",
        "IBAN",
        "IP",
        "DOB",
        "PERSON",
    }


def test_mentions_name_members_in_the_text(engine):
    _generate(engine)
    rows = _rows(
        engine,
        """
        SELECT m.data_class, m.item_id, mb.handle, COALESCE(p.text, c.text)
        FROM mentions m JOIN members mb ON mb.id = m.member_id
        LEFT JOIN posts p ON m.data_class IN ('post', 'article') AND p.id = m.item_id
        LEFT JOIN comments c ON m.data_class = 'comment' AND c.id = m.item_id""",
    )
    assert len(rows) > 20
    for _cls, _item, handle, body in rows:
        assert re.search(rf"@{re.escape(handle)}(?![\w.])", body)
    planted = _rows(
        engine, "SELECT count(*) FROM planted_pii WHERE type = 'PERSON' AND value LIKE '@%'"
    )
    assert planted[0][0] == len(rows)


def test_edits_leave_one_revision_each(engine):
    _generate(engine)
    for classes, table, field in (
        ("'post', 'article'", "posts", "text"),
        ("'comment'", "comments", "text"),
    ):
        edited = _rows(
            engine,
            f"SELECT id, created_at, updated_at, {field} FROM {table} "
            "WHERE updated_at > created_at",
        )
        assert edited, table
        revisions = {
            r[0]: r[1:]
            for r in _rows(
                engine,
                "SELECT item_id, valid_from, valid_to, text FROM revisions "
                f"WHERE data_class IN ({classes}) AND field = '{field}'",
            )
        }
        assert len(revisions) == len(edited)
        for item_id, created, updated, current in edited:
            valid_from, valid_to, earlier = revisions[item_id]
            assert (str(valid_from)[:19], str(valid_to)[:19]) == (
                str(created)[:19],
                str(updated)[:19],
            )
            assert earlier != current
    profiles = _rows(
        engine,
        """SELECT count(*) FROM profiles p JOIN revisions r
        ON r.data_class = 'profile' AND r.item_id = p.member_id AND r.valid_to = p.updated_at
        WHERE p.updated_at > p.created_at""",
    )
    assert profiles[0][0] > 0
    deleted = _rows(engine, "SELECT count(*) FROM posts WHERE deleted_at IS NOT NULL")[0][0]
    assert deleted > 0
    assert _rows(engine, "SELECT count(*) FROM posts WHERE deleted_at < updated_at")[0][0] == 0


def test_times_ids_and_relations_are_coherent(engine):
    _generate(engine)
    for table in ("members", "posts", "comments", "messages", "jobs", "profiles", "positions"):
        low, high = _rows(
            engine, f"SELECT min(created_at), max(COALESCE(deleted_at, updated_at)) FROM {table}"
        )[0]
        assert str(START) <= str(low)[:19] and str(high)[:19] <= str(AS_OF), table
    checks = {
        "comment before its post": "SELECT count(*) FROM comments c JOIN posts p ON p.id = c.post_id WHERE c.created_at < p.created_at",
        "post before its author joined": "SELECT count(*) FROM posts p JOIN members m ON m.id = p.member_id WHERE p.created_at < m.created_at",
        "message between strangers": """SELECT count(*) FROM messages x WHERE NOT EXISTS (SELECT 1 FROM connections c
            WHERE c.member_id = min_id AND c.other_id = max_id)""",
        "connection stored twice": "SELECT count(*) FROM connections WHERE member_id >= other_id",
        "position ends before it starts": "SELECT count(*) FROM positions WHERE ended_on < started_on",
        "job by a non-recruiter": "SELECT count(*) FROM jobs j JOIN members m ON m.id = j.recruiter_id WHERE m.role <> 'recruiter'",
    }
    checks["message between strangers"] = (
        checks["message between strangers"]
        .replace(
            "min_id",
            "CASE WHEN x.sender_id < x.recipient_id THEN x.sender_id ELSE x.recipient_id END",
        )
        .replace(
            "max_id",
            "CASE WHEN x.sender_id < x.recipient_id THEN x.recipient_id ELSE x.sender_id END",
        )
    )
    for what, sql in checks.items():
        assert _rows(engine, sql)[0][0] == 0, what
    per_member = _rows(
        engine, "SELECT count(*) * 2.0 / (SELECT count(*) FROM members) FROM connections"
    )[0][0]
    assert 15 <= float(per_member) <= 21
    posts = _rows(engine, "SELECT count(*) FROM posts")[0][0]
    assert 6 * N <= posts <= 14 * N
    lurkers = _rows(
        engine,
        "SELECT count(*) FROM members m WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.member_id = m.id)",
    )[0][0]
    assert lurkers > 0.2 * N
    assert _rows(engine, "SELECT count(*) FROM jobs")[0][0] == (N + 4) // 50
    assert (
        _rows(
            engine,
            "SELECT count(*) FROM jobs j WHERE NOT EXISTS (SELECT 1 FROM job_skills s WHERE s.job_id = j.id)",
        )[0][0]
        == 0
    )


def test_careers_tell_one_story(sqlite_engine):
    _generate(sqlite_engine)
    rows = _rows(
        sqlite_engine,
        "SELECT member_id, started_on, ended_on FROM positions ORDER BY member_id, id",
    )
    by_member: dict[int, list] = {}
    for member_id, started, ended in rows:
        by_member.setdefault(member_id, []).append((started, ended))
    assert max(len(v) for v in by_member.values()) <= 5
    assert len({len(v) for v in by_member.values()}) >= 3
    for spells in by_member.values():
        starts = [s for s, _ in spells]
        assert starts == sorted(starts)
        for (_s, ended), (nxt, _e) in pairwise(spells):
            assert ended is not None and ended <= nxt
    titles = {t for (t,) in _rows(sqlite_engine, "SELECT title FROM positions")}
    assert any(t.startswith("Senior ") for t in titles) and any(
        t.startswith("Junior ") for t in titles
    )
    assert _rows(sqlite_engine, "SELECT count(DISTINCT industry) FROM profiles")[0][0] >= 15
    assert _rows(sqlite_engine, "SELECT count(DISTINCT degree) FROM education")[0][0] >= 5


def test_texts_vary(sqlite_engine):
    _generate(sqlite_engine)
    posts = [
        t
        for (t,) in _rows(
            sqlite_engine, "SELECT text FROM posts WHERE kind = 'post' ORDER BY id LIMIT 1000"
        )
    ]
    assert len(posts) == 1000
    assert len(set(posts)) / len(posts) > 0.97
    prefixes = {" ".join(t.split()[:8]) for t in posts}
    assert len(prefixes) / len(posts) > 0.9
    comments = [
        t for (t,) in _rows(sqlite_engine, "SELECT text FROM comments ORDER BY id LIMIT 1000")
    ]
    assert len(set(comments)) / len(comments) > 0.5
    articles = _rows(sqlite_engine, "SELECT title, text FROM posts WHERE kind = 'article'")
    assert articles and all(title and "\n\n" in body for title, body in articles)


def _indexes(engine) -> set[tuple[str, str]]:
    sql = (
        "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
        if engine.dialect.name == "postgresql"
        else "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    )
    return {(t, d) for t, d in _rows(engine, sql)}


def _stored(engine) -> dict[str, list[tuple]]:
    """Every generated table's rows as the database hands them back, untouched (SQLite's
    stored text, PostgreSQL's values), in primary-key order; password hashes left out."""
    tables = {}
    for name in TABLES:
        table = Base.metadata.tables[name]
        columns = ", ".join(f'"{c.name}"' for c in table.columns if c.name != "password_hash")
        order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
        tables[name] = [
            tuple(r) for r in _rows(engine, f'SELECT {columns} FROM "{name}" ORDER BY {order}')
        ]
    return tables


def test_bulk_writes_equal_core_statements_and_keep_every_index(engine):
    """The bulk path (COPY or the driver's executemany, indexes built at the end) writes
    the same bytes as plain SQLAlchemy Core inserts into indexed tables, and leaves every
    index the migrations made as they made it."""
    indexes = _indexes(engine)
    reference = generate_network(engine, members=120, seed=5, as_of=AS_OF, reference_writes=True)
    oracle = _stored(engine)
    assert _indexes(engine) == indexes
    bulk = _generate(engine, members=120, seed=5, reset=True)
    assert bulk.counts == reference.counts
    assert _stored(engine) == oracle
    assert _indexes(engine) == indexes
    assert bulk.stages["indexes"][0] >= 0 and "indexes" in reference.stages
