"""The chat's model: a `Generator`'s constrained choice, made cheap enough for a reply.

`choose(prompt, options)` on the local backend scores every option in a row of its own,
each row carrying the whole prompt: with a few-shot prompt of ~170 tokens and six labels
that is ~1,000 tokens per question, seconds on two cores. The intent prompt's examples
never change, and the labels are one token each, so `ChatModel` runs the examples once
(their key/value cache is kept) and, per question, only the question's own tokens: one
forward pass of ~20 tokens, whose next-token log-probabilities rank the labels. For
one-token options those are exactly what `choose` sums (the log-probability of the
option's tokens), so uncalibrated the answer is `choose`'s, only sooner.

The base model leans towards some labels whatever the message (on our questions, towards
"details"). `calibrate` subtracts each label's log-probability after a content-free
message ("N/A"), computed once per set of labels (contextual calibration, Zhao et al.
2021), so a label wins by what the question adds to it, not by the model's habit.

Anything else (several-token options, a prompt that does not start with the kept
prefix, a backend that is not a local transformers model, such as an HTTP endpoint)
goes to the generator's own `choose`.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Sequence
from typing import Any


class ChatModel:
    """`choose` over a generator, with `prefix` computed once (see the module docstring)."""

    def __init__(self, generator: Any, prefix: str, *, calibrate: bool = True) -> None:
        self.generator = generator
        self.prefix = prefix
        self.calibrate = calibrate
        self._priors: dict[tuple[str, ...], list[float]] = {}
        self._cache: Any = None
        self._prefix_ids: list[int] | None = None
        self._lock = threading.Lock()
        self.local = hasattr(generator, "model") and hasattr(generator, "tokenizer")

    @property
    def model_id(self) -> str:
        return str(getattr(self.generator, "model_id", "model"))

    def choose(self, prompt: str, options: Sequence[str]) -> int:
        if self.local and prompt.startswith(self.prefix):
            fast = self._next_token_choice(prompt, list(options))
            if fast is not None:
                return fast
        return int(self.generator.choose(prompt, list(options)))

    def _ids(self, text: str) -> list[int]:
        return list(self.generator.tokenizer(text).input_ids)

    def _next_token_choice(self, prompt: str, options: list[str]) -> int | None:
        scores = self._next_token_scores(prompt, options)
        if scores is None:
            return None
        if self.calibrate:
            key = tuple(options)
            if key not in self._priors:
                empty = self.prefix + "Message: N/A\nType:"
                self._priors[key] = self._next_token_scores(empty, options) or [0.0] * len(options)
            scores = [s - p for s, p in zip(scores, self._priors[key], strict=True)]
        return max(range(len(scores)), key=lambda i: (scores[i], -i))

    def _next_token_scores(self, prompt: str, options: list[str]) -> list[float] | None:
        import torch

        tok = self.generator.tokenizer
        firsts = [tok(o, add_special_tokens=False).input_ids for o in options]
        if any(len(f) != 1 for f in firsts):
            return None
        ids = self._ids(prompt)
        model = self.generator.model
        device = next(model.parameters()).device
        with self._lock, torch.inference_mode():
            if self._prefix_ids is None:
                self._prefix_ids = self._ids(self.prefix)
                out = model(
                    input_ids=torch.tensor([self._prefix_ids], device=device), use_cache=True
                )
                self._cache = out.past_key_values
            n = len(self._prefix_ids)
            if ids[:n] != self._prefix_ids or len(ids) == n:
                return None  # the prompt's tokens do not extend the kept prefix's
            out = model(
                input_ids=torch.tensor([ids[n:]], device=device),
                past_key_values=copy.deepcopy(self._cache),
                use_cache=True,
                logits_to_keep=1,
            )
            logp = torch.log_softmax(out.logits[0, -1].float(), dim=-1)
            return [float(logp[f[0]]) for f in firsts]
