"""Every command and every `CONSENTRY_*` setting is documented: an operator reading docs/
finds each one the code offers (the CLI tree of `consentry.cli.app`, the variables read
anywhere in src/)."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from consentry.cli import app

ROOT = Path(__file__).resolve().parents[1]
DOCS = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").rglob("*.md")))


def _commands(command, path: tuple[str, ...]):
    # typer >= 0.25 builds on its own copy of click: recognise a group by its sub-commands.
    sub = getattr(command, "commands", None)
    if sub is None:
        yield " ".join(path)
        return
    for name, child in sub.items():
        if not getattr(child, "hidden", False):
            yield from _commands(child, (*path, name))


def test_every_command_is_in_the_docs():
    commands = sorted(set(_commands(typer.main.get_command(app), ("consentry",))))
    assert len(commands) > 20
    missing = [c for c in commands if not re.search(re.escape(c) + r"(?![\w-])", DOCS)]
    assert missing == []


def test_every_setting_is_in_the_docs():
    settings = {
        name
        for path in (ROOT / "src").rglob("*.py")
        for name in re.findall(r"\bCONSENTRY_[A-Z0-9_]+", path.read_text(encoding="utf-8"))
    }
    assert "CONSENTRY_DATABASE_URL" in settings
    assert sorted(s for s in settings if s not in DOCS) == []
