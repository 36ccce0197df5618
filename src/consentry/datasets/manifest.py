"""The documents published with every dataset version, filled from the build's real
figures: `manifest.json` (the machine-readable record an audit re-checks),
`datasheet.md` (the sections of "Datasheets for Datasets") and `croissant.json`
(MLCommons Croissant 1.0 JSON-LD with its Responsible-AI fields).

`Manifest` is the typed form of `manifest.json`: `write_documents` builds one and writes
exactly its JSON, and `Manifest.model_validate` parses any published manifest back. Its
JSON Schema is published as docs/schemas/manifest.schema.json (`consentry.schemas`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
)

from consentry.datasets.eligibility import ExclusionReason
from consentry.datasets.records import RECORD_SCHEMA
from consentry.store.engine import utcnow

CROISSANT_CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileObject": "cr:fileObject",
    "fileProperty": "cr:fileProperty",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

_CROISSANT_TYPES = {"string": "sc:Text", "int16": "sc:Integer", "bool": "sc:Boolean"}


class _Published(BaseModel):
    """A part of a published document: closed (an unknown key is an error, so the
    document and its JSON Schema cannot drift apart) and immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


#: A UTC time as the manifest writes it: ISO 8601 with a trailing `Z`.
UtcTimestamp = Annotated[
    str,
    Field(
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$",
        json_schema_extra={"format": "date-time"},
    ),
]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Count = Annotated[int, Field(ge=0)]


class LedgerHead(_Published):
    """The consent-ledger position the dataset was selected at."""

    seq: Count
    hash: Sha256
    time: UtcTimestamp


class PolicyRef(_Published):
    """The policy version the dataset was selected under, and its content hash."""

    version: int
    hash: Sha256


class EngineRef(_Published):
    """The dataset engine that wrote the shards, with its declared capabilities."""

    name: str
    spills_to_disk: bool
    distributed: bool


class ShardEntry(_Published):
    """One shard file and the snapshot its records are exactly the consented selection
    of: ledger position `as_of_seq` (hash `as_of_hash`), and `as_of_time`, the time that
    chose each text's revision. A successor re-selects every shard at its own position;
    where the fresh selection equals an earlier version's shard record for record (same
    record ids and hashes), that version's file is kept (`reused`, `reused_from`), so the
    position a shard states is always one it was checked at."""

    shard: Count
    file: str
    rows: Count
    sha256: Sha256
    as_of_seq: Count
    as_of_hash: Sha256
    as_of_time: UtcTimestamp
    reused: bool
    reused_from: str | None = None


class Counts(_Published):
    """Records and members in the files; eligible items and members of the selection;
    exact duplicates dropped. Every figure covers the whole version, reused shards
    included."""

    eligible_items: Count
    eligible_members: Count
    records: Count
    members: Count
    duplicates_dropped: Count


class Column(_Published):
    """One column of the records (its Arrow type, as text)."""

    name: str
    type: str


class NerModelRef(_Published):
    """A pretrained NER model the scrubber's NER stage ran (docs/scrubbing.md)."""

    name: str
    version: str
    package: str


class ScrubberRef(_Published):
    """How the records were scrubbed: the NER models of the scrubber's NER stage; empty
    when names and places were found by rules only (no model installed, or
    `CONSENTRY_SCRUB_NER=off`)."""

    ner_models: list[NerModelRef]


class SuccessorNote(_Published):
    """Why a successor version exists; which shards were rewritten and which kept the
    parent's file because their fresh selection was identical."""

    reason: str
    rebuilt_shards: list[Count]
    reused_shards: list[Count]


class Manifest(_Published):
    """`manifest.json`: the machine-readable record of one dataset version, which an
    audit re-checks. Serialises to the keys below in this order; `successor` is present
    only on a successor version. `published_as` is what the version was published as:
    `active` (usable for training) or `reproduction` (the past as of an earlier
    position, never trained on); the registry says what it is now."""

    id: str
    purpose: str
    published_as: Literal["active", "reproduction"]
    created_at: UtcTimestamp
    as_of: LedgerHead
    policy: PolicyRef
    data_classes: list[str]
    engine: EngineRef
    shards: Annotated[int, Field(ge=1)]
    sharding: str
    files: list[ShardEntry]
    counts: Counts
    excluded: dict[ExclusionReason, Count]
    scrubbed: dict[str, Count]
    #: Absent from manifests written before the NER stage existed.
    scrubber: ScrubberRef | None = None
    schema_: list[Column] = Field(alias="schema")
    parent_id: str | None
    successor: SuccessorNote | None = None
    lineage: str

    model_config = ConfigDict(serialize_by_alias=True, validate_by_name=True)

    @model_serializer(mode="wrap")
    def _successor_only_when_present(self, handler: SerializerFunctionWrapHandler):
        data = handler(self)
        for optional in ("successor", "scrubber"):
            if data.get(optional) is None:
                data.pop(optional, None)
        return data

    def to_json(self) -> dict[str, Any]:
        """The manifest as JSON data, exactly as `manifest.json` holds it."""
        return self.model_dump(mode="json")


def _json_dump(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n")


def write_documents(folder: Path, *, pub, files: list[dict[str, Any]]) -> dict[str, Any]:
    """Write manifest.json, datasheet.md and croissant.json into `folder`; return the manifest."""
    snap = pub.snap
    manifest = Manifest(
        id=pub.dataset_id,
        purpose=snap.purpose,
        published_as="reproduction" if pub.reproduction else "active",
        created_at=utcnow().isoformat(timespec="seconds") + "Z",
        as_of=LedgerHead(seq=snap.seq, hash=snap.head_hash, time=snap.at.isoformat() + "Z"),
        policy=PolicyRef(version=snap.policy_version, hash=snap.policy_hash),
        data_classes=list(snap.purpose_def.data_classes),
        engine=EngineRef(
            name=pub.engine.name,
            spills_to_disk=pub.engine.capabilities.spills_to_disk,
            distributed=pub.engine.capabilities.distributed,
        ),
        shards=pub.shards,
        sharding="(member_id * 2654435761) mod 2^32 mod shards: all of a member's "
        "records in one shard",
        files=[{**f, "as_of_time": f["as_of_time"].isoformat() + "Z"} for f in files],
        counts=pub.counts,
        excluded=pub.excluded,
        scrubbed=dict(sorted(pub.scrubbed.items())),
        schema_=[Column(name=f.name, type=str(f.type)) for f in RECORD_SCHEMA],
        parent_id=pub.parent_id,
        **pub.notes,
        lineage="member -> record lineage is kept in the database (dataset_lineage), "
        "apart from these files, which carry no member identifier",
    ).to_json()
    _json_dump(folder / "manifest.json", manifest)
    (folder / "datasheet.md").write_text(datasheet(manifest))
    _json_dump(folder / "croissant.json", croissant(manifest))
    return manifest


def _excluded_lines(manifest: dict[str, Any]) -> str:
    labels = {
        "no_consent": "the author had not allowed this purpose",
        "jurisdiction": "the policy excludes the author's jurisdiction",
        "under_age": "the author was under the age of digital consent",
        "deleted": "the item or its author was deleted",
        "item_preference": "the item's own usage preference said no",
        "private": "private messages, never trainable",
    }
    return "\n".join(
        f"- {count:,} items: {labels.get(reason, reason)}"
        for reason, count in manifest["excluded"].items()
    )


def _uses(manifest: dict[str, Any]) -> str:
    if manifest["published_as"] == "reproduction":
        return (
            "A reproduction of the past: the selection exactly as it stood at ledger position "
            f"{manifest['as_of']['seq']}, for audit and comparison. Never used for training: "
            "it may hold members who have withdrawn since."
        )
    return (
        f"Training the models of purpose `{manifest['purpose']}` only. Not for any other "
        "purpose, and not after this version is retired: a newer build supersedes it, and a "
        "member's withdrawal or erasure produces a successor version without them."
    )


def datasheet(manifest: dict[str, Any]) -> str:
    """A datasheet in the sections of Gebru et al., "Datasheets for Datasets"."""
    c = manifest["counts"]
    scrub = ", ".join(f"{t} {n:,}" for t, n in manifest["scrubbed"].items()) or "none found"
    models = (manifest.get("scrubber") or {}).get("ner_models")
    if models:
        scrub += (
            ". Names and places in texts the rules left unsettled were also looked for with "
            + ", ".join(f"the NER model {m['name']} {m['version']}" for m in models)
        )
    elif models is not None:
        scrub += ". No NER model was used: names and places were found by rules only"
    return f"""# Datasheet: {manifest["id"]}

## Motivation
Built to train Consentry's AI features for the purpose `{manifest["purpose"]}`, only on
member content whose authors allowed that purpose under policy version
`{manifest["policy"]["version"]}` (sha256 `{manifest["policy"]["hash"][:16]}…`).

## Composition
{c["records"]:,} records from {c["members"]:,} members, data classes
{", ".join(manifest["data_classes"])}, in {manifest["shards"]} Parquet shards. Each
record holds scrubbed text and structured columns (titles, companies, skills) and no
member identifier. {c.get("duplicates_dropped", 0):,} exact duplicates were dropped
within shards.

## Collection process
A snapshot of the network as of consent-ledger position {manifest["as_of"]["seq"]}
(hash `{manifest["as_of"]["hash"][:16]}…`, {manifest["as_of"]["time"]}). An item entered
only if, at that position, its author's decision allowed the purpose, the author was over
the age of digital consent in their jurisdiction, the item was live, and its own usage
preference did not deny the purpose. Left out:
{_excluded_lines(manifest)}

## Preprocessing, cleaning, labelling
Personal data was replaced with typed placeholders before any record was written:
{scrub}. Exact duplicates within a shard were removed. No labels were added.

## Uses
{_uses(manifest)}

## Distribution
Internal. Files: {", ".join(f["file"] for f in manifest["files"])}, each with a sha256 in
`manifest.json`; `croissant.json` describes them in MLCommons Croissant.

## Maintenance
Re-audit any time with `consentry datasets audit {manifest["id"]}`, which re-derives
every author's decision from the ledger and the policy and re-checks every file hash.
"""


def croissant(manifest: dict[str, Any]) -> dict[str, Any]:
    """Croissant 1.0 JSON-LD with the RAI extension fields filled from the manifest."""
    c = manifest["counts"]
    excluded = manifest["excluded"]
    fields = []
    for f in RECORD_SCHEMA:
        type_name = str(f.type)
        repeated = type_name.startswith("list")
        base = "string" if repeated else type_name
        fields.append(
            {
                "@type": "cr:Field",
                "@id": f"records/{f.name}",
                "name": f.name,
                "dataType": _CROISSANT_TYPES.get(base, "sc:Text"),
                **({"repeated": True} if repeated else {}),
                "source": {"fileSet": {"@id": "shards"}, "extract": {"column": f.name}},
            }
        )
    return {
        "@context": CROISSANT_CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "name": manifest["id"],
        "description": f"Consented, scrubbed training records for `{manifest['purpose']}`.",
        "version": manifest["id"],
        "datePublished": manifest["created_at"],
        "license": "Internal use for the stated purpose only",
        "url": f"consentry:datasets/{manifest['id']}",
        "distribution": [
            *(
                {
                    "@type": "cr:FileObject",
                    "@id": f["file"],
                    "name": f["file"],
                    "contentUrl": f["file"],
                    "encodingFormat": "application/x-parquet",
                    "sha256": f["sha256"],
                }
                for f in manifest["files"]
            ),
            {
                "@type": "cr:FileSet",
                "@id": "shards",
                "name": "shards",
                "encodingFormat": "application/x-parquet",
                "includes": "data/*.parquet",
            },
        ],
        "recordSet": [
            {"@type": "cr:RecordSet", "@id": "records", "name": "records", "field": fields}
        ],
        "rai:dataCollection": (
            "Member content of a professional network, selected by a consented query as of "
            f"ledger position {manifest['as_of']['seq']}."
        ),
        "rai:dataCollectionType": ["Secondary Data Analysis"],
        "rai:dataCollectionTimeframe": [manifest["as_of"]["time"]],
        "rai:dataPreprocessingProtocol": [
            "Personal data replaced with typed placeholders: "
            + (", ".join(f"{t} {n}" for t, n in manifest["scrubbed"].items()) or "none found"),
            f"{c.get('duplicates_dropped', 0)} exact duplicates dropped within shards",
        ],
        "rai:personalSensitiveInformation": (
            "Direct identifiers are scrubbed; records carry no member identifier. "
            "Industry, country and career structure remain and are quasi-identifiers."
        ),
        "rai:dataBiases": (
            f"Only members who allowed the purpose are present ({c['members']} members); "
            f"{excluded.get('no_consent', 0)} items of non-consenting members, "
            f"{excluded.get('jurisdiction', 0)} from excluded jurisdictions and "
            f"{excluded.get('under_age', 0)} of minors are absent, so regions and ages "
            "are not represented in proportion."
        ),
        "rai:dataLimitations": (
            "A snapshot: it does not follow later edits; a withdrawal creates a successor "
            "version rather than changing this one."
        ),
        "rai:dataUseCases": [f"Training models for the purpose {manifest['purpose']}"],
        "rai:dataSocialImpact": (
            "Built only from consented data so that members keep control over AI use of "
            "their professional content."
        ),
        "rai:dataReleaseMaintenancePlan": (
            "Retired and replaced when a member withdraws or erases; re-auditable with "
            f"`consentry datasets audit {manifest['id']}`."
        ),
    }
