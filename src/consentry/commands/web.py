"""`consentry serve`: the web app and HTTP API."""

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
) -> None:
    """Serve the network's web app on http://HOST:PORT."""
    import uvicorn

    from consentry.web.app import WebOptions, create_app

    cfg = settings()
    engine = store_engine(cfg)
    app = create_app(cfg, engine, options=WebOptions(secure_cookies=secure_cookies))
    typer.echo(f"Consentry is serving on http://{host}:{port} (Ctrl-C to stop)")
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        engine.dispose()


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
