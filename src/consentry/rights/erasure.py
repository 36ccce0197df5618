"""Erasure (GDPR Art. 17): the account, the member's content, and every model trained on it.

`erase` appends the erasure to the ledger, erases the member's data from the network and
queues the propagation that removes them from every dataset and model, in one commit.

What is erased, in the network's own tables:
- the account: soft-deleted (`deleted_at`), and its identifying fields overwritten —
  handle and email become `erased-<id>`, names become "Erased member", the password hash
  an unusable value (so the member can no longer sign in, and the email is free again);
  before the name is overwritten, keyed hashes of the ways it is written are kept
  (`erased_name_hashes`, never the name), so that every later build still scrubs it from
  other members' texts (`consentry.datasets.scrub.erased`);
- everything the member authored: profile (headline, about, industry, location), positions,
  education, skills, posts and articles, comments, job postings, and the private messages
  they sent — soft-deleted with their text blanked, and every earlier revision of that text
  deleted, so no as-of read (a dataset built at an old ledger position) can bring it back;
- their connections (the relationship itself is their data), and every connection request
  they sent or received, with its private note, both directions;
- their ways in: every browser session is deleted and every API token revoked;
- their notifications are deleted, and other members' no longer name them as the actor;
- their job applications, with their private notes, and their postings' skills (the
  search index follows, by its triggers); applications others sent to their postings
  stay, as the applicants' own;
- the generator's ground-truth rows for their items (`planted_pii`).

What is kept, and why:
- the consent ledger entries (member id, purpose, action, time): the proof that consent
  was given and withdrawn is needed to demonstrate compliance (Art. 5(2), Art. 17(3)(b)/(e));
  the ledger is append-only by design;
- region and birth date on the member row: decisions recorded in the ledger and audits
  of datasets built before the erasure depend on them; with name, email and handle gone
  they no longer identify anyone. Their `region_changes` rows stay for the same reason:
  they say which region's rules applied when, and hold nothing else;
- other members' content: comments on the member's posts, messages sent to the member,
  mentions of their old handle — those are their authors' data. A message to the member
  stays its sender's (in the sender's export); no thread with an erased member is shown,
  and the notifications the erased member caused about requests and messages are deleted;
- receipts (they are the member's proof, and name only ids and hashes).
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Engine, delete, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from consentry.config import Settings
from consentry.consent.ledger import with_retry
from consentry.consent.record import record_erasure
from consentry.datasets.scrub.known import remember_erased_name
from consentry.errors import Conflict, NotFound
from consentry.keys import KeyPurpose, Keyring
from consentry.network import (
    api_tokens,
    connections,
    jobs,
    messages,
    notifications,
    reactions,
    web_sessions,
)
from consentry.rights.queue import enqueue
from consentry.rights.withdrawal import RightsRequest
from consentry.store.engine import utcnow
from consentry.store.rights_tables import JobKind
from consentry.store.tables import (
    Base,
    Comment,
    Connection,
    Education,
    Job,
    Member,
    Message,
    PlantedPII,
    Position,
    Post,
    Profile,
    Revision,
    Skill,
)

ERASED_NAME = "Erased member"
#: Not an argon2 hash: verification of any password against it fails.
UNUSABLE_PASSWORD = "!erased"

# (table, data class in revisions/planted_pii, author column, text fields to blank)
_Authored = tuple[type[Base], str | None, InstrumentedAttribute[int], dict[str, str]]
_AUTHORED: tuple[_Authored, ...] = (
    (
        Profile,
        "profile",
        Profile.member_id,
        {"headline": "", "about": "", "industry": "", "location": ""},
    ),
    (
        Position,
        None,
        Position.member_id,
        {"title": "", "company": "", "location": "", "description": ""},
    ),
    (Education, None, Education.member_id, {"school": "", "degree": "", "field_of_study": ""}),
    (Skill, None, Skill.member_id, {}),
    (Post, "post", Post.member_id, {"title": "", "text": ""}),
    (Comment, "comment", Comment.member_id, {"text": ""}),
    (Job, "job", Job.recruiter_id, {"title": "", "description": ""}),
    (Message, "message", Message.sender_id, {"text": ""}),
)


def erase_content(session: Session, member_id: int, *, erased_key: bytes) -> dict[str, int]:
    """Erase `member_id`'s account and authored content (see the module docstring), in
    the caller's transaction; `erased_key` is the `erased-names` key the name's hashes
    are kept under. Returns how many rows of each table were erased."""
    now = utcnow()
    member = session.get(Member, member_id)
    counts: dict[str, int] = {
        # Before the name is overwritten below; the hashes commit or roll back with it.
        "erased_name_hashes": remember_erased_name(session, erased_key, member) if member else 0
    }
    for table, data_class, author, blank in _AUTHORED:
        # A table without an id (the profile) is keyed by its author column.
        key = table.id if hasattr(table, "id") else author
        ids = list(session.scalars(select(key).where(author == member_id)))
        counts[table.__tablename__] = len(ids)
        if not ids:
            continue
        session.execute(
            update(table)
            .where(author == member_id)
            .values(**blank, deleted_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if data_class is not None:
            for gone in (Revision, PlantedPII):
                session.execute(
                    delete(gone).where(gone.data_class == data_class, gone.item_id.in_(ids))
                )
    # An article keeps its earlier texts under its own data class, not `post`.
    articles = select(Post.id).where(Post.member_id == member_id, Post.kind == "article")
    for gone in (Revision, PlantedPII):
        session.execute(
            delete(gone).where(gone.data_class == "article", gone.item_id.in_(articles))
        )
    counts["reactions"] = reactions.forget_member(session, member_id)
    gone_connections = cast(
        CursorResult[Any],
        session.execute(
            delete(Connection).where(
                or_(Connection.member_id == member_id, Connection.other_id == member_id)
            )
        ),
    )
    counts["connections"] = gone_connections.rowcount
    # Signed in nowhere any more: every browser session ends, every API token is revoked.
    counts["web_sessions"] = web_sessions.end_all(session, member_id)
    counts["api_tokens"] = api_tokens.revoke_all(session, member_id)
    # Invitations either way (their notes with them) and what told of them or of the
    # member's messages; messages sent to the member stay (module docstring).
    counts["connection_requests"] = connections.forget_member(session, member_id)
    counts["message_notifications"] = messages.forget_member(session, member_id)
    counts["notifications"] = notifications.forget_member(session, member_id)
    # Their job applications (with their private notes) and their postings' skills.
    counts["job_applications"] = jobs.forget_member(session, member_id)
    session.execute(
        update(Member)
        .where(Member.id == member_id)
        .values(
            handle=f"erased-{member_id}",
            email=f"erased-{member_id}@erased.invalid",
            first_name=ERASED_NAME.split()[0],
            last_name=ERASED_NAME.split()[1],
            display_name=ERASED_NAME,
            password_hash=UNUSABLE_PASSWORD,
            deleted_at=now,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return counts


def erase(
    db: Engine, settings: Settings, member_id: int, *, source: str, actor: str
) -> RightsRequest:
    """Erase `member_id`: ledger entry, network data, and queued propagation, one commit.

    Raises ConsentryError, writing nothing, for an unknown or already erased member.
    """

    erased_key = Keyring.load(settings).key(KeyPurpose.ERASED_NAMES).secret

    def work(session: Session) -> RightsRequest:
        member = session.get(Member, member_id)
        if member is None:
            raise NotFound(f"no member {member_id}")
        if member.deleted_at is not None:
            raise Conflict(f"member {member_id} is already erased")
        entry = record_erasure(session, member_id, source=source, actor=actor)
        erase_content(session, member_id, erased_key=erased_key)
        return RightsRequest(entry, enqueue(session, entry, kind=JobKind.ERASE))

    return with_retry(db, work)
