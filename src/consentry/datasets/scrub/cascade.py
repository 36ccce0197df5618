"""The NER stage of the cascade: which texts the model reads, and what its hits count as.

The rules run on every text first. A text goes on to the NER model only when they cannot
settle it (`needs_ner`):

- it holds a capitalised word that no rule span covers and that is not explained as a
  common word — a stop word of one of the network's languages, a word of the English
  lexicon (WordNet, as the English pipeline ships it), a technology, company or role
  word (`data/not_names.txt`), or an acronym; a word that is a given name (the shipped
  list or a known member's) is never explained away;
- or it has a person cue ("thanks ...", "met ...", "merci ...") or an address cue
  ("lives in", "address", "wohne") followed by a word, which in lower-case text is the
  only hint there is.

Texts of lower-case common words, numbers and what the rules already replaced never reach
the model, and of the others it reads only the unsettled sentences (`unsettled`). What the model finds is then kept only where it reads as personal data
(`read_entities`): a PERSON hit loses cue words, titles and lower-case words at its edges
and is dropped when it holds a digit or is made only of technology, company, role or
common words, or is one word without a cue, title, possessive or listed given name; runs
of capitalised words inside a sentence whose surname no dictionary holds are names too,
unless the model calls them a place, a product or an event; a place (GPE, LOC, FAC) becomes an ADDRESS only in address context — next
to a street address the rules found, after an address cue, next to a postcode, or with a
house number in it. A city named on its own ("based in Berlin") is not an address.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

from consentry.datasets.scrub import persons
from consentry.datasets.scrub.ner import ENGLISH, ModelPin

_DATA = resources.files("consentry.datasets.scrub") / "data"

_CAP_WORD = re.compile(rf"(?<![\w'’\-])[{persons._UPPER}][\w'’\-]*")
_WORD = re.compile(r"[^\W\d_][\w'’\-]*")

_CUES = (
    r"thanks|thank\s+you|thx|ty|met|meeting|dear|hi|hello|hey|cc|congrats|congratulations|"
    r"kudos\s+to|shout\s*out\s+to|ping|pinged|ask|asked|talked\s+to|spoke\s+(?:to|with)|"
    r"introduced\s+(?:me\s+)?to|intro\s+to|call|called|emailed|told|"
    r"merci|bravo|bonjour|salut|danke|hallo|gracias|hola|grazie|ciao|bedankt|dank|"
    r"dzięki|dziękuję|tack|hej"
)
# A cue, then a word that is not an obvious non-name ("thanks all", "hi team").
PERSON_CUE = re.compile(
    rf"(?i)(?<![\w])(?:{_CUES})[\s,:]+(?!(?:the|a|an|all|everyone|everybody|you|team|"
    r"for|to|so|again|guys|folks|again|much|a lot|lot|in|on|at|it|us|me|him|her|them)\b)"
    r"[^\W\d_]{2,}"
)
ADDRESS_CUE = re.compile(
    r"(?i)(?<![\w])(?:live[sd]?|living|reside[sd]?|residing|address|adresse|anschrift|"
    r"direcci[oó]n|indirizzo|adres|wohne|wohnt|wohnhaft|habite|domicile|vivo|abito|"
    r"woon|mieszkam|located\s+at|home\s+address|"
    r"postcode|post\s+code|zip(?:\s*code)?|plz|code\s+postal|c\.?p\.?|cap)(?![\w])"
)
# A postcode right before or after a place: "75002 Paris", "Springfield, IL 62704",
# "London SW1A 1AA", "00-950 Warszawa".
_POSTCODE_AFTER = re.compile(
    r"[\s,]{0,3}(?:[A-Z]{2}\s+)?(?:\d{4,5}(?:-\d{4})?|\d{2}-\d{3}|\d{3}\s\d{2}"
    r"|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2})(?![\w])"
)
_POSTCODE_BEFORE = re.compile(r"(?<![\w])(?:\d{4,5}|\d{2}-\d{3}|\d{3}\s\d{2})[\s,]{1,3}$")
_JOIN = re.compile(r"[\s,]{0,3}")


def _read_words(name: str) -> frozenset[str]:
    text = (_DATA / name).read_text(encoding="utf-8")
    return frozenset(
        line.strip().casefold() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


@lru_cache(maxsize=1)
def not_names() -> frozenset[str]:
    """Technology, company and role words (casefolded) that are not a person's name."""
    return _read_words("not_names.txt")


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """The stop words of the network's languages as spaCy lists them (empty without it).

    Each `spacy/lang/<lang>/stop_words.py` is run on its own, not imported: importing it
    would import `spacy` and `spacy.lang.<lang>` first (the French tokenizer exceptions
    alone compile for seconds), which a rules-only scrubber never needs."""
    words: set[str] = set()
    root = _package_folder("spacy")
    for lang in ("en", "fr", "de", "es", "it", "nl", "pt", "pl", "sv"):
        path = root / "lang" / lang / "stop_words.py" if root is not None else None
        if path is None or not path.is_file():
            continue
        namespace: dict[str, object] = {"__name__": f"spacy.lang.{lang}.stop_words"}
        exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
        stop: set[str] = namespace["STOP_WORDS"]  # type: ignore[assignment]
        words.update(w.casefold() for w in stop)
    return frozenset(words)


def _package_folder(name: str) -> Path | None:
    """The folder of the installed top-level package `name`, found without importing it."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@lru_cache(maxsize=1)
def lexicon() -> frozenset[str]:
    """Common English words: the WordNet lemma index the English pipeline ships for its
    lemmatizer, with stop words, months and weekdays; minus every given name the rules
    know, so that a name is never explained away as a word."""
    words: set[str] = set(stop_words())
    words.update(CALENDAR)
    folder = _english_lookups()
    if folder is not None:
        # spaCy's `Lookups` file read without importing spaCy: a msgpack map of tables,
        # each keyed by spaCy's string hash (`spacy_string_id`) of the key.
        import srsly  # type: ignore[import-untyped]

        tables = srsly.msgpack_loads((folder / "lookups.bin").read_bytes())
        table = tables.get("lemma_index", {})
        for pos in ("noun", "verb", "adj", "adv"):
            words.update(w for w in table.get(spacy_string_id(pos), []) if "_" not in w)
    solo, ambiguous = persons.given_names()
    return frozenset(words - solo - ambiguous)


#: English weekday and month names: words, never names or streets ("May", "March").
ENGLISH_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
CALENDAR = frozenset(ENGLISH_MONTHS).union(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
)


def _is_common(word: str, explained: frozenset[str]) -> bool:
    """`word` or its stem (the lexicon holds lemmas) is in `explained`: "Actions",
    "Excited", "Looking", "Studies"."""
    if word in explained:
        return True
    for suffix, ending in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"),
                           ("ing", ""), ("ing", "e"), ("ly", "")):  # fmt: skip
        stem = word[: -len(suffix)]
        if word.endswith(suffix) and len(stem) > 2 and stem + ending in explained:
            return True
    return False


@lru_cache(maxsize=1)
def _explained() -> frozenset[str]:
    return lexicon() | not_names()


@lru_cache(maxsize=1)
def _not_name_words() -> frozenset[str]:
    return not_names() | stop_words()


def _english_lookups() -> Path | None:
    package = _package_folder(ENGLISH.module)
    if package is None:
        return None
    folder = package / f"{ENGLISH.meta_name}-{ENGLISH.version}"
    lookups = folder / "lemmatizer" / "lookups"
    return lookups if (lookups / "lookups.bin").exists() else None


_MASK64 = (1 << 64) - 1


def spacy_string_id(text: str) -> int:
    """spaCy's id of a string (`spacy.strings.get_string_id`): MurmurHash64A of its UTF-8
    bytes with seed 1, as spaCy's `hash_string` computes it, so that its lookup tables
    can be read without importing spaCy. The empty string is 0, as in spaCy."""
    if not text:
        return 0
    data = text.encode("utf-8")
    m, r = 0xC6A4A7935BD1E995, 47
    h = (1 ^ (len(data) * m)) & _MASK64
    end = len(data) - len(data) % 8
    for i in range(0, end, 8):
        k = int.from_bytes(data[i : i + 8], "little")
        k = (k * m) & _MASK64
        k ^= k >> r
        k = (k * m) & _MASK64
        h ^= k
        h = (h * m) & _MASK64
    tail = data[end:]
    if tail:
        h ^= int.from_bytes(tail, "little")
        h = (h * m) & _MASK64
    h ^= h >> r
    h = (h * m) & _MASK64
    h ^= h >> r
    return h


def _covered(spans: Sequence[tuple[int, int]], at: int) -> bool:
    return any(s <= at < e for s, e in spans)


def needs_ner(text: str, found: Sequence[tuple[int, int]], first_names: frozenset[str]) -> bool:
    """Whether the rules leave `text` unsettled (module docstring); `found` are the spans
    the rules found, `first_names` the casefolded given names of known members."""
    return bool(unsettled(text, found, first_names))


def unsettled(
    text: str, found: Sequence[tuple[int, int]], first_names: frozenset[str]
) -> list[tuple[int, int]]:
    """The stretches of `text` the model has to read: its sentences that the rules leave
    unsettled (`needs_ner`), adjacent ones joined; none when the rules settle it all. A
    sentence with only common words, numbers and what the rules found is not read."""
    out: list[tuple[int, int]] = []
    for s, e in sentences(text):
        if _sentence_unsettled(text, s, e, found, first_names):
            if out and out[-1][1] >= s - 2:
                out[-1] = (out[-1][0], e)
            else:
                out.append((s, e))
    return out


# A sentence ends at . ! ? or a line break, then white space; not after a title, an
# initial or a short abbreviation ("Dr. Okafor", "A. Allain", "e.g. this").
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n\s*")
_NO_END = re.compile(r"(?:^|[\s(])(?:[^\W\d_]{1,3}|" + persons._TITLES + r"|[^\W\d_]\.[^\W\d_])\.$")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, cut where a sentence surely ends."""
    out: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if text[m.start() - 1] == "." and _NO_END.search(text, max(0, m.start() - 12), m.start()):
            continue
        if m.start() > start:
            out.append((start, m.start()))
        start = m.end()
    if start < len(text):
        out.append((start, len(text)))
    return out


def _sentence_unsettled(
    text: str, start: int, end: int, found: Sequence[tuple[int, int]], first_names: frozenset[str]
) -> bool:
    if PERSON_CUE.search(text, start, end) or ADDRESS_CUE.search(text, start, end):
        return True
    explained = _explained()
    solo, ambiguous = persons.given_names()
    for m in _CAP_WORD.finditer(text, start, end):
        raw = m.group()
        word = raw.casefold().rstrip("'’-")
        if word.endswith(("'s", "’s")):
            word = word[:-2]
        if word in first_names or word in solo or word in ambiguous:
            if not _covered(found, m.start()):
                return True
            continue
        if _is_common(word, explained) or (raw.isupper() and len(raw) <= 5):
            continue
        if (
            word.replace("-", "").isalpha()
            and "-" in word
            and all(p in explained for p in word.split("-") if p)
        ):
            continue  # "Co-Founder", "Follow-Up"
        if not _covered(found, m.start()):
            return True
    return False


# ---- what the model's hits count as ---------------------------------------------------------

_EDGE_WORDS = frozenset(
    [
        "thanks",
        "thank",
        "thx",
        "ty",
        "met",
        "dear",
        "hi",
        "hello",
        "hey",
        "cc",
        "congrats",
        "congratulations",
        "kudos",
        "ping",
        "merci",
        "bravo",
        "bonjour",
        "salut",
        "danke",
        "hallo",
        "gracias",
        "hola",
        "grazie",
        "ciao",
        "bedankt",
        "dank",
        "tack",
        "hej",
        "mr",
        "mrs",
        "ms",
        "mx",
        "miss",
        "dr",
        "prof",
        "professor",
        "sir",
        "dame",
        "herr",
        "frau",
        "mme",
        "mlle",
        "sr",
        "sra",
        "srta",
    ]
)


def _person_span(text: str, start: int, end: int, lower_text: bool) -> tuple[int, int] | None:
    """The part of a PERSON hit that reads as a name, or None (module docstring)."""
    words = list(_WORD.finditer(text, start, end))
    stop = stop_words()

    def edge(m: re.Match[str]) -> bool:
        w = m.group().casefold()
        if lower_text and _common_word(w):
            return True  # "anna meyer lunch": in lower case, common words are not the name
        return w in stop or w in _EDGE_WORDS or (not lower_text and m.group()[0].islower())

    while words and edge(words[0]):
        words.pop(0)
    while words and edge(words[-1]):
        words.pop()
    if not words or len(words) > 5:
        return None
    s, e = words[0].start(), words[-1].end()
    piece = text[s:e]
    if any(c.isdigit() or c in "@<>/#_" for c in piece):
        return None
    excluded = _not_name_words()
    if all(m.group().casefold() in excluded for m in words):
        return None
    if len(words) == 1 and piece.isupper() and len(piece) > 1:
        return None  # an acronym
    if s and text[s - 1] in "#@":
        return None  # a hashtag; a mention is the format detector's
    if all(_common_word(m.group().casefold()) for m in words):
        # "Lesson learned", "Graphic Designer": capitalised common words, no given name
        return None
    if lower_text and all(m.group().casefold() in lexicon() for m in words):
        return None  # lower-case common words the model took for a name
    if len(words) == 1 and not lower_text and not _lone_name(text, s, e):
        return None
    return s, e


# A person cue or title right before a lone word: "ping Lesley", "bring Floris too".
_CUE_BEFORE = re.compile(
    rf"(?i)(?:{_CUES}|{persons._TITLES}|with|and|by|from|to|for|mit|avec|con|com|met|"
    r"de|di|van|von|und|et|y|e|i|en)\.?[\s,:]+$"
)


def _lone_name(text: str, start: int, end: int) -> bool:
    """Whether a one-word PERSON hit reads as a name: a given name, a cue or title before
    it, or a possessive after it. A lone capitalised word otherwise is, far more often, a
    company, a place or a noun of another language read by the English model ("Umsatz",
    "Zespół", "Ericsson")."""
    word = text[start:end].casefold()
    solo, ambiguous = persons.given_names()
    if word in solo or word in ambiguous:
        return True
    if text.startswith(("'s", "’s"), end):
        return True
    return _CUE_BEFORE.search(text, max(0, start - 24), start) is not None


def _common_word(word: str) -> bool:
    solo, ambiguous = persons.given_names()
    return _is_common(word, lexicon()) and word not in solo and word not in ambiguous


def _place_is_address(text: str, start: int, end: int, addresses: list[tuple[int, int]]) -> bool:
    if start and text[start - 1] in "#@":
        return False  # a hashtag or a mention
    if any(c.isdigit() for c in text[start:end]):
        return True
    if ADDRESS_CUE.search(text, max(0, start - 40), start):
        return True
    for s, e in addresses:
        if e <= start and _JOIN.fullmatch(text, e, start):
            return True
        if end <= s and _JOIN.fullmatch(text, end, s):
            return True
    if _POSTCODE_AFTER.match(text, end):
        return True
    return _POSTCODE_BEFORE.search(text, max(0, start - 12), start) is not None


def read_entities(
    pin: ModelPin,
    text: str,
    entities: Iterable[tuple[int, int, str]],
    found: Sequence[tuple[int, int, str]],
) -> list[tuple[int, int, str, str]]:
    """The PERSON and ADDRESS spans (with the detector, `ner:<model>`) that `pin`'s
    `entities` in `text` count as; `found` are the rules' spans (their ADDRESS spans give
    places their address context)."""
    lower_text = not any(c.isupper() for c in text)
    out: list[tuple[int, int, str, str]] = []
    places: list[tuple[int, int]] = []
    entities = list(entities)
    for start, end, label in entities:
        if label in pin.person_labels:
            span = _person_span(text, start, end, lower_text)
            if span is not None:
                out.append((*span, "PERSON", pin.detector))
        elif label in pin.place_labels:
            places.append((start, end))
    labelled = [(s, e) for s, e, label in entities if label in _NOT_A_PERSON]
    organisations = [(s, e) for s, e, label in entities if label == "ORG"]
    out += _capitalised_names(text, labelled, organisations, pin.detector)
    if places:
        addresses = [(s, e) for s, e, kind in found if kind == "ADDRESS"]
        # A place next to an address is part of it, and so is the next place on.
        changed = True
        while changed and places:
            changed = False
            for place in list(places):
                if _place_is_address(text, *place, addresses):
                    start, end = place
                    postcode = _POSTCODE_AFTER.match(text, end)
                    if postcode is not None:
                        end = postcode.end()  # "Springfield, IL 62704": the postcode too
                    out.append((start, end, "ADDRESS", pin.detector))
                    addresses.append((start, end))
                    places.remove(place)
                    changed = True
    return out


# Two to four capitalised words inside a sentence: "contattate Giuseppina Pavone al",
# "account holder Lara Dörschner, IBAN". Particles may sit between them ("Luísa da
# Conceição").
_RUN_BODY = (
    rf"[{persons._UPPER}][^\W\d_]+(?:-[{persons._UPPER}][^\W\d_]+)?"
    rf"(?:[ \t]+(?:(?:{persons._PARTICLES})[ \t]+)*[{persons._UPPER}][^\W\d_]+"
    rf"(?:-[{persons._UPPER}][^\W\d_]+)?){{1,3}}(?![\w.\-]\w)"
)
_CAPITALISED_RUN = re.compile(r"(?:(?<=[^\W\d_][ \t(])|(?<=[^\W\d_][,:][ \t]))" + _RUN_BODY)
# The same at the start of a text or sentence, where companies open sentences too
# ("Deutsche Bahn opens ..."): there every word must be a name and the model must not
# call the run an organisation.
_OPENING_RUN = re.compile(r"(?:^|(?<=[.!?][ \t])|(?<=\n))" + _RUN_BODY)
# Words before a place ("in", "w", "à", "em"): a capitalised run after them is a town.
_PLACE_BEFORE = re.compile(
    r"(?i)(?<![\w])(?:in|at|near|w|we|à|au|en|em|na|no|nel|nella|op|aus|bei|nach|im|"
    r"te|via|across|around)[ \t]+$"
)


def _capitalised_names(
    text: str,
    labelled: Sequence[tuple[int, int]],
    organisations: Sequence[tuple[int, int]],
    detector: str,
) -> list[tuple[int, int, str, str]]:
    """PERSON spans for runs of capitalised words inside a sentence that are all names:
    no word common, a technology or company word, and no label of the model's other
    than a person's on them (an organisation, a place, a product)."""
    out: list[tuple[int, int, str, str]] = []
    for m in _OPENING_RUN.finditer(text):
        s, e = m.span()
        if any(a < e and s < b for a, b in [*labelled, *organisations]):
            continue
        words = [w for w in m.group().split() if w.casefold() not in persons._PARTICLE_WORDS]
        if all(_name_word(w) for w in words):
            out.append((s, e, "PERSON", f"{detector}+rule"))
    for m in _CAPITALISED_RUN.finditer(text):
        s, e = m.span()
        if any(a < e and s < b for a, b in labelled):
            continue
        if _PLACE_BEFORE.search(text, max(0, s - 12), s):
            continue
        words = [w for w in m.group().split() if w.casefold() not in persons._PARTICLE_WORDS]
        # The surname must not be a word; the given name may ("Tristan Maas", "Rose Webb")
        if _name_word(words[-1]) and all(_name_word(w, loose=True) for w in words[:-1]):
            out.append((s, e, "PERSON", f"{detector}+rule"))
    return out


# Labels of the model that say a run is not a person's name, whatever its words. (Not ORG:
# the English model reads many names of other languages as organisations.)
_NOT_A_PERSON = frozenset(
    {"GPE", "LOC", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE", "NORP", "MISC"}
)


def _name_word(word: str, *, loose: bool = False) -> bool:
    w = word.casefold()
    solo, ambiguous = persons.given_names()
    if w in solo or w in ambiguous:
        return True
    if w in stop_words() or w in not_names() or w in persons._NOT_SURNAME:
        return False
    if word.isupper():
        return False  # an acronym
    if loose:
        return True
    return not any(_is_common(part, _explained()) for part in w.split("-"))
