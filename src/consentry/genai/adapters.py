"""LoRA adapters over the base model: training one from texts, merging several, scoring.

The generative model's member-derived part is one adapter per `train-genai` shard
(`training/models/adapter.py` picks a shard's texts and stores the adapter; SISA retrains
only the shard that held a withdrawn member). Exact unlearning asks that the retrained
adapter equal, byte for byte, one trained from scratch, so `train_lora` is a pure function
of (texts, seed, length and batch limits, base weights):

- `torch.manual_seed(seed)` before the adapter is created (LoRA's A matrices are drawn
  from it, B starts at zero); no dropout anywhere (the model is kept in eval mode, the
  adapter's dropout is 0); deterministic algorithms on; a fixed thread count (a CPU
  matmul's summation order can depend on how many threads split it); all restored after;
- texts are trained in the order given, in fixed batches, one pass per epoch;
- the result is plain float32 arrays named by module, which the caller serialises with
  sorted names (`training.artifacts.dump_arrays`).

Byte-equality holds on one machine and software stack: a GPU, another CPU instruction set
or another torch version rounds differently. Propagation retrains where the original was
trained, and the proof (retrained == from scratch) is made on that same stack.

`merge(base, adapters)` is the SISA aggregate: a copy of the base model whose target
weights get the MEAN of the adapters' deltas (B @ A * alpha / r). Mean, not sum: each
adapter is a complete fine-tuning run from the same base on 1/n of the data, so a sum
would apply the update n times over; the mean is the first-order equivalent of training
on the union (equal-size shards, gradients averaged), keeps every shard's share equal,
and a retrained shard changes exactly its own term.
"""

from __future__ import annotations

import copy
import math
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from consentry.errors import InvalidInput

#: The attention projections adapted, in the top layers only: backpropagation then stops
#: there, which keeps a CPU training step affordable (the 262k-word output layer costs
#: the most anyway).
TARGETS = ("q_proj", "v_proj")
TOP_LAYERS = 4
RANK = 4
ALPHA = 8
LEARNING_RATE = 2e-3
TRAIN_THREADS = 2
_LOCK = threading.Lock()  # training flips process-wide torch switches; one at a time


def _device_of(model: Any) -> Any:
    return next(model.parameters()).device


def _batches(tokenizer: Any, texts: Sequence[str], size: int, tokens: int) -> Iterable[Any]:
    """(input_ids, attention_mask, labels) batches, right-padded, pads not scored."""
    import torch

    for start in range(0, len(texts), size):
        rows = [
            [tokenizer.bos_token_id, *tokenizer(t, add_special_tokens=False).input_ids]
            for t in texts[start : start + size]
        ]
        rows = [r[:tokens] for r in rows]
        width = max(len(r) for r in rows)
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        ids = torch.tensor([r + [pad] * (width - len(r)) for r in rows])
        mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows])
        labels = ids.masked_fill(mask == 0, -100)
        yield ids, mask, labels


class _Deterministic:
    """Seeded, deterministic, fixed-thread torch for the block; restores what it found."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def __enter__(self) -> None:
        import torch

        _LOCK.acquire()
        # cuBLAS refuses deterministic mode without a fixed workspace; it reads this when
        # its handle is created, so set it before any CUDA work in the process.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        self.threads = torch.get_num_threads()
        self.deterministic = torch.are_deterministic_algorithms_enabled()
        torch.set_num_threads(TRAIN_THREADS)
        torch.use_deterministic_algorithms(True)
        torch.manual_seed(self.seed)

    def __exit__(self, *exc: object) -> None:
        import torch

        torch.use_deterministic_algorithms(self.deterministic)
        torch.set_num_threads(self.threads)
        _LOCK.release()


def _layers(model: Any) -> list[int]:
    n = int(model.config.num_hidden_layers)
    return list(range(max(0, n - TOP_LAYERS), n))


def train_lora(
    base: Any, texts: Sequence[str], *, seed: int, tokens: int, batch: int, epochs: int = 1
) -> dict[str, np.ndarray]:
    """A LoRA adapter trained on `texts` (in that order), as float32 arrays named
    `<module>.lora_A` / `<module>.lora_B`, plus `meta.lora` (rank, alpha) and
    `meta.base` (the base's GGUF SHA-256). Deterministic (see the module docstring).

    `base` is `genai.base.Base`; its model is never modified (the adapter is trained on a
    copy, on the base's device). No texts: an adapter whose deltas are zero.
    """
    import torch
    from peft import LoraConfig, get_peft_model

    if tokens < 2 or batch < 1 or epochs < 0:
        raise InvalidInput("an adapter needs tokens >= 2, batch >= 1 and epochs >= 0")
    with _Deterministic(seed):
        model = copy.deepcopy(base.model)
        config = LoraConfig(
            r=RANK,
            lora_alpha=ALPHA,
            lora_dropout=0.0,
            target_modules=list(TARGETS),
            layers_to_transform=_layers(model),
            bias="none",
        )
        peft_model = get_peft_model(model, config)
        peft_model.eval()  # no dropout anywhere; gradients still flow
        params = [p for p in peft_model.parameters() if p.requires_grad]
        optimiser = torch.optim.AdamW(params, lr=LEARNING_RATE, weight_decay=0.0)
        device = _device_of(model)
        for _ in range(epochs if texts else 0):
            for ids, mask, labels in _batches(base.tokenizer, texts, batch, tokens):
                out = peft_model(
                    input_ids=ids.to(device),
                    attention_mask=mask.to(device),
                    labels=labels.to(device),
                )
                out.loss.backward()
                optimiser.step()
                optimiser.zero_grad(set_to_none=True)
        arrays: dict[str, np.ndarray] = {
            _short(name): tensor.detach().to("cpu", torch.float32).numpy().copy()
            for name, tensor in peft_model.named_parameters()
            if "lora_" in name
        }
    del peft_model, model
    arrays["meta.lora"] = np.array([RANK, ALPHA], dtype=np.int64)
    arrays["meta.base"] = np.array(base.gguf_sha256)
    return arrays


def _short(peft_name: str) -> str:
    """`base_model.model.model.layers.17.self_attn.q_proj.lora_A.default.weight` ->
    `model.layers.17.self_attn.q_proj.lora_A`: the target module and which factor."""
    name = peft_name.removeprefix("base_model.model.")
    module, _, rest = name.partition(".lora_")
    return f"{module}.lora_{rest.split('.')[0]}"


@dataclass(frozen=True)
class Adapter:
    """One shard's adapter read back: the weight delta of each target module."""

    deltas: dict[str, np.ndarray]  # module name -> B @ A * alpha / r
    base_sha256: str
    sha256: str


def read_adapter(arrays: Mapping[str, np.ndarray], digest: str = "") -> Adapter:
    """An adapter from `train_lora`'s arrays (`digest`: its artifact's SHA-256)."""
    rank, alpha = (int(v) for v in arrays["meta.lora"])
    deltas = {}
    for key in sorted(arrays):
        if key.endswith(".lora_A"):
            module = key.removesuffix(".lora_A")
            a, b = arrays[key], arrays[f"{module}.lora_B"]
            deltas[module] = (b @ a) * (alpha / rank)
    return Adapter(deltas, str(arrays["meta.base"]), digest)


def merge(base: Any, adapters: Sequence[Adapter]) -> Any:
    """A copy of the base model with the mean of the adapters' deltas added to its
    target weights (the SISA aggregate; why the mean: the module docstring)."""
    import torch

    for adapter in adapters:
        if adapter.base_sha256 != base.gguf_sha256:
            raise InvalidInput(
                f"adapter {adapter.sha256[:12]} was trained on another base model "
                f"({adapter.base_sha256[:12]}, not {base.gguf_sha256[:12]}); retrain it"
            )
    model = copy.deepcopy(base.model)
    if not adapters:
        return model
    modules = dict(model.named_modules())
    names = sorted({m for a in adapters for m in a.deltas})
    with torch.no_grad():
        for name in names:
            total = sum(a.deltas[name] for a in adapters if name in a.deltas)
            weight = modules[name].weight
            weight += torch.from_numpy(np.asarray(total / len(adapters))).to(
                weight.device, weight.dtype
            )
    model.eval()
    return model


_MERGED: OrderedDict[str, Any] = OrderedDict()
_MERGED_LOCK = threading.Lock()
MERGED_KEPT = 2  # a merged model is a full copy of the base (about 1 GB in float32)


def merged(base: Any, key: str, adapters: Sequence[Adapter]) -> Any:
    """`merge(base, adapters)`, kept for the last `MERGED_KEPT` keys (model versions are
    immutable, so a key names one merged model for good)."""
    with _MERGED_LOCK:
        if key in _MERGED:
            _MERGED.move_to_end(key)
            return _MERGED[key]
    model = merge(base, adapters)
    with _MERGED_LOCK:
        _MERGED[key] = model
        _MERGED.move_to_end(key)
        while len(_MERGED) > MERGED_KEPT:
            _MERGED.popitem(last=False)
    return model


def perplexity(tokenizer: Any, model: Any, texts: Sequence[str], *, tokens: int = 128) -> float:
    """exp(mean negative log-likelihood per predicted token) of `texts` under `model`,
    each text after a BOS token and cut to `tokens` tokens."""
    import torch

    if not texts:
        raise InvalidInput("perplexity needs at least one text")
    device = _device_of(model)
    nll, count = 0.0, 0
    with torch.no_grad():
        for ids, mask, labels in _batches(tokenizer, list(texts), 8, tokens):
            logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits
            shifted = labels[:, 1:].to(device)
            loss = torch.nn.functional.cross_entropy(
                logits[:, :-1].reshape(-1, logits.shape[-1]).float(),
                shifted.reshape(-1),
                ignore_index=-100,
                reduction="sum",
            )
            nll += float(loss)
            count += int((shifted != -100).sum())
    return math.exp(nll / max(count, 1))
