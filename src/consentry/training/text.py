"""Words, sentences and word n-grams: the one tokenisation every model and the guard share.

Sharing it matters: the regurgitation guard must cut text into words exactly as the
phrasing model does, or a span could slip past it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

import numpy as np

_WORD = re.compile(r"[0-9A-Za-zÀ-ÖØ-öø-ÿ&+#<>_'-]+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "at",
        "for",
        "from",
        "in",
        "is",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "by",
        "as",
        "our",
        "we",
        "i",
        "my",
        "you",
        "your",
        "this",
        "that",
        "it",
        "be",
        "are",
        "was",
        "were",
        "who",
        "what",
    ]
)


def words(text: str) -> list[str]:
    """Lower-cased words of `text`, punctuation dropped."""
    return [w.lower().strip("'-") for w in _WORD.findall(text) if w.strip("'-")]


def terms(text: str) -> list[str]:
    """Words worth matching on: `words` without stop words."""
    return [w for w in words(text) if w not in STOPWORDS]


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]


def ngram_hashes(texts: Iterable[str], n: int = 8) -> np.ndarray:
    """Sorted unique 64-bit hashes of every run of `n` consecutive words in `texts`."""
    out: set[int] = set()
    for text in texts:
        ws = words(text)
        for i in range(len(ws) - n + 1):
            out.add(gram_hash(ws[i : i + n]))
    return np.array(sorted(out), dtype=np.uint64)


def gram_hash(gram: list[str]) -> int:
    digest = hashlib.blake2b(" ".join(gram).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")
