"""The language model a generative feature writes with, and what to show it used.

`feature_generator(session, settings)` picks, in order:

1. an operator's OpenAI-compatible endpoint, when `CONSENTRY_GENAI_URL` is set (the
   operator answers for what that model was trained on; pages name it as the server
   reports it);
2. the active `writer-lm` model: the base model with the mean of its per-shard LoRA
   adapters merged in (trained only on the active `train-genai` dataset, retrained shard
   by shard when a member withdraws);
3. the base model alone, when no writer model has been trained yet.

Merged models are built once per model version and kept for the last two versions
(`genai/adapters.merged`); generators are kept per model id likewise, so a request never
copies weights. A withdrawal moves the active writer model to a new version; the next
request picks that version up, since the active version is read from the registry each time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.errors import Conflict, ConsentryError
from consentry.genai.generate import Generator, LocalGenerator, generator_from_settings
from consentry.training.sisa import load_active

WRITER = "writer-lm"  # training/models/adapter.py's feature name
_KEPT = 2
_GENERATORS: OrderedDict[str, LocalGenerator] = OrderedDict()
_LOCK = threading.Lock()


def _remote(settings: Settings) -> Generator | None:
    # Settings without the field (an older configuration object) mean: no endpoint.
    if not getattr(settings, "genai_url", ""):
        return None
    return generator_from_settings(settings)


def _writer(session: Session, settings: Settings) -> tuple[str | None, Any]:
    """(active writer-lm version id, its WriterModel), or (None, None) if none is active."""
    try:
        version, writer = load_active(session, settings, WRITER)
    except Conflict:  # none trained yet
        return None, None
    return version.id, writer


def _cached(model_id: str, build: Any) -> LocalGenerator:
    with _LOCK:
        if model_id in _GENERATORS:
            _GENERATORS.move_to_end(model_id)
            return _GENERATORS[model_id]
    generator = build()
    with _LOCK:
        generator = _GENERATORS.setdefault(model_id, generator)
        _GENERATORS.move_to_end(model_id)
        while len(_GENERATORS) > _KEPT:
            _GENERATORS.popitem(last=False)
    return generator


def feature_generator(session: Session, settings: Settings) -> Generator:
    """The generator a feature uses now (see the module docstring for the order)."""
    remote = _remote(settings)
    if remote is not None:
        return remote
    _, writer = _writer(session, settings)
    if writer is not None:
        return _cached(
            writer.model_id,
            lambda: LocalGenerator(writer.tokenizer, writer.model, writer.model_id),
        )
    from consentry.genai.base import load_base

    base = load_base()
    return _cached(base.model_id, lambda: LocalGenerator(base.tokenizer, base.model, base.model_id))


def feature_model_ids(session: Session, settings: Settings) -> dict[str, str]:
    """What a feature page shows it wrote with: `generator` (the model that produced the
    text: an endpoint's model, or the base model with its adapters' hashes) and, when
    the writer adapters were used, `writer-lm` (the model version in the registry, whose
    dataset and shards `consentry models show` lists). Loads nothing heavy: the merged
    model is not built here."""
    remote = _remote(settings)
    if remote is not None:
        try:
            return {"generator": remote.model_id}
        except ConsentryError:  # a page still renders when the endpoint is down
            return {"generator": f"unreachable endpoint {settings.genai_url}"}
    version, writer = _writer(session, settings)
    if writer is not None:
        return {"generator": writer.model_id, WRITER: version or ""}
    from consentry.genai.base import load_base

    return {"generator": load_base().model_id}
