"""The `consentry` command: one Typer app; each area adds its sub-commands from
`consentry.commands`. A user mistake prints one line and exits non-zero."""

from __future__ import annotations

import sys

import click
import typer
from rich.console import Console
from rich.markup import escape

from consentry import __version__
from consentry.commands import (
    consent,
    datasets,
    demo,
    genai,
    keys,
    portability,
    rights,
    scrub,
    seed,
    store,
    training,
    web,
)
from consentry.errors import ConsentryError

# typer >= 0.25 raises usage errors from its own copy of click; older typer, click's own.
_USAGE_ERRORS: tuple[type[Exception], ...] = (click.ClickException,)
try:
    from typer._click.exceptions import ClickException as _TyperClickException

    _USAGE_ERRORS = (click.ClickException, _TyperClickException)
except ImportError:  # pragma: no cover - older typer
    pass

app = typer.Typer(
    name="consentry",
    help="A professional network whose AI trains only on what members allowed.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"consentry {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Consentry: consented, provable, reversible AI training on a professional network."""


store.register(app)
web.register(app)
consent.register(app)
seed.register(app, consent.consent_app)
scrub.register(app)
datasets.register(app)
training.register(app)
rights.register(app)
keys.register(app)
portability.register(app)
demo.register(app)
genai.register(app)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; turn a user mistake into one red line and exit code 2."""
    err = Console(stderr=True, soft_wrap=True)
    try:
        # Without standalone mode click returns, rather than raises, a command's exit code.
        code = app(args=argv, standalone_mode=False)
    except ConsentryError as exc:
        # Escaped: a message may hold brackets (`consentry[spark]`, `[PERSON]`).
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        return 2
    except click.exceptions.Abort:
        err.print("aborted")
        return 130
    except _USAGE_ERRORS as exc:
        exc.show()  # type: ignore[attr-defined]  # both kinds are ClickExceptions
        return exc.exit_code  # type: ignore[attr-defined]
    except typer.Exit as exc:
        return exc.exit_code
    except KeyboardInterrupt:
        err.print("interrupted; nothing half-written was kept")
        return 130
    return code if isinstance(code, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
