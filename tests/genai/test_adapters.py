"""Per-shard LoRA adapters over the base model: deterministic bytes, a merge that changes
what the model says, and a perplexity that falls on the texts an adapter learnt from.

The base model loads once for the module; each training uses a small budget (a few
steps of a few dozen tokens), so the module takes about a minute on 2 busy cores."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from consentry.errors import InvalidInput
from consentry.genai.adapters import merge, merged, perplexity, read_adapter
from consentry.genai.base import load_base
from consentry.training.artifacts import load_arrays, sha256
from consentry.training.models import ShardData
from consentry.training.models.adapter import Budget, WriterKind, held_out, split, text_of

SMALL = Budget(examples=4, per_member=2, tokens=24, batch=4, epochs=2)

_HEADLINES = [
    ("Data Engineer", "I build batch and streaming pipelines in Python and Spark."),
    ("Registered Nurse", "Ten years on a cardiac ward; I mentor new graduates."),
    ("Sales Manager", "I lead a team of account executives selling logistics software."),
    ("Product Designer", "I design onboarding flows and run usability studies."),
    ("Financial Analyst", "I model cash flow and build forecasts for retail clients."),
    ("Backend Developer", "I write Go services and keep PostgreSQL fast."),
]
_POSTS = [
    "Shipped our new ingestion pipeline today: half the cost, twice the throughput.",
    "Three things I learnt from a year of on-call: write runbooks, sleep, delegate.",
    "We are hiring two data engineers in Berlin; ask me about the team.",
    "Great panel on patient safety this morning; thank you to every speaker.",
    "A reminder that a good forecast states its assumptions before its numbers.",
    "Our design system now has dark mode, and the accessibility audit passed.",
]


def _records(offset: int, n_members: int) -> ShardData:
    records, member_of = [], {}
    for i in range(n_members):
        title, about = _HEADLINES[(i + offset) % len(_HEADLINES)]
        post = _POSTS[(i + 2 * offset) % len(_POSTS)]
        for kind, t, body in (("profile", title, about), ("post", "", post)):
            rid = f"r{offset}-{i}-{kind}"
            records.append({"record_id": rid, "data_class": kind, "title": t, "text": body})
            member_of[rid] = 100 * offset + i
    return ShardData(offset, records, member_of)


@pytest.fixture(scope="module")
def base():
    return load_base()


@pytest.fixture(scope="module")
def kind():
    return WriterKind(SMALL)


@pytest.fixture(scope="module")
def trained(base, kind):
    shard = _records(0, 6)
    return shard, kind.train_shard(shard, seed=11)


def test_the_split_is_fixed_capped_per_member_and_never_trains_on_held_out_texts():
    shard = _records(1, 40)
    budget = Budget(examples=20, per_member=1)
    one, two = (
        split(shard, budget),
        split(ShardData(1, shard.records[::-1], shard.member_of), budget),
    )
    assert one == two  # the order of the records in the file does not matter
    assert len(one.train) == 20
    trained_members = [shard.member_of[r] for r in one.train_ids]
    assert len(set(trained_members)) == len(trained_members)  # one text per member
    assert not [r for r in one.train_ids if held_out(r)]
    assert one.held_out
    assert len(one.held_out) == sum(held_out(r["record_id"]) for r in shard.records)
    assert text_of(shard.records[0]).startswith("Headline: ")
    assert text_of({"data_class": "post", "title": "", "text": " "}) == ""


@pytest.mark.slow
def test_the_same_shard_gives_the_same_bytes_and_another_shard_other_bytes(base, kind, trained):
    shard, blob = trained
    assert kind.train_shard(shard, seed=11) == blob
    assert kind.train_shard(_records(2, 6), seed=11) != blob
    arrays = load_arrays(blob)
    lora = [k for k in arrays if k.endswith(".lora_B")]
    assert lora and any(np.abs(arrays[k]).max() > 0 for k in lora)  # it learnt something
    assert int(arrays["meta.trained"]) == len(split(shard, SMALL).train)
    # Training left the shared base model as it was, and the process's torch switches too.
    assert not torch.are_deterministic_algorithms_enabled()


@pytest.mark.slow
def test_a_merged_adapter_changes_the_models_predictions_and_lowers_perplexity(base, trained):
    shard, blob = trained
    adapter = read_adapter(load_arrays(blob), sha256(blob))
    before = {k: v.clone() for k, v in base.model.state_dict().items() if "q_proj" in k}
    model = merge(base, [adapter])
    ids = base.tokenizer("Headline: Data Engineer", return_tensors="pt").input_ids
    with torch.no_grad():
        a = base.model(input_ids=ids.to(base.device)).logits
        b = model(input_ids=ids.to(base.device)).logits
    assert not torch.allclose(a, b)
    assert all(torch.equal(v, base.model.state_dict()[k]) for k, v in before.items())
    # The texts it trained on (the held-out ones are too few at this size to say anything).
    texts = split(shard, SMALL).train
    assert perplexity(base.tokenizer, model, texts) < perplexity(base.tokenizer, base.model, texts)


@pytest.mark.slow
def test_the_merge_is_the_mean_of_the_adapters_deltas(base, trained):
    _, blob = trained
    arrays = load_arrays(blob)
    adapter = read_adapter(arrays, sha256(blob))
    zero = read_adapter(
        {k: (np.zeros_like(v) if k.endswith(".lora_B") else v) for k, v in arrays.items()}
    )
    name = next(iter(adapter.deltas))
    weight = dict(base.model.named_modules())[name].weight.detach().cpu().numpy()
    half = merged(base, "half", [adapter, zero])
    got = dict(half.named_modules())[name].weight.detach().cpu().numpy()
    assert np.allclose(got - weight, adapter.deltas[name] / 2, atol=1e-6)
    assert merged(base, "half", [adapter, zero]) is half  # kept, not rebuilt


def test_an_adapter_of_another_base_model_is_refused(base, trained):
    _, blob = trained
    arrays = dict(load_arrays(blob))
    arrays["meta.base"] = np.array("0" * 64)
    with pytest.raises(InvalidInput, match="another base model"):
        merge(base, [read_adapter(arrays)])
