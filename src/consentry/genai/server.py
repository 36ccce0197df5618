"""An OpenAI-compatible endpoint over a local generator: `consentry genai serve`.

For operators who want one model process shared by several web workers (set
`CONSENTRY_GENAI_URL` on the workers), and the honest peer the HTTP backend is tested
against. It speaks the subset of the OpenAI completions API the generation contract uses:

- `GET /v1/models`: the one model served.
- `POST /v1/completions` with `prompt`, `max_tokens`, `stop`, `seed`, `temperature`:
  a completion, exactly `LocalGenerator.complete` for the same arguments.
  With `response_format = {"type": "json_schema", "json_schema": {"schema":
  {"type": "string", "enum": [...]}}}` the answer is one of the enum's strings, as JSON,
  picked by `LocalGenerator.choose` (the most likely option), never anything else.

A malformed body is answered 422, a request the generator refuses 400, both JSON
(`{"error": {"message": ..., "type": "invalid_request_error"}}` for the latter, FastAPI's
`{"detail": [...]}` for the former); never a traceback.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from consentry.errors import InvalidInput
from consentry.genai.generate import MAX_NEW_TOKENS, MAX_OPTIONS, LocalGenerator


class JsonSchemaSpec(BaseModel):
    name: str = "choice"
    schema_: dict[str, Any] = Field(alias="schema")
    strict: bool | None = None


class ResponseFormat(BaseModel):
    type: Literal["text", "json_schema"]
    json_schema: JsonSchemaSpec | None = None


class CompletionRequest(BaseModel):
    """The body of `POST /v1/completions` (unknown OpenAI fields are ignored)."""

    model_config = ConfigDict(extra="ignore")

    model: str | None = None
    prompt: str = Field(max_length=200_000)
    max_tokens: int = Field(16, ge=1, le=MAX_NEW_TOKENS)
    stop: str | list[str] | None = None
    seed: int = Field(0, ge=0, le=2**63 - 1)
    temperature: float = Field(1.0, ge=0.0, le=2.0)
    response_format: ResponseFormat | None = None


def _enum_options(fmt: ResponseFormat | None) -> list[str] | None:
    """The options of a string-enum JSON schema, None for plain text; another schema is
    refused (only a choice among strings is supported)."""
    if fmt is None or fmt.type == "text":
        return None
    if fmt.json_schema is None:
        raise InvalidInput("response_format json_schema needs a json_schema object")
    schema = fmt.json_schema.schema_
    options = schema.get("enum")
    if schema.get("type") != "string" or not isinstance(options, list):
        raise InvalidInput('only a {"type": "string", "enum": [...]} schema is supported')
    if not options or len(options) > MAX_OPTIONS:
        raise InvalidInput(f"the enum must list from 1 to {MAX_OPTIONS} strings")
    if not all(isinstance(o, str) for o in options):
        raise InvalidInput("every enum value must be a string")
    return options


def create_app(generator: LocalGenerator) -> FastAPI:
    """The endpoint, serving `generator` (its model_id is the one model listed)."""
    app = FastAPI(title="Consentry generation", docs_url=None, redoc_url=None)

    @app.exception_handler(InvalidInput)
    async def invalid(_request: Request, exc: InvalidInput) -> JSONResponse:
        return JSONResponse(
            status_code=400,
            content={"error": {"message": str(exc), "type": "invalid_request_error"}},
        )

    @app.get("/v1/models")
    def models() -> dict:
        return {
            "object": "list",
            "data": [{"id": generator.model_id, "object": "model", "owned_by": "consentry"}],
        }

    @app.post("/v1/completions")
    def completions(body: CompletionRequest) -> dict:
        # Sync handler: FastAPI runs it in its thread pool; the generator's lock serialises
        # the model, so concurrent requests queue rather than thrash the CPU.
        if body.model and body.model != generator.model_id:
            raise InvalidInput(f"this server runs {generator.model_id!r}, not {body.model!r}")
        options = _enum_options(body.response_format)
        if options is not None:
            index = generator.choose(body.prompt, options)
            text, reason, used = json.dumps(options[index]), "stop", 1
            prompt_tokens = len(generator.tokenizer(body.prompt).input_ids)
        else:
            stop = [body.stop] if isinstance(body.stop, str) else list(body.stop or [])
            done = generator.generate(
                body.prompt,
                max_tokens=body.max_tokens,
                stop=stop,
                seed=body.seed,
                temperature=body.temperature,
            )
            text, reason, used = done.text, done.finish_reason, done.completion_tokens
            prompt_tokens = done.prompt_tokens
        return {
            "id": f"cmpl-{uuid.uuid4().hex}",
            "object": "text_completion",
            "created": int(time.time()),
            "model": generator.model_id,
            "choices": [{"index": 0, "text": text, "finish_reason": reason, "logprobs": None}],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": used,
                "total_tokens": prompt_tokens + used,
            },
        }

    return app
