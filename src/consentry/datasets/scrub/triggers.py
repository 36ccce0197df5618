"""Which detector families a text can need: the scrubber's cheap first stage.

Most texts hold no digit, no `@` and no domain, so most detectors need not run on them.
Each trigger is a superset of what its detectors can match (a digit for every number,
address and date; an `@` for emails and mentions; a domain-like dot or `://` for URLs; a
birth word for dates of birth), so skipping a family on a false trigger never loses a span.

`triggers_batch` computes the same flags for a whole batch with Arrow's vectorised RE2
kernels; `triggers_of` computes them for one text with Python's `re`. The two may only
differ by being supersets, which changes which detectors run, never what they find.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

import pyarrow as pa
import pyarrow.compute as pc

from consentry.datasets.scrub.formats import _TLDS

# (Python pattern, RE2 pattern) per trigger. Python's `\d` is Unicode Nd, as is RE2's \p{Nd}.
_DIGIT = (r"\d", r"\p{Nd}")
_AT = ("@", "@")
_URL = (rf"://|www\.|[A-Za-z0-9]\.(?:{_TLDS})", rf"://|www\.|[A-Za-z0-9]\.(?:{_TLDS})")
_BIRTH_WORDS = (
    r"born|birth|d\.?o\.?b|geboren|geb\.|geburt|née?|naissance|anniversaire|nacid|nacimiento|"
    r"cumpleaños|nat[oa]|nascita|compleanno|geboorte|verjaardag|jarig|urodz|född|födelse"
)
_BIRTH = (f"(?i){_BIRTH_WORDS}", f"(?i){_BIRTH_WORDS}")
_HANDLE = (r"[_.\-]|\d", r"[_.\-]|\p{Nd}")


class Triggers(NamedTuple):
    """Flags for one text: which detector families may find something in it."""

    digit: bool
    at: bool
    url: bool
    birth: bool
    handle: bool


_PY = tuple(re.compile(p) for p, _ in (_DIGIT, _AT, _URL, _BIRTH, _HANDLE))


def triggers_of(text: str) -> Triggers:
    """The trigger flags of one text (Python `re`)."""
    digit, at, url, birth, handle = (p.search(text) is not None for p in _PY)
    return Triggers(digit, at, url, birth and digit, handle)


def triggers_batch(texts: Sequence[str] | pa.Array | pa.ChunkedArray) -> list[Triggers]:
    """The trigger flags of every text, computed by Arrow's vectorised RE2 kernels."""
    array = texts if isinstance(texts, pa.Array | pa.ChunkedArray) else pa.array(texts, pa.string())
    if len(array) == 0:
        return []
    cols = [
        pc.match_substring_regex(array, pattern=re2).to_pylist()
        for _, re2 in (_DIGIT, _AT, _URL, _BIRTH, _HANDLE)
    ]
    return [Triggers(d, a, u, b and d, h) for d, a, u, b, h in zip(*cols, strict=True)]
