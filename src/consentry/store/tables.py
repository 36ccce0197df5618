"""The network's tables: members, profiles, posts, jobs, messages, connections.

Every item carries creation, edit and soft-deletion times. An edit moves the text it
replaces into `revisions` (valid from the item's previous `updated_at` until the edit),
so the text of any item as of any past time is either the current text (if the item was
last edited at or before that time) or exactly one revision row.

Consent tables live in `consentry.store.consent_tables`, dataset and model tables in
their own modules; all share `Base.metadata`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, validates

from consentry.regions import normalise_region

# Stable constraint names so migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

DATA_CLASSES = ("profile", "post", "comment", "article", "job", "message")
ROLES = ("member", "recruiter", "admin")
# How much of a position's or a school's date is known: LinkedIn and members often give
# a year alone ("2016"), which must stay "2016", never become "Jan 2016".
DATE_PRECISIONS = ("year", "month", "day")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Timestamps:
    """Creation, last edit and soft deletion; all naive UTC."""

    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Member(Timestamps, Base):
    """An account. `region` is ISO 3166-1 alpha-2 (`DE`) or ISO 3166-2 (`US-CA`), stored
    in canonical form (`consentry.regions.normalise_region`)."""

    __tablename__ = "members"
    # Batch decisions read the members region by region from this index alone
    # (`consent.decide._people`, migration 0017).
    __table_args__ = (
        Index(
            "ix_members_decisions",
            "region",
            "id",
            postgresql_include=["birth_date", "created_at"],
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handle: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    first_name: Mapped[str] = mapped_column(String(100), nullable=False)
    last_name: Mapped[str] = mapped_column(String(100), nullable=False)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False)
    email: Mapped[str] = mapped_column(String(320), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(200), nullable=False)
    region: Mapped[str] = mapped_column(String(8), nullable=False, index=True)
    birth_date: Mapped[date] = mapped_column(Date, nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False, default="member")
    premium: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    @validates("region")
    def _canonical_region(self, _key: str, value: str) -> str:
        # Whatever route sets it, a member's region is stored canonical or not at all
        # (RegionError, an InvalidInput, for an unknown code).
        return normalise_region(value)


class Profile(Timestamps, Base):
    """One per member: headline and about are revisioned text."""

    __tablename__ = "profiles"
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    headline: Mapped[str] = mapped_column(Text, nullable=False, default="")
    about: Mapped[str] = mapped_column(Text, nullable=False, default="")
    industry: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    location: Mapped[str] = mapped_column(String(200), nullable=False, default="")


class Position(Timestamps, Base):
    __tablename__ = "positions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    company: Mapped[str] = mapped_column(String(200), nullable=False)
    location: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    started_on: Mapped[date] = mapped_column(Date, nullable=False)
    ended_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    started_precision: Mapped[str] = mapped_column(
        String(8), nullable=False, default="month", server_default="month"
    )
    ended_precision: Mapped[str] = mapped_column(
        String(8), nullable=False, default="month", server_default="month"
    )
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")


class Education(Timestamps, Base):
    __tablename__ = "education"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), nullable=False, index=True)
    school: Mapped[str] = mapped_column(String(200), nullable=False)
    degree: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    field_of_study: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    started_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ended_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    started_precision: Mapped[str] = mapped_column(
        String(8), nullable=False, default="year", server_default="year"
    )
    ended_precision: Mapped[str] = mapped_column(
        String(8), nullable=False, default="year", server_default="year"
    )


class Skill(Timestamps, Base):
    __tablename__ = "skills"
    __table_args__ = (UniqueConstraint("member_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)


class Post(Timestamps, Base):
    """A post or an article (`kind`), the two data classes a member publishes."""

    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="post")
    title: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    text: Mapped[str] = mapped_column(Text, nullable=False)
    visibility: Mapped[str] = mapped_column(String(16), nullable=False, default="public")


class Comment(Timestamps, Base):
    __tablename__ = "comments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), nullable=False, index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), nullable=False, index=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)


class Mention(Base):
    """A member named with @handle inside an item's text."""

    __tablename__ = "mentions"
    __table_args__ = (Index("ix_mentions_item", "data_class", "item_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    data_class: Mapped[str] = mapped_column(String(16), nullable=False)
    item_id: Mapped[int] = mapped_column(Integer, nullable=False)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), nullable=False, index=True)


class Job(Timestamps, Base):
    """A job posting, posted by a recruiter."""

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recruiter_id: Mapped[int] = mapped_column(ForeignKey("members.id"), nullable=False, index=True)
    company: Mapped[str] = mapped_column(String(200), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    location: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    region: Mapped[str] = mapped_column(String(8), nullable=False, default="")
    remote: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    employment_type: Mapped[str] = mapped_column(String(32), nullable=False, default="full-time")
    seniority: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Open while null; a closed job takes no new applications and leaves job search.
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class JobSkill(Base):
    __tablename__ = "job_skills"
    __table_args__ = (UniqueConstraint("job_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)


class Message(Timestamps, Base):
    """A private message: the `message` data class, never trainable."""

    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_id: Mapped[int] = mapped_column(ForeignKey("members.id"), nullable=False, index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("members.id"), nullable=False, index=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    # When the recipient first saw it; unread while null.
    read_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Connection(Base):
    """An accepted connection, stored once with `member_id < other_id`."""

    __tablename__ = "connections"
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class Revision(Base):
    """An earlier text of one field of one item, valid over [valid_from, valid_to)."""

    __tablename__ = "revisions"
    __table_args__ = (Index("ix_revisions_item", "data_class", "item_id", "field", "valid_to"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    data_class: Mapped[str] = mapped_column(String(16), nullable=False)
    item_id: Mapped[int] = mapped_column(Integer, nullable=False)
    field: Mapped[str] = mapped_column(String(32), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    valid_from: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    valid_to: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class UsagePreference(Base):
    """A per-item usage preference (IETF aipref): category `train-ai` etc., allowed or not.

    Set from a `Content-Usage` header or the "no AI training" control when content is
    created or changed. Rows are never updated: the latest `stated_at` at or before a time
    is the item's preference then. No row means no preference was stated for that category.
    """

    __tablename__ = "usage_preferences"
    __table_args__ = (Index("ix_usage_preferences_item", "data_class", "item_id", "category"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    data_class: Mapped[str] = mapped_column(String(16), nullable=False)
    item_id: Mapped[int] = mapped_column(Integer, nullable=False)
    category: Mapped[str] = mapped_column(String(32), nullable=False)
    allowed: Mapped[bool] = mapped_column(Boolean, nullable=False)
    stated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class PlantedPII(Base):
    """Ground truth from the synthetic generator: a planted piece of personal data.

    `start`/`end` are character offsets into the current text of `field` of the item.
    """

    __tablename__ = "planted_pii"
    __table_args__ = (Index("ix_planted_pii_item", "data_class", "item_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    data_class: Mapped[str] = mapped_column(String(16), nullable=False)
    item_id: Mapped[int] = mapped_column(Integer, nullable=False)
    field: Mapped[str] = mapped_column(String(32), nullable=False)
    start: Mapped[int] = mapped_column(Integer, nullable=False)
    end: Mapped[int] = mapped_column(Integer, nullable=False)
    type: Mapped[str] = mapped_column(String(16), nullable=False)
    value: Mapped[str] = mapped_column(Text, nullable=False)
