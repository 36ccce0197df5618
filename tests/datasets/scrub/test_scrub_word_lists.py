"""The cascade's word lists are spaCy's, read without importing spaCy.

`cascade.stop_words` runs spaCy's stop-word files on their own and `cascade.lexicon`
reads the English pipeline's lemma table with `srsly`, keyed by `spacy_string_id`; each
must hold exactly what spaCy itself gives, and a rules-only scrub must not import spaCy
(importing it, and the French language data with it, costs seconds per process).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from consentry.datasets.scrub import cascade, persons

spacy_strings = pytest.importorskip("spacy.strings")


@pytest.mark.parametrize(
    "text", ["noun", "verb", "adj", "adv", "a", "abcdefgh", "abcdefghi", "Zürich — ü", ""]
)
def test_string_ids_are_spacys(text: str) -> None:
    assert cascade.spacy_string_id(text) == spacy_strings.get_string_id(text)


def test_stop_words_are_spacys() -> None:
    words: set[str] = set()
    for lang in ("en", "fr", "de", "es", "it", "nl", "pt", "pl", "sv"):
        module = __import__(f"spacy.lang.{lang}.stop_words", fromlist=["STOP_WORDS"])
        words.update(w.casefold() for w in module.STOP_WORDS)
    assert cascade.stop_words() == frozenset(words)
    assert "the" in words and "und" in words and "mais" in words


def test_lexicon_holds_spacys_lemma_index() -> None:
    folder = cascade._english_lookups()
    if folder is None:
        pytest.skip("the English pipeline is not installed")
    from spacy.lookups import Lookups

    table = Lookups().from_disk(folder).get_table("lemma_index")
    lemmas: set[str] = set()
    for pos in ("noun", "verb", "adj", "adv"):
        lemmas.update(w for w in table.get(pos, []) if "_" not in w)
    assert len(lemmas) > 10_000
    solo, ambiguous = persons.given_names()
    expected = (lemmas | cascade.stop_words() | cascade.CALENDAR) - solo - ambiguous
    assert cascade.lexicon() == frozenset(expected)


def test_a_rules_only_scrub_does_not_import_spacy() -> None:
    code = (
        "import sys\n"
        "from consentry.datasets.scrub import Scrubber\n"
        "s = Scrubber(['Anna Berg'], ner=False)\n"
        "r = s.scrub_batch(['Thanks Anna Berg and J. Smithers, see Rue de Rivoli 5'])\n"
        "assert r[0].spans, r\n"
        "print('spacy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
