"""Jurisdictions: region codes, the groups policies speak of, and readable names.

A member's region is an ISO 3166-1 alpha-2 code (`DE`) or an ISO 3166-2 subdivision
(`US-CA`); `consentry.regions` normalises and validates codes (re-exported here). A policy
names regions directly or through groups (`EU`, `EEA`, `UK`, ...); the groups a policy
file does not define come from `BUILTIN_GROUPS` below.
"""

from __future__ import annotations

from consentry.errors import InvalidInput
from consentry.regions import (
    RegionError,
    country_of,
    is_region,
    normalise_region,
    region_name,
)

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


__all__ = [
    "BUILTIN_GROUPS",
    "COUNTRY",
    "EU",
    "GROUP",
    "SUBDIVISION",
    "WILDCARD",
    "RegionError",
    "country_of",
    "expand_group",
    "is_region",
    "match_specificity",
    "normalise_region",
    "region_name",
]
