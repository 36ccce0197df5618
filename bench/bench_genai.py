"""Benchmark: the generation backends, local model against the same model over HTTP.

    .venv/bin/python bench/bench_genai.py              # 5 runs of each, median reported
    .venv/bin/python bench/bench_genai.py --runs 9
    .venv/bin/python bench/bench_genai.py --threads 1     # one torch thread per process

Two calls the AI features make: a constrained choice among 8 options (the chat's intent
step) and a 24-token completion (a draft's sentence), on few-shot prompts of about 100
and 30 tokens. Each is timed on the local backend (the model in this process) and on the HTTP
backend against `consentry genai serve` started as a separate process on a loopback port,
so the difference is the endpoint's overhead (JSON, HTTP, the server's thread pool). Both
load the same base model; the machine's load average is printed beside the figures,
because on shared cores it moves them more than anything measured here.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from functools import partial

PROMPT = (
    "Question: Which jobs fit me as a data scientist in Germany?\nIntent: find_jobs\n"
    "Question: Why am I a good fit for the Fjordgate job?\nIntent: explain_fit\n"
    "Question: Which skills am I missing for an ML engineer role?\nIntent: skill_gap\n"
    "Question: Write me a headline aimed at a Head of Data role\nIntent: write_headline\n"
    "Question: Are there any remote jobs I could apply for?\nIntent:"
)
INTENTS = [
    "find_jobs",
    "explain_fit",
    "skill_gap",
    "write_headline",
    "compare_jobs",
    "company_info",
    "salary",
    "other",
]
DRAFT = (
    "Headline: Lead Data Scientist | Forecasting, causal inference, Python\n"
    "Headline: Senior Backend Engineer | Go, Kubernetes, payments at scale\n"
    "Headline:"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _median_s(call: Callable[[], object], runs: int) -> float:
    call()  # warm-up: first-call allocations and, over HTTP, the connection set-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="torch threads in both processes (OMP_NUM_THREADS for the server); 0: torch's default",
    )
    args = parser.parse_args()
    env = dict(os.environ)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
        env["OMP_NUM_THREADS"] = str(args.threads)

    from consentry.genai.generate import Generator, OpenAICompatibleGenerator, local_generator

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "consentry.cli", "genai", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        local = local_generator()
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 600
        while True:
            try:
                with urllib.request.urlopen(url + "/v1/models", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    print("the generation server did not start", file=sys.stderr)
                    return 1
                time.sleep(0.5)
        remote = OpenAICompatibleGenerator(url)
        # Tokens per second only if the draft really runs to 24 tokens (no end of text).
        tokens = local.generate(DRAFT, max_tokens=24, stop=()).completion_tokens
        rows = []
        backends: list[tuple[str, Generator]] = [("local", local), ("http", remote)]
        for name, backend in backends:
            choose = _median_s(partial(backend.choose, PROMPT, INTENTS), args.runs)
            complete = _median_s(
                partial(backend.complete, DRAFT, max_tokens=24, stop=()), args.runs
            )
            rows.append((name, choose, complete))
        load = os.getloadavg()[0]
        import torch

        threads = torch.get_num_threads()
        print(
            f"device: {local.device}, cores: {os.cpu_count()}, torch threads: {threads}, "
            f"load average: {load:.1f}"
        )
        print(f"model: {local.model_id}; median of {args.runs} runs after one warm-up\n")
        print("| backend | choose, 8 options (s) | complete, 24 tokens (s) | tokens/s |")
        print("|---|---|---|---|")
        for name, choose, complete in rows:
            print(f"| {name} | {choose:.3f} | {complete:.3f} | {tokens / complete:.1f} |")
        return 0
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    sys.exit(main())
