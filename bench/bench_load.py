"""Load and fault benchmark: AI-settings toggles from concurrent API clients against a real
`consentry serve` (and the propagation worker it starts), on SQLite and on PostgreSQL.

For each backend, on a fresh generated network (`seed`, `consent seed`, and unless
`--no-dataset` one train-ai dataset, so that withdrawals rebuild a shard): N toggles (`PUT /api/v1/me/ai-settings/P`)
from C client threads over 127.0.0.1, each client owning its own members, so that each
member's last accepted toggle is well defined. Then, and again with the worker killed
(`kill -9`, while it holds a job when it can) twice during the run and restarted by
`serve`, it checks:

- no 5xx answer;
- every accepted toggle is in the ledger exactly once (its entry: that member, purpose
  and action), and no other entry for those members was written;
- each member's final setting (`GET /api/v1/me/ai-settings`) is their last accepted toggle;
- `consentry ledger verify` passes;
- every withdrawal queued exactly one job, and every job finished with exactly one receipt.

It prints throughput and p50/p99 latency of the toggles, the time for the queue to drain,
and the checks, as Markdown tables. Bounded: N toggles, C clients, a timeout on every
request and on the drain; loopback only.

    python bench/bench_load.py --toggles 1000 --clients 20 --members 100 --network 300
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from consentry.store import open_engine
from consentry.store.consent_tables import ConsentEvent
from consentry.store.rights_tables import PropagationJob, ReceiptRow
from consentry.store.tables import Member
from consentry.synthetic.demo import DEMO_PASSWORD

HOST = "127.0.0.1"
PURPOSES = ("train-genai", "train-ai", "recruiter-ai", "share-affiliates")
CLI = [sys.executable, "-m", "consentry.cli"]


@dataclass
class Toggle:
    member: int
    purpose: str
    allowed: bool
    status: int = 0
    seconds: float = 0.0
    ledger_seq: int | None = None
    job_id: int | None = None


@dataclass
class Run:
    backend: str
    scenario: str
    toggles: list[Toggle] = field(default_factory=list)
    wall_s: float = 0.0
    drain_s: float = 0.0
    kills: list[str] = field(default_factory=list)
    checks: dict[str, str] = field(default_factory=dict)
    jobs: int = 0
    receipts: int = 0
    taken_over: int = 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def cli(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    done = subprocess.run(
        [*CLI, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"consentry {' '.join(args)} failed: {done.stderr.strip()[-500:]}")
    return done.stdout


def prepare(env: dict[str, str], network: int, dataset: bool) -> None:
    cli(env, "init")
    cli(env, "seed", "--members", str(network), "--seed", "7")
    cli(env, "consent", "seed", "--seed", "7")
    if dataset:
        cli(env, "datasets", "build", "--purpose", "train-ai", "--shards", "4")


def worker_pids(serve_pid: int) -> list[int]:
    """The serve process's children (its propagation worker)."""
    pids: list[int] = []
    for task in Path(f"/proc/{serve_pid}/task").glob("*"):
        try:
            pids += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return pids


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        server = subprocess.Popen(
            [*CLI, "serve", "--host", HOST, "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    # Three minutes: on two loaded cores importing the app alone has taken a minute.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            answer = httpx.get(f"http://{HOST}:{port}/login", timeout=2)
            if answer.status_code == 200 and worker_pids(server.pid):
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.kill()
    raise SystemExit("consentry serve did not start")


def tokens_for(base: str, db, count: int) -> dict[int, str]:
    """API tokens of `count` live members (every generated member has the demo password)."""
    with db.connect() as conn:
        rows = conn.execute(
            select(Member.id, Member.email)
            .where(Member.deleted_at.is_(None), Member.role == "member")
            .order_by(Member.id)
            .limit(count)
        ).all()
    tokens = {}
    with httpx.Client(base_url=base, timeout=30) as client:
        for member_id, email in rows:
            answer = client.post("/api/v1/tokens", json={"email": email, "password": DEMO_PASSWORD})
            answer.raise_for_status()
            tokens[member_id] = answer.json()["access_token"]
    return tokens


def settings_of(client: httpx.Client, token: str) -> dict[str, dict]:
    answer = client.get("/api/v1/me/ai-settings", headers={"Authorization": f"Bearer {token}"})
    answer.raise_for_status()
    return {row["purpose"]: row for row in answer.json()}


def client_loop(
    base: str, owned: dict[int, str], count: int, seed: int, out: list[Toggle], errors: list[str]
) -> None:
    """One client: `count` toggles over its own members, each flipping the setting."""
    try:
        toggles(base, owned, count, seed, out)
    except Exception as exc:  # reported as a failed check, never lost with the thread
        errors.append(f"{type(exc).__name__}: {exc}"[:200])


def toggles(base: str, owned: dict[int, str], count: int, seed: int, out: list[Toggle]) -> None:
    """`count` toggles over `owned` members, each flipping the setting it reads first."""
    rng = random.Random(seed)
    with httpx.Client(base_url=base, timeout=60) as client:
        state: dict[tuple[int, str], bool] = {}
        for member, token in owned.items():
            for purpose, row in settings_of(client, token).items():
                if row["changeable"] and purpose in PURPOSES:
                    state[(member, purpose)] = row["allowed"]
        keys = sorted(state)
        for _ in range(count):
            member, purpose = rng.choice(keys)
            toggle = Toggle(member, purpose, not state[(member, purpose)])
            started = time.perf_counter()
            try:
                answer = client.put(
                    f"/api/v1/me/ai-settings/{purpose}",
                    json={"allowed": toggle.allowed},
                    headers={"Authorization": f"Bearer {owned[member]}"},
                )
                toggle.status = answer.status_code
            except httpx.HTTPError:
                toggle.status = 599  # no answer at all counts as a server failure
            toggle.seconds = time.perf_counter() - started
            if toggle.status == 200:
                body = answer.json()
                toggle.ledger_seq = body["ledger_seq"] if body["changed"] else None
                toggle.job_id = body["propagation_job_id"]
                state[(member, purpose)] = toggle.allowed
            out.append(toggle)


def killer(
    run: Run,
    server: subprocess.Popen[bytes],
    db,
    done: list[Toggle],
    marks: list[int],
    clients_done: threading.Event,
):
    """Kill the worker with SIGKILL as the run passes each mark, while it holds a job when
    it can; each time the worker `serve` restarted after the previous kill."""
    killed: set[int] = set()
    for mark in marks:
        while len(done) < mark:
            if clients_done.is_set():
                return  # the clients stopped short of this mark (see "clients finished")
            time.sleep(0.01)
        pids: list[int] = []
        while not pids:  # serve restarts a killed worker after a short pause
            pids = [p for p in worker_pids(server.pid) if p not in killed]
            time.sleep(0.05)
        deadline = time.monotonic() + 3
        running = None
        while time.monotonic() < deadline and running is None:
            with db.connect() as conn:
                running = conn.scalar(
                    select(PropagationJob.id)
                    .where(
                        PropagationJob.status == "running",
                        PropagationJob.worker.like(f"%:{pids[0]}:%"),
                    )
                    .limit(1)
                )
            if running is None:
                time.sleep(0.01)
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        killed.update(pids)
        held = f", holding job {running}" if running else ", between jobs"
        run.kills.append(f"worker {pids} at toggle {len(done)}{held}")


def drain(db, timeout_s: float) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout_s:
        with db.connect() as conn:
            left = conn.scalar(
                select(func.count())
                .select_from(PropagationJob)
                .where(PropagationJob.status.in_(("queued", "running")))
            )
        if not left:
            return time.perf_counter() - started
        time.sleep(0.2)
    with db.connect() as conn:
        left = conn.execute(
            select(PropagationJob.id, PropagationJob.status, PropagationJob.worker)
            .where(PropagationJob.status.in_(("queued", "running")))
            .limit(5)
        ).all()
    raise SystemExit(f"the queue did not drain within {timeout_s:.0f} s; left: {left}")


def check(run: Run, env, base: str, db, tokens: dict[int, str], seq0: int, job0: int) -> None:
    ok = [t for t in run.toggles if t.status == 200]
    run.checks["no 5xx"] = str(sum(t.status >= 500 for t in run.toggles) == 0)
    with db.connect() as conn:
        entries = conn.execute(
            select(
                ConsentEvent.seq, ConsentEvent.member_id, ConsentEvent.purpose, ConsentEvent.action
            ).where(ConsentEvent.seq > seq0, ConsentEvent.member_id.in_(list(tokens)))
        ).all()
        jobs = conn.execute(
            select(PropagationJob.id, PropagationJob.ledger_seq, PropagationJob.status,
                   PropagationJob.receipt_id, PropagationJob.attempts)
            .where(PropagationJob.id > job0)
        ).all()  # fmt: skip
        receipts = conn.execute(
            select(ReceiptRow.job_id, func.count())
            .where(ReceiptRow.job_id > job0)
            .group_by(ReceiptRow.job_id)
        ).all()
    by_seq = {e.seq: e for e in entries}
    changed = [t for t in ok if t.ledger_seq is not None]
    once = len({t.ledger_seq for t in changed}) == len(changed) == len(entries) and all(
        t.ledger_seq in by_seq
        and by_seq[t.ledger_seq].member_id == t.member
        and by_seq[t.ledger_seq].purpose == t.purpose
        and (by_seq[t.ledger_seq].action == "grant") == t.allowed
        for t in changed
    )
    run.checks["ledger: each accepted toggle once"] = f"{once} ({len(entries)} entries)"
    last: dict[tuple[int, str], bool] = {}
    for t in ok:  # each client's toggles are in its order; members belong to one client
        last[(t.member, t.purpose)] = t.allowed
    with httpx.Client(base_url=base, timeout=30) as client:
        now = {m: settings_of(client, tokens[m]) for m in {m for m, _ in last}}
    wrong = [k for k, allowed in last.items() if now[k[0]][k[1]]["allowed"] != allowed]
    run.checks["final state = last toggle"] = f"{not wrong} ({len(last)} settings)"
    verify = subprocess.run([*CLI, "ledger", "verify"], env=env, capture_output=True, text=True)
    said = (verify.stdout + verify.stderr).strip().splitlines()
    run.checks["ledger verify"] = f"{verify.returncode == 0} ({said[-1][:60] if said else ''})"
    withdrawals = {t.ledger_seq for t in changed if not t.allowed}
    counted = dict(receipts)
    exact = (
        {j.ledger_seq for j in jobs} == withdrawals
        and len(jobs) == len(withdrawals)
        and all(j.status == "done" and j.receipt_id and counted.get(j.id) == 1 for j in jobs)
        and len(counted) == len(jobs)
    )
    run.checks["one job and one receipt per withdrawal"] = f"{exact} ({len(jobs)} jobs)"
    run.jobs, run.receipts = len(jobs), sum(counted.values())
    run.taken_over = sum(j.attempts > 1 for j in jobs)


def one_run(backend: str, url: str | None, scenario: str, args) -> Run:
    run = Run(backend, scenario)
    with tempfile.TemporaryDirectory(prefix="consentry-load-") as folder:
        env = {**os.environ, "CONSENTRY_DATA_DIR": str(Path(folder) / "data")}
        env.pop("CONSENTRY_DATABASE_URL", None)
        if url:
            env["CONSENTRY_DATABASE_URL"] = url
        prepare(env, args.network, args.dataset)
        db_url = url or f"sqlite:///{Path(folder) / 'data' / 'consentry.db'}"
        if db_url.startswith("postgresql://"):
            db_url = "postgresql+psycopg://" + db_url.split("://", 1)[1]
        db = open_engine(db_url)
        port = free_port()
        log = Path(folder) / "serve.log"
        server = start_server(env, port, log)
        base = f"http://{HOST}:{port}"
        try:
            tokens = tokens_for(base, db, args.members)
            with db.connect() as conn:
                seq0 = conn.scalar(select(func.coalesce(func.max(ConsentEvent.seq), 0)))
                job0 = conn.scalar(select(func.coalesce(func.max(PropagationJob.id), 0)))
            members = sorted(tokens)
            per = [members[i :: args.clients] for i in range(args.clients)]
            counts = [
                args.toggles // args.clients + (i < args.toggles % args.clients)
                for i in range(args.clients)
            ]
            results: list[Toggle] = []
            errors: list[str] = []
            clients_done = threading.Event()
            threads = [
                threading.Thread(
                    target=client_loop,
                    args=(
                        base,
                        {m: tokens[m] for m in per[i]},
                        counts[i],
                        1000 + i,
                        results,
                        errors,
                    ),
                )
                for i in range(args.clients)
            ]
            if scenario != "steady":
                marks = [args.toggles // 3, 2 * args.toggles // 3]
                threads.append(
                    threading.Thread(
                        target=killer, args=(run, server, db, results, marks, clients_done)
                    )
                )
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads[: args.clients]:
                t.join(timeout=args.timeout)
            clients_done.set()
            for t in threads[args.clients :]:
                t.join(timeout=args.timeout)
            run.wall_s = time.perf_counter() - started
            run.toggles = list(results)
            run.drain_s = drain(db, args.timeout)
            check(run, env, base, db, tokens, seq0, job0)
            run.checks["clients finished"] = str(not errors) + (f" ({errors[0]})" if errors else "")
            if any("Server error '5" in e for e in errors):
                run.checks["no 5xx"] = "False (a client's settings read got a 5xx)"
            failures = [
                line
                for line in log.read_text(errors="replace").splitlines()
                if line.startswith(("sqlalchemy.exc.", "psycopg.", "sqlite3."))
            ]
            if failures:
                run.checks["server errors logged"] = f"{len(failures)}: {failures[-1][:140]}"
        except BaseException:
            print(log.read_text(errors="replace")[-4000:], file=sys.stderr)
            raise
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
            db.dispose()
    return run


def pg_database(admin_url: str):
    """A fresh PostgreSQL database (created here, dropped by the returned function)."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"consentry_load_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def report(runs: list[Run]) -> None:
    print(
        "| backend | scenario | toggles | accepted | 5xx | other refusals | toggles/s | p50 ms | p99 ms | jobs | receipts | drain s | jobs taken over |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in runs:
        lat = sorted(t.seconds * 1000 for t in r.toggles)
        q = statistics.quantiles(lat, n=100) if len(lat) > 1 else lat * 99
        ok = sum(t.status == 200 for t in r.toggles)
        print(
            f"| {r.backend} | {r.scenario} | {len(r.toggles)} | {ok} | "
            f"{sum(t.status >= 500 for t in r.toggles)} | "
            f"{sum(t.status != 200 and t.status < 500 for t in r.toggles)} | "
            f"{ok / r.wall_s:.1f} | {q[49]:.0f} | {q[98]:.0f} | {r.jobs} | {r.receipts} | "
            f"{r.drain_s:.1f} | {r.taken_over} |"
        )
    print()
    print("| backend | scenario | check | result |\n|---|---|---|---|")
    for r in runs:
        for name, result in r.checks.items():
            print(f"| {r.backend} | {r.scenario} | {name} | {result} |")
        for kill in r.kills:
            print(f"| {r.backend} | {r.scenario} | kill -9 | {kill} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--toggles", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--members", type=int, default=100, help="members who toggle")
    parser.add_argument("--network", type=int, default=300, help="members generated")
    parser.add_argument("--timeout", type=float, default=600, help="seconds, per phase")
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--dataset",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="build a train-ai dataset first, so that withdrawals rebuild a shard",
    )
    args = parser.parse_args()
    if args.members < args.clients:
        parser.error("--members must be at least --clients (each client owns its members)")
    runs: list[Run] = []
    backends: list[tuple[str, str | None]] = [] if args.skip_sqlite else [("sqlite", None)]
    if not args.skip_postgres:
        backends.append(("postgresql", args.postgres))
    for backend, admin in backends:
        for scenario in ("steady", "worker killed twice"):
            drop = None
            url = None
            if admin:
                url, drop = pg_database(admin)
            try:
                runs.append(one_run(backend, url, scenario, args))
            finally:
                if drop:
                    drop()
            print(f"done: {backend}, {scenario}", file=sys.stderr, flush=True)
    report(runs)
    failed = [
        (r.backend, r.scenario, k)
        for r in runs
        for k, v in r.checks.items()
        if not v.startswith("True")
    ]
    if failed:
        print(f"\nFAILED: {failed}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
