"""Bare handles: the seed-driven finder gives exactly the matches of the handle pattern."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from consentry.datasets.scrub import Scrubber
from consentry.datasets.scrub.handles import HANDLE, find_handles


class _Every:
    """A handle set that holds every string, so each pattern match must come back."""

    def __contains__(self, item: object) -> bool:
        return True


_tokens = st.text(alphabet="ab1Z_.-@/ é٣x9\n", max_size=30)


@settings(max_examples=1000, deadline=None)
@given(_tokens)
def test_finder_gives_exactly_the_patterns_matches(text: str) -> None:
    expected = [(m.start(), m.end()) for m in HANDLE.finditer(text)]
    assert [(s, e) for s, e, _ in find_handles(text, _Every())] == expected


def test_only_known_handles_that_cannot_be_words_are_scrubbed() -> None:
    scrubber = Scrubber(known_handles=["anna.mueller84", "bob", "j_doe"])
    text = "ask Anna.Mueller84 or bob, not anna.mueller8 (cc j_doe, x.j_doe)"
    found = [text[s.start : s.end] for s in scrubber.find(text)]
    assert found == ["Anna.Mueller84", "j_doe"]
