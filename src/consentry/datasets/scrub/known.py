"""What the network knows about who its members are: the names and handles to scrub.

A scrubber that knows every member's display name, first and last name and handle finds
members named in free text even when their given name is in no list. Erased members'
names are no longer in the members table; they are known by keyed hashes only
(`erased.py`), written here in the erasure's transaction and read back for every build.

A build gathers all of it once, on the driver, into a `ScrubberSpec`: plain values that
pickle, so that every worker process of a dataset engine (a Spark executor's Python
worker, say) makes the same scrubber from them, once per process.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from consentry.datasets.scrub.erased import ErasedNames, name_hashes
from consentry.datasets.scrub.scrubber import Scrubber, ner_setting
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


@dataclass(frozen=True)
class ScrubberSpec:
    """What a scrubber of the network is made from, as plain picklable values: the known
    full names and handles, the erased-name key and stored hashes, and whether the NER
    stage runs (already resolved, so that a worker's environment cannot change it).

    `token` is a digest of all of it (`of` computes it): equal tokens make equal
    scrubbers, which is what lets `scrubber()` keep one per process."""

    known_names: tuple[str, ...]
    known_handles: tuple[str, ...]
    erased_key: bytes
    erased_hashes: tuple[tuple[str, int, int], ...]
    ner: bool
    token: str

    @classmethod
    def of(
        cls,
        known_names=(),
        known_handles=(),
        *,
        erased_key: bytes = b"",
        erased_hashes=(),
        ner: bool | None = None,
    ) -> ScrubberSpec:
        values = (
            tuple(known_names),
            tuple(known_handles),
            erased_key,
            tuple(sorted(tuple(h) for h in erased_hashes)),
            ner_setting() if ner is None else bool(ner),
        )
        token = hashlib.sha256(pickle.dumps(values, protocol=5)).hexdigest()
        return cls(*values, token=token)

    def new_scrubber(self) -> Scrubber:
        """A fresh scrubber made from this spec."""
        return Scrubber(
            known_names=self.known_names,
            known_handles=self.known_handles,
            erased=ErasedNames(self.erased_key, self.erased_hashes),
            ner=self.ner,
        )

    def scrubber(self) -> Scrubber:
        """This process's scrubber for this spec, made on first use. Only the latest
        spec's is kept: a process serves one build at a time, and a scrubber of a large
        network holds every name. Not thread-safe (nor is a scrubber)."""
        made = _MADE.get(self.token)
        if made is None:
            _MADE.clear()
            made = _MADE[self.token] = self.new_scrubber()
        return made


_MADE: dict[str, Scrubber] = {}


def network_spec(
    session: Session, *, erased_key: bytes, ner: bool | None = None
) -> tuple[ScrubberSpec, dict[int, tuple[str, ...]]]:
    """The network's `ScrubberSpec` — every member's name and handle and every erased
    name — and each member's own names (display, first, last) for scrubbing their own
    records. `ner`: whether the NER stage runs (`Settings.scrub_ner`; None: as the
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
    erased = session.execute(
        select(ErasedNameHash.digest, ErasedNameHash.words, ErasedNameHash.gate)
    )
    spec = ScrubberSpec.of(
        display,
        handles,
        erased_key=erased_key,
        erased_hashes=((r.digest, r.words, r.gate) for r in erased),
        ner=ner,
    )
    return spec, names


def network_scrubber(
    session: Session, *, erased_key: bytes, ner: bool | None = None
) -> tuple[Scrubber, dict[int, tuple[str, ...]]]:
    """A fresh scrubber made from `network_spec`, and each member's own names."""
    spec, names = network_spec(session, erased_key=erased_key, ner=ner)
    return spec.new_scrubber(), names
