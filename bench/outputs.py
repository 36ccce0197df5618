"""Reading what a bench printed: its Markdown tables, cells and numbers, and what a
scenario measured (`Figure`: a median beside the baseline measured in the same run) and
checked (`Outcome`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Figure:
    """One measured median beside the baseline measured in the same run."""

    measure: str
    median: float
    unit: str
    baseline: str = ""
    baseline_median: float | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline_median is None or self.baseline_median == 0:
            return None
        return self.median / self.baseline_median


@dataclass
class Outcome:
    """What one scenario measured and what was checked about its output."""

    figures: list[Figure] = field(default_factory=list)
    checks: list[tuple[str, bool]] = field(default_factory=list)

    def check(self, what: str, ok: bool) -> None:
        self.checks.append((what, bool(ok)))


@dataclass
class Scenario:
    """A bench script, its arguments per scale (None: not run at that scale) and how its
    output is read and checked (`read(output, work folder, arguments, outcome)`)."""

    name: str
    script: str
    args: Callable[[str, Path], list[str] | None]
    read: Callable[[str, Path, list[str], Outcome], None]


def tables(output: str) -> list[list[dict[str, str]]]:
    """Every Markdown table in `output`, as rows keyed by the header's cells."""
    found: list[list[dict[str, str]]] = []
    lines = output.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        below = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if line.startswith("|") and below.startswith("|") and set(below) <= set("|-: "):
            header = [c.strip() for c in line.strip("|").split("|")]
            rows = []
            i += 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                rows.append(dict(zip(header, cells, strict=False)))
                i += 1
            found.append(rows)
            continue
        i += 1
    return found


def table_with(output: str, column: str) -> list[dict[str, str]]:
    """The last table that has a column whose header starts with `column`."""
    for rows in reversed(tables(output)):
        if rows and any(h.startswith(column) for h in rows[0]):
            return rows
    raise ValueError(f"no table with a column {column!r} in the output")


def cell(row: dict[str, str], column: str) -> str:
    """The cell of the first column whose header starts with `column`."""
    for header, value in row.items():
        if header.startswith(column):
            return value
    raise ValueError(f"no column {column!r} in {list(row)}")


def number(text: str) -> float:
    """The first number in a cell ('1,234', '0.93', '12 (40)', '3.2x')."""
    match = re.search(r"-?\d[\d,]*(?:\.\d+)?", text)
    if match is None:
        raise ValueError(f"no number in {text!r}")
    return float(match.group().replace(",", ""))


def option(args: list[str], name: str) -> list[str]:
    """The values after `name` in a command line, up to the next option."""
    if name not in args:
        return []
    values = []
    for value in args[args.index(name) + 1 :]:
        if value.startswith("--"):
            break
        values.append(value)
    return values
