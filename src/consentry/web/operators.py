"""The operator pages (role `admin` only): datasets, models, the propagation queue, ledger
verification and consent rates by region and purpose.

Every route depends on `CurrentOperator`: a visitor is sent to log in, a signed-in member
who is not an operator gets a 403. Audits and ledger verification are read-only but can
be long, so they run on an explicit POST (a form with its CSRF token), never on a GET a
crawler or a prefetch could trigger. The figures come from the areas' own read functions
(`rights.status`, `datasets.catalog`, `datasets.review`, `training.registry`,
`consent.rates`), which the admin API (`api_admin`) shares.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from consentry.consent import ledger
from consentry.consent.rates import ConsentRates, consent_rates
from consentry.datasets.catalog import get_dataset, list_datasets
from consentry.datasets.lifecycle import standings
from consentry.datasets.review import audit_published, manifest_of
from consentry.rights import status as queue_status
from consentry.rights.ledger_audit import audit as audit_ledger
from consentry.store.rights_tables import JOB_STATUSES
from consentry.training.registry import get_model, list_models
from consentry.web.deps import DbSession
from consentry.web.layout import render
from consentry.web.roles import CurrentOperator
from consentry.web.schemas import ARTIFACT_ID
from consentry.web.svg_chart import Bar, BarGroup, as_document, grouped_bar_chart

router = APIRouter(prefix="/admin", include_in_schema=False)

ArtifactId = Annotated[str, Path(pattern=ARTIFACT_ID, max_length=64)]
StatusFilter = Annotated[str, Query(pattern="^(|" + "|".join(JOB_STATUSES) + ")$")]
PurposeFilter = Annotated[str, Query(max_length=32, pattern=r"^[a-z0-9-]*$")]

#: Regions drawn one by one in the chart; the rest are drawn as one group (the table
#: beside it lists every region).
CHART_REGIONS = 12

#: Why items were left out of a dataset, in the manifest's words (`excluded`).
EXCLUDED_LABELS = {
    "no_consent": "The author had not allowed this purpose",
    "jurisdiction": "The policy excludes the author's region",
    "under_age": "The author was under the age of digital consent",
    "deleted": "The item or its author was deleted",
    "item_preference": "The item's own preference said no AI training",
    "private": "Private messages (never trainable)",
}


@router.get("")
def overview(request: Request, db: DbSession, operator: CurrentOperator) -> Response:
    return render(request, "admin/overview.html", {"o": queue_status.overview(db), "section": ""})


@router.get("/datasets")
def datasets(
    request: Request, db: DbSession, operator: CurrentOperator, purpose: PurposeFilter = ""
) -> Response:
    found = list_datasets(db, purpose=purpose or None)
    return render(
        request,
        "admin/datasets.html",
        {
            "datasets": found,
            "standing": standings(db, request.app.state.settings, found),
            "retention_days": request.app.state.settings.dataset_retention_days,
            "purpose": purpose,
            "section": "datasets",
        },
    )


def _dataset_page(request: Request, db, dataset_id: str, audit=None) -> Response:
    found = get_dataset(db, dataset_id)
    return render(
        request,
        "admin/dataset.html",
        {
            "d": found,
            "standing": standings(db, request.app.state.settings, [found])[found.id],
            "manifest": manifest_of(found, request.app.state.settings.data_dir),
            "models": [m for m in list_models(db) if m.dataset_id == found.id],
            "audit": audit,
            "excluded_labels": EXCLUDED_LABELS,
            "section": "datasets",
        },
    )


@router.get("/datasets/{dataset_id}")
def dataset(
    request: Request, db: DbSession, operator: CurrentOperator, dataset_id: ArtifactId
) -> Response:
    return _dataset_page(request, db, dataset_id)


@router.post("/datasets/{dataset_id}/audit")
def audit(
    request: Request, db: DbSession, operator: CurrentOperator, dataset_id: ArtifactId
) -> Response:
    get_dataset(db, dataset_id)  # 404 before any work
    state = request.app.state
    report = audit_published(state.engine, state.settings, dataset_id)
    return _dataset_page(request, db, dataset_id, audit=report)


@router.get("/models")
def models(
    request: Request, db: DbSession, operator: CurrentOperator, status: StatusFilter = ""
) -> Response:
    found = list_models(db, status=status or None)
    return render(request, "admin/models.html", {"models": found, "section": "models"})


@router.get("/models/{model_id}")
def model(
    request: Request, db: DbSession, operator: CurrentOperator, model_id: ArtifactId
) -> Response:
    found = get_model(db, model_id)
    return render(request, "admin/model.html", {"m": found, "section": "models"})


@router.get("/propagation")
def propagation(
    request: Request, db: DbSession, operator: CurrentOperator, status: StatusFilter = ""
) -> Response:
    return render(
        request,
        "admin/propagation.html",
        {
            "jobs": queue_status.propagation_jobs(db, status=status or None),
            "counts": queue_status.queue_counts(db),
            "selected": status,
            "statuses": JOB_STATUSES,
            "section": "propagation",
        },
    )


@router.get("/ledger")
def ledger_page(request: Request, db: DbSession, operator: CurrentOperator) -> Response:
    return render(
        request,
        "admin/ledger.html",
        {"head": ledger.head(db), "result": None, "section": "ledger"},
    )


@router.post("/ledger/verify")
def verify_ledger(request: Request, db: DbSession, operator: CurrentOperator) -> Response:
    result = audit_ledger(db, request.app.state.settings)
    return render(
        request,
        "admin/ledger.html",
        {"head": ledger.head(db), "result": result, "section": "ledger"},
    )


def rates_chart(rates: ConsentRates, *, regions: int = CHART_REGIONS) -> Markup:
    """The consent-rates chart: the largest regions, then the rest as one group."""
    purposes = rates.purposes
    groups = []
    for rate in [rates.total, *rates.largest(regions)]:
        bars = tuple(
            Bar(
                rate.share(p.key),
                f"{rate.share(p.key):.0%}",
                f"{rate.name}, {p.title}: {rate.share(p.key):.1%} "
                f"({rate.allowed.get(p.key, 0):,} of {rate.members:,} members allowed)",
            )
            for p in purposes
        )
        groups.append(BarGroup(rate.name, f"{rate.members:,} members", bars))
    return grouped_bar_chart(
        groups,
        [p.title for p in purposes],
        title="Share of members whose data may be used, by region and purpose",
        description=(
            f"As of consent-ledger entry {rates.as_of_seq} under policy version "
            f"{rates.policy_version}. One group of bars per region, one bar per purpose; "
            "the table beside the chart lists the same figures for every region."
        ),
        chart_id="consent-rates",
    )


@router.get("/consent-rates")
def consent_rates_page(request: Request, db: DbSession, operator: CurrentOperator) -> Response:
    rates = consent_rates(db)
    return render(
        request,
        "admin/consent_rates.html",
        {
            "rates": rates,
            "chart": rates_chart(rates),
            "chart_regions": CHART_REGIONS,
            "section": "consent-rates",
        },
    )


@router.get("/consent-rates.svg")
def consent_rates_svg(db: DbSession, operator: CurrentOperator) -> Response:
    """The chart alone, as an SVG file (for a report or a slide)."""
    svg = as_document(rates_chart(consent_rates(db)))
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={"Content-Disposition": 'inline; filename="consent-rates.svg"'},
    )
