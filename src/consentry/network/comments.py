"""Comments on posts: write, edit, delete, state "No AI training", and read them.

Rules (the page and the API call these, so both enforce them):
- a member may comment on a post only if they may read it (`queries.post`): a
  connections-only post takes comments from its author's connections and its author;
  a post one may not read answers NotFound, exactly like one that does not exist;
- a comment's author may edit it (the earlier text kept as a revision, `revise`) and
  state or lift "No AI training" on it (a per-item usage preference, as on posts);
- a comment's author, or the author of the post it is on, may delete it (soft delete:
  `deleted_at`, so an as-of audit still sees it, while every build started later leaves
  it out); anyone else gets NotFound;
- the post's author is notified of a new comment (kind `comment`), never of their own.

The caller owns the transaction: rows are added and flushed, never committed. After an
edit or a delete the caller asks for a refresh of the comment author's datasets
(`rights.refresh.request_refresh`), which the network layer below cannot do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentry.errors import InvalidInput, NotFound
from consentry.network import queries
from consentry.network.notifications import notify
from consentry.network.publishing import (
    NO_AI_CATEGORY,
    mention_rows,
    state_usage,
)
from consentry.network.revisions import revise
from consentry.store.engine import utcnow
from consentry.store.tables import Comment, Member, Post, UsagePreference

DATA_CLASS = "comment"
MAX_COMMENT = 3_000


class CommentRejected(InvalidInput):
    """The comment cannot be saved as written (empty or too long)."""


@dataclass(frozen=True)
class CommentView:
    """A comment as a reader sees it, with what the reader may do to it."""

    id: int
    post_id: int
    author_id: int
    author_handle: str
    author_name: str
    text: str
    created_at: datetime
    edited: bool
    no_ai_training: bool
    can_edit: bool
    can_delete: bool


def _clean(text: str) -> str:
    text = text.strip()
    if not text:
        raise CommentRejected("a comment needs some text")
    if len(text) > MAX_COMMENT:
        raise CommentRejected(f"a comment can be at most {MAX_COMMENT:,} characters long")
    return text


def _readable_post(session: Session, post_id: int, viewer_id: int) -> Post:
    if queries.post(session, post_id=post_id, viewer_id=viewer_id) is None:
        raise NotFound("There is no post with that id that you can see.")
    row = session.get(Post, post_id)
    assert row is not None  # queries.post found it
    return row


def add_comment(
    session: Session,
    *,
    author_id: int,
    post_id: int,
    text: str,
    no_ai_training: bool = False,
    usage: Mapping[str, bool | None] | None = None,
    now: datetime | None = None,
) -> Comment:
    """Comment on a post the author may read; returned flushed, with its id.

    `no_ai_training` states "train-ai = no" on the comment; `usage` states other
    preferences the request carried (category -> allowed), a denial winning."""
    post = _readable_post(session, post_id, author_id)
    text = _clean(text)
    now = now or utcnow()
    row = Comment(post_id=post.id, member_id=author_id, text=text, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    session.add_all(mention_rows(session, DATA_CLASS, row.id, text, author_id))
    stated = dict(usage or {})
    if no_ai_training:
        stated[NO_AI_CATEGORY] = False
    if stated:
        state_usage(session, data_class=DATA_CLASS, item_id=row.id, usage=stated, at=now)
    if post.member_id != author_id:
        notify(
            session, post.member_id, "comment", actor_id=author_id, subject="post",
            subject_id=post.id, at=now,
        )  # fmt: skip
    session.flush()
    return row


def _live_comment(session: Session, comment_id: int) -> Comment | None:
    row = session.get(Comment, comment_id)
    if row is None or row.deleted_at is not None:
        return None
    return row


def own_comment(session: Session, member_id: int, comment_id: int) -> Comment:
    """The member's own live comment on a post they can still read; NotFound otherwise."""
    row = _live_comment(session, comment_id)
    if row is None or row.member_id != member_id:
        raise NotFound("You have no comment with that id.")
    _readable_post(session, row.post_id, member_id)
    return row


def post_of(session: Session, comment_id: int) -> int:
    """The post a comment is on (for going back to it after acting on the comment)."""
    row = session.get(Comment, comment_id)
    if row is None:
        raise NotFound("You have no comment with that id.")
    return row.post_id


def edit_comment(
    session: Session, member_id: int, comment_id: int, text: str, *, now: datetime | None = None
) -> bool:
    """Replace the text of the member's own comment; the earlier text becomes a revision.
    Returns whether the text changed."""
    row = own_comment(session, member_id, comment_id)
    changed = revise(session, row, DATA_CLASS, None, {"text": _clean(text)}, now)
    if changed:
        session.add_all(mention_rows(session, DATA_CLASS, row.id, row.text, member_id))
    session.flush()
    return bool(changed)


def delete_comment(
    session: Session, member_id: int, comment_id: int, *, now: datetime | None = None
) -> int:
    """Soft-delete a comment: the member wrote it, or wrote the post it is on. Returns
    the comment's author (whose datasets the deletion changes)."""
    row = _live_comment(session, comment_id)
    post = session.get(Post, row.post_id) if row is not None else None
    allowed = row is not None and post is not None and member_id in (row.member_id, post.member_id)
    if not allowed or post is None or post.deleted_at is not None:
        raise NotFound("You have no comment with that id.")
    assert row is not None
    row.deleted_at = now or utcnow()
    session.flush()
    return row.member_id


def set_comment_no_ai_training(
    session: Session, member_id: int, comment_id: int, no_ai_training: bool
) -> dict[str, bool]:
    """State "No AI training" (or allow it again) on the member's own comment; returns
    the comment's usage preferences now (the latest statement wins)."""
    row = own_comment(session, member_id, comment_id)
    state_usage(
        session, data_class=DATA_CLASS, item_id=row.id, usage={NO_AI_CATEGORY: not no_ai_training}
    )
    session.flush()
    return queries.usage_preferences(session, data_class=DATA_CLASS, item_id=row.id)


def comments_on(session: Session, *, post_id: int, viewer_id: int) -> list[CommentView]:
    """The live comments on a post the viewer may read, oldest first; NotFound otherwise.
    Comments by deleted members are left out."""
    post = _readable_post(session, post_id, viewer_id)
    rows = session.execute(
        select(Comment, Member.handle, Member.display_name)
        .join(Member, Member.id == Comment.member_id)
        .where(
            Comment.post_id == post.id, Comment.deleted_at.is_(None), Member.deleted_at.is_(None)
        )
        .order_by(Comment.created_at, Comment.id)
    ).all()
    denied = _no_ai(session, [c.id for c, _, _ in rows])
    return [
        CommentView(
            id=c.id,
            post_id=c.post_id,
            author_id=c.member_id,
            author_handle=handle,
            author_name=name,
            text=c.text,
            created_at=c.created_at,
            edited=c.updated_at > c.created_at,
            no_ai_training=c.id in denied,
            can_edit=c.member_id == viewer_id,
            can_delete=viewer_id in (c.member_id, post.member_id),
        )
        for c, handle, name in rows
    ]


def _no_ai(session: Session, comment_ids: Sequence[int]) -> set[int]:
    """Which of these comments' latest `train-ai` statement says no."""
    latest: dict[int, bool] = {}
    if comment_ids:
        for item_id, allowed in session.execute(
            select(UsagePreference.item_id, UsagePreference.allowed)
            .where(
                UsagePreference.data_class == DATA_CLASS,
                UsagePreference.category == NO_AI_CATEGORY,
                UsagePreference.item_id.in_(list(comment_ids)),
            )
            .order_by(UsagePreference.stated_at, UsagePreference.id)
        ):
            latest[item_id] = bool(allowed)
    return {item_id for item_id, allowed in latest.items() if not allowed}


def delete_comments_on(session: Session, post_id: int, *, now: datetime) -> set[int]:
    """Soft-delete every live comment on a post being deleted; returns their authors."""
    rows = session.scalars(
        select(Comment).where(Comment.post_id == post_id, Comment.deleted_at.is_(None))
    ).all()
    for row in rows:
        row.deleted_at = now
    session.flush()
    return {row.member_id for row in rows}
