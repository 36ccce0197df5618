"""The HTTP backend against `consentry genai serve` run for real, as a separate process on a
loopback port: what it answers equals what the local model gives for the same request."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from consentry.errors import InvalidInput
from consentry.genai.generate import LocalGenerator, OpenAICompatibleGenerator, local_generator

pytestmark = pytest.mark.slow  # a server process loading the model, and the model here

PROMPT = "Country: France\nCapital: Paris\nCountry: Japan\nCapital: Tokyo\nCountry: Spain\nCapital:"
CITIES = ["Rome", "Madrid", "Lisbon", "Berlin", "Saint Petersburg"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """`consentry genai serve` on a free loopback port; its base URL once it answers."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "CONSENTRY_GENAI_URL"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "consentry.cli", "genai", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300  # the model loads first (seconds; minutes on a busy box)
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the server exited: {proc.stdout.read() if proc.stdout else ''}")
            try:
                with urllib.request.urlopen(url + "/v1/models", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start in time"
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def local() -> LocalGenerator:
    return local_generator()


def post(url: str, body: object) -> tuple[int, dict]:
    request = urllib.request.Request(
        url + "/v1/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_the_server_lists_the_model_it_runs(server, local):
    remote = OpenAICompatibleGenerator(server)
    assert remote.model == local.model_id
    assert remote.model_id == f"{local.model_id} via {server}"


def test_http_completions_equal_the_local_ones(server, local):
    remote = OpenAICompatibleGenerator(server + "/v1/")  # either spelling of the base URL
    for kwargs in (
        {"max_tokens": 6},
        {"max_tokens": 8, "stop": (), "seed": 7, "temperature": 1.0},
    ):
        assert remote.complete(PROMPT, **kwargs) == local.complete(PROMPT, **kwargs)
    assert remote.complete(PROMPT, max_tokens=6).strip() == "Madrid"


def test_http_choice_equals_the_local_one(server, local):
    remote = OpenAICompatibleGenerator(server)
    chosen = remote.choose(PROMPT, CITIES)
    assert chosen == local.choose(PROMPT, CITIES) == CITIES.index("Madrid")
    # What an OpenAI client sees: the option as a JSON string.
    status, body = post(
        server,
        {
            "prompt": PROMPT,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "choice", "schema": {"type": "string", "enum": CITIES}},
            },
        },
    )
    assert status == 200 and json.loads(body["choices"][0]["text"]) == "Madrid"


def test_log_likelihoods_are_a_local_only_capability(server):
    with pytest.raises(InvalidInput, match="log-likelihoods"):
        OpenAICompatibleGenerator(server).loglikelihoods(PROMPT, CITIES)


@pytest.mark.parametrize(
    "body",
    [
        {"max_tokens": 4},  # no prompt
        {"prompt": 5},
        {"prompt": "x", "max_tokens": 0},
        {"prompt": "x", "temperature": 9},
        {"prompt": "x", "response_format": {"type": "grammar"}},
    ],
)
def test_a_malformed_body_is_answered_422_in_json(server, body):
    status, answer = post(server, body)
    assert status == 422 and "detail" in answer


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"type": "object"}, "string"),
        ({"type": "string", "enum": []}, "from 1 to"),
        ({"type": "string", "enum": ["a", 2]}, "string"),
    ],
)
def test_an_unsupported_schema_is_answered_400_in_json(server, schema, message):
    fmt = {"type": "json_schema", "json_schema": {"name": "c", "schema": schema}}
    status, answer = post(server, {"prompt": "x", "response_format": fmt})
    assert status == 400 and message in answer["error"]["message"]


def test_another_model_name_is_refused_by_name(server):
    remote = OpenAICompatibleGenerator(server, model="llama-70b")
    with pytest.raises(InvalidInput, match=r"answered 400: this server runs .*llama-70b"):
        remote.complete("x", max_tokens=1)


def test_an_unreachable_server_is_one_line_naming_the_url():
    url = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    remote = OpenAICompatibleGenerator(url, model="m", timeout=5)
    with pytest.raises(InvalidInput) as caught:
        remote.complete("x")
    message = str(caught.value)
    assert f"{url}/v1/completions" in message and "\n" not in message


def test_the_cli_completes_through_the_configured_server(server, local, tmp_path):
    env = {**os.environ, "CONSENTRY_GENAI_URL": server, "CONSENTRY_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "consentry.cli", "genai", "complete", PROMPT, "--max-tokens", "6"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == local.complete(PROMPT, max_tokens=6) + "\n"
    assert f"via {server}" in done.stderr


def test_the_cli_reports_a_bad_url_in_one_line(tmp_path):
    env = {**os.environ, "CONSENTRY_GENAI_URL": "localhost:8000"}
    done = subprocess.run(
        [sys.executable, "-m", "consentry.cli", "genai", "complete", "x"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "CONSENTRY_GENAI_URL" in done.stderr
