"""Jurisdictions: region codes, the groups policies speak of, and readable names.

A member's region is an ISO 3166-1 alpha-2 code (`DE`) or an ISO 3166-2 subdivision
(`US-CA`). A policy names regions directly or through groups (`EU`, `EEA`, `UK`, ...);
the groups a policy file does not define come from `BUILTIN_GROUPS` below.
"""

from __future__ import annotations

from functools import lru_cache

import pycountry

from consentry.errors import InvalidInput

EU = [
    "AT",
    "BE",
    "BG",
    "HR",
    "CY",
    "CZ",
    "DK",
    "EE",
    "FI",
    "FR",
    "DE",
    "GR",
    "HU",
    "IE",
    "IT",
    "LV",
    "LT",
    "LU",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SK",
    "SI",
    "ES",
    "SE",
]

#: Groups every policy may use without defining them. A group lists region codes or
#: other groups; `EEA` = the EU plus Iceland, Liechtenstein and Norway.
BUILTIN_GROUPS: dict[str, tuple[str, ...]] = {
    "EU": tuple(EU),
    "EEA": ("EU", "IS", "LI", "NO"),
    "UK": ("GB",),
    "CH": ("CH",),
    "CA": ("CA",),
    "HK": ("HK",),
    "US": ("US",),
}

#: Specificity of a rule's `where` entry: a subdivision beats a country beats a group
#: beats the wildcard.
WILDCARD, GROUP, COUNTRY, SUBDIVISION = 0, 1, 2, 3


class RegionError(InvalidInput):
    """A region code that is not ISO 3166-1 alpha-2 or ISO 3166-2."""


@lru_cache(maxsize=4096)
def is_region(code: str) -> bool:
    """True for a known ISO 3166-1 alpha-2 country or ISO 3166-2 subdivision code."""
    if len(code) == 2 and code.isupper():
        return pycountry.countries.get(alpha_2=code) is not None
    if "-" in code:
        return pycountry.subdivisions.get(code=code) is not None
    return False


def check_region(code: str) -> str:
    """Return `code` if it is a known region, else raise RegionError naming it."""
    if not isinstance(code, str) or not is_region(code):
        raise RegionError(
            f"unknown region code {code!r}: use ISO 3166-1 alpha-2 (DE) or ISO 3166-2 (US-CA)"
        )
    return code


def country_of(region: str) -> str:
    """The country part of a region code: `US-CA` -> `US`, `DE` -> `DE`."""
    return region.split("-", 1)[0]


@lru_cache(maxsize=4096)
def region_name(region: str) -> str:
    """A readable name: `DE` -> Germany, `US-CA` -> California, `KR` -> South Korea."""
    if "-" in region:
        sub = pycountry.subdivisions.get(code=region)
        return sub.name if sub is not None else region
    country = pycountry.countries.get(alpha_2=region)
    if country is None:
        return region
    return getattr(country, "common_name", None) or country.name


def expand_group(name: str, groups: dict[str, tuple[str, ...]]) -> frozenset[str]:
    """Every region code a group stands for, following nested groups (no cycles allowed)."""
    seen: set[str] = set()
    out: set[str] = set()

    def walk(group: str, path: tuple[str, ...]) -> None:
        if group in path:
            raise InvalidInput(f"jurisdiction group {group!r} contains itself")
        for entry in groups[group]:
            if entry in groups and entry != group:
                walk(entry, (*path, group))
            else:
                out.add(entry)
        seen.add(group)

    walk(name, ())
    return frozenset(out)


def match_specificity(entry: str, region: str, groups: dict[str, frozenset[str]]) -> int | None:
    """How specifically `entry` (of a rule's `where`) names `region`; None if it does not.

    `groups` maps each group name to its expanded region codes. A group containing a
    country also contains that country's subdivisions.
    """
    if entry == "*":
        return WILDCARD
    if entry in groups:
        codes = groups[entry]
        if region in codes or country_of(region) in codes:
            return GROUP
        return None
    if entry == region:
        return SUBDIVISION if "-" in region else COUNTRY
    if "-" not in entry and entry == country_of(region):
        return COUNTRY
    return None
