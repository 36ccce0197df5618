"""Training: the model registry, SISA per-shard training, and the built-in models.

Every model version is trained on one consented dataset version, one sub-model per member
shard, so a withdrawal retrains one sub-model and the result equals a model trained from
scratch without the member. `registry` answers which models contain whom; `sisa` trains.
"""
