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

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.errors import Conflict, ConsentryError
from consentry.genai.generate import Generator, LocalGenerator, generator_from_settings
from consentry.store.training_tables import ModelShardRow
from consentry.training import registry
from consentry.training.models.adapter import writer_model_id
from consentry.training.sisa import load_active

WRITER = "writer-lm"  # training/models/adapter.py's feature name
LANGUAGE_MODEL = "language-model"  # the key pages and the API name the generator by
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
    """What a feature writes with now, as its page shows it: `language-model` (an
    endpoint's model, or the base model with the adapters' hashes) and, when the writer
    adapters are used, `writer-lm` (the model version in the registry, whose dataset and
    shards `consentry models show` lists). Reads the registry only: no weights load."""
    remote = _remote(settings)
    if remote is not None:
        try:
            return {LANGUAGE_MODEL: remote.model_id}
        except ConsentryError:  # a page still renders when the endpoint is down
            return {LANGUAGE_MODEL: f"unreachable endpoint {settings.genai_url}"}
    from consentry.genai.base import base_model_id

    try:
        version = registry.active_model(session, WRITER)
    except Conflict:  # no writer model trained yet: the base model alone
        return {LANGUAGE_MODEL: base_model_id()}
    hashes = session.scalars(
        select(ModelShardRow.sha256)
        .where(ModelShardRow.model_id == version.id)
        .order_by(ModelShardRow.shard)
    ).all()
    return {LANGUAGE_MODEL: writer_model_id(base_model_id(), hashes), WRITER: version.id}


def models_used(session: Session, settings: Settings, generator: Generator) -> dict[str, str]:
    """What a draft written by `generator` names as its language model: the generator's
    id, and the writer-lm version when `generator` is the active writer model."""
    now = feature_model_ids(session, settings)
    used = {LANGUAGE_MODEL: str(getattr(generator, "model_id", "") or type(generator).__name__)}
    if WRITER in now and now[LANGUAGE_MODEL] == used[LANGUAGE_MODEL]:
        used[WRITER] = now[WRITER]
    return used
