"""Editing an item whose text is revisioned: the one way an item's `updated_at` moves.

The as-of reader (`datasets.eligibility.text_as_of`, and the audit's `History.field_at`)
reads a field at time T as the item's current text when `updated_at <= T`, else as the
ONE revision row of that field valid at T. So every time `updated_at` moves, every
revisioned field of the item needs a revision covering [previous updated_at, now) — the
fields that did not change as well, or an as-of read of them before the edit finds no
row and reads NULL. `revise` is the only writer that does this; profiles, posts,
articles, comments and jobs are all edited through it.

Which fields are revisioned, per data class, is `REVISIONED`: the fields the datasets
read as of a time.

The caller owns the transaction: `revise` adds rows and sets attributes, never commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from consentry.store.engine import utcnow
from consentry.store.tables import Profile, Revision

#: The fields of each data class whose text is read as of a time, so kept as revisions.
REVISIONED: dict[str, tuple[str, ...]] = {
    "profile": ("headline", "about"),
    "post": ("title", "text"),
    "article": ("title", "text"),
    "comment": ("text",),
    "job": ("title", "description"),
}


def item_id_of(row: Any) -> int:
    """The item id revisions and usage preferences use: a profile's is its member's id."""
    return int(row.member_id if isinstance(row, Profile) else row.id)


def revise(
    session: Session,
    row: Any,
    data_class: str,
    fields: Iterable[str] | None,
    changes: Mapping[str, Any],
    now: datetime | None = None,
) -> list[str]:
    """Apply `changes` (attribute -> new value) to `row`, keeping its earlier texts.

    When at least one value differs from the row's, one `Revision` is written for EVERY
    field in `fields` (default: `REVISIONED[data_class]`), changed or not, holding its
    text before the edit, valid from the row's previous `updated_at` until `now`; then
    the values are set and `updated_at` becomes `now`. `changes` may name fields that are
    not revisioned (a profile's location, a job's company): changing those moves
    `updated_at` too, so the revisioned texts are kept all the same.

    Returns the names of the attributes that changed; nothing is written when none did.
    """
    changed = {k: v for k, v in changes.items() if getattr(row, k) != v}
    if not changed:
        return []
    now = now or utcnow()
    kept = tuple(fields) if fields is not None else REVISIONED[data_class]
    # A clock that stepped back would give a revision ending before it starts; the
    # earlier text then holds until the moment it is replaced.
    since = min(row.updated_at, now)
    item_id = item_id_of(row)
    session.add_all(
        Revision(
            data_class=data_class,
            item_id=item_id,
            field=name,
            text=getattr(row, name) or "",
            valid_from=since,
            valid_to=now,
        )
        for name in kept
    )
    for name, value in changed.items():
        setattr(row, name, value)
    row.updated_at = now
    return list(changed)
