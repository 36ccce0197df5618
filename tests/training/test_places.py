"""Place names become the `{location}` slot; everyday words and other slots are left alone."""

from __future__ import annotations

from consentry.training.places import MIN_POPULATION, PlaceIndex, place_names


def test_big_cities_capitals_and_their_short_and_ascii_names_are_known():
    names = place_names()
    for name in ("munich", "são paulo", "sao paulo", "zürich", "zurich", "new york", "vaduz"):
        assert name in names, name
    assert MIN_POPULATION == 100_000 and 3_000 < len(names) < 20_000


def test_places_are_replaced_by_the_slot_longest_name_first():
    index = PlaceIndex()
    text = "Data engineer in Munich, before that Rio de Janeiro and Frankfurt am Main."
    assert index.abstract(text) == (
        "Data engineer in {location}, before that {location} and {location}."
    )


def test_words_that_name_a_city_stay_words():
    index = PlaceIndex()
    assert index.abstract("reading the nice docs in a mobile team") == (
        "reading the nice docs in a mobile team"
    )
    assert index.abstract("Enterprise sales, then Reading group") == (
        "Enterprise sales, then Reading group"
    )
    assert index.abstract("Moved from {company} to Lyon") == "Moved from {company} to {location}"
