"""What the network knows about who its members are: the names and handles to scrub.

A scrubber that knows every member's display name, first and last name and handle finds
members named in free text even when their given name is in no list. Erased members'
names are no longer in the members table; they are known by keyed hashes only
(`erased.py`), written here in the erasure's transaction and read back for every build.
"""

from __future__ import annotations

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from consentry.datasets.scrub.erased import ErasedNames, name_hashes
from consentry.datasets.scrub.scrubber import Scrubber
from consentry.store.rights_tables import ErasedNameHash
from consentry.store.tables import Member


def member_names(conn: Connection | Session) -> tuple[list[str], list[str]]:
    """(full names, handles) of every member, deleted ones included: a name stays personal."""
    names: list[str] = []
    handles: list[str] = []
    rows = conn.execute(
        select(Member.display_name, Member.first_name, Member.last_name, Member.handle)
    )
    for display, first, last, handle in rows:
        names.append(display)
        full = f"{first} {last}".strip()
        if full and full != display:
            names.append(full)
        handles.append(handle)
    return names, handles


def erased_names(conn: Connection | Session, key: bytes) -> ErasedNames:
    """Every stored erased-name hash, ready to match (`key`: the `erased-names` key)."""
    rows = conn.execute(select(ErasedNameHash.digest, ErasedNameHash.words, ErasedNameHash.gate))
    return ErasedNames(key, ((r.digest, r.words, r.gate) for r in rows))


def remember_erased_name(session: Session, key: bytes, member: Member) -> int:
    """Store the hashes of `member`'s name, in the caller's transaction, before the
    erasure overwrites it. Hashes already stored (a namesake erased before) are kept as
    they are. Returns how many were new."""
    hashes = name_hashes(
        key, member.first_name, member.last_name, member.display_name, member.handle
    )
    if not hashes:
        return 0
    stored = set(
        session.scalars(
            select(ErasedNameHash.digest).where(
                ErasedNameHash.digest.in_([h.digest for h in hashes])
            )
        )
    )
    new = [h for h in hashes if h.digest not in stored]
    session.add_all(ErasedNameHash(digest=h.digest, words=h.words, gate=h.gate) for h in new)
    session.flush()
    return len(new)


def network_scrubber(
    session: Session, *, erased_key: bytes, ner: bool | None = None
) -> tuple[Scrubber, dict[int, tuple[str, ...]]]:
    """A scrubber that knows every member's name and handle and every erased name, and
    each member's own names (display, first, last) for scrubbing their own records.
    `ner`: whether its NER stage runs (`Settings.scrub_ner`; None: the setting as the
    environment says)."""
    names: dict[int, tuple[str, ...]] = {}
    display: list[str] = []
    handles: list[str] = []
    for member_id, first, last, full, handle in session.execute(
        select(Member.id, Member.first_name, Member.last_name, Member.display_name, Member.handle)
    ):
        names[member_id] = (full, first, last)
        display.append(full)
        handles.append(handle)
    scrubber = Scrubber(
        known_names=display,
        known_handles=handles,
        erased=erased_names(session, erased_key),
        ner=ner,
    )
    return scrubber, names
