"""The published JSON Schemas, served: GET /api/v1/schemas and /api/v1/schemas/{name}.

Schemas are public documentation: they describe the shape of what an auditor reads (a
dataset manifest, an audit report, a propagation's progress) and hold nothing about any
member, so anyone may fetch them without signing in. They are the same documents as
docs/schemas/<name>.schema.json; `consentry.schemas` lists them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from consentry import schemas
from consentry.errors import NotFound

router = APIRouter(prefix="/api/v1", tags=["schemas"])

SchemaName = Annotated[str, Path(pattern=r"^[a-z][a-z0-9-]{0,63}$")]
_CACHE = {"cache-control": "public, max-age=300"}


@router.get("/schemas", response_model=dict[str, str])
def index(request: Request) -> JSONResponse:
    """Every published schema: name -> its URL."""
    return JSONResponse(
        {n: str(request.url_for("published_schema", name=n)) for n in schemas.names()},
        headers=_CACHE,
    )


@router.get("/schemas/{name}", response_model=dict[str, Any])
def published_schema(name: SchemaName) -> JSONResponse:
    """The JSON Schema (draft 2020-12) published as `name`."""
    if name not in schemas.PUBLISHED:
        raise NotFound(f"There is no published schema {name!r}.")
    return JSONResponse(schemas.schema(name), media_type="application/schema+json", headers=_CACHE)
