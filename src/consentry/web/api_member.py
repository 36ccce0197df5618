"""The member's own data under /api/v1/me: the same capabilities as the member pages.

Every route acts on the authenticated member only (the token's or the session's); no
route takes another member's id, so there is nothing to ask for that is not one's own.
A receipt or post id that is not the caller's answers 404, exactly like one that does
not exist. Choices made here are recorded with source `api`.

Routes whose work appends to the consent ledger (a choice, notices shown, erasure) take
`LedgerMember` and read the request session, if at all, only after the write.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import (
    APIRouter,
    Depends,
    FastAPI,
    File,
    Path,
    Request,
    UploadFile,
)
from fastapi.responses import Response
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from consentry.consent.member_choices import purpose_settings
from consentry.consent.notices import notices_affecting, show_notices
from consentry.network.api_tokens import Scope
from consentry.network.publishing import set_no_ai_training
from consentry.rights import access
from consentry.rights.export import export_archive
from consentry.web.account import erase_signed_in
from consentry.web.api import _ERRORS
from consentry.web.auth import sign_out
from consentry.web.deps import CurrentMember, DbSession, LedgerMember, require_scope
from consentry.web.portability import import_upload, read_upload, zip_download
from consentry.web.schemas import UtcDateTime
from consentry.web.settings_pages import apply_choice

_bearer = HTTPBearer(auto_error=False, description="An API token from POST /api/v1/tokens.")
router = APIRouter(
    prefix="/api/v1", responses=_ERRORS, dependencies=[Depends(_bearer)], tags=["my data"]
)

PurposeKey = Annotated[str, Path(max_length=32, pattern=r"^[a-z0-9-]+$")]
ReceiptId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
ItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class PurposeSettingOut(BaseModel):
    purpose: str
    title: str
    text: str = Field(description="The policy's plain-language description.")
    data_classes: list[str]
    basis: str = Field(description="consent, legitimate-interest or excluded.")
    allowed: bool
    reason: str = Field(description="Why, in one sentence (the decision's reason).")
    code: str
    changeable: bool
    propagation_pending: bool


class ChoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Strict: consent is given by a JSON true, never by "yes", "no", 1 or 0.
    allowed: StrictBool = Field(
        description="true to allow the purpose, false to withdraw or object."
    )


class ChoiceOut(BaseModel):
    purpose: str
    changed: bool = Field(description="false when your own latest choice already said so.")
    ledger_seq: int | None
    propagation_job_id: int | None
    setting: PurposeSettingOut


class UsageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    no_ai_training: StrictBool


class UsageOut(BaseModel):
    post_id: int
    usage_preferences: dict[str, bool]


class TimelineEntryOut(BaseModel):
    seq: int
    occurred_at: UtcDateTime
    action: str
    purpose: str
    source: str
    policy_version: int
    notice_version: int | None
    hash: str
    sentence: str


class DatasetOut(BaseModel):
    id: str
    purpose: str
    status: str
    records: int
    created_at: UtcDateTime
    retired_at: UtcDateTime | None


class ModelOut(BaseModel):
    id: str
    feature: str
    purpose: str
    dataset_id: str
    status: str
    created_at: UtcDateTime
    superseded_at: UtcDateTime | None


class PendingOut(BaseModel):
    job_id: int
    kind: str
    purpose: str
    status: str
    step: str
    requested_at: UtcDateTime
    error: str | None


class ReceiptSummaryOut(BaseModel):
    id: str
    kind: str
    purpose: str
    issued_at: str
    datasets: int
    models: int


class NoticeChangeOut(BaseModel):
    purpose: str
    title: str
    allowed_now: bool
    reason_now: str
    allowed_then: bool
    reason_then: str
    applies_from: UtcDateTime
    widened_to: list[str]
    what_changes: str = Field(description="The change in words, as the notice page says it.")
    action: str | None = Field(
        description="The action that fits (`Keep it off`, `Keep it on`, `Turn it off`, "
        "`Turn it on`), or null where acting now would change nothing."
    )


class NoticeOut(BaseModel):
    version: int
    effective_at: UtcDateTime
    shown: bool
    changes: list[NoticeChangeOut]


class ImportReportOut(BaseModel):
    member_id: int
    created: bool
    rows_imported: int
    files: list[dict[str, Any]]
    files_ignored: list[str]
    files_missing: list[str]


class EraseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str = Field(min_length=1, max_length=1024, description="Your password, again.")


class EraseOut(BaseModel):
    erased: bool
    ledger_seq: int
    propagation_job_id: int
    status: str
    receipt: dict[str, Any] | None


def _setting(row) -> PurposeSettingOut:
    return PurposeSettingOut(
        purpose=row.key,
        title=row.title,
        text=row.text,
        data_classes=list(row.data_classes),
        basis=row.basis,
        allowed=row.allowed,
        reason=row.reason,
        code=row.code,
        changeable=row.changeable,
        propagation_pending=row.pending,
    )


@router.get("/me/ai-settings", response_model=list[PurposeSettingOut])
def get_ai_settings(db: DbSession, member: CurrentMember) -> list[PurposeSettingOut]:
    """Every purpose of the policy in force, decided for you now, with the reason."""
    return [_setting(r) for r in purpose_settings(db, member)]


@router.put("/me/ai-settings/{purpose}", response_model=ChoiceOut)
def put_ai_setting(
    request: Request,
    db: DbSession,
    member: LedgerMember,
    purpose: PurposeKey,
    body: ChoiceIn,
) -> ChoiceOut:
    """Allow a purpose, or withdraw (object, under legitimate interest); a withdrawal
    queues its propagation, which the propagation worker carries out."""
    result = apply_choice(request, member, purpose, body.allowed, source="api")
    # `db` begins its transaction here, after the write, so the setting shows it.
    row = next(r for r in purpose_settings(db, member) if r.key == purpose)
    return ChoiceOut(
        purpose=purpose,
        changed=result.changed,
        ledger_seq=result.ledger_seq,
        propagation_job_id=result.job_id,
        setting=_setting(row),
    )


@router.put("/posts/{post_id}/usage", response_model=UsageOut, tags=["posts"])
def put_post_usage(
    db: DbSession, member: CurrentMember, post_id: ItemId, body: UsageIn
) -> UsageOut:
    """State "No AI training" (or allow it again) on one of your own posts."""
    prefs = set_no_ai_training(db, member.id, post_id, body.no_ai_training)
    return UsageOut(post_id=post_id, usage_preferences=prefs)


@router.get("/me/timeline", response_model=list[TimelineEntryOut])
def get_timeline(db: DbSession, member: CurrentMember) -> list[dict]:
    """Your choices from the consent ledger, newest first."""
    return [vars(e) for e in access.timeline(db, member.id)]


@router.get("/me/datasets", response_model=list[DatasetOut])
def get_datasets(db: DbSession, member: CurrentMember) -> list[dict]:
    """Dataset versions that hold your records (status active) or held them before."""
    return [vars(d) for d in access.datasets(db, member.id)]


@router.get("/me/models", response_model=list[ModelOut])
def get_models(db: DbSession, member: CurrentMember) -> list[dict]:
    """Model versions trained on a dataset that held your records (active = now)."""
    return [vars(m) for m in access.models(db, member.id)]


@router.get("/me/propagation", response_model=list[PendingOut])
def get_propagation(db: DbSession, member: CurrentMember) -> list[dict]:
    """Your withdrawals and erasures whose propagation has not finished."""
    return [vars(p) for p in access.pending(db, member.id)]


@router.get("/me/receipts", response_model=list[ReceiptSummaryOut])
def get_receipts(db: DbSession, member: CurrentMember) -> list[ReceiptSummaryOut]:
    """Your receipts, newest first (GET /me/receipts/{id} for the signed document)."""
    return [
        ReceiptSummaryOut(
            id=r["id"],
            kind=r["kind"],
            purpose=r["purpose"],
            issued_at=r["issued_at"],
            datasets=len(r.get("datasets", [])),
            models=len(r.get("models", [])),
        )
        for r in access.receipts(db, member.id)
    ]


@router.get("/me/receipts/{receipt_id}", response_model=dict[str, Any])
def get_receipt(db: DbSession, member: CurrentMember, receipt_id: ReceiptId) -> dict:
    """One of your receipts, the signed JSON document as issued."""
    return access.own_receipt(db, member.id, receipt_id)


@router.get("/me/notices", response_model=list[NoticeOut])
def get_notices(db: DbSession, member: CurrentMember) -> list[NoticeOut]:
    """Announced policy versions that will change something for you, and what."""
    return [
        NoticeOut(
            version=n.version,
            effective_at=n.effective_at,
            shown=n.shown,
            changes=[
                NoticeChangeOut(
                    purpose=c.purpose,
                    title=c.title,
                    allowed_now=c.before.allowed,
                    reason_now=c.before.reason,
                    allowed_then=c.after.allowed,
                    reason_then=c.after.reason,
                    applies_from=c.applies_from,
                    widened_to=list(c.widened_to),
                    what_changes=c.sentence,
                    action=c.action.value if c.action else None,
                )
                for c in n.changes
            ],
        )
        for n in notices_affecting(db, member.id)
    ]


@router.post("/me/notices/shown", status_code=204)
def post_notices_shown(request: Request, member: LedgerMember) -> Response:
    """Record that your client showed you every pending notice (once per version)."""
    show_notices(request.app.state.engine, member.id)
    return Response(status_code=204)


@router.post(
    "/me/export",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "The zip archive."}},
)
def post_export(request: Request, db: DbSession, member: CurrentMember) -> Response:
    """All your data as a zip: LinkedIn-layout CSV files plus your AI-use files."""
    return zip_download(export_archive(db, member.id, base_url=str(request.base_url)))


@router.post("/me/import", response_model=ImportReportOut)
def post_import(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    archive: Annotated[UploadFile, File(description="A LinkedIn data export (.zip).")],
) -> dict:
    """Fill your profile from a LinkedIn export; the report says, per file, what was and
    was not imported. Not a zip, too big, or a zip bomb: 4xx, nothing written."""
    return import_upload(db, member, read_upload(request, archive)).as_dict()


@router.post("/me/erase", response_model=EraseOut)
def post_erase(
    request: Request,
    member: LedgerMember,
    body: EraseIn,
    _scope: Annotated[None, Depends(require_scope(Scope.ERASE))],
) -> EraseOut:
    """Erase your account, confirmed with your password; with an API token, the token
    needs the `erase` scope too. Returns the receipt once propagation finished; your
    tokens and sessions stop working."""
    done = erase_signed_in(request, member, body.password, source="api")  # NotConfirmed: 400
    sign_out(request)
    return EraseOut(
        erased=True,
        ledger_seq=done.ledger_seq,
        propagation_job_id=done.job_id,
        status=done.status,
        receipt=done.receipt,
    )


def install(app: FastAPI) -> None:
    """Add the /api/v1/me routes."""
    app.include_router(router)
