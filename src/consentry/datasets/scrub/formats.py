"""Detectors for personal data recognised by its format: emails, URLs, IPs, cards, IBANs,
national IDs, dates of birth and street addresses.

Each detector returns `(start, end, type)` triples on the text it is given. Detectors for
checksummed numbers propose candidates by regex and keep only those that pass the number's
own check (`validators`). Each detector is only run on texts that contain what it needs
(see `Scrubber`), so none of them may find anything in a text without that trigger.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import TypeVar

from consentry.datasets.scrub import validators as ck

Found = list[tuple[int, int, str]]
# A found span with or without its detector.
F = TypeVar("F", tuple[int, int, str], tuple[int, int, str, str])

EMAIL = re.compile(
    r"(?<![\w.+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*@"
    r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*"
    r"\.[A-Za-z]{2,24}(?![\w\-])"
)
# An @mention: a handle not glued to a word or an email's local part.
MENTION = re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_])?")

# Every URL is scrubbed (see the package docstring): with a scheme, www., or a bare domain.
# A bare domain needs a registered top-level domain after a host label. Some TLDs are
# also file extensions or words ("script.pl", "main.cc", "read.me", "Makefile.in",
# "logo.ai", "Foo.app"): behind those a bare name is a URL only with a path or a second
# host label ("bit.ly/x", "blog.example.me").
_STRONG_TLDS = (
    "com|org|net|io|dev|co|info|biz|eu|de|fr|uk|es|nl|se|ch|at|ca|page|site|blog|xyz|tech|"
    "online|ie|pt|dk|fi|cz|au|jp"
)
_WEAK_TLDS = "me|ai|app|it|pl|be|us|in|pro|name|no|gg|ly|to|cc|tv"
_TLDS = f"{_STRONG_TLDS}|{_WEAK_TLDS}"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\."
_PATH = r"/[^\s<>\"'`]*"
URL = re.compile(
    r"(?<![\w@.\-])(?:(?:https?|ftp)://[^\s<>\"'`]+|www\.[^\s<>\"'`]+"
    rf"|(?:{_LABEL})+(?:{_STRONG_TLDS})(?![\w\-@])(?:{_PATH})?"
    rf"|(?:{_LABEL})+(?:{_WEAK_TLDS})(?![\w\-@]){_PATH}"
    rf"|(?:{_LABEL}){{2,}}(?:{_WEAK_TLDS})(?![\w\-@])(?:{_PATH})?)"
)
URL_TRIGGER = re.compile(rf"://|www\.|[A-Za-z0-9]\.(?:{_TLDS})\b")
_URL_TRAILING = ".,;:!?'\")]}*"

IPV4 = re.compile(r"\d(?<![\w.]\d)\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?!\w|\.\d)")
IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|:)(?![\w:])")

CARD = re.compile(r"\d(?<![\w\-]\d)(?:[ \-]?\d){12,}(?!\w)")
_GROUP = re.compile(r"\d+")
IBAN_START = re.compile(r"(?<![A-Za-z0-9])([A-Z]{2})\d{2}(?= ?[A-Z0-9])")

SSN = re.compile(r"\d(?<![\w\-]\d)\d{2}([\- ])\d{2}\1\d{4}(?![\w\-])")
NINE_GROUPED = re.compile(
    r"(?<![\w\-])\d{3}([\- ])\d{3}\1\d{3}(?![\w\-]|\1\d)|\b\d{4}\.\d{2}\.\d{3}\b"
)
NINE_BARE = re.compile(r"\d(?<![\w.,+\-]\d)\d{8}(?![\w\-]|[.,]\d)")
ELEVEN = re.compile(r"\d(?<![\w.,+\-]\d)\d ?\d{3} ?\d{3} ?\d{3}(?![\w\-]|[.,]\d| \d)")
NINO = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])")
NIR = re.compile(
    r"[12](?<![\w][12]) ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}(?![\w]| \d)"
)
DNI = re.compile(r"(?<![\w\-])(?:[XYZ]-?\d{7}|\d{8})[\- ]?[A-Z](?![\w])")
CODICE_FISCALE = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{6}[0-9LMNPQRSTUV]{2}[A-Za-z][0-9LMNPQRSTUV]{2}[A-Za-z]"
    r"[0-9LMNPQRSTUV]{3}[A-Za-z](?![A-Za-z0-9])"
)
PERSONNUMMER = re.compile(r"(?<![\w+\-])(?:(?:19|20)\d{6}[\-+]?|\d{6}[\-+])\d{4}(?![\w\-])")
# Digit-first hints that let the letter-first shapes above be skipped in most texts.
_NINO_HINT = re.compile(r"\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])")
_CF_HINT = re.compile(
    r"[0-9LMNPQRSTUV][ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Za-z][0-9LMNPQRSTUV]{3}[A-Za-z]"
)
_SSN_CUE = re.compile(r"(?i)\b(?:ssn|social security|soc\.? sec\.?)\b")


def find_emails(text: str) -> Found:
    return [(m.start(), m.end(), "EMAIL") for m in EMAIL.finditer(text)]


def find_mentions(text: str) -> Found:
    """`@handle` mentions, typed PERSON (a handle names a person)."""
    return [(m.start(), m.end(), "PERSON") for m in MENTION.finditer(text)]


def find_urls(text: str) -> Found:
    out = []
    for m in URL.finditer(text):
        start, end = m.start(), m.end()
        while end > start and text[end - 1] in _URL_TRAILING:
            # Keep a closing bracket that closes one opened inside the URL.
            if text[end - 1] == ")" and text.count("(", start, end) >= text.count(")", start, end):
                break
            end -= 1
        if end > start:
            out.append((start, end, "URL"))
    return out


def find_ipv4s(text: str) -> Found:
    out: Found = []
    for m in IPV4.finditer(text):
        try:
            ipaddress.IPv4Address(m.group())
        except ValueError:
            continue
        out.append((m.start(), m.end(), "IP"))
    return out


def find_ipv6s(text: str) -> Found:
    out: Found = []
    for m in IPV6.finditer(text):
        value = m.group()
        if value.count(":") < 2 or sum(c.isdigit() for c in value) == 0:
            continue
        try:
            ipaddress.IPv6Address(value)
        except ValueError:
            continue
        out.append((m.start(), m.end(), "IP"))
    return out


def find_cards(text: str) -> Found:
    """Card numbers; a run of digit groups may hold one next to other numbers ("... 2 weeks")."""
    out: Found = []
    for m in CARD.finditer(text):
        if ck.card_valid(m.group()):
            out.append((m.start(), m.end(), "CARD"))
            continue
        groups = [(g.start(), g.end()) for g in _GROUP.finditer(m.group())]
        if len(groups) < 2:
            continue
        # The longest run of whole groups that is a valid card number, if any.
        best = None
        for i in range(len(groups)):
            for j in range(len(groups), i, -1):
                a, b = groups[i][0], groups[j - 1][1]
                if (best is None or b - a > best[1] - best[0]) and ck.card_valid(m.group()[a:b]):
                    best = (a, b)
        if best:
            out.append((m.start() + best[0], m.start() + best[1], "CARD"))
    return out


def find_ibans(text: str) -> Found:
    """IBANs in compact or 4-group form: the country's length decides where the IBAN ends."""
    out: Found = []
    for m in IBAN_START.finditer(text):
        length = ck.IBAN_LENGTHS.get(m.group(1))
        if length is None:
            continue
        i, taken, n = m.start(), 0, len(text)
        while i < n and taken < length:
            ch = text[i]
            if ch.isascii() and ch.isalnum():
                taken += 1
                i += 1
            elif ch == " " and i + 1 < n and text[i + 1].isascii() and text[i + 1].isalnum():
                i += 1
            else:
                break
        if taken != length or (i < n and text[i].isascii() and text[i].isalnum()):
            continue
        if ck.iban_valid(text[m.start() : i]):
            out.append((m.start(), i, "IBAN"))
    return out


# Each ID shape with the checks that confirm it, in the order they are tried.
ID_SHAPES: dict[str, tuple[re.Pattern[str], tuple]] = {
    "ssn": (SSN, (ck.us_ssn_valid, ck.ca_sin_valid)),
    "nine_grouped": (NINE_GROUPED, (ck.ca_sin_valid, ck.nl_bsn_valid)),
    "nino": (NINO, (ck.uk_nino_valid,)),
    "nir": (NIR, (ck.fr_nir_valid,)),
    "eleven": (ELEVEN, (ck.de_steuer_id_valid, ck.pl_pesel_valid)),
    "dni": (DNI, (ck.es_dni_valid,)),
    "personnummer": (PERSONNUMMER, (ck.se_personnummer_valid,)),
    "codice_fiscale": (CODICE_FISCALE, (ck.it_codice_fiscale_valid,)),
    "nine_bare": (NINE_BARE, ()),  # checked with its context below
}


def find_ids(text: str, shapes: Iterable[str] = ID_SHAPES) -> Found:
    """National identification numbers, each confirmed by its own check rule.

    `shapes` names the `ID_SHAPES` worth trying (the caller may know the others cannot
    match, see `triggers`). The UK and Italian shapes are only tried behind their
    digit-first hints, which is part of what they match.
    """
    out: Found = []
    for name in shapes:
        pattern, checks = ID_SHAPES[name]
        if (name == "nino" and not _NINO_HINT.search(text)) or (
            name == "codice_fiscale" and not _CF_HINT.search(text)
        ):
            continue
        if name == "nine_bare":
            for m in pattern.finditer(text):
                value = m.group()
                cue = _SSN_CUE.search(text, max(0, m.start() - 40), m.start())
                if (
                    ck.nl_bsn_valid(value)
                    or ck.ca_sin_valid(value)
                    or (cue and ck.us_ssn_valid(value))
                ):
                    out.append((m.start(), m.end(), "ID"))
            continue
        for m in pattern.finditer(text):
            value = m.group()
            if any(check(value) for check in checks):
                out.append((m.start(), m.end(), "ID"))
    return out


# ---- dates of birth -------------------------------------------------------------------------

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|"
    "januar|februar|märz|maerz|mai|juni|juli|oktober|dezember|"
    "janvier|février|fevrier|mars|avril|juin|juillet|août|aout|septembre|octobre|novembre|décembre|"
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|"
    "gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre|"
    "januari|februari|maart|mei|augustus"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MON = r"(?:0?[1-9]|1[0-2])"
_YEAR = r"(?:19|20)\d{2}"
DATE = re.compile(
    rf"(?i)(?<![\w.])(?:{_YEAR}[\-/.]{_MON}[\-/.]{_DAY}"
    rf"|{_DAY}[./\-]{_DAY}[./\-](?:{_YEAR}|\d{{2}})"
    rf"|{_DAY}(?:st|nd|rd|th|er|\.)?\s+(?:of\s+|de\s+)?(?:{_MONTHS})\.?,?\s+(?:de\s+)?{_YEAR}"
    rf"|(?:{_MONTHS})\.?\s+{_DAY}(?:st|nd|rd|th)?,?\s+{_YEAR})(?![\w])"
)
BIRTH_CUE = re.compile(
    r"(?i)\b(?:born|birth(?:day|date)?|d\.?o\.?b|geboren|geb\.|geburtstag|geburtsdatum|"
    r"née?|naissance|anniversaire|nacid[oa]|nacimiento|cumpleaños|nat[oa]|nascita|"
    r"compleanno|geboortedatum|verjaardag|jarig|urodzon[ya]|urodzin|född|födelsedag)(?!\w)"
)
_CUE_WINDOW = 40


def find_dobs(text: str) -> Found:
    """Dates within a few words of a birth cue ("born", "DOB", "geboren", "né le", ...)."""
    out: Found = []
    seen: set[int] = set()
    for cue in BIRTH_CUE.finditer(text):
        lo, hi = max(0, cue.start() - _CUE_WINDOW), min(len(text), cue.end() + _CUE_WINDOW)
        for m in DATE.finditer(text, lo, hi):
            if m.start() not in seen:
                seen.add(m.start())
                out.append((m.start(), m.end(), "DOB"))
    return out


# An IBAN's shape: country, check digits, then groups of letters and digits.
_IBAN_SHAPE = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{1,4}){3,8}(?![A-Za-z0-9])")


def outside_bad_ibans(text: str, found: list[F]) -> list[F]:
    """`found` without the PHONE and CARD spans inside an IBAN-shaped run that is not a
    valid IBAN: digit groups of an IBAN whose check digits fail are not a phone number
    or a card ("GB88 WXTW 7180 3205 4584 80")."""
    shapes = [m.span() for m in _IBAN_SHAPE.finditer(text)]
    if not shapes:
        return found
    ibans = [(f[0], f[1]) for f in found if f[2] == "IBAN"]
    bad = [(s, e) for s, e in shapes if not any(s < ie and is_ < e for is_, ie in ibans)]
    return [
        f
        for f in found
        if f[2] not in ("PHONE", "CARD") or not any(s <= f[0] and f[1] <= e for s, e in bad)
    ]


# ---- street addresses -----------------------------------------------------------------------

_CAP = r"[A-ZÀ-ÖØ-Þ][\w'’\-]*"
_NUM = r"\d{1,5}(?:\s?[a-zA-Z](?![\w]))?(?:\s?(?:bis|ter))?"
_SUFFIX_EN = (
    "Street|St\\.?|Road|Rd\\.?|Avenue|Ave\\.?|Lane|Ln\\.?|Drive|Dr\\.?|Boulevard|Blvd\\.?|Way|"
    "Place|Pl\\.?|Court|Ct\\.?|Close|Crescent|Terrace|Square|Sq\\.?|Parkway|Pkwy|Highway|Hwy|"
    "Row|Gardens|Grove|Hill|Mews|Walk|Circle|Trail"
)
_FR_WORDS = "rue|avenue|av\\.|boulevard|bd|place|allée|allee|chemin|quai|impasse|route|cours|square"
_FR_LINK = r"(?:(?:de\s+la|de\s+l'|du|des|de|d'|la|le|les|l')\s*)?"
_LATIN_PREFIX = (
    "Calle|C/|Avenida|Avda\\.?|Plaza|Paseo|Carrer|Camino|Ronda|Via|Viale|Piazza|Corso|Largo|"
    "Vicolo|Rua|Travessa|Praça|ul\\.|ulica|Aleja|al\\.|Plac"
)
_LATIN_LINK = r"(?:(?:de\s+la|de\s+los|de\s+las|del|de|della|delle|dei|degli|di|da|do|dos|das)\s+)?"
_GERMANIC_SUFFIX = (
    "straße|strasse|str\\.|weg|platz|allee|gasse|damm|ufer|"
    "straat|laan|plein|gracht|singel|kade|dijk|steeg|"
    "gatan|vägen|gränd|torget|gade|vej|veien|gata"
)
_GERMANIC_SEPARATE = "Straße|Strasse|Str\\.|Weg|Platz|Allee|Gasse|Ring|Damm|Ufer|Straat|Laan|Plein"
# Optional postcode and city after the street: DE/FR/ES/IT "10115 Berlin", NL "1012 AB",
# PL "00-950", SE "114 55", UK "NW1 6XE", US "Springfield, IL 62704".
_TAIL = (
    r"(?:,?\s+(?:(?:\d{5}|\d{4}(?:\s?[A-Z]{2})?|\d{2}-\d{3}|\d{3}\s\d{2}|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2})"
    rf"\s+{_CAP}(?:\s+{_CAP})?(?:,?\s+[A-Z]{{1,2}}\d[A-Z\d]?\s?\d[A-Z]{{2}})?"
    rf"|{_CAP}(?:\s+{_CAP})?,?\s+(?:[A-Z]{{2}}\s+(?:\d{{5}}(?:-\d{{4}})?|[A-Z]\d[A-Z]\s?\d[A-Z]\d)"
    r"|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}"
    r"|\d{4,5})))?"
)
ADDRESS = re.compile(
    # 12 Baker Street / 221B Baker St. (English-speaking countries)
    rf"(?<![\w.,])(?:{_NUM},?\s+(?:{_CAP}\s+){{1,3}}(?:{_SUFFIX_EN})(?![\w])"
    # 5 rue de Rivoli / 12 avenue des Champs-Élysées (French)
    rf"|{_NUM},?\s+(?i:{_FR_WORDS})\s+{_FR_LINK}{_CAP}(?:[\s\-]+{_CAP}){{0,3}}"
    # Calle Mayor 3 / Via Roma 10 / ul. Marszałkowska 10 (Romance and Polish: word first)
    rf"|(?:{_LATIN_PREFIX})\s+{_LATIN_LINK}{_CAP}(?:\s+{_LATIN_LINK}{_CAP}){{0,3}},?\s+(?:n\.?º?\s*)?{_NUM}"
    # Hauptstraße 5 / Kerkstraat 12 / Storgatan 5 (compound street names)
    rf"|[A-ZÀ-ÖØ-Þ][\w\-]*(?:{_GERMANIC_SUFFIX})\s+{_NUM}"
    # Berliner Straße 12 (separate street word)
    rf"|{_CAP}\s+(?:{_GERMANIC_SEPARATE})\s+{_NUM})"
    rf"{_TAIL}"
)


def find_addresses(text: str) -> Found:
    return [(m.start(), m.end(), "ADDRESS") for m in ADDRESS.finditer(text)]
