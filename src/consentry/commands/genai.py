"""`consentry genai`: serve the local language model over HTTP, or complete one prompt."""

from __future__ import annotations

import typer

genai_app = typer.Typer(
    help="The generative language model: serve it, or try a prompt.", no_args_is_help=True
)


@genai_app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8001, "--port", min=1, max=65535, help="Port to listen on."),
) -> None:
    """Serve the local base model as an OpenAI-compatible endpoint on http://HOST:PORT
    (/v1/models, /v1/completions); point CONSENTRY_GENAI_URL at it."""
    import uvicorn

    from consentry.genai.generate import local_generator
    from consentry.genai.server import create_app

    generator = local_generator()  # loaded before listening: the first request is not slow
    typer.echo(f"Serving {generator.model_id} on http://{host}:{port} (Ctrl-C to stop)")
    uvicorn.run(create_app(generator), host=host, port=port, log_level="warning")


@genai_app.command("complete")
def complete(
    prompt: str = typer.Argument(..., help="The text to continue (few-shot works best)."),
    max_tokens: int = typer.Option(64, "--max-tokens", min=1, help="Tokens to generate at most."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed for sampling."),
    temperature: float = typer.Option(
        0.0, "--temperature", min=0.0, max=2.0, help="0: greedy; above 0: seeded sampling."
    ),
    stop: list[str] = typer.Option(
        ["\n"], "--stop", help="Stop before this text (repeatable); default: the end of a line."
    ),
) -> None:
    """Print the model's continuation of PROMPT: from CONSENTRY_GENAI_URL's server when it
    is set, else from the local base model."""
    from consentry.commands.context import settings
    from consentry.genai.generate import Generator, generator_from_settings, local_generator

    # A shell passes `--stop '\n'` as a backslash and an n; it means the end of a line.
    stops = [s.replace("\\n", "\n").replace("\\t", "\t") for s in stop]
    generator: Generator = generator_from_settings(settings()) or local_generator()
    text = generator.complete(
        prompt, max_tokens=max_tokens, stop=stops, seed=seed, temperature=temperature
    )
    typer.echo(text)
    typer.echo(f"({generator.model_id})", err=True)


def register(app: typer.Typer) -> None:
    app.add_typer(genai_app, name="genai")
