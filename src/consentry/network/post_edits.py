"""Editing and deleting one's own post or article.

An edit changes the text (and an article's title) through `revisions.revise`: the
earlier wording stays as a revision, so a build as of an earlier ledger position still
reads what the post said then, while every build started after the edit reads only the
new text. A deletion is soft (`deleted_at`): the post leaves every page and every build
started later; an audit re-deriving an older build still sees the network as it was.
Deleting a post deletes the comments on it too (nobody could reach them any more, not
even to delete them), so each commenter's datasets change as well: `delete_post`
returns everyone whose content left, for the caller to refresh
(`rights.refresh.request_refresh`).

Only the author may edit or delete a post; anyone else's id answers NotFound, exactly
as an id that does not exist. The caller owns the transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from consentry.network.comments import delete_comments_on
from consentry.network.publishing import (
    MAX_TEXT,
    MAX_TITLE,
    PostRejected,
    mention_rows,
    own_post,
)
from consentry.network.revisions import revise
from consentry.store.engine import utcnow


def edit_post(
    session: Session,
    member_id: int,
    post_id: int,
    *,
    text: str,
    title: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Replace the text (and, given, the title) of the member's own post; returns whether
    anything changed. Raises PostRejected for text a member must fix."""
    row = own_post(session, member_id, post_id)
    text = text.strip()
    if not text:
        raise PostRejected("a post needs some text")
    if len(text) > MAX_TEXT:
        raise PostRejected(f"a post can be at most {MAX_TEXT:,} characters long")
    changes = {"text": text}
    if title is not None:
        title = title.strip()
        if row.kind == "article" and not title:
            raise PostRejected("an article needs a title")
        if len(title) > MAX_TITLE:
            raise PostRejected(f"a title can be at most {MAX_TITLE} characters long")
        changes["title"] = title
    changed = revise(session, row, row.kind, None, changes, now)
    if changed:
        session.add_all(mention_rows(session, row.kind, row.id, row.text, member_id))
    session.flush()
    return bool(changed)


def delete_post(
    session: Session, member_id: int, post_id: int, *, now: datetime | None = None
) -> set[int]:
    """Soft-delete the member's own post and the comments on it; returns the members
    whose content left (the author, and each commenter)."""
    row = own_post(session, member_id, post_id)
    now = now or utcnow()
    row.deleted_at = now
    session.flush()
    return {member_id} | delete_comments_on(session, row.id, now=now)
