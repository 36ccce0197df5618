"""The one consented-query builder: every read of member content for AI goes through it.

`consented_items` returns a single SELECT over every item of a purpose's data classes that
existed at the snapshot time, with its text *as of* that time and a column `excluded`
that is NULL for an eligible item and otherwise names why it is left out. Consent is part
of the query — a join with the set-based batch decisions — not a check after it, so no
caller can read an item's text for AI without its author's decision beside it.

Exclusion reasons, in order of precedence:
``deleted`` (item or author deleted by then), ``jurisdiction`` (the policy excludes the
author's region, or the stored region is not a valid code), ``under_age``, ``no_consent`` (not allowed: never granted, withdrawn,
objected, erased, or consent needing renewal), ``item_preference`` (the item's own usage
preference denies the purpose's aipref category). Private messages are never selected;
`private_count` counts them for the manifest.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    SQLColumnExpression,
    String,
    and_,
    case,
    false,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)

from consentry.consent.decide import DecisionCode
from consentry.consent.signals import denied_items
from consentry.store.tables import (
    Comment,
    Job,
    Member,
    Message,
    Post,
    Profile,
    Revision,
)


class ExclusionReason(StrEnum):
    """Why an item is left out of a dataset (module docstring), as counted in every
    manifest's `excluded`. `private` items are never selected, only counted."""

    DELETED = "deleted"
    JURISDICTION = "jurisdiction"
    UNDER_AGE = "under_age"
    NO_CONSENT = "no_consent"
    ITEM_PREFERENCE = "item_preference"
    PRIVATE = "private"


EXCLUSION_REASONS = tuple(ExclusionReason)

# Which decision reason codes mean which exclusion reason (anything else not allowed is
# `no_consent`).
_DECISION_TO_EXCLUSION = {
    DecisionCode.EXCLUDED: ExclusionReason.JURISDICTION,
    DecisionCode.UNDER_AGE: ExclusionReason.UNDER_AGE,
}


def _reason(reason: ExclusionReason):
    # Typed explicitly: a bare enum literal has no SQL type for PostgreSQL to infer.
    return literal(reason.value, String)


def text_as_of(table, data_class: str, field: str, at: datetime) -> ColumnElement[str]:
    """The text of `field` as it read at `at`: the current text if the item was last
    edited at or before `at`, else the one revision valid then. (A profile's item id is
    its member's id.)"""
    item_id = table.member_id if table is Profile else table.id
    earlier = (
        select(Revision.text)
        .where(
            Revision.data_class == data_class,
            Revision.item_id == item_id,
            Revision.field == field,
            Revision.valid_from <= at,
            Revision.valid_to > at,
        )
        .limit(1)
        .scalar_subquery()
    )
    return case((table.updated_at <= at, getattr(table, field)), else_=earlier)


def _exclusion(
    item_deleted, unplaced, decisions: FromClause, pref_denied
) -> ColumnElement[str | None]:
    return case(
        (item_deleted, _reason(ExclusionReason.DELETED)),
        (unplaced, _reason(ExclusionReason.JURISDICTION)),
        *(
            (decisions.c.reason_code == code.value, _reason(reason))
            for code, reason in _DECISION_TO_EXCLUSION.items()
        ),
        (decisions.c.allowed == false(), _reason(ExclusionReason.NO_CONSENT)),
        (pref_denied, _reason(ExclusionReason.ITEM_PREFERENCE)),
        else_=null(),
    )


def _gone(table, at: datetime):
    return and_(table.deleted_at.is_not(None), table.deleted_at <= at)


def _member_gone(at: datetime):
    return and_(Member.deleted_at.is_not(None), Member.deleted_at <= at)


@dataclass(frozen=True)
class _Source:
    """How one data class maps onto the common item columns."""

    data_class: str
    #: An ORM class with ``created_at`` and ``deleted_at`` columns.
    table: type[Any]
    author: SQLColumnExpression[Any]
    columns: dict[str, SQLColumnExpression[Any]]
    where: tuple = ()


def _sources(at: datetime) -> list[_Source]:
    country = func.substr(Member.region, 1, 2)
    empty = literal("")
    sources = [
        _Source(
            "profile",
            Profile,
            Profile.member_id,
            {
                "item_id": Profile.member_id,
                "title": text_as_of(Profile, "profile", "headline", at),
                "text": text_as_of(Profile, "profile", "about", at),
                "industry": Profile.industry,
                "country": country,
                "seniority": empty,
                "company": empty,
            },
        ),
    ]
    for kind in ("post", "article"):
        sources.append(
            _Source(
                kind,
                Post,
                Post.member_id,
                {
                    "item_id": Post.id,
                    "title": Post.title,
                    "text": text_as_of(Post, kind, "text", at),
                    "industry": empty,
                    "country": country,
                    "seniority": empty,
                    "company": empty,
                },
                (Post.kind == kind,),
            )
        )
    sources.append(
        _Source(
            "comment",
            Comment,
            Comment.member_id,
            {
                "item_id": Comment.id,
                "title": empty,
                "text": text_as_of(Comment, "comment", "text", at),
                "industry": empty,
                "country": country,
                "seniority": empty,
                "company": empty,
            },
        )
    )
    sources.append(
        _Source(
            "job",
            Job,
            Job.recruiter_id,
            {
                "item_id": Job.id,
                "title": text_as_of(Job, "job", "title", at),
                "text": text_as_of(Job, "job", "description", at),
                "industry": empty,
                "country": func.substr(Job.region, 1, 2),
                "seniority": Job.seniority,
                "company": Job.company,
            },
        )
    )
    return sources


def consented_items(
    data_classes: tuple[str, ...],
    *,
    decisions: FromClause,
    aipref_category: str | None,
    at: datetime,
    deleted_by: datetime | None = None,
    regions: Collection[str] | None = None,
) -> Select:
    """Every item of `data_classes` that existed at `at`, with its text then and why (if
    at all) it is excluded.

    `deleted_by` (default `at`) is the time up to which deletions count: a new build
    passes the time it starts, so an item or account deleted since `at` — an erasure
    above all — never enters a new dataset, even one built as of an earlier position.
    An audit re-deriving an old build passes nothing and sees the network as it was.

    `decisions` is the batch-decision relation for the purpose as of the build's ledger
    position, with columns ``member_id``, ``allowed`` (boolean) and ``reason_code``.
    `regions`, when given, are the region codes known to be valid: an author whose stored
    region is none of them is excluded as ``jurisdiction`` (no rule can be known to apply).
    Columns: data_class, item_id, member_id, title, text, industry, country, seniority,
    company, created_at, excluded.
    """
    denied = denied_items(aipref_category, at).cte("denied_items") if aipref_category else None
    parts: list[Select] = []
    for src in _sources(at):
        if src.data_class not in data_classes:
            continue
        item_id = src.columns["item_id"]
        says_no = false()
        if denied is not None:
            says_no = denied.c.item_id.is_not(None)
        cutoff = deleted_by or at
        gone = or_(_gone(src.table, cutoff), _member_gone(cutoff))
        unplaced = false() if regions is None else Member.region.not_in(sorted(regions))
        excluded = _exclusion(gone, unplaced, decisions, says_no)
        stmt: Select = (
            select(
                literal(src.data_class).label("data_class"),
                item_id.label("item_id"),
                src.author.label("member_id"),
                *(src.columns[c].label(c) for c in _TEXT_COLUMNS),
                src.table.created_at.label("created_at"),
                excluded.label("excluded"),
            )
            .join(Member, Member.id == src.author)
            .join(decisions, decisions.c.member_id == src.author)
        )
        if denied is not None:
            stmt = stmt.outerjoin(
                denied,
                and_(denied.c.data_class == src.data_class, denied.c.item_id == item_id),
            )
        parts.append(stmt.where(src.table.created_at <= at, *src.where))
    if not parts:
        raise ValueError("a purpose needs at least one trainable data class")
    return union_all(*parts).subquery("items").select()


_TEXT_COLUMNS = ("title", "text", "industry", "country", "seniority", "company")


def private_count(at: datetime) -> Select:
    """How many private messages existed at `at`: never selected, counted as excluded."""
    return select(func.count()).select_from(Message).where(Message.created_at <= at)
