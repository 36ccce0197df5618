"""The network's everyday tables: connection requests, reactions, job applications,
notifications and region changes.

They sit beside `consentry.store.tables` (members, profiles, posts, jobs, messages,
connections) and share `Base.metadata`. None of them holds text that is ever trained on:
a connection request's note and a job application's note are private, like a message
(the `message` data class); reactions, notifications and region changes hold no text of
the member's at all.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from consentry.store.tables import Base

REQUEST_STATUSES = ("pending", "accepted", "declined", "withdrawn")
REACTION_KINDS = ("like", "celebrate", "support", "insightful", "curious")


class ConnectionRequest(Base):
    """An invitation to connect, from `sender_id` to `recipient_id`.

    `status` moves from `pending` to exactly one of `accepted`, `declined` (by the
    recipient) or `withdrawn` (by the sender), at `responded_at`. Accepting adds the
    `connections` row in the same transaction. `note` is private text (never trained).
    """

    __tablename__ = "connection_requests"
    __table_args__ = (
        Index("ix_connection_requests_recipient", "recipient_id", "status"),
        Index("ix_connection_requests_sender", "sender_id", "status"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_id: Mapped[int] = mapped_column(ForeignKey("members.id"), nullable=False)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("members.id"), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    responded_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Reaction(Base):
    """One member's reaction to a post, article or comment (`data_class`, `item_id`);
    at most one per member and item (reacting again changes its `kind`)."""

    __tablename__ = "reactions"
    __table_args__ = (
        UniqueConstraint("data_class", "item_id", "member_id", name="uq_reactions_item_member"),
        Index("ix_reactions_item", "data_class", "item_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    data_class: Mapped[str] = mapped_column(String(16), nullable=False)
    item_id: Mapped[int] = mapped_column(Integer, nullable=False)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="like")
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class JobApplication(Base):
    """A member's application to a job, with their profile as it stands; `note` is
    private text for the recruiter (never trained). Withdrawn applications keep their row
    with `withdrawn_at` set, so a member can apply once per job."""

    __tablename__ = "job_applications"
    __table_args__ = (
        UniqueConstraint("job_id", "member_id", name="uq_job_applications_job_member"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), nullable=False, index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), nullable=False, index=True)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Notification(Base):
    """Something a member should see: `kind` (e.g. `connection_request`, `message`,
    `applicant`, `policy_notice`), who caused it (`actor_id`, if a member) and what it is
    about (`subject`, `subject_id`: e.g. `job`, 12). Unread while `read_at` is null."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_member_read", "member_id", "read_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    subject: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    subject_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    read_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class RegionChange(Base):
    """A member's change of region, as it happened: decisions follow the member's region,
    so this is the history an auditor reads to see why a decision changed."""

    __tablename__ = "region_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), nullable=False, index=True)
    old_region: Mapped[str] = mapped_column(String(8), nullable=False)
    new_region: Mapped[str] = mapped_column(String(8), nullable=False)
    changed_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
