"""Search for people, posts and jobs with the database's own full-text engine.

One interface, `FullText`, with two implementations chosen by the session's dialect:
`SqliteFullText` (FTS5 tables with external content, ranked by bm25) and
`PostgresFullText` (`tsvector` documents under GIN indexes, ranked by `ts_rank`). Both are
made and kept in step with the network's tables by migration 0015; each answers only
"which ids match these terms, with what score" and the visibility rules are applied here,
once, in the same SQL for both:

- people: live members only (a deleted or erased member is never found);
- posts: what `queries.visible_posts` lets the viewer read (public, their own, their
  connections' connections-only posts; never a deleted post or a deleted author's);
- jobs: open postings (not closed, not taken down) by live recruiters.

What a person types is never passed to the engine as query syntax: `terms` keeps the
words (runs of letters and digits in any script) and drops everything else (quotes, `*`,
`-`, parentheses, `NEAR`'s syntax), so no input can raise; an input without words finds
nothing. Every word must match (AND), case-insensitively. Results are ordered by rank,
best first, then by id, newest first, so pages are stable; `page`/`per_page` paginate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
)
from sqlalchemy.orm import Session

from consentry.network import queries
from consentry.network.queries import FeedPost, JobView, Page
from consentry.store.tables import Job, Member, Post, Profile

MAX_TERMS = 12
MAX_TERM = 64
MAX_QUERY = 200

# Letters and digits of any script: what both engines' tokenizers keep as words (the
# underscore separates words in both, so it is not part of one).
_WORD = re.compile(r"[^\W_]+")


class SearchKind(StrEnum):
    PEOPLE = "people"
    POSTS = "posts"
    JOBS = "jobs"


def terms(q: str | None) -> list[str]:
    """The words of a query as search terms: at most MAX_TERMS, each at most MAX_TERM
    characters (longer runs are left out: no indexed word is that long), in order,
    without repeats. Case is left to the engine, which folds it as it did when indexing."""
    found: list[str] = []
    for word in _WORD.findall((q or "")[: MAX_QUERY * 2]):
        if len(word) <= MAX_TERM and word.lower() not in {f.lower() for f in found}:
            found.append(word)
        if len(found) == MAX_TERMS:
            break
    return found


class FullText(Protocol):
    """A full-text engine: for `kind` and `terms`, a subquery of the matching items'
    `id` and `score` (lower is better). `terms` is never empty."""

    def matches(self, kind: SearchKind, terms: list[str]) -> Subquery: ...


class SqliteFullText:
    """FTS5: `search_people`, `search_posts`, `search_jobs` (rowid = item id), bm25 rank."""

    def matches(self, kind: SearchKind, terms: list[str]) -> Subquery:
        name = f"search_{kind.value}"
        index = table(name, column("rowid"), column("rank"))
        # Each term quoted: FTS5 reads it as a string, never as an operator; a space
        # between strings means AND.
        query = " ".join('"' + t + '"' for t in terms)
        return (
            select(index.c.rowid.label("id"), index.c.rank.label("score"))
            .where(literal_column(name).op("MATCH")(bindparam("fts_query", query)))
            .subquery()
        )


#: The expression of the PostgreSQL index `search_posts_document` (migration 0015),
#: repeated exactly so that the planner uses the index.
POSTS_DOCUMENT = """to_tsvector('simple', coalesce(title, '') || ' ' || coalesce("text", ''))"""


class PostgresFullText:
    """`tsvector`: an expression index on posts, document tables for people and jobs;
    `plainto_tsquery('simple', ...)` of the terms (every term), ranked by `ts_rank`."""

    def matches(self, kind: SearchKind, terms: list[str]) -> Subquery:
        query = func.plainto_tsquery(
            literal_column("'simple'"), bindparam("ts_query", " ".join(terms))
        )
        if kind == SearchKind.POSTS:
            document: ColumnElement = literal_column(POSTS_DOCUMENT)
            ident: ColumnElement = Post.__table__.c.id
        else:
            key = "member_id" if kind == SearchKind.PEOPLE else "job_id"
            index = table(f"search_{kind.value}", column(key), column("document"))
            document, ident = index.c.document, index.c[key]
        return (
            select(ident.label("id"), (-func.ts_rank(document, query)).label("score"))
            .where(document.op("@@")(query))
            .subquery()
        )


def full_text_for(session: Session) -> FullText:
    """The engine for the session's database."""
    dialect = session.get_bind().dialect.name
    return SqliteFullText() if dialect == "sqlite" else PostgresFullText()


@dataclass(frozen=True)
class PersonHit:
    """A member found by search: what a result list shows, and where their profile is."""

    member_id: int
    handle: str
    display_name: str
    headline: str
    location: str


def _ranked(stmt: Select, found: Subquery, page: int, per_page: int) -> Select:
    return (
        stmt.order_by(found.c.score, found.c.id.desc())
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    )


def _ids(session: Session, stmt: Select, per_page: int) -> tuple[list[int], bool]:
    ids = [int(i) for i in session.scalars(stmt)]
    return ids[:per_page], len(ids) > per_page


def search_people(
    session: Session, q: str | None, *, page: int = 1, per_page: int = 20
) -> Page[PersonHit]:
    """Live members whose name, handle, headline, about, location or industry hold every
    word of `q`."""
    page, per_page = _bounds(page, per_page)
    words = terms(q)
    if not words:
        return Page([], page, per_page, False)
    found = full_text_for(session).matches(SearchKind.PEOPLE, words)
    stmt = (
        select(Member, Profile.headline, Profile.location)
        .join(found, found.c.id == Member.id)
        .outerjoin(Profile, Profile.member_id == Member.id)
        .where(Member.deleted_at.is_(None))
    )
    rows = session.execute(_ranked(stmt, found, page, per_page)).all()
    hits = [
        PersonHit(m.id, m.handle, m.display_name, headline or "", location or "")
        for m, headline, location in rows[:per_page]
    ]
    return Page(hits, page, per_page, len(rows) > per_page)


def search_posts(
    session: Session, q: str | None, *, viewer_id: int, page: int = 1, per_page: int = 20
) -> Page[FeedPost]:
    """Posts and articles `viewer_id` may read whose title or text hold every word of `q`."""
    page, per_page = _bounds(page, per_page)
    words = terms(q)
    if not words:
        return Page([], page, per_page, False)
    found = full_text_for(session).matches(SearchKind.POSTS, words)
    stmt = queries.visible_posts(viewer_id).order_by(None).join(found, found.c.id == Post.id)
    ids, has_next = _ids(session, _ranked(stmt, found, page, per_page), per_page)
    return Page(queries.feed_posts(session, ids, viewer_id), page, per_page, has_next)


def search_jobs(
    session: Session, q: str | None, *, page: int = 1, per_page: int = 20
) -> Page[JobView]:
    """Open postings whose title, company, location, description or skills hold every
    word of `q`."""
    page, per_page = _bounds(page, per_page)
    words = terms(q)
    if not words:
        return Page([], page, per_page, False)
    found = full_text_for(session).matches(SearchKind.JOBS, words)
    stmt = (
        select(Job.id)
        .join(found, found.c.id == Job.id)
        .join(Member, Member.id == Job.recruiter_id)
        .where(Job.deleted_at.is_(None), Job.closed_at.is_(None), Member.deleted_at.is_(None))
    )
    ids, has_next = _ids(session, _ranked(stmt, found, page, per_page), per_page)
    return Page(queries.jobs_by_id(session, ids), page, per_page, has_next)


def search(
    session: Session,
    kind: SearchKind,
    q: str | None,
    *,
    viewer_id: int,
    page: int = 1,
    per_page: int = 20,
) -> Page[PersonHit] | Page[FeedPost] | Page[JobView]:
    """One page of `kind` results for `q` as `viewer_id` may see them."""
    if kind == SearchKind.PEOPLE:
        return search_people(session, q, page=page, per_page=per_page)
    if kind == SearchKind.POSTS:
        return search_posts(session, q, viewer_id=viewer_id, page=page, per_page=per_page)
    return search_jobs(session, q, page=page, per_page=per_page)


def _bounds(page: int, per_page: int) -> tuple[int, int]:
    return max(1, page), min(max(1, per_page), queries.MAX_PER_PAGE)


__all__ = [
    "FullText",
    "PersonHit",
    "PostgresFullText",
    "SearchKind",
    "SqliteFullText",
    "full_text_for",
    "search",
    "search_jobs",
    "search_people",
    "search_posts",
    "terms",
]
