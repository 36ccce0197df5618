"""Publishing a post: validation, the post row, its mentions and its usage preferences.

The caller owns the transaction: `publish_post` and `set_no_ai_training` add rows and
flush (so the post has an id) but never commit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consentry.errors import InvalidInput, NotFound
from consentry.network.queries import usage_preferences
from consentry.store.engine import utcnow
from consentry.store.tables import Member, Mention, Post, UsagePreference

VISIBILITIES = ("public", "connections")
KINDS = ("post", "article")
MAX_TEXT = 10_000
MAX_TITLE = 300

# A handle is letters, digits, dots, dashes and underscores; `@` must not follow a word
# character, so an email address is not read as a mention.
_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9][A-Za-z0-9._-]{0,63})")


class PostRejected(InvalidInput):
    """The post cannot be published as written (empty, too long, unknown visibility...)."""


def _mentioned(session: Session, text: str, author_id: int) -> list[int]:
    handles = {h.rstrip(".").lower() for h in _MENTION.findall(text)}
    if not handles:
        return []
    return list(
        session.scalars(
            select(Member.id)
            .where(func.lower(Member.handle).in_(handles), Member.deleted_at.is_(None))
            .where(Member.id != author_id)
            .order_by(Member.id)
        )
    )


def mention_rows(
    session: Session, data_class: str, item_id: int, text: str, author_id: int
) -> list[Mention]:
    """Mentions of live members in `text` not yet recorded for the item (an edit keeps
    the mentions of the text it replaces: that text is still read as of earlier times)."""
    known = set(
        session.scalars(
            select(Mention.member_id).where(
                Mention.data_class == data_class, Mention.item_id == item_id
            )
        )
    )
    return [
        Mention(data_class=data_class, item_id=item_id, member_id=member_id)
        for member_id in _mentioned(session, text, author_id)
        if member_id not in known
    ]


def state_usage(
    session: Session,
    *,
    data_class: str,
    item_id: int,
    usage: Mapping[str, bool | None],
    at: datetime | None = None,
) -> list[UsagePreference]:
    """Record the item's stated usage preferences (category -> allowed; None means
    unknown and is not stored). Rows are never updated: the latest statement wins."""
    at = at or utcnow()
    rows = []
    for category, allowed in sorted(usage.items()):
        if allowed is None:
            continue
        if not category or len(category) > 32:
            raise PostRejected(f"usage category {category!r} is not a valid category name")
        rows.append(
            UsagePreference(
                data_class=data_class,
                item_id=item_id,
                category=category,
                allowed=bool(allowed),
                stated_at=at,
            )
        )
    session.add_all(rows)
    return rows


def publish_post(
    session: Session,
    *,
    author_id: int,
    text: str,
    visibility: str = "public",
    kind: str = "post",
    title: str = "",
    usage: Mapping[str, bool | None] | None = None,
    now: datetime | None = None,
) -> Post:
    """Create a post (or article) by `author_id` and return it, flushed, with its id.

    `usage` maps usage-preference categories (`train-ai`, ...) to allowed or not; each is
    stored as a per-item `UsagePreference` stated at the post's creation time. `@handle`
    mentions of live members are recorded so later stages know whom the text names.
    Raises `PostRejected` for input a member must fix.
    """
    text = text.strip()
    title = title.strip()
    if not text:
        raise PostRejected("a post needs some text")
    if len(text) > MAX_TEXT:
        raise PostRejected(f"a post can be at most {MAX_TEXT:,} characters long")
    if visibility not in VISIBILITIES:
        raise PostRejected(f"visibility must be one of {', '.join(VISIBILITIES)}")
    if kind not in KINDS:
        raise PostRejected(f"kind must be one of {', '.join(KINDS)}")
    if kind == "article" and not title:
        raise PostRejected("an article needs a title")
    if len(title) > MAX_TITLE:
        raise PostRejected(f"a title can be at most {MAX_TITLE} characters long")
    now = now or utcnow()
    row = Post(
        member_id=author_id,
        kind=kind,
        title=title,
        text=text,
        visibility=visibility,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    session.add_all(mention_rows(session, kind, row.id, text, author_id))
    if usage:
        state_usage(session, data_class=kind, item_id=row.id, usage=usage, at=now)
    session.flush()
    return row


#: The aipref category a post's "No AI training" control states (covers every AI use).
NO_AI_CATEGORY = "train-ai"


def own_post(session: Session, member_id: int, post_id: int) -> Post:
    """The member's own live post. Raises NotFound for anyone else's, exactly as for a
    post that does not exist, so nothing about other members' posts leaks."""
    row = session.get(Post, post_id)
    if row is None or row.member_id != member_id or row.deleted_at is not None:
        raise NotFound("You have no post with that id.")
    return row


def set_no_ai_training(
    session: Session, member_id: int, post_id: int, no_ai_training: bool
) -> dict[str, bool]:
    """State "No AI training" (or allow it again) on the member's own post; returns the
    post's usage preferences now. Rows are never updated: the latest statement wins."""
    row = own_post(session, member_id, post_id)
    state_usage(
        session, data_class=row.kind, item_id=row.id, usage={NO_AI_CATEGORY: not no_ai_training}
    )
    session.flush()
    return usage_preferences(session, data_class=row.kind, item_id=row.id)
