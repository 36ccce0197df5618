"""Export and import pages: take your data with you, or bring it from LinkedIn.

- Export (GDPR Art. 15 and 20): POST /account/export answers with a zip of the signed-in
  member's data (`rights.export.export_archive`: the layout of LinkedIn's own export plus
  the AI-use files). A POST, not a GET, so a link on another
  site cannot make a browser download someone's data into a place they did not choose.
- Import: POST /account/import takes a LinkedIn export archive and fills the signed-in
  member's profile (`network.linkedin_import`), then shows what was and was not imported,
  file by file. An upload that is not a zip, too big or a zip bomb is refused with a 4xx
  and nothing is written.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, File, HTTPException, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from consentry.network.linkedin_import import (
    MAX_ARCHIVE_BYTES,
    ArchiveRejected,
    ImportReport,
    import_into,
    read_archive,
)
from consentry.rights.export import ExportArchive, export_archive
from consentry.store.tables import Member
from consentry.web.deps import CurrentMember, DbSession
from consentry.web.layout import render

router = APIRouter(include_in_schema=False)


def zip_download(archive: ExportArchive) -> Response:
    """An export as a zip file download."""
    return Response(
        archive.data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{archive.filename}"'},
    )


def read_upload(request: Request, upload: UploadFile) -> bytes:
    """The uploaded file's bytes, refusing (413) anything over the archive limit
    without reading more than one byte past it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_ARCHIVE_BYTES + 64 * 1024:
        raise HTTPException(413, f"The file is larger than {MAX_ARCHIVE_BYTES // 2**20} MiB.")
    data = upload.file.read(MAX_ARCHIVE_BYTES + 1)
    if len(data) > MAX_ARCHIVE_BYTES:
        raise HTTPException(413, f"The file is larger than {MAX_ARCHIVE_BYTES // 2**20} MiB.")
    return data


def import_upload(db: Session, member: Member, data: bytes) -> ImportReport:
    """Read and import an archive into `member`; 4xx with nothing written if unreadable."""
    try:
        parsed = read_archive(data)
    except ArchiveRejected as exc:
        raise HTTPException(exc.status, str(exc)) from None
    return import_into(db, parsed, member_id=member.id)


@router.get("/account/export")
def export_page(request: Request, member: CurrentMember) -> Response:
    return render(request, "export.html", {"max_mib": MAX_ARCHIVE_BYTES // 2**20})


@router.post("/account/export")
def export_download(request: Request, db: DbSession, member: CurrentMember) -> Response:
    return zip_download(export_archive(db, member.id, base_url=str(request.base_url)))


@router.get("/account/import")
def import_page(request: Request, member: CurrentMember) -> Response:
    return render(request, "export.html", {"max_mib": MAX_ARCHIVE_BYTES // 2**20})


@router.post("/account/import")
def import_archive(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    archive: Annotated[UploadFile, File(description="A LinkedIn data export (.zip).")],
) -> Response:
    data = read_upload(request, archive)
    report = import_upload(db, member, data)
    return render(request, "import_report.html", {"report": report})


def install(app: FastAPI) -> None:
    """Add the export and import pages."""
    app.include_router(router)
