"""The generation contract, and its two backends: the local model and an OpenAI-compatible
endpoint.

Every generative feature asks a `Generator` for one of three things:

- `complete(prompt, max_tokens=, stop=, seed=, temperature=)`: the text that follows
  `prompt`, at most `max_tokens` tokens, cut before the first stop string (which is not
  returned). Temperature 0 is greedy decoding; above 0 the next token is sampled from
  the softened distribution with a random generator seeded by `seed`, so the same
  (prompt, seed, temperature) always gives the same text from the same model.
- `choose(prompt, options)`: constrained choice, the index of the option the model finds
  most likely as the continuation of `prompt`. Never anything outside `options`.
- `loglikelihoods(prompt, options)`: the summed token log-probabilities of each option
  after `prompt` (the local backend; an endpoint that cannot say raises InvalidInput).

`model_id` names what produced the text; feature pages show it.

Backends:
- `LocalGenerator(tokenizer, model, model_id)` over any transformers causal LM in this
  process (the base model, or a copy with adapters merged, `genai/adapters.py`).
- `OpenAICompatibleGenerator(base_url, model=...)` over HTTP: vLLM, a llama.cpp server,
  Ollama's OpenAI API, or `consentry genai serve` (`genai/server.py`). Constrained choice
  asks the server for a JSON string restricted to the options (`response_format` with a
  JSON schema), which those servers honour.

`generator_from_settings(settings)` picks the HTTP backend when `CONSENTRY_GENAI_URL` is
set; otherwise the caller uses `local_generator()`.
"""

from __future__ import annotations

import copy
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from consentry.errors import InvalidInput

if TYPE_CHECKING:
    from consentry.config import Settings

#: Prompt tokens kept (the most recent ones): bounds memory and time whatever the caller
#: passes. The base model's context is 32k tokens; our prompts are few-shot and short.
MAX_PROMPT_TOKENS = 2048
#: Tokens a completion may ask for at most.
MAX_NEW_TOKENS = 1024
#: Options a constrained choice may offer at most.
MAX_OPTIONS = 256
#: Option token positions scored in one batch: each holds a vocabulary-wide row of logits
#: (262k floats, 1 MiB), so this bounds a batch's memory to a few hundred MiB.
SCORE_POSITIONS = 128


@runtime_checkable
class Generator(Protocol):
    """What every generative feature calls; see the module docstring for the contract."""

    @property
    def model_id(self) -> str: ...

    def complete(
        self,
        prompt: str,
        *,
        max_tokens: int = 64,
        stop: Sequence[str] = ("\n",),
        seed: int = 0,
        temperature: float = 0.0,
    ) -> str: ...

    def choose(self, prompt: str, options: Sequence[str]) -> int: ...

    def loglikelihoods(self, prompt: str, options: Sequence[str]) -> list[float]: ...


@dataclass(frozen=True)
class Completion:
    """A completion with what an OpenAI-style answer reports beside the text."""

    text: str
    #: "stop" (a stop string or the end-of-text token) or "length" (max_tokens reached).
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int


def _check_request(max_tokens: int, stop: Sequence[str], temperature: float) -> list[str]:
    if isinstance(stop, str):  # a bare string is one stop string, not its characters
        stop = [stop]
    if not 1 <= max_tokens <= MAX_NEW_TOKENS:
        raise InvalidInput(f"max_tokens must be from 1 to {MAX_NEW_TOKENS}, not {max_tokens}")
    if not 0.0 <= temperature <= 2.0:
        raise InvalidInput(f"temperature must be from 0 to 2, not {temperature}")
    stops = [s for s in stop if s]
    if len(stops) != len(list(stop)):
        raise InvalidInput("a stop string cannot be empty")
    return stops


def _check_options(options: Sequence[str]) -> list[str]:
    if isinstance(options, str):
        raise InvalidInput("options must be a list of strings, not one string")
    opts = list(options)
    if not opts:
        raise InvalidInput("a choice needs at least one option")
    if len(opts) > MAX_OPTIONS:
        raise InvalidInput(f"a choice offers at most {MAX_OPTIONS} options, not {len(opts)}")
    if any(not isinstance(o, str) or not o.strip() for o in opts):
        raise InvalidInput("every option must be a non-empty string")
    return opts


def _cut_at_stop(text: str, stops: Sequence[str]) -> tuple[str, bool]:
    """`text` cut before the earliest stop string, and whether one was found."""
    cut = min((i for i in (text.find(s) for s in stops) if i >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


class LocalGenerator:
    """Generation with a transformers causal LM in this process.

    One call at a time per generator (a lock): on a few CPU cores parallel forward passes
    only slow each other down, and a torch model is not documented as re-entrant.
    The model is only read, never changed.
    """

    def __init__(self, tokenizer: Any, model: Any, model_id: str) -> None:
        self.tokenizer = tokenizer
        self.model = model
        self._model_id = model_id
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def device(self) -> Any:
        return next(self.model.parameters()).device

    # -- tokens ---------------------------------------------------------------------

    def _prompt_ids(self, prompt: str) -> list[int]:
        """The prompt's token ids (with the beginning-of-text token), cut from the left to
        MAX_PROMPT_TOKENS so that the most recent context is what the model sees."""
        ids = list(self.tokenizer(prompt).input_ids)
        if len(ids) > MAX_PROMPT_TOKENS:
            bos = self.tokenizer.bos_token_id
            keep = ids[-(MAX_PROMPT_TOKENS - 1) :]
            ids = [bos, *keep] if bos is not None and ids[0] == bos else ids[-MAX_PROMPT_TOKENS:]
        return ids

    def _option_ids(self, option: str) -> list[int]:
        return list(self.tokenizer(option, add_special_tokens=False).input_ids)

    @staticmethod
    def _split_space(prompt: str, options: Sequence[str]) -> tuple[str, list[str]]:
        # The tokenizer writes a leading space into the word's token (" Paris"): a prompt
        # ending in "Capital: " would force the option onto the unusual space-less "Paris".
        # Moving the prompt's trailing whitespace onto each option scores the natural form.
        stripped = prompt.rstrip(" ")
        space = prompt[len(stripped) :]
        return stripped, [space + o for o in options]

    # -- the contract ---------------------------------------------------------------

    def complete(
        self,
        prompt: str,
        *,
        max_tokens: int = 64,
        stop: Sequence[str] = ("\n",),
        seed: int = 0,
        temperature: float = 0.0,
    ) -> str:
        return self.generate(
            prompt, max_tokens=max_tokens, stop=stop, seed=seed, temperature=temperature
        ).text

    def generate(
        self,
        prompt: str,
        *,
        max_tokens: int = 64,
        stop: Sequence[str] = ("\n",),
        seed: int = 0,
        temperature: float = 0.0,
    ) -> Completion:
        """`complete`, with the finish reason and token counts (the HTTP server reports them)."""
        import torch

        stops = _check_request(max_tokens, stop, temperature)
        ids = self._prompt_ids(prompt)
        eos = {self.tokenizer.eos_token_id, *self._extra_eos()}
        with self._lock, torch.inference_mode():
            device = self.device
            rng = None
            if temperature > 0:
                rng = torch.Generator(device=device)
                rng.manual_seed(int(seed))
            out: list[int] = []
            cache = self._new_cache()
            step_input = torch.tensor([ids], device=device)
            text, stopped = "", False
            for _ in range(max_tokens):
                # Only the last position's logits are needed: skip the vocabulary
                # projection (262k columns) for the rest of the prompt.
                result = self.model(input_ids=step_input, use_cache=True, logits_to_keep=1, **cache)
                logits = result.logits[0, -1].float()
                if rng is None:
                    token = int(torch.argmax(logits))
                else:
                    probs = torch.softmax(logits / temperature, dim=-1)
                    token = int(torch.multinomial(probs, 1, generator=rng))
                if token in eos:
                    stopped = True
                    break
                out.append(token)
                text = self.tokenizer.decode(out, skip_special_tokens=True)
                text, stopped = _cut_at_stop(text, stops)
                if stopped:
                    break
                step_input = torch.tensor([[token]], device=device)
        return Completion(
            text=text,
            finish_reason="stop" if stopped else "length",
            prompt_tokens=len(ids),
            completion_tokens=len(out),
        )

    def _new_cache(self) -> dict[str, Any]:
        """An empty key/value cache, under the keyword this transformers version takes
        (`cache` from 5.2x, `past_key_values` before); the model fills it in place."""
        import inspect

        from transformers import DynamicCache

        # A peft wrapper forwards **kwargs; the wrapped model's signature is the one to read.
        inner = self.model.get_base_model() if hasattr(self.model, "get_base_model") else self.model
        params = inspect.signature(inner.forward).parameters
        name = "cache" if "cache" in params else "past_key_values"
        return {name: DynamicCache(config=self.model.config)}

    def _extra_eos(self) -> list[int]:
        # Gemma's end-of-turn token also ends a text; other tokenizers may lack it.
        token = self.tokenizer.convert_tokens_to_ids("<end_of_turn>")
        unk = self.tokenizer.unk_token_id
        return [token] if isinstance(token, int) and token != unk else []

    def loglikelihoods(self, prompt: str, options: Sequence[str]) -> list[float]:
        """Summed log-probabilities of each option's tokens after the prompt.

        The prompt is read once (its keys and values cached), then the options in one
        right-padded batch over that cache: the cost is one prompt plus the options'
        tokens, not the prompt once per option. Many long options are split into batches
        of at most SCORE_POSITIONS token positions, which bounds the logits' memory (each
        position holds a row as wide as the vocabulary)."""
        import torch

        opts = _check_options(options)
        prompt, opts = self._split_space(prompt, opts)
        ids = self._prompt_ids(prompt)
        option_ids = [self._option_ids(o) for o in opts]
        if any(not o or len(o) > SCORE_POSITIONS for o in option_ids):
            raise InvalidInput(f"an option must be from 1 to {SCORE_POSITIONS} tokens long")
        with self._lock, torch.inference_mode():
            cache = self._new_cache()
            head = self.model(
                input_ids=torch.tensor([ids], device=self.device),
                use_cache=True,
                logits_to_keep=1,
                **cache,
            ).logits[0, -1]  # predicts each option's first token
            scores: list[float] = []
            for batch in _batches(option_ids, SCORE_POSITIONS):
                scores += self._score_batch(len(ids), head, cache, batch)
        return scores

    def _score_batch(
        self, n: int, head: Any, prompt_cache: dict[str, Any], option_ids: list[list[int]]
    ) -> list[float]:
        import torch

        device = self.device
        count, longest = len(option_ids), max(len(o) for o in option_ids)
        pad = self.tokenizer.pad_token_id or 0
        padded = [o + [pad] * (longest - len(o)) for o in option_ids]
        valid = torch.tensor(
            [[1.0] * len(o) + [0.0] * (longest - len(o)) for o in option_ids], device=device
        )
        logits = head.expand(count, -1).unsqueeze(1)
        if longest > 1:
            # A copy: the prompt's cache serves every batch, and a forward pass extends it.
            name, cache = next(iter(prompt_cache.items()))
            cache = copy.deepcopy(cache)
            cache.batch_repeat_interleave(count)
            mask = torch.cat([torch.ones(count, n, device=device), valid], dim=1).long()
            # The last option token predicts nothing we score: leave it out of the pass.
            rest = self.model(
                input_ids=torch.tensor([row[:-1] for row in padded], device=device),
                attention_mask=mask[:, :-1],
                use_cache=True,
                **{name: cache},
            ).logits
            logits = torch.cat([logits, rest], dim=1)
        logits = logits.float()
        target = torch.tensor(padded, device=device).unsqueeze(-1)
        picked = logits.gather(-1, target).squeeze(-1) - torch.logsumexp(logits, dim=-1)
        return [float(t) for t in (picked * valid).sum(dim=-1)]

    def choose(self, prompt: str, options: Sequence[str]) -> int:
        """The option with the highest summed log-probability (the first on a tie)."""
        scores = self.loglikelihoods(prompt, options)
        return max(range(len(scores)), key=lambda i: (scores[i], -i))


def _batches(option_ids: list[list[int]], positions: int) -> list[list[list[int]]]:
    """Consecutive groups of options whose padded size (count x longest) stays within
    `positions`; an option longer than that is a group of its own."""
    groups: list[list[list[int]]] = []
    current: list[list[int]] = []
    for option in option_ids:
        longest = max([len(option), *(len(o) for o in current)])
        if current and (len(current) + 1) * longest > positions:
            groups.append(current)
            current = []
        current.append(option)
    if current:
        groups.append(current)
    return groups


def local_generator(model: Any = None, *, model_id: str | None = None) -> LocalGenerator:
    """A generator over the base model, or over `model` (a torch model with the base
    model's tokenizer, e.g. with adapters merged) named `model_id`."""
    from consentry.genai.base import load_base

    base = load_base()
    if model is None:
        return LocalGenerator(base.tokenizer, base.model, model_id or base.model_id)
    return LocalGenerator(base.tokenizer, model, model_id or f"{base.model_id} + adapted")


class OpenAICompatibleGenerator:
    """Generation by an OpenAI-compatible server (`POST {base_url}/v1/completions`).

    `model` is what the server should run; empty: the first model its `/v1/models`
    lists (asked once, on first use). A server that cannot be reached, or answers with
    an error, is reported as one line naming the URL.
    """

    def __init__(self, base_url: str, model: str = "", timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        if self.base_url.endswith("/v1"):  # both spellings are common in operators' configs
            self.base_url = self.base_url[: -len("/v1")]
        self.timeout = timeout
        self._model = model

    @property
    def model_id(self) -> str:
        return f"{self.model} via {self.base_url}"

    @property
    def model(self) -> str:
        if not self._model:
            listed = self._request("GET", "/v1/models").get("data") or []
            if not listed or not isinstance(listed[0], dict) or not listed[0].get("id"):
                raise InvalidInput(f"{self.base_url}/v1/models lists no model")
            self._model = str(listed[0]["id"])
        return self._model

    def _request(self, method: str, path: str, body: dict | None = None) -> dict:
        url = self.base_url + path
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(
            url, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = response.read()
        except urllib.error.HTTPError as exc:
            detail = _error_detail(exc.read())
            raise InvalidInput(f"{url} answered {exc.code}{detail}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise InvalidInput(f"cannot reach the generation server at {url}: {reason}") from None
        try:
            answer = json.loads(payload)
        except ValueError:
            raise InvalidInput(f"{url} answered something that is not JSON") from None
        if not isinstance(answer, dict):
            raise InvalidInput(f"{url} answered JSON that is not an object")
        return answer

    def _completion_text(self, body: dict) -> str:
        answer = self._request("POST", "/v1/completions", {"model": self.model, **body})
        try:
            return str(answer["choices"][0]["text"])
        except (KeyError, IndexError, TypeError):
            raise InvalidInput(
                f"{self.base_url}/v1/completions answered without choices[0].text"
            ) from None

    def complete(
        self,
        prompt: str,
        *,
        max_tokens: int = 64,
        stop: Sequence[str] = ("\n",),
        seed: int = 0,
        temperature: float = 0.0,
    ) -> str:
        stops = _check_request(max_tokens, stop, temperature)
        body = {
            "prompt": prompt,
            "max_tokens": max_tokens,
            "seed": seed,
            "temperature": temperature,
        }
        if stops:
            body["stop"] = stops
        # Servers differ on whether they trim a stop string; the contract says it is never
        # returned.
        return _cut_at_stop(self._completion_text(body), stops)[0]

    def choose(self, prompt: str, options: Sequence[str]) -> int:
        opts = _check_options(options)
        schema = {"type": "string", "enum": opts}
        text = self._completion_text(
            {
                "prompt": prompt,
                # A JSON string of the longest option, quotes and escapes included, is at
                # most that many tokens (a token is at least one character).
                "max_tokens": max(len(json.dumps(o)) for o in opts) + 8,
                "temperature": 0.0,
                "seed": 0,
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "choice", "schema": schema},
                },
            }
        )
        return _parse_choice(text, opts, self.base_url)

    def loglikelihoods(self, prompt: str, options: Sequence[str]) -> list[float]:
        _check_options(options)
        raise InvalidInput(
            f"the generation server at {self.base_url} does not report log-likelihoods; "
            "score options with the local model"
        )


def _parse_choice(text: str, options: list[str], where: str) -> int:
    """The index of the option `text` names: a JSON string equal to one, else the longest
    option whose text appears in the answer (a server that ignored the schema)."""
    try:
        value = json.loads(text.strip())
    except ValueError:
        value = None
    if isinstance(value, str) and value in options:
        return options.index(value)
    present = [i for i, o in enumerate(options) if o in text]
    if present:
        return max(present, key=lambda i: len(options[i]))
    raise InvalidInput(f"the generation server at {where} answered none of the options")


def _error_detail(raw: bytes) -> str:
    """A short reason from an error body (OpenAI style or FastAPI style), or nothing."""
    try:
        body = json.loads(raw)
    except ValueError:
        return ""
    message = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            message = error.get("message")
        elif isinstance(error, str):
            message = error
        elif "detail" in body:
            message = json.dumps(body["detail"])[:200]
    return f": {' '.join(str(message).split())[:200]}" if message else ""


def generator_from_settings(settings: Settings) -> Generator | None:
    """The HTTP backend when `CONSENTRY_GENAI_URL` is set, else None (the caller then
    uses `local_generator()`, with its adapters)."""
    if not settings.genai_url:
        return None
    return OpenAICompatibleGenerator(settings.genai_url, model=settings.genai_model)
