"""Full-text search on SQLite (FTS5) and PostgreSQL (tsvector): what it finds, what it
never shows, that the index follows every write, stable pages, and that no typed input
can make it fail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select, text, update

from builders import hand_network
from consentry.network import queries, search
from consentry.network.jobs import JobDraft, close_job, edit_job, post_job
from consentry.network.revisions import revise
from consentry.network.search import SearchKind, full_text_for, terms
from consentry.rights.erasure import erase_content
from consentry.store.engine import session_scope, utcnow
from consentry.store.tables import Job, Member, Post, Profile

NASTY = [
    '"',
    '""',
    "'",
    "*",
    "python*",
    "-python",
    "NEAR(python berlin)",
    "NEAR/2",
    "python OR figma",
    "NOT python",
    "AND",
    "(",
    ")",
    "title:python",
    "^python",
    "python + -",
    "{python}",
    "\\",
    "%",
    "_",
    "\x00",
    "ünïcödé Ωμέγα 北京 😀",
    "   ",
    "",
    "a" * 300,
    "!@#$%^&*()_+=[]{}|;:,.<>?/~`",
    "& | ! <->",
    "x:*",
]


@pytest.fixture
def net(engine):
    return hand_network(engine)


def _people(engine, q, **kw):
    with session_scope(engine) as s:
        return [h.handle for h in search.search_people(s, q, **kw).items]


def _posts(engine, q, viewer, **kw):
    with session_scope(engine) as s:
        return [p.text for p in search.search_posts(s, q, viewer_id=viewer, **kw).items]


def _jobs(engine, q, **kw):
    with session_scope(engine) as s:
        return [j.title for j in search.search_jobs(s, q, **kw).items]


def _indexed(engine, kind: SearchKind, word: str) -> list[int]:
    """Ids the engine's index itself matches for `word`, before any visibility rule."""
    with session_scope(engine) as s:
        found = full_text_for(s).matches(kind, [word])
        return sorted(int(i) for i in s.scalars(select(found.c.id)))


def test_finds_every_kind_by_every_word_in_any_case(engine, net):
    alice, bob = net.members["alice"], net.members["bob"]
    assert _people(engine, "ALICE") == ["alice"]
    assert _people(engine, "archer pipelines") == ["alice"]  # name and headline together
    assert _people(engine, "alice rust") == []  # every word must match
    assert sorted(_people(engine, "paris")) == ["bob", "carol"]  # profile location
    assert _posts(engine, "hello", alice) == ["Alice public hello"]
    assert _jobs(engine, "figma") == ["Product Designer"]  # a skill
    assert _jobs(engine, "initech london") == ["Product Designer"]
    assert _jobs(engine, "PYTHON 100%") == ["Senior Python Engineer"]
    assert _posts(engine, "bob connections", bob) == ["Bob connections-only update"]


def test_never_shows_what_the_viewer_may_not_see(engine, net):
    alice, carol = net.members["alice"], net.members["carol"]
    # Dave's account was deleted: neither he nor his post is found.
    assert _indexed(engine, SearchKind.PEOPLE, "Dave")  # indexed...
    assert _people(engine, "dave") == []  # ...never shown
    assert _posts(engine, "ghost", alice) == []
    # Carol's connections-only post: only Carol (Alice is not her connection).
    assert _posts(engine, "musings", alice) == []
    assert _posts(engine, "musings", carol) == ["Carol private musings"]
    assert _posts(engine, "deleted", carol) == []  # her own deleted post
    # A taken-down job, and a closed one.
    assert _jobs(engine, "umbrella") == []
    with session_scope(engine) as s:
        close_job(s, net.members["rita"], net.jobs["designer"])
    assert _jobs(engine, "figma") == []


@pytest.mark.parametrize("q", NASTY)
def test_query_syntax_in_what_people_type_never_fails(engine, net, q):
    viewer = net.members["alice"]
    assert isinstance(_people(engine, q), list)
    assert isinstance(_posts(engine, q, viewer), list)
    assert isinstance(_jobs(engine, q), list)
    # Operators are words like any other once quoted: "python OR figma" needs all three.
    assert _jobs(engine, "python OR figma") == []


def test_terms_keep_words_and_drop_syntax():
    assert terms('"NEAR(python*, -berlin)" OR title:x') == [
        "NEAR",
        "python",
        "berlin",
        "OR",
        "title",
        "x",
    ]
    assert terms("snake_case Grüße 北京") == ["snake", "case", "Grüße", "北京"]
    assert terms("Python python PYTHON") == ["Python"]
    assert terms("") == terms(None) == terms("*-()\"'") == []
    assert len(terms("w " * 100)) == 1 and len(terms(" ".join(f"w{i}" for i in range(50)))) == 12


def test_the_index_follows_edits_deletes_and_erasure(engine, net):
    alice, carol, rita = net.members["alice"], net.members["carol"], net.members["rita"]
    with session_scope(engine) as s:
        revise(s, s.get(Post, net.posts["alice_public"]), "post", None, {"text": "Fresh words"})
        revise(s, s.get(Profile, alice), "profile", None, {"headline": "Gardener"})
        s.get(Member, net.members["bob"]).display_name = "Robert Baker"
        edit_job(
            s,
            rita,
            net.jobs["python"],
            JobDraft("Globex", "Staff Rustacean", "Berlin", "DE", skills=("Rust",)),
        )
    assert _posts(engine, "hello", alice) == [] and _posts(engine, "fresh", alice) == [
        "Fresh words"
    ]
    assert _people(engine, "pipelines") == [] and _people(engine, "gardener") == ["alice"]
    assert _people(engine, "robert") == ["bob"] and _people(engine, "bob") == ["bob"]  # handle
    assert _jobs(engine, "python") == [] and _jobs(engine, "rustacean rust") == ["Staff Rustacean"]
    assert _indexed(engine, SearchKind.JOBS, "PostgreSQL") == []  # old skill out of the index
    # Erasure blanks Carol's texts and name: nothing of hers stays in any index.
    with session_scope(engine) as s:
        erase_content(s, carol, erased_key=b"k" * 32)
    for kind, word in (
        (SearchKind.PEOPLE, "Carol"),
        (SearchKind.PEOPLE, "Cruz"),
        (SearchKind.PEOPLE, "headline"),
        (SearchKind.POSTS, "thoughts"),
        (SearchKind.POSTS, "musings"),
    ):
        assert _indexed(engine, kind, word) == [], (kind, word)
    # A hard delete leaves the index too.
    with session_scope(engine) as s:
        s.execute(text("DELETE FROM job_skills WHERE job_id = :j"), {"j": net.jobs["designer"]})
        s.execute(text("DELETE FROM jobs WHERE id = :j"), {"j": net.jobs["designer"]})
    assert _indexed(engine, SearchKind.JOBS, "Initech") == []
    _check_index_integrity(engine)


def _check_index_integrity(engine) -> None:
    """FTS5 compares each external-content index with the rows it reads (SQLite); on
    PostgreSQL every document equals one computed afresh."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            for index in ("search_posts", "search_people", "search_jobs"):
                conn.exec_driver_sql(f"INSERT INTO {index}({index}) VALUES ('integrity-check')")
            return
        for index, key, parent in (
            ("search_people", "member_id", "members"),
            ("search_jobs", "job_id", "jobs"),
        ):
            stale = conn.exec_driver_sql(
                f"SELECT count(*) FROM {parent} p FULL JOIN {index} i ON i.{key} = p.id "
                f"WHERE i.document IS DISTINCT FROM {index}_document(p.id)"
            ).scalar()
            assert stale == 0, index


def test_pages_are_stable_by_rank_then_id(engine, net):
    alice = net.members["alice"]
    now = utcnow()
    with engine.begin() as conn:
        for i in range(25):
            words = "zebra " * (1 + i % 3)  # three ranks, ties within each
            conn.execute(
                insert(Post).values(
                    member_id=alice,
                    kind="post",
                    title="",
                    text=f"{words} number {i}",
                    visibility="public",
                    created_at=now - timedelta(minutes=i),
                    updated_at=now,
                )
            )
    pages = []
    with session_scope(engine) as s:
        for page in (1, 2, 3):
            found = search.search_posts(s, "zebra", viewer_id=alice, page=page, per_page=10)
            pages.append([p.id for p in found.items])
            assert found.has_next == (page < 3)
        again = [p.id for p in search.search_posts(s, "zebra", viewer_id=alice, per_page=10).items]
    ids = [i for p in pages for i in p]
    assert len(ids) == len(set(ids)) == 25 and again == pages[0]
    with session_scope(engine) as s:
        repeats = {
            p.id: p.text.count("zebra")
            for p in search.search_posts(s, "zebra", viewer_id=alice, per_page=25).items
        }
    # The posts saying "zebra" most come first; within a rank, the newest (highest id) first.
    counts = [repeats[i] for i in ids]
    assert counts == sorted(counts, reverse=True)
    for n in (1, 2, 3):
        same = [i for i in ids if repeats[i] == n]
        assert same == sorted(same, reverse=True)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(q=st.text(max_size=80), kind=st.sampled_from(list(SearchKind)))
def test_any_query_never_fails_and_results_obey_the_rules(engine, net, q, kind):
    # The database is only read here, so one per test serves every example.
    viewer = net.members["alice"]
    with session_scope(engine) as s:
        page = search.search(s, kind, q, viewer_id=viewer, per_page=50)
        for item in page.items:
            if kind == SearchKind.PEOPLE:
                assert queries.live_member(s, item.member_id) is not None
            elif kind == SearchKind.POSTS:
                assert queries.post(s, post_id=item.id, viewer_id=viewer) is not None
            else:
                row = s.get(Job, item.id)
                assert row.deleted_at is None and row.closed_at is None


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(word=st.sampled_from(["alice", "carol", "musings", "ghost", "python", "umbrella", "paris"]))
def test_known_words_obey_the_rules(engine, net, word):
    carol_view = _posts(engine, word, net.members["carol"])
    alice_view = _posts(engine, word, net.members["alice"])
    assert "Carol private musings" not in alice_view
    assert "Dave ghost post" not in carol_view + alice_view
    assert "dave" not in _people(engine, word)
    assert "Old Role" not in _jobs(engine, word)


def test_new_rows_of_every_kind_are_indexed_at_once(engine, net):
    with session_scope(engine) as s:
        job = post_job(
            s,
            net.members["rita"],
            JobDraft("Hooli", "Quantum Plumber", "Zürich", "ch", skills=("Wrenches",)),
        )
        assert job.region == "CH"
        s.execute(
            update(Profile).where(Profile.member_id == net.members["bob"]).values(about="yodel")
        )
    assert _jobs(engine, "wrenches zürich") == ["Quantum Plumber"]
    assert _people(engine, "yodel") == ["bob"]
    _check_index_integrity(engine)


def test_posts_use_the_gin_index_on_postgresql(engine, net):
    if engine.dialect.name != "postgresql":
        pytest.skip("the expression index is PostgreSQL's")
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = "\n".join(
            row[0]
            for row in conn.exec_driver_sql(
                "EXPLAIN SELECT id FROM posts WHERE "
                f"{search.POSTS_DOCUMENT} @@ plainto_tsquery('simple', 'hello')"
            )
        )
    assert "search_posts_document" in plan, plan
