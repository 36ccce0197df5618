"""`consentry keys show / rotate`: the key per use derived from the master secret.

`show` lists each use's generation and key id (never a key). `rotate USE` moves one use
to its next generation; the web app picks the new session and API-token keys up when it
restarts, receipts from the next one issued.
"""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from consentry.commands.context import settings

keys_app = typer.Typer(
    help="Keys derived from the master secret: show, rotate.", no_args_is_help=True
)
out = Console(highlight=False, soft_wrap=True)

_EFFECT = {
    "sessions": "everyone is signed out when the web app restarts",
    "api-tokens": "every API token stops working when the web app restarts",
    "receipts": "new receipts are signed with the new key; the old key stays in the JWKS",
}


@keys_app.command("show")
def keys_show() -> None:
    """Each use's key generation and key id."""
    from consentry.keys import ROTATABLE, KeyPurpose, Keyring
    from consentry.rights.receipt_signing import key_id

    ring = Keyring.load(settings())
    table = Table("use", "generation", "key id", "rotatable")
    for purpose in KeyPurpose:
        kid = key_id(ring) if purpose is KeyPurpose.RECEIPTS else ring.key(purpose).kid
        rotatable = "yes" if purpose in ROTATABLE else "no (fixed)"
        table.add_row(purpose.value, str(ring.generations[purpose]), kid, rotatable)
    out.print(table)


@keys_app.command("rotate")
def keys_rotate(
    use: str = typer.Argument(..., help="sessions, api-tokens or receipts."),
) -> None:
    """Move one use to a new key; every other use keeps its key."""
    from consentry.errors import InvalidInput
    from consentry.keys import ROTATABLE, KeyPurpose, rotate

    try:
        purpose = KeyPurpose(use)
    except ValueError:
        names = ", ".join(sorted(p.value for p in ROTATABLE))
        raise InvalidInput(f"no key use {use!r}; one of {names}") from None
    ring = rotate(settings(), purpose)
    out.print(f"rotated {purpose}: generation {ring.generations[purpose]} now; {_EFFECT[purpose]}")


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
