"""`consentry scrub`: JSON Lines in, scrubbed JSON Lines out (spans on the input text)."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

import typer

from consentry.errors import InvalidInput, Transient
from consentry.regions import normalise_region

if TYPE_CHECKING:
    from consentry.datasets.scrub.erased import ErasedNames

_BATCH = 4096


def _records(stream: IO[str]) -> Iterator[tuple[int, dict]]:
    """(line number, record) for each non-blank line; a malformed line is a user mistake."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"line {number}: not valid JSON ({exc.msg})") from None
        if not isinstance(record, dict):
            raise InvalidInput(f'line {number}: expected a JSON object with "id" and "text"')
        if "id" not in record:
            raise InvalidInput(f'line {number}: missing "id"')
        if not isinstance(record.get("text"), str):
            raise InvalidInput(f'line {number}: "text" must be a string')
        names = record.get("author_names", [])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise InvalidInput(f'line {number}: "author_names" must be a list of strings')
        region = record.get("region")
        if region is not None:
            if not isinstance(region, str):
                raise InvalidInput(f'line {number}: "region" must be a string')
            try:
                record["region"] = normalise_region(region)
            except InvalidInput as exc:
                raise InvalidInput(f"line {number}: {exc}") from None
        yield number, record


def _known_from_db(required: bool) -> tuple[list[str], list[str], ErasedNames | None]:
    """Member names and handles, and erased members' name hashes, from the configured
    database (none if it is not set up)."""
    from consentry.commands.context import settings, store_engine
    from consentry.datasets.scrub.known import erased_names, member_names
    from consentry.keys import KeyPurpose, Keyring

    cfg = settings()
    if not required and cfg.is_embedded and not (cfg.data_dir / "consentry.db").exists():
        return [], [], None  # no database set up; do not create one as a side effect
    try:
        engine = store_engine(cfg)
    except Exception as exc:
        if required:
            raise Transient(f"cannot read member names from the database: {exc}") from None
        return [], [], None
    try:
        with engine.connect() as conn:
            key = Keyring.load(cfg).key(KeyPurpose.ERASED_NAMES).secret
            return (*member_names(conn), erased_names(conn, key))
    finally:
        engine.dispose()


def _read_names(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InvalidInput(f"cannot read names file {path}: {exc.strerror}") from None
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def scrub(
    input: str = typer.Option(
        "-", "--input", "-i", help="JSON Lines file to read, or - for stdin."
    ),
    output: str = typer.Option("-", "--output", "-o", help="File to write, or - for stdout."),
    names: Path | None = typer.Option(
        None, "--names", help="A file of known person names to scrub, one per line."
    ),
    names_from_db: bool | None = typer.Option(
        None,
        "--names-from-db/--no-names-from-db",
        help="Scrub every member name the database knows (default: when a database is set up).",
    ),
    region: str | None = typer.Option(
        None, "--region", help="Region hint for national phone numbers, e.g. DE or US-CA."
    ),
    explain: bool = typer.Option(
        False,
        "--explain",
        help='Name the detector of each span ("detector": "format:email", "ner:en_core_web_sm", ...).',
    ),
) -> None:
    """Replace personal data in texts with typed placeholders.

    Reads {"id", "text"} per line (optional "author_names": [...], "region"); writes
    {"id", "text", "spans": [{"start", "end", "type"}]} with spans on the input text
    (with --explain, each span also has "detector"). Nothing is written to --output
    unless every line was scrubbed. The NER stage runs when a pinned model is installed
    and CONSENTRY_SCRUB_NER is not off; otherwise a notice on stderr says that names and
    places are found by rules only.
    """
    from consentry.commands.context import settings
    from consentry.datasets.scrub import Scrubber
    from consentry.datasets.scrub.ner import ENGLISH

    known: list[str] = []
    handles: list[str] = []
    erased = None
    if names is not None:
        known += _read_names(names)
    if names_from_db is not False:
        db_names, handles, erased = _known_from_db(required=names_from_db is True)
        known += db_names
    hint = normalise_region(region) if region is not None else None
    use_ner = settings().scrub_ner
    scrubber = Scrubber(
        known_names=known, known_handles=handles, erased=erased, region=hint, ner=use_ner
    )
    if not scrubber.ner_models:
        why = (
            "CONSENTRY_SCRUB_NER=off"
            if not use_ner
            else f"no NER model installed (pip install {ENGLISH.package}=={ENGLISH.version})"
        )
        typer.echo(f"notice: {why}: names and places are found by rules only", err=True)

    if input == "-":
        source: IO[str] = sys.stdin
    else:
        try:
            source = open(input, encoding="utf-8")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise InvalidInput(f"cannot read {input}: {exc.strerror}") from None
    target_dir = Path(output).resolve().parent if output != "-" else None
    if target_dir is not None and not target_dir.is_dir():
        raise InvalidInput(f"cannot write {output}: no such folder {target_dir}")
    fd, tmp_name = tempfile.mkstemp(prefix=".scrub-", suffix=".jsonl", dir=target_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as tmp:
            batch: list[dict] = []
            for _, record in _records(source):
                batch.append(record)
                if len(batch) >= _BATCH:
                    _write(scrubber, batch, tmp, explain)
                    batch = []
            _write(scrubber, batch, tmp, explain)
        if output == "-":
            with open(tmp_name, encoding="utf-8") as done:
                shutil.copyfileobj(done, sys.stdout)
            sys.stdout.flush()
        else:
            os.replace(tmp_name, output)
    finally:
        if source is not sys.stdin:
            source.close()
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


def _write(scrubber, batch: list[dict], out: IO[str], explain: bool) -> None:
    if not batch:
        return
    results = scrubber.scrub_batch(
        [r["text"] for r in batch],
        [r.get("author_names", ()) for r in batch],
        [r.get("region") for r in batch],
    )
    for record, result in zip(batch, results, strict=True):
        if explain:
            spans = [
                {"start": s.start, "end": s.end, "type": s.type, "detector": s.detector}
                for s in result.explained()
            ]
        else:
            spans = [{"start": s.start, "end": s.end, "type": s.type} for s in result.spans]
        row = {"id": record["id"], "text": result.text, "spans": spans}
        out.write(json.dumps(row, ensure_ascii=False) + "\n")


def register(app: typer.Typer) -> None:
    """Add `consentry scrub`."""
    app.command("scrub")(scrub)
