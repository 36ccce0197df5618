"""Personal data planted into synthetic text, with its exact position: the scrubber's ground truth.

Every value generator is a pure function of a `random.Random` (and, where the value
depends on it, a country or a person), so a scrubber's tests can draw the same kinds of
values the network holds. `TextBuilder` assembles a text from pieces and records the
character span `[start, end)` of every planted value, so `text[start:end] == value` always.

Types: EMAIL, PHONE, ADDRESS, URL, ID, CARD, IBAN, IP, DOB, PERSON. A PERSON value is
another member's full display name, an `@handle` mention (the `@` included), or, in
messages, the first name in a greeting or a sign-off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from random import Random

import phonenumbers
from phonenumbers import PhoneNumber, PhoneNumberFormat, PhoneNumberType

from consentry.datasets.scrub import validators
from consentry.synthetic import national_ids
from consentry.synthetic.national_ids import luhn_complete
from consentry.synthetic.vocabulary import MONTHS as _MONTHS

PII_TYPES = ("EMAIL", "PHONE", "ADDRESS", "URL", "ID", "CARD", "IBAN", "IP", "DOB", "PERSON")


@dataclass(frozen=True)
class Span:
    """A planted value: `text[start:end] == value`."""

    start: int
    end: int
    type: str
    value: str


class TextBuilder:
    """Joins pieces into one text, remembering where each planted value landed."""

    __slots__ = ("_length", "_parts", "spans")

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self.spans: list[Span] = []

    def add(self, piece: str) -> None:
        self._parts.append(piece)
        self._length += len(piece)

    def plant(self, kind: str, value: str) -> None:
        """Append `value` and record it as personal data of type `kind`."""
        self.spans.append(Span(self._length, self._length + len(value), kind, value))
        self.add(value)

    def extend(self, text: str, spans: list[Span]) -> None:
        """Append a text assembled elsewhere, keeping its spans (shifted to their new place)."""
        shift = self._length
        self.spans.extend(Span(s.start + shift, s.end + shift, s.type, s.value) for s in spans)
        self.add(text)

    def text(self) -> str:
        return "".join(self._parts)


# --- EMAIL -----------------------------------------------------------------------------

_MAIL_DOMAINS = (
    "example.com",
    "example.org",
    "example.net",
    "mail.example",
    "inbox.example",
    "post.example.de",
    "courriel.example.fr",
    "correo.example.es",
)


def email(rng: Random, handle: str) -> str:
    """A personal address built from a member's handle: `anna.mueller84@example.org`."""
    local = handle.replace(".", rng.choice((".", "_", "", "."))) if rng.random() < 0.5 else handle
    if rng.random() < 0.3:
        local += str(rng.randint(1, 99))
    return f"{local}@{rng.choice(_MAIL_DOMAINS)}"


# --- PHONE -----------------------------------------------------------------------------

# Countries whose numbers we write; others fall back to one of these.
PHONE_COUNTRIES = (
    "DE",
    "FR",
    "GB",
    "US",
    "CA",
    "ES",
    "IT",
    "NL",
    "SE",
    "PL",
    "CH",
    "IE",
    "AT",
    "BE",
    "HK",
)
_US_AREAS = (212, 213, 303, 312, 415, 503, 512, 617, 646, 702, 713, 720, 732, 860, 917, 206)


def _example(region: str) -> PhoneNumber:
    number = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
    if number is None:
        raise ValueError(f"phonenumbers has no example mobile number for {region}")
    return number


@cache
def _example_digits(region: str) -> str:
    return str(_example(region).national_number)


def _national_digits(rng: Random, region: str) -> str:
    if region in ("US", "CA"):
        area = rng.choice(_US_AREAS) if region == "US" else rng.choice((416, 514, 604, 613, 403))
        return f"{area}{rng.randint(2, 9)}{rng.randint(0, 99):02d}{rng.randint(0, 9999):04d}"
    digits = _example_digits(region)
    keep = max(2, len(digits) - 6)  # keep the operator prefix, vary the subscriber part
    return digits[:keep] + "".join(rng.choice("0123456789") for _ in range(len(digits) - keep))


def phone(rng: Random, country: str) -> str:
    """A number valid per `phonenumbers`, written internationally (`+49 151 ...`) or nationally."""
    region = country if country in PHONE_COUNTRIES else rng.choice(PHONE_COUNTRIES)
    for _ in range(50):
        number = phonenumbers.parse(_national_digits(rng, region), region)
        if phonenumbers.is_valid_number(number):
            break
    else:  # pragma: no cover - the example numbers above always yield valid variants
        number = _example(region)
    style = rng.random()
    if style < 0.45:
        return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    if style < 0.9:
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


# --- ADDRESS ---------------------------------------------------------------------------

_STREETS = {
    "DE": ("Hauptstraße", "Bahnhofstraße", "Lindenallee", "Schillerstraße", "Gartenweg"),
    "FR": ("rue de la Paix", "avenue Victor Hugo", "boulevard Voltaire", "rue des Lilas"),
    "GB": ("High Street", "Station Road", "Church Lane", "Victoria Road", "Park Avenue"),
    "US": ("Maple Street", "Oak Avenue", "Pine Street", "Elm Drive", "Washington Boulevard"),
    "ES": ("Calle Mayor", "Calle de Alcalá", "Avenida de la Constitución", "Calle Real"),
    "IT": ("Via Roma", "Via Garibaldi", "Corso Vittorio Emanuele", "Via Dante"),
    "NL": ("Kerkstraat", "Dorpsstraat", "Molenweg", "Stationsplein"),
    "CA": ("King Street", "Rue Sainte-Catherine", "Yonge Street", "Main Street"),
}
_CITIES = {
    "DE": ("Berlin", "München", "Köln", "Hamburg"),
    "FR": ("Paris", "Lyon", "Nantes"),
    "GB": ("London", "Leeds", "Bristol"),
    "US": ("Austin, TX", "Denver, CO", "Portland, OR"),
    "ES": ("Madrid", "Sevilla", "Valencia"),
    "IT": ("Milano", "Roma", "Torino"),
    "NL": ("Amsterdam", "Utrecht", "Rotterdam"),
    "CA": ("Toronto, ON", "Montréal, QC"),
}


def _uk_postcode(rng: Random) -> str:
    letters = "ABCDEFGHJKLMNPRSTUWXY"
    return (
        f"{rng.choice(letters)}{rng.choice(letters)}{rng.randint(1, 19)} "
        f"{rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
    )


def address(rng: Random, country: str) -> str:
    """A street address in the way `country` writes one (falls back to a random format)."""
    fmt = country if country in _STREETS else rng.choice(tuple(_STREETS))
    street, city, n = rng.choice(_STREETS[fmt]), rng.choice(_CITIES[fmt]), rng.randint(1, 180)
    if fmt == "DE":
        return f"{street} {n}, {rng.randint(10115, 99998):05d} {city}"
    if fmt == "FR":
        return f"{n} {street}, {rng.randint(10000, 95999):05d} {city}"
    if fmt == "GB":
        return f"{n} {street}, {city} {_uk_postcode(rng)}"
    if fmt == "US":
        return f"{n * 10 + rng.randint(0, 9)} {street}, {city} {rng.randint(10001, 99950):05d}"
    if fmt == "ES":
        return f"{street}, {n}, {rng.randint(1001, 52080):05d} {city}"
    if fmt == "IT":
        return f"{street} {n}, {rng.randint(10010, 98168):05d} {city}"
    if fmt == "NL":
        return f"{street} {n}, {rng.randint(1011, 9999)} {rng.choice('ABCEGHJKLMNPRSTVWXZ')}{rng.choice('ABCEGHJKLMNPRSTVWXZ')} {city}"
    letters = "ABCEGHJKLMNPRSTVXY"
    return (
        f"{n} {street}, {city} {rng.choice(letters)}{rng.randint(0, 9)}{rng.choice(letters)} "
        f"{rng.randint(0, 9)}{rng.choice(letters)}{rng.randint(0, 9)}"
    )


# --- URL -------------------------------------------------------------------------------


def url(rng: Random, handle: str) -> str:
    """A URL that identifies a person: a profile on a network, a code host or their own site."""
    slug = handle.replace(".", "-")
    kind = rng.randrange(5)
    if kind == 0:
        return f"https://www.linkedin.com/in/{slug}"
    if kind == 1:
        return f"https://github.com/{handle.replace('.', '')}"
    if kind == 2:
        return f"https://{slug}.example.dev"
    if kind == 3:
        return f"linkedin.com/in/{slug}-{rng.randint(100, 999)}"
    return f"https://www.{handle.replace('.', '')}.example.com/about"


# --- ID, CARD, IBAN --------------------------------------------------------------------


def national_id(rng: Random, country: str, first: str = "Mario", last: str = "Rossi") -> str:
    """A valid national ID number of `country`, or of a random country that has one."""
    code = (
        country
        if country in national_ids.ID_BY_COUNTRY
        else rng.choice(tuple(national_ids.ID_BY_COUNTRY))
    )
    if code == "IT":
        return national_ids.it_codice_fiscale(rng, first, last)
    return national_ids.ID_BY_COUNTRY[code](rng)


_CARD_PREFIXES = (
    ("4", 16),
    ("51", 16),
    ("53", 16),
    ("55", 16),
    ("2221", 16),
    ("2720", 16),
    ("34", 15),
    ("37", 15),
    ("6011", 16),
)


def card(rng: Random) -> str:
    """A Luhn-valid card number (Visa, Mastercard, Amex, Discover), plain, spaced or dashed."""
    prefix, length = rng.choice(_CARD_PREFIXES)
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    number = luhn_complete(body)
    sep = rng.choice(("", " ", " ", "-"))
    groups: tuple[str, ...]
    if length == 15:
        groups = (number[:4], number[4:10], number[10:])
    else:
        groups = tuple(number[i : i + 4] for i in range(0, 16, 4))
    return sep.join(groups)


# country -> (total length, layout of the BBAN: n digits, a upper-case letters)
_IBAN_LAYOUT = {
    "DE": "18n",
    "FR": "10n11n2n",
    "GB": "4a14n",
    "ES": "20n",
    "IT": "1a10n12n",
    "NL": "4a10n",
    "BE": "12n",
    "CH": "17n",
    "AT": "16n",
    "PL": "24n",
    "SE": "20n",
    "IE": "4a14n",
}


def _bban(rng: Random, layout: str) -> str:
    out, num = [], ""
    for ch in layout:
        if ch.isdigit():
            num += ch
            continue
        alphabet = "0123456789" if ch == "n" else "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        out.append("".join(rng.choice(alphabet) for _ in range(int(num))))
        num = ""
    return "".join(out)


def iban(rng: Random, country: str) -> str:
    """A mod-97-valid IBAN of `country` (or another), compact or in groups of four."""
    code = country if country in _IBAN_LAYOUT else rng.choice(tuple(_IBAN_LAYOUT))
    bban = _bban(rng, _IBAN_LAYOUT[code])
    compact = f"{code}{validators.iban_check_digits(code, bban)}{bban}"
    if rng.random() < 0.6:
        return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    return compact


# --- IP, DOB ---------------------------------------------------------------------------


def ip_address(rng: Random) -> str:
    """A public-looking IPv4 address, or now and then an IPv6 one."""
    if rng.random() < 0.75:
        first = rng.choice([n for n in range(11, 224) if n not in (127, 169, 172, 192)])
        return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    groups = [f"{rng.randint(0, 0xFFFF):x}" for _ in range(6)]
    if rng.random() < 0.5:
        return "2001:db8:" + ":".join(groups)
    return f"2a02:{groups[0]}:{groups[1]}::{groups[2]}"


def date_of_birth(rng: Random, born: date) -> str:
    """A birth date as people write it: `12 March 1990`, `1990-03-12` or `03/12/1990`."""
    style = rng.randrange(3)
    if style == 0:
        return f"{born.day} {_MONTHS[born.month - 1]} {born.year}"
    if style == 1:
        return born.isoformat()
    return f"{born.month:02d}/{born.day:02d}/{born.year}"


# --- Sentences that carry a value ------------------------------------------------------

# Each type's frames: (before, after) the value. DOB frames already say "born".
FRAMES: dict[str, tuple[tuple[str, str], ...]] = {
    "EMAIL": (
        ("Reach me at ", "."),
        ("Drop me a line: ", ""),
        ("My email is ", " if that is easier."),
        ("Write to ", " for the slides."),
        ("CVs to ", " please."),
    ),
    "PHONE": (
        ("Call me on ", "."),
        ("My number is ", ", text first."),
        ("WhatsApp: ", ""),
        ("You can ring me at ", " after 6pm."),
        ("Mobile ", " works best."),
    ),
    "ADDRESS": (
        ("Send it to ", "."),
        ("Our new office: ", "."),
        ("I live at ", " now."),
        ("Parcel address is ", ", thanks!"),
        ("Come by ", " on Friday."),
    ),
    "URL": (
        ("More at ", ""),
        ("My portfolio: ", "."),
        ("Profile: ", ""),
        ("See ", " for the write-up."),
        ("Code is on ", "."),
    ),
    "ID": (
        ("My ID number is ", "."),
        ("Tax ID ", " for the invoice."),
        ("ID: ", ""),
        ("The form wants my number, ", ", is that safe?"),
        ("Reference ", " on the contract."),
    ),
    "CARD": (
        ("Card ", " was charged twice."),
        ("Use my card ", " for the booking."),
        ("Paid with ", ", expiry 09/27."),
        ("Card number: ", ""),
    ),
    "IBAN": (
        ("My IBAN is ", "."),
        ("Please transfer to ", "."),
        ("IBAN: ", ""),
        ("Bank details ", " for the refund."),
    ),
    "IP": (
        ("My server is at ", "."),
        ("Blocked from ", " again."),
        ("Whitelisted IP ", "."),
        ("The login came from ", ", not me."),
    ),
    "DOB": (
        ("I was born on ", "."),
        ("DOB: ", ""),
        ("Date of birth ", " on the form."),
        ("Born ", ", so yes, a millennial."),
    ),
    "PERSON": (
        ("Thanks to ", " for the help."),
        ("Spoke with ", " about this today."),
        ("Shout-out to ", "!"),
        ("Great working with ", " this year."),
    ),
}

ValueMaker = Callable[[Random, "Person"], str]


@dataclass(frozen=True)
class Person:
    """Whom the planted value belongs to: the author, or another member for PERSON."""

    first_name: str
    last_name: str
    handle: str
    country: str
    birth_date: date
    other_name: str  # full display name of another member, for PERSON


VALUE_MAKERS: dict[str, ValueMaker] = {
    "EMAIL": lambda rng, p: email(rng, p.handle),
    "PHONE": lambda rng, p: phone(rng, p.country),
    "ADDRESS": lambda rng, p: address(rng, p.country),
    "URL": lambda rng, p: url(rng, p.handle),
    "ID": lambda rng, p: national_id(rng, p.country, p.first_name, p.last_name),
    "CARD": lambda rng, p: card(rng),
    "IBAN": lambda rng, p: iban(rng, p.country),
    "IP": lambda rng, p: ip_address(rng),
    "DOB": lambda rng, p: date_of_birth(rng, p.birth_date),
    "PERSON": lambda rng, p: p.other_name,
}
# How often each type is planted, relative to the others.
TYPE_WEIGHTS = {
    "EMAIL": 18,
    "PHONE": 16,
    "ADDRESS": 8,
    "URL": 12,
    "ID": 8,
    "CARD": 5,
    "IBAN": 6,
    "IP": 5,
    "DOB": 7,
    "PERSON": 15,
}


def plant_sentence(rng: Random, builder: TextBuilder, kind: str, person: Person) -> None:
    """Append one sentence carrying a value of type `kind` about `person`."""
    before, after = rng.choice(FRAMES[kind])
    builder.add(before)
    builder.plant(kind, VALUE_MAKERS[kind](rng, person))
    builder.add(after)
