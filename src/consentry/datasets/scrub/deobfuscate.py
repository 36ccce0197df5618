"""Emails and phone numbers written so that a machine would not read them.

"marta dot ilic at gmail dot com", "marta [at] gmail [dot] com", "marta(at)gmail.com",
"marta at gmail.com"; "zero one five one, two three four ..." and "0151 . 234 . 5678".

Each is found on a *normalised view* of the text: the spelled-out separators become `@`
and `.`, number words become digits, and separators between digits lose their spaces.
The view keeps, for every character, the stretch of the original text it stands for, so
a match in the view maps back to a span over the original characters (the words "dot"
and "at" included). Only matches that needed the normalisation are reported: a plain
email or phone number is the format detectors' (`formats`, `phones`).

A bare " at " is an everyday word, so a match that only it made is kept only when the
domain is a mail provider or the local part looks like one (it holds `.`, `_` or a
digit): "marta at gmail.com" is an email, "we met at acme.com" is not.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

from consentry.datasets.scrub import formats, phones

Found = list[tuple[int, int, str, str]]

_AT_WORDS = r"at|arroba|arobase|chiocciola|bei"
_DOT_WORDS = r"dot|punkt|point|punto|kropka|punt"
# Strong forms: bracketed, or upper case, or the symbol with spaces around it.
_AT_STRONG = re.compile(
    rf"\s*[\[({{<]\s*(?:{_AT_WORDS}|@)\s*[\])}}>]\s*|\s+(?:AT|ARROBA)\s+|\s+@\s+",
)
_DOT_ANY = re.compile(
    rf"(?i)\s*[\[({{<]\s*(?:{_DOT_WORDS}|\.)\s*[\])}}>]\s*|\s+(?:{_DOT_WORDS})\s+"
)
_AT_WEAK = re.compile(rf"(?i)\s+(?:{_AT_WORDS})\s+")
# Every bracketed form, "at" or "dot".
_BRACKETED = re.compile(rf"(?i)[\[({{<]\s*(?:{_AT_WORDS}|{_DOT_WORDS}|@|\.)\s*[\])}}>]")
# A bare "at", then a domain's first label and its dot, plain or spelled out: what an
# email made by `_AT_WEAK` alone holds where no bracketed form stands.
_WEAK_EMAIL = re.compile(
    rf"(?i)\s(?:{_AT_WORDS})\s+[A-Za-z0-9][A-Za-z0-9\-]*(?:\.|\s+(?:{_DOT_WORDS})\s)"
)
# Where `_AT_STRONG` or `_AT_WEAK` can match (every match of either holds one of these).
_ANY_AT = re.compile(rf"(?i)\s(?:{_AT_WORDS}|@)\s|[\[({{<]\s*(?:{_AT_WORDS}|@)\s*[\])}}>]")
_PROVIDERS = frozenset(
    [
        "gmail",
        "googlemail",
        "yahoo",
        "ymail",
        "hotmail",
        "outlook",
        "live",
        "msn",
        "icloud",
        "me",
        "mac",
        "aol",
        "gmx",
        "web",
        "proton",
        "protonmail",
        "pm",
        "mail",
        "email",
        "yandex",
        "zoho",
        "orange",
        "free",
        "sfr",
        "laposte",
        "wanadoo",
        "libero",
        "virgilio",
        "tiscali",
        "wp",
        "o2",
        "onet",
        "interia",
        "seznam",
        "hey",
        "fastmail",
        "tutanota",
        "posteo",
        "mailbox",
    ]
)

_KNOWN_TLDS = frozenset(formats._TLDS.split("|")) | {"edu", "gov", "mil", "int", "ru", "br"}


class Mapper:
    """Where each character of a normalised view comes from, stretch by stretch: a stretch
    copied from the text maps character to character, a replacement maps each of its
    characters to the whole span it replaced. Looking a position up is a bisection over
    the stretches, not a list as long as the text."""

    __slots__ = ("_copied", "_ends", "_origins", "_starts")

    def __init__(self) -> None:
        self._starts: list[int] = []  # where each stretch starts in the view
        self._origins: list[int] = []  # where it starts in the text
        self._ends: list[int] = []  # where it ends in the text
        self._copied: list[bool] = []

    def add(self, view_at: int, start: int, end: int, copied: bool) -> None:
        self._starts.append(view_at)
        self._origins.append(start)
        self._ends.append(end)
        self._copied.append(copied)

    def back(self, start: int, end: int) -> tuple[int, int]:
        """The span of the text that view characters [start, end) stand for."""
        k = bisect.bisect_right(self._starts, start) - 1
        first = self._origins[k] + (start - self._starts[k] if self._copied[k] else 0)
        k = bisect.bisect_right(self._starts, end - 1) - 1
        last = self._origins[k] + end - self._starts[k] if self._copied[k] else self._ends[k]
        return first, last


def _normalise(text: str, rules: list[tuple[re.Pattern[str], Callable[[re.Match], str]]]):
    """`text` with each rule's matches replaced, the `Mapper` from the result back to the
    text, and the (start, end, replacement) of each replaced span."""
    spans: list[tuple[int, int, str]] = []
    for pattern, replace in rules:
        taken = sorted(spans)
        starts = [s for s, _, _ in taken]
        for m in pattern.finditer(text):
            # The span taken by an earlier rule that starts last before this match ends.
            k = bisect.bisect_left(starts, m.end()) - 1
            if k >= 0 and taken[k][1] > m.start():
                continue
            spans.append((m.start(), m.end(), replace(m)))
    spans.sort()
    out: list[str] = []
    where = Mapper()
    at = 0
    size = 0
    for start, end, value in spans:
        if start > at:
            where.add(size, at, start, True)
            out.append(text[at:start])
            size += start - at
        where.add(size, start, end, False)
        out.append(value)
        size += len(value)
        at = end
    if at < len(text) or not spans:
        where.add(size, at, len(text), True)
        out.append(text[at:])
    return "".join(out), where, spans


def find_emails(text: str, *, spelled: bool = True) -> Found:
    """EMAIL spans written with spelled-out or bracketed separators. `spelled` False says
    that `text` holds none of what one needs (`triggers.SPELLED_AT`)."""
    if not spelled:
        return []
    # The view holds an "@" only where the text does or an "at" form was replaced, and a
    # match counts only with a replacement in it: no "@" and no "at" form, or nothing to
    # replace, and there is nothing to find.
    at_form = _ANY_AT.search(text) is not None
    if not at_form and ("@" not in text or _DOT_ANY.search(text) is None):
        return []
    if (
        "@" not in text
        and "AT" not in text
        and "ARROBA" not in text
        and _BRACKETED.search(text) is None
        and _WEAK_EMAIL.search(text) is None
    ):
        return []  # only a bare "at" can make the "@", and no domain follows one
    view, where, replaced = _normalise(
        text,
        [
            (_AT_STRONG, lambda m: "@"),
            (_DOT_ANY, lambda m: "."),
            (_AT_WEAK, lambda m: "\0"),  # a weak "at": an @ that must be earned, below
        ],
    )
    out: Found = []
    candidate = view.replace("\0", "@")
    for m in formats.EMAIL.finditer(candidate):
        start, end = where.back(m.start(), m.end())
        if not any(start <= s and e <= end for s, e, _ in replaced):
            continue  # written plainly: the format detector's
        if m.group().rsplit(".", 1)[-1].casefold() not in _KNOWN_TLDS:
            continue  # "agile at scale point is": a spelled-out email ends in a real TLD
        weak = view.find("\0", m.start(), m.end()) >= 0
        if weak and not _earned(m.group(), replaced, start, end, text):
            continue
        out.append((start, end, "EMAIL", "deobfuscated:email"))
    return out


def _earned(email: str, replaced, start: int, end: int, text: str) -> bool:
    """Whether an email made by a bare " at " reads as one (module docstring)."""
    local, _, domain = email.partition("@")
    host = domain.split(".")[0].casefold()
    if host in _PROVIDERS:
        return True
    if any(c in local for c in "._") or any(c.isdigit() for c in local):
        return True
    # A spelled-out dot as well ("marta at acme dot com") is deliberate.
    return any(_DOT_ANY.fullmatch(text, s, e) for s, e, _ in replaced if start <= s and e <= end)


# ---- phone numbers -------------------------------------------------------------------------

_DIGIT_WORDS = {
    **dict.fromkeys(["zero", "oh", "null", "zéro", "cero", "nul"], "0"),
    **dict.fromkeys(["one", "eins", "un", "une", "uno", "een", "jeden"], "1"),
    **dict.fromkeys(["two", "zwei", "zwo", "deux", "dos", "due", "twee", "dwa"], "2"),
    **dict.fromkeys(["three", "drei", "trois", "tres", "tre", "drie", "trzy"], "3"),
    **dict.fromkeys(["four", "vier", "quatre", "cuatro", "quattro", "cztery"], "4"),
    **dict.fromkeys(["five", "fünf", "fuenf", "cinq", "cinco", "cinque", "vijf", "pięć"], "5"),
    **dict.fromkeys(["six", "sechs", "seis", "sei", "zes", "sześć"], "6"),
    **dict.fromkeys(["seven", "sieben", "sept", "siete", "sette", "zeven", "siedem"], "7"),
    **dict.fromkeys(["eight", "acht", "huit", "ocho", "otto", "osiem"], "8"),
    **dict.fromkeys(["nine", "neun", "neuf", "nueve", "nove", "negen", "dziewięć"], "9"),
}
_NUMBER_WORD = re.compile(
    r"(?i)(?<![\w])(?:" + "|".join(sorted(_DIGIT_WORDS, key=len, reverse=True)) + r")(?![\w])"
)
_PLUS_WORD = re.compile(r"(?i)(?<![\w])plus[\s,\-]+(?=\w)")
# Digits (after the words became digits) with any run of spaces, dots, dashes, slashes or
# commas between them: at least seven digits.
_SPREAD = re.compile(r"\+?\d(?:[\s.\-/,]{0,4}\d){6,14}(?!\d)")
_SEPARATOR = re.compile(r"[\s.\-/,]+")
_THOUSANDS = re.compile(r"(?<!\d)\d{1,3}(?:[.,]\d{3}){2,}(?!\d)")
_DIGIT = re.compile(r"\d")


def find_phones(text: str, region: str | None, *, words: bool | None = None) -> Found:
    """PHONE spans spelled in words or spread out with spaces around their separators.

    `words` may say whether `text` can hold a number word at all (`triggers.NUMBER_WORD`),
    when the caller already knows; None lets this function look."""
    has_words = words is not False and _NUMBER_WORD.search(text) is not None
    if not has_words and _DIGIT.search(text) is None:
        return []
    rules: list[tuple[re.Pattern[str], Callable[[re.Match], str]]] = [
        (_PLUS_WORD, lambda m: "+"),
        (_NUMBER_WORD, lambda m: _DIGIT_WORDS[m.group().casefold()]),
    ]
    view, where, replaced = _normalise(text, rules) if has_words else (text, None, [])
    out: Found = []
    for m in _SPREAD.finditer(view):
        value = m.group()
        seps = _SEPARATOR.findall(value)
        spread = any(len(s) > 1 or s == "," for s in seps)
        if where is not None:
            start, end = where.back(m.start(), m.end())
        else:
            start, end = m.start(), m.end()
        worded = any(start <= s and e <= end for s, e, _ in replaced)
        if not worded and ("," in value or _THOUSANDS.search(value)):
            continue  # "1.250.000 to 2,500,000": amounts, not a number spread out
        if not (spread or worded):
            continue  # written plainly: the phone detector's
        if worded and sum(1 for s, e, _ in replaced if start <= s and e <= end) < 3:
            continue  # "call one 555 ...": a word or two among digits is not a spelling
        compact = ("+" if value.startswith("+") else "") + re.sub(r"\D", "", value)
        if phones.phone_valid(compact, region):
            out.append((start, end, "PHONE", "deobfuscated:phone"))
    return out
