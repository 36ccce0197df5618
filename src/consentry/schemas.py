"""The JSON Schemas of the documents that leave the system for an auditor to read.

Each document is a typed model kept beside the code that writes it; this module lists
them, once, under the name they are published by:

    manifest               datasets/manifest.py   Manifest (manifest.json of a dataset version)
    audit-report           datasets/audit_report.py AuditDocument (a dataset audit's report)
    audit-sweep            datasets/audit_report.py SweepDocument (`datasets audit --all`)
    propagation-progress   rights/progress.py     PropagationProgress (a propagation job's progress)
    receipt                rights/receipt_model.py Receipt (a signed propagation receipt)

The same schemas are kept in docs/schemas/<name>.schema.json, written by
`python -m consentry.schemas` (`--check` only reports files that differ), and served at
GET /api/v1/schemas/<name>. A test fails when the files and the models drift apart.
Schemas are JSON Schema draft 2020-12 and describe the documents as they are parsed back
(pydantic's validation mode), which for these closed models is also what they write.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from consentry.datasets.audit_report import AuditDocument, SweepDocument
from consentry.datasets.manifest import Manifest
from consentry.rights.progress import PropagationProgress
from consentry.rights.receipt_model import receipt_schema

DRAFT = "https://json-schema.org/draft/2020-12/schema"
BASE_ID = "https://consentry.example/schemas/"
#: Where the published copies live, relative to the repository root.
DOCS_FOLDER = Path("docs") / "schemas"


def _of(model: type[BaseModel], name: str) -> Callable[[], dict[str, Any]]:
    def schema() -> dict[str, Any]:
        body = model.model_json_schema(mode="validation")
        return {"$schema": DRAFT, "$id": f"{BASE_ID}{name}.schema.json", **body}

    return schema


#: name -> a function returning its schema. One line per published document.
PUBLISHED: dict[str, Callable[[], dict[str, Any]]] = {
    "manifest": _of(Manifest, "manifest"),
    "audit-report": _of(AuditDocument, "audit-report"),
    "audit-sweep": _of(SweepDocument, "audit-sweep"),
    "propagation-progress": _of(PropagationProgress, "propagation-progress"),
    "receipt": receipt_schema,
}


def names() -> list[str]:
    """The published schema names, sorted."""
    return sorted(PUBLISHED)


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema published as `name` (KeyError for an unknown name)."""
    return PUBLISHED[name]()


def schema_text(name: str) -> str:
    """The schema exactly as the file docs/schemas/<name>.schema.json holds it."""
    return json.dumps(schema(name), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def stale(folder: Path) -> list[str]:
    """Names whose file in `folder` is missing or differs from the model, plus files
    there that no model publishes any more."""
    out = [n for n in names() if _read(folder / f"{n}.schema.json") != schema_text(n)]
    known = {f"{n}.schema.json" for n in names()}
    out += sorted(p.name for p in folder.glob("*.schema.json") if p.name not in known)
    return out


def write(folder: Path) -> list[Path]:
    """Write every schema into `folder`; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names():
        path = folder / f"{name}.schema.json"
        path.write_text(schema_text(name))
        written.append(path)
    return written


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except FileNotFoundError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m consentry.schemas", description="Write the published JSON Schemas."
    )
    parser.add_argument("folder", nargs="?", type=Path, default=DOCS_FOLDER)
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args(argv)
    if args.check:
        found = stale(args.folder)
        for name in found:
            print(f"stale: {args.folder / name}", file=sys.stderr)
        return 1 if found else 0
    for path in write(args.folder):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
