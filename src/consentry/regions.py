"""Region codes: the one normaliser and validator for where a member lives.

A region is an ISO 3166-1 alpha-2 country code (`DE`) or an ISO 3166-2 subdivision code
(`US-CA`, `CA-QC`), as pycountry lists them, always stored in that canonical form (upper
case, nothing around it). Every way a region enters the system — the command line, an
imported archive, the seeding commands, the ORM — goes through `normalise_region`, which
accepts what a person types (`us-ca`, ` de `) and refuses an unknown code with one line.

It sits at the lowest layer, beside `errors.py`, because both `consent/` (policies name
regions) and `network/` (accounts are created with one) need it and never import each
other, and the migration that normalises stored rows needs it too.

`UK` is accepted as another name for `GB`: ISO 3166/MA keeps `UK` "exceptionally
reserved" for the United Kingdom at its request, and it is the code people write (the
.uk domain, "UK GDPR"); it is never stored, and no other reserved code is accepted.
"""

from __future__ import annotations

from functools import lru_cache

import pycountry

from consentry.errors import InvalidInput

#: Codes people use that ISO 3166-1 reserves for a country it codes otherwise.
ALIASES: dict[str, str] = {"UK": "GB"}


class RegionError(InvalidInput):
    """A region code that is not ISO 3166-1 alpha-2 or ISO 3166-2."""


@lru_cache(maxsize=4096)
def is_region(code: str) -> bool:
    """True for a known ISO 3166-1 alpha-2 or ISO 3166-2 code in its canonical form.

    `us-ca` is not canonical (pycountry's own look-up ignores case; a policy's rules and
    groups do not), so it is not a region until `normalise_region` has made it `US-CA`.
    """
    if not isinstance(code, str) or code != code.strip().upper():
        return False
    if len(code) == 2:
        return pycountry.countries.get(alpha_2=code) is not None
    if "-" in code:
        return pycountry.subdivisions.get(code=code) is not None
    return False


def normalise_region(raw: object) -> str:
    """The canonical form of a region code a person gave (`us-ca` -> `US-CA`, `uk` ->
    `GB`); RegionError, one line naming what was given, for anything else."""
    if isinstance(raw, str):
        code = raw.strip().upper()
        code = ALIASES.get(code, code)
        if is_region(code):
            return code
    raise RegionError(
        f"unknown region code {raw!r}: use ISO 3166-1 alpha-2 (DE) or ISO 3166-2 (US-CA)"
    )


def country_of(region: str) -> str:
    """The country part of a region code: `US-CA` -> `US`, `DE` -> `DE`."""
    return region.split("-", 1)[0]


@lru_cache(maxsize=4096)
def region_name(region: str) -> str:
    """A readable name: `DE` -> Germany, `US-CA` -> California, `KR` -> South Korea.

    A code that is not a region is returned as it stands, never dressed up as a place.
    """
    if not is_region(region):
        return region
    if "-" in region:
        sub = pycountry.subdivisions.get(code=region)
        return sub.name if sub is not None else region
    country = pycountry.countries.get(alpha_2=region)
    if country is None:
        return region
    return getattr(country, "common_name", None) or country.name
