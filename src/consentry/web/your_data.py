"""Your data and AI: where the signed-in member's data is used, was used, and is leaving.

The page reads `consentry.rights.access` for the signed-in member only: their
timeline of choices from the ledger, the dataset and model versions that hold their
records now and those that did before, propagation still pending, and their receipts,
each downloadable as the signed JSON document it was issued as.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, FastAPI, Path, Request
from fastapi.responses import Response

from consentry.rights import access
from consentry.web.deps import CurrentMember, DbSession
from consentry.web.layout import NavItem, render

router = APIRouter(include_in_schema=False)

ReceiptId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]


def receipt_download(document: dict) -> Response:
    """A receipt as a JSON file download (indented for reading: the signature covers the
    canonical JSON of its content, so the spacing does not matter to a verifier)."""
    body = json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False)
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{document["id"]}.json"'},
    )


@router.get("/your-data")
def your_data(request: Request, db: DbSession, member: CurrentMember) -> Response:
    sets = access.datasets(db, member.id)
    models = access.models(db, member.id)
    return render(
        request,
        "your_data.html",
        {
            "timeline": access.timeline(db, member.id),
            "datasets_now": [d for d in sets if d.status == "active"],
            "datasets_before": [d for d in sets if d.status != "active"],
            "models_now": [m for m in models if m.status == "active"],
            "models_before": [m for m in models if m.status != "active"],
            "pending": access.pending(db, member.id),
            "receipts": access.receipts(db, member.id),
        },
    )


@router.get("/your-data/receipts/{receipt_id}.json")
def download_receipt(db: DbSession, member: CurrentMember, receipt_id: ReceiptId) -> Response:
    return receipt_download(access.own_receipt(db, member.id, receipt_id))


def install(app: FastAPI) -> None:
    """Add the "Your data and AI" page and its header link."""
    app.include_router(router)
    app.state.nav.append(NavItem("Your data and AI", "/your-data"))
