"""Postal addresses as people write them on one line, in the network's countries.

`formats.ADDRESS` finds a street by its street word ("12 Baker Street", "Hauptstraße 5",
"Via Roma 10"). This module finds the rest of an address and whole addresses whose
street word is unknown, from the conventions of each country's postal format:

- **a street and a house number, then a postcode**: the postcode is the anchor, so a
  street of any name counts — "Merelboulevard 79, 1030 EB, Diemen" (NL),
  "Falk-Roskoth-Ring 38/74, 87249 Fürstenfeldbruck" (DE), "al. Powstańców Śląskich 34/60,
  62-479 Skarżysko-Kamienna" (PL), "Stretto Ignazio, 92, 33081, Marsure (PN)" (IT),
  "Chácara Barbosa, 82, Pirineus, 14013-147 Leão / SP" (BR), "153, chemin Constance
  Bonnet, 75789 Lyon" (FR), "11490 Randy Alley, Leehaven, MI 51375" (US), "Cañada Jose
  Pla 64 Puerta 9, Salamanca, 48728" (ES);
- **a house number and a street suffix** of the English-speaking countries (the suffixes
  of USPS Publication 28 and Royal Mail's), or an apartment word first: "94 Bowen Lodge",
  "842 Audrey Knolls", "Flat 3 Carter Run", "Apt. 5, 12 Mill Lane";
- **a street word of a Romance, Germanic or Slavic language** (a prefix such as `Calle`,
  `Travessa`, `Vicolo`, `plac`, or a compound suffix such as `-straße`, `-laan`,
  `-singel`) before the name and the number, with or without a postcode.

What follows the street is taken into the span while it reads as part of the address: a
unit ("Apt 4", "Piso 3", "Puerta 9", "Suite 584"), a district, a postcode, a town, a
state or province code ("TX 65051", "(PN)", "/ SP"). `join` then merges address spans the
other detectors found piece by piece ("Hauptstraße 5" + "10115 Berlin") into one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from consentry.datasets.scrub import persons
from consentry.datasets.scrub.cascade import ENGLISH_MONTHS

Found = list[tuple[int, int, str, str]]

_UP = persons._UPPER
# A capitalised word of a street or place name; hyphenated parts ("Falk-Roskoth-Ring").
_WORD = rf"[{_UP}][^\W\d_]*(?:[\-'’][{_UP}]?[^\W\d_]+)*"
# Lower-case words that sit inside a street or town name.
_LINK = (
    r"(?:de|da|do|das|dos|del|della|delle|dei|di|du|des|la|le|les|l'|d'|van|von|der|den|"
    r"het|op|aan|am|an|im|auf|e|y|i|w|nad|pod)"
)
# A unit word and its number never belong to a name ("Roberts Walks Suite 584").
_NOT_UNIT = r"(?!(?:Apt|Apartment|Suite|Ste|Unit|Flat|Piso|Puerta|Bloco|Apto|Sala|Box)\.?[ \t]*\d)"
# Ordinals stand inside district names: "Vila Real 1ª Seção".
_NAME = (
    rf"{_NOT_UNIT}{_WORD}(?:[ \t]+(?:(?:{_LINK}|\d{{1,2}}[ªº])[ \t]+)*{_NOT_UNIT}{_WORD}){{0,4}}"
)
# Street words written in lower case before the name (Polish abbreviations, French words).
_LOWER_STREET = (
    r"ul\.|ulica|al\.|aleja|pl\.|plac|os\.|osiedle|rue|avenue|av\.|boulevard|bd|chemin|"
    r"impasse|allée|place|quai|route|cours|square|via|viale|piazza|calle|avenida|rua|"
    r"travessa|praça|largo"
)
_FR_LINK = r"(?:(?:de[ \t]+la|de[ \t]+l'|du|des|de|d'|la|le|les|l')[ \t]*)?"
_HOUSE = r"\d{1,5}[A-Za-z]?(?:[ \t]?[/\-][ \t]?\d{1,4}[A-Za-z]?)?(?![\w.,]\d)"
_UNIT = (
    r"(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|Flat|Piso|Puerta|Esc\.?|Escalera|Bloco|Apto\.?|"
    r"Sala|Casa|Dpto\.?|Whg\.?|lok\.|m\.|Box|Bus|bus|Int\.?|Scala)[ \t]*\d{1,5}[A-Za-z]?"
)
# Postcodes: DE/FR/IT/ES/US 5 digits, US ZIP+4, BR 00000-000 or 8 digits, NL 1234 AB,
# PL 00-000, UK outward + inward code, and 4 digits (AT, BE, CH, DK, NL without letters).
_POSTCODE = (
    r"(?:\d{5}-\d{3,4}|\d{8}|\d{5}|\d{4}[ \t]?[A-Z]{2}|\d{2}-\d{3}"
    r"|[A-Z]{1,2}\d[A-Z\d]?[ \t]\d[A-Z]{2}|\d{4})(?![\w\-])"
)
_STATE_ZIP = r"[A-Z]{2}[ \t]+\d{5}(?:-\d{4})?(?![\w\-])"
# One piece of what follows a street, after a comma or a space.
_PIECE = (
    rf"(?:{_UNIT}|{_STATE_ZIP}|{_POSTCODE}|{_NAME}(?:[ \t]+\([A-Z]{{2}}\))?"
    rf"|/[ \t]*[A-Z]{{2}}(?![\w]))"
)
_TAIL = rf"(?P<tail>(?:,?[ \t]+{_PIECE}){{0,6}})"
_USPS = (
    "Alley|Avenue|Ave|Bend|Bluffs?|Boulevard|Blvd|Branch|Bridge|Brooks?|Bypass|Camp|Canyon|"
    "Cape|Causeway|Centers?|Circles?|Cliffs?|Club|Commons?|Corners?|Course|Courts?|Coves?|"
    "Creek|Crescent|Crest|Crossing|Crossroad|Curve|Dale|Dam|Divide|Drives?|Estates?|"
    "Expressway|Extensions?|Falls?|Ferry|Fields?|Flats?|Fords?|Forest|Forges?|Forks?|Fort|"
    "Freeway|Gardens?|Gateway|Glens?|Greens?|Groves?|Harbors?|Haven|Heights|Highway|Hills?|"
    "Hollow|Inlet|Islands?|Isle|Junctions?|Keys?|Knolls?|Lakes?|Land|Landing|Lane|Lights?|"
    "Loaf|Locks?|Lodge|Loop|Mall|Manors?|Meadows?|Mews|Mills?|Mission|Motorway|Mount|"
    "Mountains?|Neck|Orchard|Oval|Overpass|Parks?|Parkways?|Pass|Passage|Path|Pike|Pines?|"
    "Place|Plains?|Plaza|Points?|Ports?|Prairie|Radial|Ramp|Ranch|Rapids?|Rest|Ridges?|"
    "River|Roads?|Route|Row|Run|Shoals?|Shores?|Skyway|Springs?|Spurs?|Squares?|Station|"
    "Stravenue|Stream|Streets?|Summit|Terrace|Throughway|Trace|Track|Trafficway|Trail|"
    "Tunnel|Turnpike|Underpass|Unions?|Valleys?|Viaduct|Views?|Villages?|Ville|Vista|Walks?|"
    "Wall|Ways?|Wells?|Close|Gate|Yard|Wharf|Parade|Esplanade|Rise|Chase|Croft|"
    "Rd|St|Ln|Dr|Ct|Sq|Ter|Pl|Cir|Pkwy|Hwy|Trl"
)
# Street words before the name, in the languages of the network's regions.
_PREFIX = (
    "Calle|C/|Avenida|Avda\\.?|Av\\.|Plaza|Paseo|Pasaje|Camino|Carrera|Carretera|Ronda|"
    "Travesía|Glorieta|Callejón|Cañada|Alameda|Rambla|Urbanización|Vía|Via|Viale|Piazza|"
    "Piazzale|Corso|Largo|Vicolo|Contrada|Borgo|Strada|Stretto|Rotonda|Lungomare|Rua|"
    "Travessa|Praça|Estrada|Rodovia|Ladeira|Viela|Quadra|Chácara|Parque|Vereda|Passagem|"
    "Esplanada|Avinguda|Carrer|Plaça|Ulica|Aleja|Plac|Osiedle|Rue|Place|Chemin|Allée|"
    "Impasse|Boulevard|Quai|Route"
)
_GERMANIC = (
    r"(?:straße|strasse|str\.|weg|platz|allee|gasse|damm|ufer|ring|pfad|steig|chaussee|"
    r"straat|laan|plein|gracht|singel|kade|dijk|steeg|pad|hof|baan|dreef|markt|park|"
    r"gatan|vägen|gränd|torget|gade|vej|veien|gata)"
)
_STREET = (
    # a unit first: "Flat 0 Carter Run", "Studio 90s Roberts Falls"
    rf"(?:Flat|Studio|Apartment|Apt\.?|Unit|Suite)[ \t]+\d{{1,5}}[A-Za-z]?,?[ \t]+"
    rf"(?:\d{{1,5}}[A-Za-z]?[ \t]+)?(?P<name3>{_NAME})"
    # number then name: "11490 Randy Alley", "153, chemin Constance Bonnet"
    rf"|(?<![\d.,:/\-])\d{{1,5}}[A-Za-z]?,?[ \t]+(?:(?i:{_LOWER_STREET})[ \t]+{_FR_LINK})?"
    rf"(?P<name2>{_WORD}(?:[ \t]+(?:{_LINK}[ \t]+)*{_NOT_UNIT}{_WORD}){{0,4}}?)"
    # name then number: "Merelboulevard 79", "plac Długosza 964", "Chácara Barbosa, 82"
    # ("Billy Barnes, 12839 Roberts Walks" is a name, then a street of the kind above)
    rf"|(?:(?:{_LOWER_STREET})[ \t]+)?(?P<name>{_NAME})"
    rf"(?:,[ \t]+{_HOUSE}(?![ \t]+[{_UP}])|[ \t]+(?:n\.?º?[ \t]*)?{_HOUSE})"
)
STREET = re.compile(rf"(?<![\w@#&/.\-])(?:{_STREET})(?:[ \t]+{_UNIT})?{_TAIL}")
# A postcode next to a town: "10115 Berlin", "14013-147 Leão", "Salamanca, 48728", "TX 65051".
_POSTCODE_IN_TAIL = re.compile(
    rf"(?:^|[ \t,])(?:{_STATE_ZIP}|{_POSTCODE},?[ \t]+(?:{_WORD}|/))"
    rf"|(?<=[^\W\d_]),?[ \t]+{_POSTCODE}"
)
_PREFIX_START = re.compile(rf"(?:{_PREFIX})(?![\w])")
_USPS_END = re.compile(rf"(?<![\w])(?:{_USPS})\.?$")
_GERMANIC_END = re.compile(rf"{_GERMANIC}$", re.IGNORECASE)
_LOWER_START = re.compile(rf"(?:{_LOWER_STREET})[ \t]", re.IGNORECASE)
# Words a name part must not start with: a sentence's own capitalised words.
_NOT_STREET_START = frozenset(
    [
        "the",
        "a",
        "an",
        "our",
        "my",
        "your",
        "his",
        "her",
        "their",
        "this",
        "that",
        "we",
        "i",
        "in",
        "at",
        "on",
        "of",
        "for",
        "to",
        "and",
        "or",
        "from",
        "with",
        "version",
        "release",
        "build",
        "step",
        "page",
        "chapter",
        "room",
        "ticket",
        "pr",
        "issue",
        "sprint",
        "q",
    ]
)
# "12 March 1990, Berlin", "Born 7 June 1994": a date, not a street
_MONTHS = frozenset(ENGLISH_MONTHS).union(
    [
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "januar",
        "februar",
        "märz",
        "mai",
        "juni",
        "juli",
        "oktober",
        "dezember",
        "janvier",
        "février",
        "mars",
        "avril",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
        "gennaio",
        "febbraio",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "settembre",
        "ottobre",
        "dicembre",
        "januari",
        "februari",
        "maart",
        "mei",
        "augustus",
        "stycznia",
        "lutego",
        "marca",
        "kwietnia",
        "maja",
        "czerwca",
        "lipca",
        "sierpnia",
        "września",
        "października",
        "listopada",
        "grudnia",
        "janeiro",
        "fevereiro",
        "março",
        "maio",
        "junho",
        "julho",
        "setembro",
        "outubro",
        "novembro",
        "dezembro",
    ]
)


def find_streets(text: str) -> Found:
    """ADDRESS spans for a street with its house number and what follows it (module
    docstring): a postcode after it, or a street word in its name."""
    out: Found = []
    at = 0
    while True:
        m = STREET.search(text, at)
        if m is None:
            return out
        at = m.end() if m.end() > m.start() else m.start() + 1
        name = m.group("name") or m.group("name2") or m.group("name3") or ""
        first = name.split(" ", 1)[0].casefold()
        if first in _NOT_STREET_START or not _MONTHS.isdisjoint(
            _LETTERS.findall(m.group().casefold())
        ):
            at = m.start() + 1
            continue
        if m.group("name2") is not None and _YEAR.match(m.group()):
            at = m.start() + 1
            continue  # a year is not a house number ("in 2024 Berlin hosted")
        end: int | None = m.end()
        if _POSTCODE_IN_TAIL.search(m.group("tail")) is None:
            end = _street_end(m, name)
        if end is None:
            at = m.start() + 1
            continue
        out.append((m.start(), end, "ADDRESS", "format:address"))
        at = max(end, m.start() + 1)


def _compound_street(word: str) -> bool:
    """A compound street name ("Merelboulevard", "Falk-Roskoth-Ring", "Yfkebaan"), not an
    English word that happens to end the same way ("Mentoring", "Backyard")."""
    from consentry.datasets.scrub.cascade import _is_common, lexicon

    m = _GERMANIC_END.search(word)
    if m is None or (m.start() < 3 and word[m.start() - 1 : m.start()] != "-"):
        return False
    return not _is_common(word.casefold(), lexicon())


def _street_end(m: re.Match[str], name: str) -> int | None:
    """Where a street without a postcode ends, or None when nothing in it is a street word
    (then it is not taken for an address: "15 Clients", "Python 3")."""
    if m.group("name2") is not None:
        # "012 Carpenter Orchard": up to the last suffix before a comma
        last = None
        for w in _CAP_WORDS.finditer(m.string, m.start("name2"), m.end()):
            if m.string[m.start("name2") : w.start()].count(","):
                break
            if _USPS_WORD.fullmatch(w.group()) and w.start() > m.start("name2"):
                last = w.end()
        return last
    street = (
        _PREFIX_START.match(name) is not None
        or _LOWER_START.match(m.group()) is not None
        or _compound_street(name.split()[-1] if name else "")
        or m.group("name3") is not None
    )
    return m.start("tail") if street else None


_CAP_WORDS = re.compile(_WORD)
_LETTERS = re.compile(r"[^\W\d_]+")
_YEAR = re.compile(r"(?:19|20)\d\d[ \t]")
_USPS_WORD = re.compile(rf"(?:{_USPS})")
_BETWEEN = re.compile(r"[ \t]*,?[ \t]*")


def join(found: Sequence[tuple[int, int, str, str]], text: str) -> Found:
    """One ADDRESS span over address spans that only a comma or spaces separate
    ("Hauptstraße 5" + "10115 Berlin"), added beside the pieces (the resolver keeps the
    longer)."""
    pieces = sorted((f[0], f[1]) for f in found if f[2] == "ADDRESS")
    if len(pieces) < 2:
        return []
    out: Found = []
    start, end = pieces[0]
    merged = False
    for s, e in pieces[1:]:
        if s <= end or _BETWEEN.fullmatch(text, end, s):
            end = max(end, e)
            merged = True
            continue
        if merged:
            out.append((start, end, "ADDRESS", "format:address"))
        start, end, merged = s, e, False
    if merged:
        out.append((start, end, "ADDRESS", "format:address"))
    return out
