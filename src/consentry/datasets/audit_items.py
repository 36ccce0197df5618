"""The audit's own reading of the network: which item each record is, whether it was live,
what its item preference said and what its text was at a time — plain SELECTs over the
content tables, `revisions` and `usage_preferences`, apart from the consented query.

A record id is an HMAC of (data class, item id) under the record-id key
(`records.record_id`, the record format's definition): the audit recomputes it for every
item of the purpose's data classes and keeps the ones the shard files hold, so the item —
and through it the author — comes from the network itself, never from the lineage the
build wrote.

Texts are compared by alignment: a stored text equals its source text with some spans
replaced by `<TYPE>` placeholders (each standing for at least one character), and
nothing else changed. That proves the record holds that revision's text, whatever the
scrubber's word lists were at build time; whether every span that should have been
replaced was is the residual-PII check's question (`audit_pii`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from consentry.datasets.records import record_id
from consentry.datasets.scrub import TYPES
from consentry.store.tables import Comment, Job, Post, Profile, Revision, UsagePreference

_PLACEHOLDER = re.compile("<(?:" + "|".join(TYPES) + ")>")


@dataclass(frozen=True)
class Item:
    """One network item a record came from, with its current title and text fields."""

    data_class: str
    item_id: int
    author: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    title: str
    text: str
    #: The revisioned field names behind `title` (None: not revisioned) and `text`.
    title_field: str | None
    text_field: str


def _sources(data_class: str) -> tuple[Any, list[Any], str | None, str]:
    """(table, selected columns, revisioned title field, text field) of a data class."""
    if data_class == "profile":
        cols = [Profile.member_id, Profile.member_id, Profile.headline, Profile.about]
        return Profile, cols, "headline", "about"
    if data_class in ("post", "article"):
        return Post, [Post.id, Post.member_id, Post.title, Post.text], None, "text"
    if data_class == "comment":
        return Comment, [Comment.id, Comment.member_id, Comment.id, Comment.text], None, "text"
    if data_class == "job":
        return Job, [Job.id, Job.recruiter_id, Job.title, Job.description], "title", "description"
    raise ValueError(f"no trainable items of class {data_class!r}")


def find_items(
    session: Session, key: bytes, data_classes: Iterable[str], wanted: Collection[str]
) -> dict[str, Item]:
    """The items, of `data_classes`, whose record ids are in `wanted`."""
    out: dict[str, Item] = {}
    for data_class in sorted(data_classes):
        table, cols, title_field, text_field = _sources(data_class)
        stmt: Select[Any] = select(*cols, table.created_at, table.updated_at, table.deleted_at)
        if table is Post:
            stmt = stmt.where(Post.kind == data_class)
        for found in session.execute(stmt.execution_options(yield_per=20_000)):
            item_id, author, title, text, created, updated, deleted = found
            rid = record_id(key, data_class, item_id)
            if rid in wanted:
                out[rid] = Item(
                    data_class,
                    item_id,
                    author,
                    created,
                    updated,
                    deleted,
                    "" if table is Comment else (title or ""),
                    text or "",
                    title_field,
                    text_field,
                )
    return out


class History:
    """The earlier texts and the usage preferences of a set of items, read once, then
    asked about any time."""

    def __init__(self, session: Session, items: Iterable[Item], category: str | None) -> None:
        by_class: dict[str, list[int]] = defaultdict(list)
        for item in items:
            by_class[item.data_class].append(item.item_id)
        self.revisions: dict[tuple[str, int, str], list[tuple[datetime, datetime, str]]] = (
            defaultdict(list)
        )
        self.preferences: dict[tuple[str, int], list[tuple[datetime, int, bool]]] = defaultdict(
            list
        )
        for data_class, ids in by_class.items():
            for i in range(0, len(ids), 5_000):
                chunk = ids[i : i + 5_000]
                for rev in session.execute(
                    select(
                        Revision.item_id,
                        Revision.field,
                        Revision.valid_from,
                        Revision.valid_to,
                        Revision.text,
                    ).where(Revision.data_class == data_class, Revision.item_id.in_(chunk))
                ):
                    key = (data_class, rev.item_id, rev.field)
                    self.revisions[key].append((rev.valid_from, rev.valid_to, rev.text))
                if category is None:
                    continue
                for row in session.execute(
                    select(
                        UsagePreference.item_id,
                        UsagePreference.stated_at,
                        UsagePreference.id,
                        UsagePreference.allowed,
                    ).where(
                        UsagePreference.data_class == data_class,
                        UsagePreference.category == category,
                        UsagePreference.item_id.in_(chunk),
                    )
                ):
                    self.preferences[(data_class, row.item_id)].append(
                        (row.stated_at, row.id, row.allowed)
                    )

    def field_at(self, item: Item, field: str | None, current: str, at: datetime) -> str | None:
        """The text of `field` as it read at `at`: the current text if the item was last
        edited by then, else the one revision valid then (None if there is none)."""
        if field is None or item.updated_at <= at:
            return current
        for start, end, text in self.revisions.get((item.data_class, item.item_id, field), ()):
            if start <= at < end:
                return text
        return None

    def says_no(self, item: Item, at: datetime) -> bool:
        """Whether the item's latest usage preference stated by `at` denies the category."""
        stated = [
            p for p in self.preferences.get((item.data_class, item.item_id), ()) if p[0] <= at
        ]
        return bool(stated) and not max(stated)[2]


def live(item: Item, author_deleted: datetime | None, at: datetime) -> bool:
    """Created by `at`, and neither the item nor its author's account deleted by then."""
    return (
        item.created_at <= at
        and (item.deleted_at is None or item.deleted_at > at)
        and (author_deleted is None or author_deleted > at)
    )


def aligned(stored: str, source: str) -> bool:
    """Whether `stored` is `source` with some spans replaced by placeholders, each
    standing for at least one character, and nothing else changed.

    Wildcard matching with literal pieces in order: placing each piece at its leftmost
    possible position leaves the most room for the rest, so one pass decides it.
    """
    pieces = _PLACEHOLDER.split(stored)
    if len(pieces) == 1:
        return stored == source
    first, *middle, last = pieces
    if not source.startswith(first):
        return False
    pos = len(first)
    for piece in middle:
        found = source.find(piece, pos + 1)
        if found < 0:
            return False
        pos = found + len(piece)
    return len(source) - len(last) >= pos + 1 and source.endswith(last)
