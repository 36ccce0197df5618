"""Person names: the one-look shortcut for texts that name nobody never drops a name."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from consentry.datasets.scrub import persons

KNOWN = persons.NameIndex(["Anna Müller", "Jan de Vries", "van Dijk", "Zoë O'Brien-Kelly"])
_words = st.sampled_from(
    ["Anna", "Müller", "Jan", "de", "Vries", "van", "Dijk", "Tom", "Boer", "Zoë",
     "O'Brien-Kelly", "Dr.", "Mme", "the", "San", "Francisco", "Grace", "Hopper", "iPhone",
     "McDonald", "Harbour", "Bridge", "x", "@Anna", "ANNA", "Quinlan", "Zebrowski", "la", "ﬁ", "Straße"]
)  # fmt: skip
_seps = st.sampled_from([" ", "  ", "\t", "\n", ", ", ". ", "-", "'", ""])
texts = st.lists(st.tuples(_words, _seps), max_size=14).map(
    lambda parts: "".join(w + s for w, s in parts)
)
authors = st.sampled_from([(), ("Quinlan Zebrowski",), ("Tom de Boer",), ("Jan van Dijk",)])


@settings(max_examples=600, deadline=None)
@given(texts, authors)
def test_the_shortcut_finds_what_the_full_scan_finds(text: str, author: tuple[str, ...]) -> None:
    index = persons.author_index(author)
    # titles=True takes the full run-by-run scan for every text (the title test itself
    # is exact), which is what the shortcut for texts without a title must agree with.
    full = persons.find_persons(text, KNOWN, index, titles=True)
    assert persons.find_persons(text, KNOWN, index) == full


def test_a_particle_is_looked_at_when_the_author_is_known_by_one() -> None:
    # "de" is one of the author's words, and only a particle links the capitalised words.
    text = "Harbour de Bridge"
    index = persons.author_index(["Tom de Boer"])
    full = persons.find_persons(text, KNOWN, index, titles=True)
    assert full, "the full scan reads the author's word inside the run"
    assert persons.find_persons(text, KNOWN, index) == full
