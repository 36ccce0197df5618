"""Member handles written without an `@` ("ping anna.mueller84 about it").

Only handles that cannot be an ordinary word are matched bare: words joined by `.`, `_`
or `-`, or letters followed by digits (`HANDLE`). The text is not scanned with `HANDLE`
itself, which tries every letter of it; instead a pattern whose first character is rare
(a separator or a digit) finds the *seeds* every handle contains, and `HANDLE` is tried
once at the start of the token around each seed. That gives exactly `HANDLE.finditer`'s
matches: `HANDLE` can only start where its look-behind allows, which inside a token of
handle characters is nowhere but the token's first character.
"""

from __future__ import annotations

import re
from collections.abc import Set

# A bare handle: words joined by `.`, `_` or `-`, or letters followed by digits.
HANDLE = re.compile(
    r"(?<![\w@/.\-])(?:[A-Za-z0-9]+(?:[_.\-][A-Za-z0-9]+)+|[A-Za-z_]+\d[A-Za-z0-9_]*)(?![\w@])"
)
# What every HANDLE match contains, written to start with its rarer character.
_SEED = re.compile(r"[_.\-](?<=[A-Za-z0-9].)[A-Za-z0-9]|\d(?<=[A-Za-z_].)")
# The characters a HANDLE match is made of (and `\d`, which is Unicode: see `_in_token`).
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")


def _in_token(ch: str) -> bool:
    return ch in _TOKEN_CHARS or ch.isdecimal()


def find_handles(text: str, handles: Set[str]) -> list[tuple[int, int, str]]:
    """PERSON spans for the bare handles in `text` that are in `handles` (casefolded)."""
    out: list[tuple[int, int, str]] = []
    done = -1  # the end of the last token tried; seeds before it belong to it
    for seed in _SEED.finditer(text):
        at = seed.start()
        if at < done:
            continue
        start = at
        while start and _in_token(text[start - 1]):
            start -= 1
        end = seed.end()
        n = len(text)
        while end < n and _in_token(text[end]):
            end += 1
        done = end
        m = HANDLE.match(text, start)
        if m is not None and m.group().casefold() in handles:
            out.append((m.start(), m.end(), "PERSON"))
    return out
