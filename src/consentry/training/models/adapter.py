"""The writer language model (`train-genai`): one LoRA adapter per shard over the base LM.

A shard's adapter learns from its member-written texts: headlines and about sections,
posts, articles, comments and job postings (`text_of`), each labelled by what it is, so a
few-shot prompt in the same shape asks for that kind of text. Which texts, and how many:

- records are taken in the order of the SHA-256 of their record id (record ids are
  pseudonymous and stable, so the order is fixed and says nothing about who wrote what);
- one record in ten by that hash is held out (`held_out`) and never trained on: the
  quality report measures perplexity on consenting members' texts no adapter has seen;
- at most `Budget.per_member` texts per member (counted through the shard's lineage,
  which is used here and stored nowhere) and `Budget.examples` texts in all, each cut
  to `Budget.tokens` tokens: training time per shard is bounded whatever the shard's
  size, and no one member's wording dominates an adapter.

The artifact is the adapter's arrays (`genai/adapters.train_lora`) plus the budget and
how many texts it trained on, as a deterministic `.npz`; no text is stored. Loading
merges the mean of the shards' deltas into a copy of the base model (see
`genai/adapters.py` for why the mean), lazily and for the last two versions only.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from consentry.training.artifacts import dump_arrays, load_arrays, sha256
from consentry.training.models import ShardData

HELD_OUT_BUCKETS = 10  # one record in ten is held out


@dataclass(frozen=True)
class Budget:
    """How much of a shard one adapter trains on: at most `examples` texts, at most
    `per_member` of them from any one member, each cut to `tokens` tokens, in batches of
    `batch`, seen `epochs` times. On 2 busy CPU cores the default takes about a minute
    or two per shard (bench/README.md, "Adapters")."""

    examples: int = 48
    per_member: int = 3
    tokens: int = 48
    batch: int = 8
    epochs: int = 1

    def as_array(self) -> np.ndarray:
        return np.array(
            [self.examples, self.per_member, self.tokens, self.batch, self.epochs], dtype=np.int64
        )


def _order(record_id: str) -> str:
    return hashlib.sha256(record_id.encode()).hexdigest()


def held_out(record_id: str) -> bool:
    """Whether a record is kept out of training, for the quality report (1 in 10)."""
    return int(_order(record_id)[:8], 16) % HELD_OUT_BUCKETS == 0


def text_of(record: dict[str, Any]) -> str:
    """A record's member-written text as one training document ('' if it has none)."""
    title, body = (record.get("title") or "").strip(), (record.get("text") or "").strip()
    data_class = record["data_class"]
    if data_class == "profile":
        parts = [f"Headline: {title}" if title else "", f"About: {body}" if body else ""]
    elif data_class == "job":
        parts = [f"Job: {title}" if title else "", body]
    else:
        parts = [f"{data_class.capitalize()}: {body}" if body else ""]
    return "\n".join(p for p in parts if p)


@dataclass(frozen=True)
class Split:
    """A shard's texts as an adapter sees them, in training order."""

    train: list[str] = field(default_factory=list)
    train_ids: list[str] = field(default_factory=list)
    held_out: list[str] = field(default_factory=list)


def split(shard: ShardData, budget: Budget) -> Split:
    """The texts one adapter trains on and the shard's held-out texts (see the module
    docstring for the order and the caps)."""
    out = Split()
    per_member: dict[object, int] = defaultdict(int)
    for rec in sorted(shard.records, key=lambda r: _order(r["record_id"])):
        text = text_of(rec)
        if not text:
            continue
        if held_out(rec["record_id"]):
            out.held_out.append(text)
            continue
        who = shard.member_of.get(rec["record_id"], rec["record_id"])
        if len(out.train) >= budget.examples or per_member[who] >= budget.per_member:
            continue
        per_member[who] += 1
        out.train.append(text)
        out.train_ids.append(rec["record_id"])
    return out


@dataclass
class WriterModel:
    """The base model with every shard's adapter merged in (their mean).

    `model` is built on first use and kept for the last two versions loaded in the
    process (a merged model is a full copy of the base, about 1 GB in float32).
    """

    base: Any
    adapters: list[Any]  # genai.adapters.Adapter, one per shard, in shard order
    trained: list[int]  # texts each shard's adapter trained on

    @property
    def shards(self) -> int:
        return len(self.adapters)

    @property
    def tokenizer(self) -> Any:
        return self.base.tokenizer

    @property
    def model_id(self) -> str:
        """The base's id and the adapters' hashes: what a feature page shows it used."""
        return writer_model_id(self.base.model_id, [a.sha256 for a in self.adapters])

    @property
    def model(self) -> Any:
        from consentry.genai.adapters import merged

        return merged(self.base, self.model_id, self.adapters)


def writer_model_id(base_id: str, adapter_sha256s: Sequence[str]) -> str:
    """The merged model's name: the base's id and its adapters' artifact hashes, in shard
    order (the registry's shard rows hold the same hashes, so a page names the model
    without loading it)."""
    hashes = ",".join(h[:12] for h in adapter_sha256s)
    return f"{base_id} + LoRA mean of {len(adapter_sha256s)}: {hashes}"


class WriterKind:
    name = "writer-lm"
    purpose = "train-genai"
    ext = "npz"
    description = "LoRA adapters over the base language model, one per shard, merged by mean"

    def __init__(self, budget: Budget | None = None) -> None:
        self.budget = budget or Budget()

    def train_shard(self, shard: ShardData, *, seed: int) -> bytes:
        from consentry.genai.adapters import train_lora
        from consentry.genai.base import load_base

        texts = split(shard, self.budget)
        arrays = train_lora(
            load_base(),
            texts.train,
            seed=seed,
            tokens=self.budget.tokens,
            batch=self.budget.batch,
            epochs=self.budget.epochs,
        )
        arrays["meta.budget"] = self.budget.as_array()
        arrays["meta.trained"] = np.array(len(texts.train), dtype=np.int64)
        return dump_arrays(arrays)

    def load(self, blobs: Sequence[bytes]) -> WriterModel:
        from consentry.genai.adapters import read_adapter
        from consentry.genai.base import load_base

        adapters, trained = [], []
        for blob in blobs:
            arrays = load_arrays(blob)
            adapters.append(read_adapter(arrays, sha256(blob)))
            trained.append(int(arrays["meta.trained"]))
        return WriterModel(load_base(), adapters, trained)


KIND = WriterKind()
