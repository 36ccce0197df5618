"""The built-in models, one module each, behind one small contract.

A model kind trains one sub-model per dataset shard from that shard alone
(`train_shard(shard, seed=...) -> bytes`, deterministic: same shard and seed, same bytes)
and aggregates its sub-models when loaded (`load(blobs) -> model`). That is all the SISA
runner (`training/sisa.py`) needs to retrain one shard after a withdrawal and reuse the
others unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from consentry.errors import InvalidInput


@dataclass(frozen=True)
class ShardData:
    """One dataset shard as a trainer sees it: its records, and (from the dataset's
    lineage, never from the file) which member each record came from.

    Member ids are for counting distinct contributors only; no artifact may store them.
    """

    shard: int
    records: list[dict[str, Any]]
    member_of: dict[str, int] = field(default_factory=dict)

    def of_class(self, *classes: str) -> list[dict[str, Any]]:
        return [r for r in self.records if r["data_class"] in classes]


class ModelKind(Protocol):
    """What every built-in model provides."""

    name: str  # the feature name in the registry
    purpose: str  # the purpose its dataset must be built for
    ext: str  # artifact file extension
    description: str

    def train_shard(self, shard: ShardData, *, seed: int) -> bytes: ...

    def load(self, blobs: Sequence[bytes]) -> Any: ...


def kinds() -> dict[str, ModelKind]:
    """Every built-in model kind by feature name."""
    from consentry.training.models import adapter, match, phrasing, retrieval, skills

    return {m.KIND.name: m.KIND for m in (skills, phrasing, match, retrieval, adapter)}


def kind(name: str) -> ModelKind:
    known = kinds()
    if name not in known:
        raise InvalidInput(f"no model {name!r}; known: {', '.join(sorted(known))}")
    return known[name]
