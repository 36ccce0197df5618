"""Generative language model: the base model, generation backends and per-shard adapters."""
