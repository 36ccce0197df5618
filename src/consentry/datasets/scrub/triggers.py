"""Which detectors a text can need: the scrubber's cheap first stage.

Python's `re` costs tens of microseconds per pattern on a 400-byte text, and most texts
hold no card, no ID and no address, so most detectors need not run on them. Each *gate*
below is an RE2 pattern that every match of its detector's Python pattern contains (a
superset: `\\d` becomes `\\p{Nd}`, `\\s` a class holding all of Python's Unicode white
space, and look-arounds are dropped), so skipping a detector on a text its gate refuses
never loses a span: gates change which detectors run, never what they find.

Gates run on a whole batch at once with Arrow's vectorised RE2 kernels, and a gate with a
`within` gate only searches the texts that passed it (a card number first needs six
digits close together). The flags of a text are one `int` of bits. RE2 compiles each
pattern once per call, which a batch pays for once: a single text is cheaper scrubbed with
every detector (`Scrubber.find`), which is also what shows that gates change nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from consentry.datasets.scrub import context, deobfuscate, formats, persons

# Python's `\s` on str (every character for which str.isspace() holds), as an RE2 class body.
_WS = r"\t-\r\x1c-\x20\x85\p{Z}"
# What may stand between two digits of a phone number or a grouped ID: white space, - . / ( ).
_SEP = rf"[{_WS}\-./()]"
_BIRTH_WORDS = (
    r"born|birth|d\.?o\.?b|geboren|geb\.|geburt|née?|naissance|anniversaire|nacid|nacimiento|"
    r"cumpleaños|nat[oa]|nascita|compleanno|geboorte|verjaardag|jarig|urodz|född|födelse"
)
_D = r"\p{Nd}"


class Gate(NamedTuple):
    """`pattern` (RE2) is searched in the texts that passed `within` (0: every text)."""

    bit: int
    pattern: str
    within: int = 0


DIGIT, AT, URL, BIRTH, HANDLE, TITLE = (1 << i for i in range(6))
IBAN, NUM6, CARD, PHONE, IPV4, IPV6, ADDRESS = (1 << i for i in range(6, 13))
# Any of IBAN, NUM6 or IPV4: one RE2 pass instead of three on most texts.
NUMBER_SHAPES = 1 << 13
# One bit per `formats.ID_SHAPES` entry, from bit 14 on.
ID_SHAPE_BITS: dict[str, int] = {name: 1 << (14 + i) for i, name in enumerate(formats.ID_SHAPES)}
# Cue rules (`context.find_cued_names`) and spelled-out digits (`deobfuscate.find_phones`),
# after the ID shapes.
_AFTER_IDS = 14 + len(formats.ID_SHAPES)
GREETING, INTRO, OPENING, NUMBER_WORD, SPELLED_AT = (1 << (_AFTER_IDS + i) for i in range(5))


def _cue_words(python: str) -> str:
    """A case-insensitive alternation of Python's `re` as RE2 reads it alike: `\\s` as
    Python's white space, and an `i` that also stands for `ı` and `İ` (Python folds both
    to `i`, RE2 neither)."""
    return python.replace("\\s", f"[{_WS}]").replace("i", "[iıİ]")


# Street addresses (formats.ADDRESS), alternative by alternative. Where the Python pattern
# looks behind for "not a word character", the gate refuses only an ASCII letter or digit
# before it, which Python's Unicode `\w` surely holds too.
_NUM = rf"{_D}(?:[{_WS}]?[a-zA-Z])?(?:[{_WS}]?(?:bis|ter))?,?[{_WS}]+"
_CAPITALISED = rf"[A-ZÀ-ÖØ-Þ][^{_WS}]*[{_WS}]+"
_ADDRESS = (
    rf"{_NUM}(?:{_CAPITALISED}){{1,3}}(?:{formats._SUFFIX_EN})"
    rf"|{_NUM}(?i:{formats._FR_WORDS})[{_WS}]"
    rf"|(?:^|[^A-Za-z0-9_.,])(?:{formats._LATIN_PREFIX})[{_WS}]+(?:[a-z]+[{_WS}]+){{0,2}}"
    r"[A-ZÀ-ÖØ-Þ]"
    rf"|(?:{formats._GERMANIC_SUFFIX})[{_WS}]+{_D}"
    rf"|[{_WS}](?:{formats._GERMANIC_SEPARATE})[{_WS}]+{_D}"
)
_ID_GATES = {
    "ssn": rf"{_D}{{3}}[\- ]{_D}{{2}}[\- ]{_D}{{4}}",
    "nine_grouped": rf"{_D}{{3}}[\- ]{_D}{{3}}[\- ]{_D}{{3}}|{_D}{{4}}\.{_D}{{2}}\.{_D}{{3}}",
    "nino": rf"[A-Z]{{2}} ?{_D}{{2}} ?{_D}{{2}} ?{_D}{{2}} ?[A-D]",
    "nir": rf"[12] ?{_D}{{2}} ?{_D}{{2}} ?(?:{_D}{{2}}|2[AB]) ?{_D}{{3}} ?{_D}{{3}} ?{_D}{{2}}",
    "eleven": rf"{_D}{_D} ?{_D}{{3}} ?{_D}{{3}} ?{_D}{{3}}",
    "dni": rf"(?:[XYZ]-?{_D}{{7}}|{_D}{{8}})[\- ]?[A-Z]",
    "personnummer": rf"(?:(?:19|20){_D}{{6}}[\-+]?|{_D}{{6}}[\-+]){_D}{{4}}",
    # The Python detector only runs behind this exact hint (formats._CF_HINT).
    "codice_fiscale": formats._CF_HINT.pattern,
    "nine_bare": rf"{_D}{{9}}",
}
# Every shape but the codice fiscale has six digits with short separators, which is the
# `NUM6` gate. The codice fiscale is searched in every text: in omocodia codes letters
# stand for its digits, and a code whose seven digits are all letters holds no digit.
ID_GATES: dict[str, Gate] = {
    name: Gate(ID_SHAPE_BITS[name], pattern, 0 if name == "codice_fiscale" else NUM6)
    for name, pattern in _ID_GATES.items()
}

# Lower-case names after a cue or opening a sentence (`context._LOWER_NAME`): two letters
# that are not A-Z, white space, one more. Outside ASCII every character may be a letter.
_LOWER = r"[a-z\x{80}-\x{10FFFF}]"
_LOWER_NAME = rf"{_LOWER}{{2,}}[ \t]+{_LOWER}"
# Python's `(?<![\w])` before a number word, and `(?![\w])` after it: a character that
# is no ASCII letter, digit or underscore (outside ASCII, any may be a non-word one).
_EDGE = r"[^a-zA-Z0-9_]"
_NUMBER_WORDS = "|".join(sorted(deobfuscate._DIGIT_WORDS, key=len, reverse=True))
# What a spelled-out email needs (`deobfuscate.find_emails`): an "@", an upper-case or
# bracketed form, or a bare "at" before a domain's first label and its dot. Python's
# `(?i)[A-Za-z]` also holds `ı` and `İ`.
_AT_W = _cue_words(deobfuscate._AT_WORDS)
_DOT_W = _cue_words(deobfuscate._DOT_WORDS)
_SPELLED_AT = (
    rf"@|AT|ARROBA|(?i:[\[({{<][{_WS}]*(?:{_AT_W}|{_DOT_W}|@|\.)[{_WS}]*[\])}}>])"
    rf"|(?i:[{_WS}](?:{_AT_W})[{_WS}]+[A-Za-z0-9ıİ][A-Za-z0-9ıİ\-]*"
    rf"(?:\.|[{_WS}]+(?:{_DOT_W})[{_WS}]))"
)
_IBAN = rf"[A-Z]{{2}}{_D}{{2}} ?[A-Z0-9]"
_NUM6 = rf"{_D}(?:{_SEP}{{0,4}}{_D}){{5}}"
_IPV4 = rf"{_D}\.{_D}{{1,3}}\.{_D}{{1,3}}\.{_D}"

# In order: a gate's `within` gate comes before it.
GATES: tuple[Gate, ...] = (
    Gate(DIGIT, _D),
    Gate(AT, "@"),
    Gate(URL, rf"://|www\.|[A-Za-z0-9]\.(?:{formats._TLDS})"),
    Gate(BIRTH, f"(?i){_cue_words(_BIRTH_WORDS)}"),
    Gate(HANDLE, rf"[A-Za-z0-9][_.\-][A-Za-z0-9]|[A-Za-z_]{_D}"),
    Gate(TITLE, rf"(?:{persons._TITLES})\.?[ \t]"),
    Gate(IPV6, r":[0-9A-Fa-f]{0,4}:", DIGIT),
    Gate(ADDRESS, _ADDRESS, DIGIT),
    Gate(NUMBER_SHAPES, f"{_NUM6}|{_IBAN}|{_IPV4}", DIGIT),
    Gate(IBAN, _IBAN, NUMBER_SHAPES),
    Gate(IPV4, _IPV4, NUMBER_SHAPES),
    Gate(NUM6, _NUM6, NUMBER_SHAPES),
    Gate(CARD, rf"{_D}(?:[ \-]?{_D}){{12}}", NUM6),
    # `phones.phone_valid` wants 7 digits; up to four separators stand between two of them.
    Gate(PHONE, rf"{_D}(?:{_SEP}{{0,4}}{_D}){{6}}", NUM6),
    *ID_GATES.values(),
    Gate(GREETING, rf"(?i:{_cue_words(context._GREETING_CUES)})[{_WS},:!]+[{persons._UPPER}]"),
    Gate(INTRO, rf"(?i:{_cue_words(context._INTRO_CUES)})[ \t,:]+{_LOWER_NAME}"),
    Gate(OPENING, rf"(?:^|[.!?][{_WS}]|\n){_LOWER_NAME}"),
    Gate(NUMBER_WORD, rf"(?i)(?:^|{_EDGE})(?:{_cue_words(_NUMBER_WORDS)})(?:{_EDGE}|$)"),
    Gate(SPELLED_AT, _SPELLED_AT),
)
ALL = sum({g.bit for g in GATES})


def triggers_batch(texts: Sequence[str] | pa.Array | pa.ChunkedArray) -> list[int]:
    """The gate bits of every text, computed by Arrow's vectorised RE2 kernels. A text
    that is not valid Unicode (a lone surrogate) has no UTF-8 form for them and gets
    every bit: all its detectors run."""
    unreadable: list[int] = []
    if isinstance(texts, pa.Array | pa.ChunkedArray):
        array = texts
    else:
        try:
            array = pa.array(texts, pa.string())
        except UnicodeEncodeError:
            unreadable = [i for i, t in enumerate(texts) if not _encodable(t)]
            skip = set(unreadable)
            array = pa.array(["" if i in skip else t for i, t in enumerate(texts)], pa.string())
    n = len(array)
    if n == 0:
        return []
    bits = np.zeros(n, dtype=np.int64)
    passed: dict[int, np.ndarray] = {}  # gate bit -> indices of the texts that passed it
    for gate in GATES:
        where = passed.get(gate.within) if gate.within else None
        if where is None:
            hit = pc.match_substring_regex(array, pattern=gate.pattern).fill_null(False)
            found = np.flatnonzero(hit.to_numpy(zero_copy_only=False))
        elif len(where) == 0:
            found = where
        else:
            subset = array.take(pa.array(where))
            hit = pc.match_substring_regex(subset, pattern=gate.pattern).fill_null(False)
            found = where[hit.to_numpy(zero_copy_only=False)]
        bits[found] |= gate.bit
        passed[gate.bit] = found
    bits[unreadable] = ALL
    return bits.tolist()


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
