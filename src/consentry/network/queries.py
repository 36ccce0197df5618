"""Read queries over the network, shaped for the people who look at it.

Each function takes a `Session` and returns plain frozen dataclasses, so callers (web
pages, the JSON API, the CLI) never hold ORM rows or lazy-load after the session ends.

Who may see what is decided here, inside the SQL, not after it:
- a soft-deleted item, or any item by a soft-deleted member, is never returned;
- a post is visible to a viewer when it is `public`, when the viewer wrote it, or when it
  is `connections`-only and the viewer is connected to its author. Any other visibility
  value is visible to its author alone (unknown means private).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Generic, TypeVar

from sqlalchemy import Select, Subquery, and_, exists, func, or_, select, union
from sqlalchemy.orm import Session

from consentry.network.partial_dates import show
from consentry.store.social_tables import REACTION_KINDS, Reaction
from consentry.store.tables import (
    Comment,
    Connection,
    Education,
    Job,
    JobSkill,
    Member,
    Position,
    Post,
    Profile,
    Skill,
    UsagePreference,
)

T = TypeVar("T")

MAX_PER_PAGE = 100


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results; `has_next` is known without counting the whole set."""

    items: list[T]
    page: int
    per_page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


@dataclass(frozen=True)
class ReactionSummary:
    """The reactions to one post: how many of each kind (in `REACTION_KINDS` order, kinds
    with none left out), and the viewer's own kind (None if they have not reacted)."""

    counts: dict[str, int] = field(default_factory=dict)
    mine: str | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class CommentPreview:
    """One of a post's latest comments, as the feed shows it under the post."""

    id: int
    author_handle: str
    author_name: str
    text: str
    created_at: datetime


#: How many of a post's latest comments the feed shows under it.
PREVIEW_COMMENTS = 2


@dataclass(frozen=True)
class FeedPost:
    """A post as a reader sees it: author, time, text, how many live comments it has, and
    whether its latest stated usage preference denies `train-ai`."""

    id: int
    author_handle: str
    author_name: str
    kind: str
    title: str
    text: str
    visibility: str
    created_at: datetime
    comment_count: int
    no_ai_training: bool = False
    reactions: ReactionSummary = field(default_factory=ReactionSummary)
    edited: bool = False
    latest_comments: tuple[CommentPreview, ...] = ()


@dataclass(frozen=True)
class PositionView:
    """A position; `started` and `ended` are its dates as precise as they were given."""

    title: str
    company: str
    location: str
    started_on: date
    ended_on: date | None
    description: str
    id: int = 0
    started_precision: str = "month"
    ended_precision: str = "month"

    @property
    def started(self) -> str:
        return show(self.started_on, self.started_precision)

    @property
    def ended(self) -> str:
        return show(self.ended_on, self.ended_precision)


@dataclass(frozen=True)
class EducationView:
    """A school; `started` and `ended` are its dates as precise as they were given."""

    school: str
    degree: str
    field_of_study: str
    started_on: date | None
    ended_on: date | None
    id: int = 0
    started_precision: str = "year"
    ended_precision: str = "year"

    @property
    def started(self) -> str:
        return show(self.started_on, self.started_precision)

    @property
    def ended(self) -> str:
        return show(self.ended_on, self.ended_precision)


@dataclass(frozen=True)
class ProfileView:
    """What anyone signed in may see of a member: no email, no birth date, no messages."""

    member_id: int
    handle: str
    display_name: str
    headline: str
    about: str
    industry: str
    location: str
    positions: list[PositionView]
    education: list[EducationView]
    skills: list[str]


@dataclass(frozen=True)
class JobView:
    id: int
    company: str
    title: str
    location: str
    region: str
    remote: bool
    employment_type: str
    seniority: str
    description: str
    skills: list[str]
    created_at: datetime
    # Who posted it, and when it was closed (None while open): a closed posting is shown
    # only to its recruiter and its applicants (`network.jobs.job_for`).
    recruiter_id: int = 0
    closed_at: datetime | None = None


def _bounds(page: int, per_page: int) -> tuple[int, int]:
    # Callers validate input; this only keeps a bad call from asking for nonsense.
    return max(1, page), min(max(1, per_page), MAX_PER_PAGE)


def _paginate(session: Session, stmt: Select, page: int, per_page: int) -> tuple[list, bool]:
    """Rows of `stmt` for one page, and whether another page follows (one extra row read)."""
    rows = session.execute(stmt.limit(per_page + 1).offset((page - 1) * per_page)).all()
    return list(rows[:per_page]), len(rows) > per_page


# --- members -------------------------------------------------------------------------


def live_member(session: Session, member_id: int) -> Member | None:
    """The member with this id, or None when unknown or soft-deleted."""
    member = session.get(Member, member_id)
    return member if member is not None and member.deleted_at is None else None


def live_member_by_handle(session: Session, handle: str) -> Member | None:
    """The member with this handle (case-insensitive), or None when unknown or deleted."""
    return session.scalar(
        select(Member).where(
            func.lower(Member.handle) == handle.strip().lower(), Member.deleted_at.is_(None)
        )
    )


def connection_ids(member_id: int) -> Subquery:
    """A sub-select of the ids of members connected to `member_id` (stored once per pair)."""
    return union(
        select(Connection.other_id).where(Connection.member_id == member_id),
        select(Connection.member_id).where(Connection.other_id == member_id),
    ).subquery()


def are_connected(session: Session, a: int, b: int) -> bool:
    low, high = min(a, b), max(a, b)
    return session.get(Connection, (low, high)) is not None


def profile(session: Session, member: Member) -> ProfileView:
    """The public profile of `member`: headline, about, live positions, education, skills."""
    found = session.get(Profile, member.id)
    row = found if found is not None and found.deleted_at is None else None
    positions = session.scalars(
        select(Position)
        .where(Position.member_id == member.id, Position.deleted_at.is_(None))
        .order_by(Position.started_on.desc(), Position.id.desc())
    ).all()
    schools = session.scalars(
        select(Education)
        .where(Education.member_id == member.id, Education.deleted_at.is_(None))
        .order_by(Education.started_on.desc().nulls_last(), Education.id.desc())
    ).all()
    skills = session.scalars(
        select(Skill.name)
        .where(Skill.member_id == member.id, Skill.deleted_at.is_(None))
        .order_by(Skill.name)
    ).all()
    return ProfileView(
        member_id=member.id,
        handle=member.handle,
        display_name=member.display_name,
        headline=row.headline if row else "",
        about=row.about if row else "",
        industry=row.industry if row else "",
        location=row.location if row else "",
        positions=[
            PositionView(
                p.title,
                p.company,
                p.location,
                p.started_on,
                p.ended_on,
                p.description,
                p.id,
                p.started_precision,
                p.ended_precision,
            )
            for p in positions
        ],
        education=[
            EducationView(
                e.school,
                e.degree,
                e.field_of_study,
                e.started_on,
                e.ended_on,
                e.id,
                e.started_precision,
                e.ended_precision,
            )
            for e in schools
        ],
        skills=list(skills),
    )


# --- posts ---------------------------------------------------------------------------


def _visible_posts(viewer_id: int) -> Select:
    """Ids of live posts by live members that `viewer_id` may read, newest first."""
    friends = connection_ids(viewer_id)
    visible = or_(
        Post.visibility == "public",
        Post.member_id == viewer_id,
        and_(Post.visibility == "connections", Post.member_id.in_(select(friends))),
    )
    return (
        select(Post.id)
        .join(Member, Member.id == Post.member_id)
        .where(Post.deleted_at.is_(None), Member.deleted_at.is_(None), visible)
        .order_by(Post.created_at.desc(), Post.id.desc())
    )


def visible_posts(viewer_id: int) -> Select:
    """Ids of the live posts `viewer_id` may read (the module's rules), newest first: the
    one statement of who sees which post, for the feed, profiles and search alike."""
    return _visible_posts(viewer_id)


def feed_posts(
    session: Session, ids: Sequence[int], viewer_id: int | None = None
) -> list[FeedPost]:
    """The posts with these ids, in this order, as `viewer_id` sees them. The caller has
    already chosen ids the reader may see (`visible_posts`)."""
    return _feed_posts(session, ids, viewer_id)


def _feed_posts(
    session: Session, ids: Sequence[int], viewer_id: int | None = None
) -> list[FeedPost]:
    """The posts with these ids, in this order, with authors, comment counts and their
    latest `train-ai` preference. Two steps (pick ids, then decorate) keep the per-post
    sub-queries to one page of rows instead of every visible post."""
    if not ids:
        return []
    comments = (
        select(func.count(Comment.id))
        .where(Comment.post_id == Post.id, Comment.deleted_at.is_(None))
        .scalar_subquery()
    )
    train_ai = (
        select(UsagePreference.allowed)
        .where(
            UsagePreference.data_class == Post.kind,
            UsagePreference.item_id == Post.id,
            UsagePreference.category == "train-ai",
        )
        .order_by(UsagePreference.stated_at.desc(), UsagePreference.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Post, Member.handle, Member.display_name, comments, train_ai)
        .join(Member, Member.id == Post.member_id)
        .where(Post.id.in_(ids))
    ).all()
    reactions = reaction_summaries(session, [(row[0].id, row[0].kind) for row in rows], viewer_id)
    latest = latest_comments(session, [row[0].id for row in rows])
    by_id = {
        post.id: replace(
            _feed_post(post, handle, name, count, train_ai, reactions[post.id]),
            latest_comments=latest.get(post.id, ()),
        )
        for post, handle, name, count, train_ai in rows
    }
    return [by_id[i] for i in ids if i in by_id]


def latest_comments(
    session: Session, post_ids: Sequence[int], per_post: int = PREVIEW_COMMENTS
) -> dict[int, tuple[CommentPreview, ...]]:
    """post id -> its latest live comments by live members (oldest of them first), in
    one query however many posts."""
    if not post_ids:
        return {}
    ranked = (
        select(
            Comment.id,
            Comment.post_id,
            Comment.text,
            Comment.created_at,
            Member.handle,
            Member.display_name,
            func.row_number()
            .over(
                partition_by=Comment.post_id,
                order_by=(Comment.created_at.desc(), Comment.id.desc()),
            )
            .label("rank"),
        )
        .join(Member, Member.id == Comment.member_id)
        .where(
            Comment.post_id.in_(list(post_ids)),
            Comment.deleted_at.is_(None),
            Member.deleted_at.is_(None),
        )
        .subquery()
    )
    rows = session.execute(
        select(ranked)
        .where(ranked.c.rank <= per_post)
        .order_by(ranked.c.post_id, ranked.c.created_at, ranked.c.id)
    )
    found: dict[int, list[CommentPreview]] = {}
    for row in rows:
        found.setdefault(row.post_id, []).append(
            CommentPreview(row.id, row.handle, row.display_name, row.text, row.created_at)
        )
    return {post_id: tuple(previews) for post_id, previews in found.items()}


def reaction_summaries(
    session: Session, posts: Sequence[tuple[int, str]], viewer_id: int | None
) -> dict[int, ReactionSummary]:
    """post id -> its ReactionSummary, for (post id, kind) pairs, in two small queries.
    Reactions by deleted members are not counted."""
    kinds = dict(posts)
    if not kinds:
        return {}
    counts: dict[int, dict[str, int]] = {post_id: {} for post_id in kinds}
    mine: dict[int, str] = {}
    rows = session.execute(
        select(Reaction.item_id, Reaction.data_class, Reaction.kind, func.count())
        .join(Member, Member.id == Reaction.member_id)
        .where(
            Reaction.item_id.in_(list(kinds)),
            Reaction.data_class.in_(sorted(set(kinds.values()))),
            Member.deleted_at.is_(None),
        )
        .group_by(Reaction.item_id, Reaction.data_class, Reaction.kind)
    )
    for item_id, data_class, kind, count in rows:
        if kinds.get(item_id) == data_class:
            counts[item_id][kind] = int(count)
    if viewer_id is not None:
        for item_id, data_class, kind in session.execute(
            select(Reaction.item_id, Reaction.data_class, Reaction.kind).where(
                Reaction.item_id.in_(list(kinds)), Reaction.member_id == viewer_id
            )
        ):
            if kinds.get(item_id) == data_class:
                mine[item_id] = kind
    return {
        post_id: ReactionSummary(
            {k: counts[post_id][k] for k in REACTION_KINDS if counts[post_id].get(k)},
            mine.get(post_id),
        )
        for post_id in kinds
    }


def _feed_post(
    post: Post, handle: str, name: str, count, train_ai, reactions: ReactionSummary
) -> FeedPost:
    return FeedPost(
        id=post.id,
        author_handle=handle,
        author_name=name,
        kind=post.kind,
        title=post.title,
        text=post.text,
        visibility=post.visibility,
        created_at=post.created_at,
        comment_count=int(count or 0),
        no_ai_training=train_ai is not None and not train_ai,
        reactions=reactions,
        edited=post.updated_at > post.created_at,
    )


def _post_page(
    session: Session, stmt: Select, page: int, per_page: int, viewer_id: int
) -> Page[FeedPost]:
    rows, has_next = _paginate(session, stmt, page, per_page)
    return Page(_feed_posts(session, [r[0] for r in rows], viewer_id), page, per_page, has_next)


def feed(
    session: Session,
    *,
    viewer_id: int,
    network_only: bool = False,
    page: int = 1,
    per_page: int = 20,
) -> Page[FeedPost]:
    """Recent posts `viewer_id` may read: their own, their connections', and public ones.

    With `network_only`, only posts by the viewer and their connections.
    """
    page, per_page = _bounds(page, per_page)
    stmt = _visible_posts(viewer_id)
    if network_only:
        friends = connection_ids(viewer_id)
        stmt = stmt.where(or_(Post.member_id == viewer_id, Post.member_id.in_(select(friends))))
    return _post_page(session, stmt, page, per_page, viewer_id)


def posts_by(
    session: Session, *, author_id: int, viewer_id: int, page: int = 1, per_page: int = 20
) -> Page[FeedPost]:
    """Posts by one author that `viewer_id` may read, newest first."""
    page, per_page = _bounds(page, per_page)
    stmt = _visible_posts(viewer_id).where(Post.member_id == author_id)
    return _post_page(session, stmt, page, per_page, viewer_id)


def post(session: Session, *, post_id: int, viewer_id: int) -> FeedPost | None:
    """One post if `viewer_id` may read it, else None (unknown, deleted or not visible)."""
    found = session.scalar(_visible_posts(viewer_id).where(Post.id == post_id))
    posts = _feed_posts(session, [found], viewer_id) if found is not None else []
    return posts[0] if posts else None


def usage_preferences(session: Session, *, data_class: str, item_id: int) -> dict[str, bool]:
    """The item's current stated usage preference per category (latest statement wins)."""
    rows = session.execute(
        select(UsagePreference.category, UsagePreference.allowed)
        .where(UsagePreference.data_class == data_class, UsagePreference.item_id == item_id)
        .order_by(UsagePreference.stated_at, UsagePreference.id)
    ).all()
    return {category: bool(allowed) for category, allowed in rows}


# --- jobs ----------------------------------------------------------------------------


def _job_skills(session: Session, job_ids: Sequence[int]) -> dict[int, list[str]]:
    skills: dict[int, list[str]] = {job_id: [] for job_id in job_ids}
    if job_ids:
        rows = session.execute(
            select(JobSkill.job_id, JobSkill.name)
            .where(JobSkill.job_id.in_(job_ids))
            .order_by(JobSkill.job_id, JobSkill.name)
        )
        for job_id, name in rows:
            skills[job_id].append(name)
    return skills


def _job_view(job: Job, skills: list[str]) -> JobView:
    return JobView(
        id=job.id,
        company=job.company,
        title=job.title,
        location=job.location,
        region=job.region,
        remote=job.remote,
        employment_type=job.employment_type,
        seniority=job.seniority,
        description=job.description,
        skills=skills,
        created_at=job.created_at,
        recruiter_id=job.recruiter_id,
        closed_at=job.closed_at,
    )


def _matches(word: str):
    """A job matches `word` when its title, company, location, description or a skill does."""
    skill = exists().where(
        JobSkill.job_id == Job.id, JobSkill.name.icontains(word, autoescape=True)
    )
    return or_(
        Job.title.icontains(word, autoescape=True),
        Job.company.icontains(word, autoescape=True),
        Job.location.icontains(word, autoescape=True),
        Job.description.icontains(word, autoescape=True),
        skill,
    )


def jobs(
    session: Session, *, q: str | None = None, page: int = 1, per_page: int = 20
) -> Page[JobView]:
    """Open job postings, newest first; with `q`, those matching every word of it.
    (Closed and taken-down postings are never listed.)"""
    page, per_page = _bounds(page, per_page)
    stmt = select(Job).where(Job.deleted_at.is_(None), Job.closed_at.is_(None))
    words = (q or "").split()[:10]
    for word in words:
        stmt = stmt.where(_matches(word))
    stmt = stmt.order_by(Job.created_at.desc(), Job.id.desc())
    rows, has_next = _paginate(session, stmt, page, per_page)
    found = [row[0] for row in rows]
    skills = _job_skills(session, [j.id for j in found])
    return Page([_job_view(j, skills[j.id]) for j in found], page, per_page, has_next)


def jobs_by_id(session: Session, ids: Sequence[int]) -> list[JobView]:
    """The postings with these ids, in this order (the caller has chosen which to show)."""
    if not ids:
        return []
    rows = {j.id: j for j in session.scalars(select(Job).where(Job.id.in_(ids)))}
    skills = _job_skills(session, [i for i in ids if i in rows])
    return [_job_view(rows[i], skills[i]) for i in ids if i in rows]


def job(session: Session, *, job_id: int) -> JobView | None:
    """One job posting not taken down (open or closed: `closed_at` says), or None when
    unknown or deleted. Who may see a closed one is `network.jobs.job_for`'s rule."""
    row = session.scalar(select(Job).where(Job.id == job_id, Job.deleted_at.is_(None)))
    if row is None:
        return None
    return _job_view(row, _job_skills(session, [row.id])[row.id])


__all__ = [
    "CommentPreview",
    "EducationView",
    "FeedPost",
    "JobView",
    "Page",
    "PositionView",
    "ProfileView",
    "ReactionSummary",
    "are_connected",
    "connection_ids",
    "feed",
    "feed_posts",
    "job",
    "jobs",
    "jobs_by_id",
    "latest_comments",
    "live_member",
    "live_member_by_handle",
    "post",
    "posts_by",
    "profile",
    "reaction_summaries",
    "usage_preferences",
    "visible_posts",
]
