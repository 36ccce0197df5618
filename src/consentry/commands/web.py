"""`consentry serve`: the web app and HTTP API, with a propagation worker beside it."""

from __future__ import annotations

import typer

from consentry.commands.context import settings, store_engine


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    secure_cookies: bool = typer.Option(
        False,
        "--secure-cookies",
        envvar="CONSENTRY_SECURE_COOKIES",
        help="Mark the session cookie Secure; use whenever the app is reached over https.",
    ),
    worker: bool = typer.Option(
        True,
        "--worker/--no-worker",
        help="Start a propagation worker process beside the server (restarted if it dies); "
        "--no-worker when `consentry worker` runs elsewhere.",
    ),
) -> None:
    """Serve the network's web app on http://HOST:PORT, and a propagation worker."""
    import uvicorn

    from consentry.rights.worker_process import WorkerProcess
    from consentry.web.app import WebOptions, create_app

    cfg = settings()
    engine = store_engine(cfg, threads=cfg.server_threads)
    # With a worker at hand, an erasure waits (a while) for its receipt to show it.
    options = WebOptions(secure_cookies=secure_cookies, receipt_wait_s=30.0 if worker else 0.0)
    app = create_app(cfg, engine, options=options)
    child = WorkerProcess() if worker else None
    typer.echo(f"Consentry is serving on http://{host}:{port} (Ctrl-C to stop)")
    try:
        if child is not None:
            child.start()
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        if child is not None:
            child.stop()
        engine.dispose()


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
