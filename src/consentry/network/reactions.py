"""Reactions to posts: one per member and post, changed or removed at will.

A member may react to a post they may read (`queries.post`); reacting again changes the
kind, `remove_reaction` takes it back. The post's author is notified of a new reaction
(kind `reaction`), never of their own and not again when one changes its kind.
Reactions are not text and are never read for AI.

Counts per kind, and the viewer's own reaction, are read with the posts
(`queries.reaction_summaries`). The caller owns the transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from consentry.errors import InvalidInput, NotFound
from consentry.network import queries
from consentry.network.notifications import notify
from consentry.store.engine import utcnow
from consentry.store.social_tables import REACTION_KINDS, Reaction
from consentry.store.tables import Post

#: How each kind reads on a page.
LABELS = {
    "like": "Like",
    "celebrate": "Celebrate",
    "support": "Support",
    "insightful": "Insightful",
    "curious": "Curious",
}


def _readable_post(session: Session, post_id: int, member_id: int) -> Post:
    if queries.post(session, post_id=post_id, viewer_id=member_id) is None:
        raise NotFound("There is no post with that id that you can see.")
    row = session.get(Post, post_id)
    assert row is not None
    return row


def react(
    session: Session, member_id: int, post_id: int, kind: str, *, now: datetime | None = None
) -> bool:
    """Set the member's reaction to a post they may read; returns True when it is new
    (not a change of kind). Raises InvalidInput for an unknown kind."""
    if kind not in REACTION_KINDS:
        raise InvalidInput(f"a reaction is one of {', '.join(REACTION_KINDS)}")
    post = _readable_post(session, post_id, member_id)
    now = now or utcnow()
    row = _reaction(session, post, member_id)
    if row is not None:
        row.kind = kind
        session.flush()
        return False
    try:
        # A second request of the same member racing this one hits the unique constraint;
        # it then changes the kind of the row the other one wrote.
        with session.begin_nested():
            session.add(
                Reaction(
                    data_class=post.kind,
                    item_id=post.id,
                    member_id=member_id,
                    kind=kind,
                    created_at=now,
                )
            )
    except IntegrityError:
        found = _reaction(session, post, member_id)
        assert found is not None
        found.kind = kind
        session.flush()
        return False
    if post.member_id != member_id:
        notify(
            session, post.member_id, "reaction", actor_id=member_id, subject="post",
            subject_id=post.id, at=now,
        )  # fmt: skip
    session.flush()
    return True


def _reaction(session: Session, post: Post, member_id: int) -> Reaction | None:
    return session.scalar(
        select(Reaction).where(
            Reaction.data_class == post.kind,
            Reaction.item_id == post.id,
            Reaction.member_id == member_id,
        )
    )


def remove_reaction(session: Session, member_id: int, post_id: int) -> bool:
    """Take back the member's reaction to a post they may read; False if there was none."""
    post = _readable_post(session, post_id, member_id)
    row = _reaction(session, post, member_id)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def forget_member(session: Session, member_id: int) -> int:
    """For an erasure: delete every reaction the member made; returns how many."""
    rows = session.scalars(select(Reaction).where(Reaction.member_id == member_id)).all()
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows)
