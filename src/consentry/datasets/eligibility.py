"""The one consented-query builder: every read of member content for AI goes through it.

`consented_items` returns a single SELECT over every item of a purpose's data classes that
existed at the snapshot time, with its text *as of* that time and a column `excluded`
that is NULL for an eligible item and otherwise names why it is left out. Consent is part
of the query — a join with the set-based batch decisions — not a check after it, so no
caller can read an item's text for AI without its author's decision beside it.

Exclusion reasons, in order of precedence:
``deleted`` (item or author deleted by then), ``jurisdiction`` (the policy excludes the
author's region), ``under_age``, ``no_consent`` (not allowed: never granted, withdrawn,
objected, erased, or consent needing renewal), ``item_preference`` (the item's own usage
preference denies the purpose's aipref category). Private messages are never selected;
`private_count` counts them for the manifest.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
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

from consentry.store.tables import (
    Comment,
    Job,
    Member,
    Message,
    Post,
    Profile,
    Revision,
    UsagePreference,
)

EXCLUSION_REASONS = (
    "deleted",
    "jurisdiction",
    "under_age",
    "no_consent",
    "item_preference",
    "private",
)

# Which decision reason codes mean which exclusion reason (anything else not allowed is
# `no_consent`).
_DECISION_TO_EXCLUSION = {"excluded": "jurisdiction", "under-age": "under_age"}


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


def _preference_denies(data_class: str, item_id, category: str | None, at: datetime):
    """True when the item's latest usage preference for `category` at `at` says no."""
    if category is None:
        return false()
    latest = (
        select(UsagePreference.allowed)
        .where(
            UsagePreference.data_class == data_class,
            UsagePreference.item_id == item_id,
            UsagePreference.category == category,
            UsagePreference.stated_at <= at,
        )
        .order_by(UsagePreference.stated_at.desc(), UsagePreference.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(latest, True) == false()


def _exclusion(item_deleted, decisions: FromClause, pref_denied) -> ColumnElement[str | None]:
    return case(
        (item_deleted, literal("deleted")),
        *(
            (decisions.c.reason_code == code, literal(reason))
            for code, reason in _DECISION_TO_EXCLUSION.items()
        ),
        (decisions.c.allowed == false(), literal("no_consent")),
        (pref_denied, literal("item_preference")),
        else_=null(),
    )


def _gone(table, at: datetime):
    return and_(table.deleted_at.is_not(None), table.deleted_at <= at)


def _member_gone(at: datetime):
    return and_(Member.deleted_at.is_not(None), Member.deleted_at <= at)


def consented_items(
    data_classes: tuple[str, ...],
    *,
    decisions: FromClause,
    aipref_category: str | None,
    at: datetime,
) -> Select:
    """Every item of `data_classes` that existed at `at`, with its text then and why (if
    at all) it is excluded.

    `decisions` is the batch-decision relation for the purpose as of the build's ledger
    position, with columns ``member_id``, ``allowed`` (boolean) and ``reason_code``.
    Columns: data_class, item_id, member_id, title, text, industry, country, seniority,
    company, created_at, excluded.
    """
    country = func.substr(Member.region, 1, 2)
    parts: list[Select] = []
    if "profile" in data_classes:
        parts.append(
            select(
                literal("profile").label("data_class"),
                Profile.member_id.label("item_id"),
                Profile.member_id.label("member_id"),
                text_as_of(Profile, "profile", "headline", at).label("title"),
                text_as_of(Profile, "profile", "about", at).label("text"),
                Profile.industry.label("industry"),
                country.label("country"),
                literal("").label("seniority"),
                literal("").label("company"),
                Profile.created_at.label("created_at"),
                _exclusion(
                    or_(_gone(Profile, at), _member_gone(at)),
                    decisions,
                    _preference_denies("profile", Profile.member_id, aipref_category, at),
                ).label("excluded"),
            )
            .join(Member, Member.id == Profile.member_id)
            .join(decisions, decisions.c.member_id == Profile.member_id)
            .where(Profile.created_at <= at)
        )
    for kind in ("post", "article"):
        if kind in data_classes:
            parts.append(
                select(
                    literal(kind).label("data_class"),
                    Post.id.label("item_id"),
                    Post.member_id.label("member_id"),
                    Post.title.label("title"),
                    text_as_of(Post, kind, "text", at).label("text"),
                    literal("").label("industry"),
                    country.label("country"),
                    literal("").label("seniority"),
                    literal("").label("company"),
                    Post.created_at.label("created_at"),
                    _exclusion(
                        or_(_gone(Post, at), _member_gone(at)),
                        decisions,
                        _preference_denies(kind, Post.id, aipref_category, at),
                    ).label("excluded"),
                )
                .join(Member, Member.id == Post.member_id)
                .join(decisions, decisions.c.member_id == Post.member_id)
                .where(Post.kind == kind, Post.created_at <= at)
            )
    if "comment" in data_classes:
        parts.append(
            select(
                literal("comment").label("data_class"),
                Comment.id.label("item_id"),
                Comment.member_id.label("member_id"),
                literal("").label("title"),
                text_as_of(Comment, "comment", "text", at).label("text"),
                literal("").label("industry"),
                country.label("country"),
                literal("").label("seniority"),
                literal("").label("company"),
                Comment.created_at.label("created_at"),
                _exclusion(
                    or_(_gone(Comment, at), _member_gone(at)),
                    decisions,
                    _preference_denies("comment", Comment.id, aipref_category, at),
                ).label("excluded"),
            )
            .join(Member, Member.id == Comment.member_id)
            .join(decisions, decisions.c.member_id == Comment.member_id)
            .where(Comment.created_at <= at)
        )
    if "job" in data_classes:
        parts.append(
            select(
                literal("job").label("data_class"),
                Job.id.label("item_id"),
                Job.recruiter_id.label("member_id"),
                text_as_of(Job, "job", "title", at).label("title"),
                text_as_of(Job, "job", "description", at).label("text"),
                literal("").label("industry"),
                func.substr(Job.region, 1, 2).label("country"),
                Job.seniority.label("seniority"),
                Job.company.label("company"),
                Job.created_at.label("created_at"),
                _exclusion(
                    or_(_gone(Job, at), _member_gone(at)),
                    decisions,
                    _preference_denies("job", Job.id, aipref_category, at),
                ).label("excluded"),
            )
            .join(Member, Member.id == Job.recruiter_id)
            .join(decisions, decisions.c.member_id == Job.recruiter_id)
            .where(Job.created_at <= at)
        )
    if not parts:
        raise ValueError("a purpose needs at least one trainable data class")
    return union_all(*parts).subquery("items").select()


def private_count(at: datetime) -> Select:
    """How many private messages existed at `at`: never selected, counted as excluded."""
    return select(func.count()).select_from(Message).where(Message.created_at <= at)
