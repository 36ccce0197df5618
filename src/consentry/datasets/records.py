"""The training record: its Arrow schema, its pseudonymous id, its hash and its shard.

A record carries the structure models need (titles, companies and skills as lists, not
only free text), already scrubbed, and no member identifier. The member a record came
from is known only to the lineage table, which is kept apart from the training files.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping

import pyarrow as pa
from sqlalchemy import BigInteger, cast, literal

RECORD_SCHEMA = pa.schema(
    [
        pa.field("record_id", pa.string(), nullable=False),
        pa.field("data_class", pa.string(), nullable=False),
        pa.field("title", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("industry", pa.string(), nullable=False),
        pa.field("country", pa.string(), nullable=False),
        pa.field("seniority", pa.string(), nullable=False),
        pa.field("titles", pa.list_(pa.string()), nullable=False),
        pa.field("companies", pa.list_(pa.string()), nullable=False),
        pa.field("skills", pa.list_(pa.string()), nullable=False),
        pa.field("year", pa.int16(), nullable=False),
        pa.field("record_hash", pa.string(), nullable=False),
    ]
)
"""Columns of every dataset shard, in order."""

# Build-time columns that never reach a shard file: who wrote it and where it goes.
BUILD_SCHEMA = pa.schema(
    [*RECORD_SCHEMA, pa.field("member_id", pa.int64()), pa.field("shard", pa.int32())]
)

CONTENT_FIELDS = tuple(f.name for f in RECORD_SCHEMA if f.name not in ("record_id", "record_hash"))


def _is_text(f: pa.Field) -> bool:
    return pa.types.is_string(f.type) or (
        pa.types.is_list(f.type) and pa.types.is_string(f.type.value_type)
    )


# Values the system itself writes, not member data: never scrubbed (nor could they hold any).
_SYSTEM_COLUMNS = ("record_id", "record_hash", "data_class")
TEXT_COLUMNS = tuple(f.name for f in RECORD_SCHEMA if _is_text(f) and f.name not in _SYSTEM_COLUMNS)
"""Every string (or list of strings) column that carries member data: a build scrubs each
of them, and a residual scan re-reads each. A new string column is scrubbed by default."""


def record_id(key: bytes, data_class: str, item_id: int) -> str:
    """A pseudonymous, stable id for one item: HMAC of (class, id) under the record-id key
    (`Keyring.key(KeyPurpose.RECORD_IDS)`, which never rotates).

    Stable across builds (so lineage and re-audits line up) but not reversible to the
    item, and so not to its author, without the key.
    """
    msg = f"{data_class}:{item_id}".encode()
    # `hmac.digest` is the one-shot form of `hmac.new(...).digest()`: the same bytes,
    # without an HMAC object per record.
    return hmac.digest(key, msg, "sha256").hex()[:32]


def record_hash(record: Mapping[str, object]) -> str:
    """sha256 over the canonical JSON of a record's id and content fields."""
    content = {"record_id": record["record_id"]}
    content.update({name: record[name] for name in CONTENT_FIELDS})
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# Knuth's multiplicative hash: stable across processes and versions (unlike Python's
# salted `hash`), spreads consecutive ids evenly, and is plain integer arithmetic, so SQL
# (SQLite, PostgreSQL), DuckDB and Spark compute exactly the same shard as Python.
_KNUTH = 2654435761
_WORD = 1 << 32


def shard_of(member_id: int, shards: int) -> int:
    """The shard every record of `member_id` lives in: a stable hash of the id, mod `shards`."""
    return (member_id * _KNUTH) % _WORD % shards


def shard_expression(member_id, shards: int):
    """`shard_of` as a SQL expression over an integer column (ids below 2**31).

    The product needs 64 bits: PostgreSQL would overflow an `integer` multiplication."""
    return (cast(member_id, BigInteger) * literal(_KNUTH, BigInteger)) % _WORD % shards


def shard_name(shard: int, shards: int) -> str:
    return f"shard-{shard:05d}-of-{shards:05d}.parquet"
