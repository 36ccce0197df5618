"""The local generation backend on the real base model: determinism, stop strings,
constrained choice and log-likelihoods checked against an independent computation."""

from __future__ import annotations

import pytest
import torch

from consentry.config import ConfigError, load_settings
from consentry.errors import InvalidInput
from consentry.genai import generate
from consentry.genai.generate import (
    Generator,
    LocalGenerator,
    OpenAICompatibleGenerator,
    generator_from_settings,
    local_generator,
)

pytestmark = pytest.mark.slow  # the model loads once for the module (~20 s)

SHOTS = (
    "Country: France\nCapital: Paris\n"
    "Country: Japan\nCapital: Tokyo\n"
    "Country: Canada\nCapital: Ottawa\n"
)
CAPITALS = {
    "Germany": "Berlin",
    "Spain": "Madrid",
    "Italy": "Rome",
    "Egypt": "Cairo",
    "Russia": "Moscow",
    "United Kingdom": "London",
    "Greece": "Athens",
    "China": "Beijing",
}


def capital_prompt(country: str) -> str:
    return SHOTS + f"Country: {country}\nCapital:"


@pytest.fixture(scope="module")
def gen() -> LocalGenerator:
    return local_generator()


def test_the_local_backend_is_a_generator_and_names_its_model(gen):
    assert isinstance(gen, Generator)
    assert gen.model_id.startswith("gemma-3-270m")


def test_greedy_completion_is_the_same_twice_and_follows_the_few_shot_pattern(gen):
    first = gen.complete(capital_prompt("Germany"), max_tokens=6)
    assert first == gen.complete(capital_prompt("Germany"), max_tokens=6)
    assert first.strip() == "Berlin"  # stopped at the end of the line, which is not returned


def test_sampling_is_seeded(gen):
    prompt = "My favourite thing about weekends is"
    texts = {
        seed: gen.complete(prompt, max_tokens=8, stop=(), seed=seed, temperature=1.2)
        for seed in (1, 2, 3)
    }
    again = gen.complete(prompt, max_tokens=8, stop=(), seed=2, temperature=1.2)
    assert again == texts[2]
    assert len(set(texts.values())) >= 2  # sampling does sample


def test_a_completion_stops_before_the_first_stop_string(gen):
    prompt = capital_prompt("Italy")
    free = gen.generate(prompt, max_tokens=12, stop=())
    assert "\n" in free.text and free.finish_reason == "length" and free.completion_tokens == 12
    stopped = gen.generate(prompt, max_tokens=12, stop=("\n",))
    assert stopped.text == free.text.split("\n")[0]
    assert stopped.finish_reason == "stop"
    # Several stop strings: the earliest in the text wins, whichever is listed first.
    word = free.text.split("\n")[1][:4]  # "Coun" of the next "Country:" line
    assert gen.complete(prompt, max_tokens=12, stop=(word, "\n")) == stopped.text


def test_choose_picks_the_capital_in_a_few_shot_prompt(gen):
    options = list(CAPITALS.values())
    asked = ["Germany", "Egypt", "United Kingdom", "China"]
    chosen = {country: options[gen.choose(capital_prompt(country), options)] for country in asked}
    assert chosen == {country: CAPITALS[country] for country in asked}


def manual_loglikelihood(gen: LocalGenerator, prompt: str, option: str) -> float:
    """Independently: the whole text in one unbatched, uncached pass, summed token by token."""
    ids = gen.tokenizer(prompt.rstrip(" ")).input_ids
    option_ids = gen.tokenizer(prompt[len(prompt.rstrip(" ")) :] + option, add_special_tokens=False)
    option_ids = option_ids.input_ids
    with torch.inference_mode():
        # Logits of the last prompt position onwards: each predicts the next option token.
        keep = len(option_ids) + 1
        out = gen.model(input_ids=torch.tensor([ids + option_ids]), logits_to_keep=keep)
    logp = torch.log_softmax(out.logits[0].float(), dim=-1)
    return sum(float(logp[k, t]) for k, t in enumerate(option_ids))


@pytest.mark.parametrize("prompt", [capital_prompt("Spain"), capital_prompt("Spain") + " "])
def test_loglikelihoods_agree_with_a_token_by_token_sum(gen, prompt):
    options = ["Madrid", "Barcelona and Valencia", "Rome", "X", "Saint Petersburg, Russia"]
    batched = gen.loglikelihoods(prompt, options)
    for option, score in zip(options, batched, strict=True):
        tokens = len(gen.tokenizer(" " + option, add_special_tokens=False).input_ids)
        # float32 sums in another order: about 1e-5 per token, so 1e-4 per token is ample.
        assert score == pytest.approx(manual_loglikelihood(gen, prompt, option), abs=1e-4 * tokens)
    assert max(range(len(options)), key=batched.__getitem__) == 0


def test_loglikelihoods_past_the_sliding_window_agree_too(gen):
    # Gemma 3 attends locally (512 tokens) in most layers: a long prompt exercises that cache.
    prompt = SHOTS * 22 + "Country: Spain\nCapital:"
    assert len(gen.tokenizer(prompt).input_ids) > 512
    options = ["Madrid", "Saint Petersburg, Russia"]
    scores = gen.loglikelihoods(prompt, options)
    for option, score in zip(options, scores, strict=True):
        assert score == pytest.approx(manual_loglikelihood(gen, prompt, option), abs=1e-3)


def test_many_options_are_scored_in_bounded_batches_with_the_same_result(gen, monkeypatch):
    prompt = capital_prompt("Egypt")
    options = list(CAPITALS.values())
    whole = gen.loglikelihoods(prompt, options)
    monkeypatch.setattr(generate, "SCORE_POSITIONS", 3)  # one or two options a batch
    assert gen.loglikelihoods(prompt, options) == pytest.approx(whole, abs=1e-4)


def test_a_long_prompt_is_cut_from_the_left(gen, monkeypatch):
    monkeypatch.setattr(generate, "MAX_PROMPT_TOKENS", 40)
    prompt = "Lorem ipsum dolor sit amet. " * 200 + capital_prompt("Greece")
    ids = gen._prompt_ids(prompt)
    assert len(ids) == 40 and ids[0] == gen.tokenizer.bos_token_id
    assert gen.tokenizer.decode(ids[1:]).endswith("Country: Greece\nCapital:")
    assert gen.complete(prompt, max_tokens=4).strip() == "Athens"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda g: g.complete("x", max_tokens=0), "max_tokens"),
        (lambda g: g.complete("x", temperature=-1), "temperature"),
        (lambda g: g.complete("x", stop=("",)), "stop string"),
        (lambda g: g.choose("x", []), "at least one option"),
        (lambda g: g.choose("x", "Paris"), "list of strings"),
        (lambda g: g.loglikelihoods("x", ["a", " "]), "non-empty"),
    ],
)
def test_bad_requests_are_one_line_errors(gen, call, message):
    with pytest.raises(InvalidInput, match=message) as caught:
        call(gen)
    assert "\n" not in str(caught.value)


def test_settings_pick_the_http_backend_only_when_a_url_is_set():
    assert generator_from_settings(load_settings({})) is None
    cfg = load_settings(
        {"CONSENTRY_GENAI_URL": "http://127.0.0.1:9/", "CONSENTRY_GENAI_MODEL": "m1"}
    )
    remote = generator_from_settings(cfg)
    assert isinstance(remote, OpenAICompatibleGenerator)
    assert remote.model_id == "m1 via http://127.0.0.1:9"
    for bad in ("localhost:8000", "ftp://host", "http://", "http://host:99999"):
        with pytest.raises(ConfigError, match="CONSENTRY_GENAI_URL"):
            load_settings({"CONSENTRY_GENAI_URL": bad})
