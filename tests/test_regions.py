"""Region codes: one normaliser, ISO 3166-1 alpha-2 and ISO 3166-2, what people type."""

from __future__ import annotations

import pycountry
import pytest
from hypothesis import given
from hypothesis import strategies as st

from consentry.errors import InvalidInput
from consentry.regions import RegionError, is_region, normalise_region, region_name

CODES = sorted([c.alpha_2 for c in pycountry.countries] + [s.code for s in pycountry.subdivisions])


@pytest.mark.parametrize(
    ("given_code", "stored"),
    [
        ("us-ca", "US-CA"),
        ("  de ", "DE"),
        ("Fr", "FR"),
        ("hk", "HK"),
        ("ca-qc", "CA-QC"),
        ("GB-ENG", "GB-ENG"),
        # ISO 3166/MA reserves UK for the United Kingdom; stored as its code, GB.
        ("uk", "GB"),
        ("UK", "GB"),
    ],
)
def test_what_people_type_is_stored_canonical(given_code, stored):
    assert normalise_region(given_code) == stored
    assert is_region(stored)


@pytest.mark.parametrize(
    "bad", ["zz-zz", "ZZ", "", "   ", "D", "DEU", "US-", "us_ca", "EU", None, 49]
)
def test_an_unknown_code_is_one_line_invalid_input(bad):
    with pytest.raises(RegionError) as refused:
        normalise_region(bad)
    assert isinstance(refused.value, InvalidInput)
    message = str(refused.value)
    assert "\n" not in message and repr(bad) in message and "US-CA" in message


def test_only_the_canonical_form_is_a_region():
    # pycountry's own look-up ignores case; a policy's rules do not, so neither does this.
    assert is_region("US-CA") and not is_region("us-ca") and not is_region(" DE")
    assert not is_region("UK")  # an alias is accepted on the way in, never stored


def test_names_are_given_only_to_known_codes():
    assert region_name("DE") == "Germany" and region_name("US-CA") == "California"
    assert region_name("de") == "de" and region_name("zz-zz") == "zz-zz"


@given(code=st.sampled_from(CODES), data=st.data())
def test_any_casing_and_spacing_of_a_known_code_normalises_to_it(code, data):
    cased = "".join(
        ch.lower() if data.draw(st.booleans(), label=f"lower {i}") else ch
        for i, ch in enumerate(code)
    )
    pad = data.draw(st.sampled_from(["", " ", "\t", "  "]), label="padding")
    assert normalise_region(f"{pad}{cased}{pad}") == code


@given(text=st.text(max_size=8))
def test_normalising_is_all_or_nothing_and_idempotent(text):
    try:
        code = normalise_region(text)
    except RegionError:
        return
    assert is_region(code) and normalise_region(code) == code
