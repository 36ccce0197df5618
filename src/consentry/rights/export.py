"""A member's data export (GDPR Art. 15 and 20): one archive, the same from every face.

The archive is the network's LinkedIn-layout files (`network.export.member_files`, which
reads network tables only) plus the AI-use files of the right of access
(`rights.access.ai_use_files`: choices, datasets, models, pending propagation, receipts),
zipped with a README by `network.export.write_archive`. The web page, the JSON API and
`consentry export` all call `export_archive`, so a member gets the same files whichever
way they ask. Reads only, in the caller's session; writing the bytes somewhere is the
caller's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from consentry.errors import NotFound
from consentry.network.export import member_files, write_archive
from consentry.rights.access import ai_use_files
from consentry.store.engine import utcnow
from consentry.store.tables import Member


@dataclass(frozen=True)
class ExportArchive:
    """A finished export: the zip bytes, whose it is, and how many files it holds."""

    data: bytes
    handle: str
    files: int
    created_at: datetime

    @property
    def filename(self) -> str:
        """The name a download suggests: `consentry-<handle>-<YYYY-MM-DD>.zip`."""
        return f"consentry-{self.handle}-{self.created_at:%Y-%m-%d}.zip"


def export_archive(
    session: Session, member_id: int, *, base_url: str, when: datetime | None = None
) -> ExportArchive:
    """The whole export of live member `member_id` (profile links under `base_url`).

    Raises NotFound for an unknown or erased member.
    """
    member = session.get(Member, member_id)
    if member is None or member.deleted_at is not None:
        raise NotFound(f"no live member with id {member_id}")
    when = when or utcnow()
    files = member_files(session, member_id, base_url=base_url)
    files.update(ai_use_files(session, member_id))
    data = write_archive(files, handle=member.handle, when=when)
    return ExportArchive(data, member.handle, len(files) + 1, when)  # + README.txt
