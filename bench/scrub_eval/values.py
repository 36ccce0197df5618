"""Personal values and look-alikes for the evaluation sets, made with Faker per locale.

Nothing here comes from the network's own generator (`consentry.synthetic`): names,
addresses, phone numbers and ids are Faker's, written in formats people use. Every
checksummed value is checked with python-stdnum before it is used as a positive, and every
"bad checksum" look-alike is checked to fail, so the labels hold by construction.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

import phonenumbers
from faker import Faker
from stdnum import iban as iban_check
from stdnum import luhn
from stdnum.br import cpf
from stdnum.es import nie, nif
from stdnum.fr import nir
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.pl import pesel
from stdnum.us import ssn

#: Locale -> (country code for phones and a build's author region, language of the text).
LOCALES: dict[str, tuple[str, str]] = {
    "en_US": ("US", "en"), "en_GB": ("GB", "en"), "de_DE": ("DE", "de"),
    "fr_FR": ("FR", "fr"), "it_IT": ("IT", "it"), "es_ES": ("ES", "es"),
    "nl_NL": ("NL", "nl"), "pl_PL": ("PL", "pl"), "pt_BR": ("BR", "pt"),
}  # fmt: skip

# National ids Faker makes with valid check digits (checked again below), per locale.
# en_GB (Faker's NINO uses the invalid "ZZ" prefix) and de_DE (a US-shaped number) have none.
_IDS = {
    "en_US": (lambda f: f.ssn(), ssn.is_valid),
    "fr_FR": (lambda f: f.ssn(), nir.is_valid),
    "it_IT": (lambda f: f.ssn(), codicefiscale.is_valid),
    "es_ES": (lambda f: f.random_element([f.nif(), f.nie()]),
              lambda v: nif.is_valid(v) or nie.is_valid(v)),
    "nl_NL": (lambda f: f.ssn(), bsn.is_valid),
    "pl_PL": (lambda f: f.pesel(), pesel.is_valid),
    "pt_BR": (lambda f: f.cpf(), cpf.is_valid),
}  # fmt: skip

_MONTHS = {
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "pl": "stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października listopada grudnia",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
}  # fmt: skip

_FREE_MAIL = ("gmail.com", "outlook.com", "yahoo.com", "gmx.de", "web.de", "orange.fr",
              "libero.it", "hotmail.es", "ziggo.nl", "wp.pl", "uol.com.br", "proton.me",
              "icloud.com", "hotmail.co.uk", "free.fr", "t-online.de")  # fmt: skip


@dataclass
class Values:
    """Values of one locale, drawn from `faker` and `rng` (both seeded by the caller)."""

    locale: str
    faker: Faker
    rng: random.Random

    @property
    def region(self) -> str:
        return LOCALES[self.locale][0]

    @property
    def language(self) -> str:
        return LOCALES[self.locale][1]

    # -- people ---------------------------------------------------------------------------

    def first(self) -> str:
        return self.faker.first_name()

    def last(self) -> str:
        return self.faker.last_name()

    def person(self, style: str = "full") -> str:
        """A person's name: full, lower (all lower case), initial ("T. Quennell"), first,
        last."""
        first, last = self.first(), self.last()
        if style == "lower":
            return f"{first} {last}".lower()
        if style == "initial":
            return f"{first[0]}. {last}"
        if style == "first":
            return first
        if style == "last":
            return last
        return f"{first} {last}"

    # -- contact --------------------------------------------------------------------------

    def email(self, style: str = "plain") -> str:
        """An address: plain (Faker's), personal (name-based at a free mailer), or
        obfuscated ("anna dot meyer at gmail dot com", "anna.meyer [at] web [dot] de")."""
        f = self.faker
        if style == "plain":
            return self.rng.choice([f.email(), f.free_email(), f.company_email()])
        user = _ascii(f"{self.first()}.{self.last()}").lower().replace(" ", "")
        domain = self.rng.choice(_FREE_MAIL)
        if style == "personal":
            return f"{user}{self.rng.choice(['', '', str(self.rng.randint(1, 99))])}@{domain}"
        name, _, tld = domain.rpartition(".")
        return self.rng.choice([
            f"{user.replace('.', ' dot ')} at {name.replace('.', ' dot ')} dot {tld}",
            f"{user} [at] {name} [dot] {tld}",
            f"{user}(at){domain}",
            f"{user} (at) {name} (dot) {tld}",
            f"{user} AT {domain}",
        ])  # fmt: skip

    def phone(self, style: str = "any") -> str:
        """A valid number of the locale's country: as Faker writes it, national or
        international format (`phonenumbers` decides validity and formats)."""
        for _ in range(50):
            raw = self.faker.phone_number()
            try:
                number = phonenumbers.parse(raw, self.region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number) and "x" not in raw.lower():
                break
        else:  # a locale whose Faker numbers are rarely valid: vary an example number
            example = phonenumbers.example_number_for_type(
                self.region, phonenumbers.PhoneNumberType.MOBILE
            )
            while True:
                digits = str(example.national_number)
                tail = "".join(str(self.rng.randint(0, 9)) for _ in range(4))
                number = phonenumbers.parse(digits[:-4] + tail, self.region)
                if phonenumbers.is_valid_number(number):
                    raw = phonenumbers.format_number(
                        number, phonenumbers.PhoneNumberFormat.NATIONAL
                    )
                    break
        style = style if style != "any" else self.rng.choice(["faker", "national", "intl", "e164"])
        fmt = phonenumbers.PhoneNumberFormat
        if style == "national":
            return phonenumbers.format_number(number, fmt.NATIONAL)
        if style == "intl":
            return phonenumbers.format_number(number, fmt.INTERNATIONAL)
        if style == "e164":
            return phonenumbers.format_number(number, fmt.E164)
        return raw

    def address(self, style: str = "full") -> str:
        """A postal address of the locale on one line, or just its street and number."""
        if style == "street":
            return self.faker.street_address()
        lines = [part.strip() for part in self.faker.address().splitlines() if part.strip()]
        return ", ".join(lines)

    def url(self) -> str:
        f = self.faker
        person = _ascii(f"{self.first()}-{self.last()}").lower().replace(" ", "-")
        return self.rng.choice([
            f.url(), f.uri(), f"www.{f.domain_name()}", f"https://www.linkedin.com/in/{person}",
            f"https://{f.domain_name()}/{f.uri_path()}", f"github.com/{person.replace('-', '')}",
        ])  # fmt: skip

    def ip(self) -> str:
        f = self.faker
        return self.rng.choice([f.ipv4_public(), f.ipv4_private(), f.ipv4_public(), f.ipv6()])

    # -- numbers with check digits --------------------------------------------------------

    def has_id(self) -> bool:
        return self.locale in _IDS

    def national_id(self) -> str:
        make, valid = _IDS[self.locale]
        value = make(self.faker)
        assert valid(value), (self.locale, value)
        return value

    def card(self) -> str:
        number = self.faker.credit_card_number()
        assert luhn.is_valid(number)
        return _group_card(number, self.rng)

    def iban(self) -> str:
        value = self.faker.iban()
        assert iban_check.is_valid(value), value
        return iban_check.format(value) if self.rng.random() < 0.6 else value

    def dob(self) -> str:
        """A birth date written the way the locale writes dates."""
        # Fixed bounds, not relative to today, so that a seed makes the same set every day.
        born = self.faker.date_between_dates(date(1946, 1, 1), date(2007, 12, 31))
        return _written_date(born, self.language, self.region, self.rng)

    # -- look-alikes that are not personal data -------------------------------------------

    def bad_iban(self) -> str:
        """An IBAN of the right shape whose check digits do not hold."""
        value = self.faker.iban()
        while True:
            i = self.rng.randrange(4, len(value))
            if value[i].isdigit():
                wrong = (
                    value[:i] + str((int(value[i]) + self.rng.randint(1, 9)) % 10) + value[i + 1 :]
                )
                if not iban_check.is_valid(wrong):
                    return iban_check.format(wrong) if self.rng.random() < 0.6 else wrong

    def bad_card(self) -> str:
        """A card-shaped number that fails the Luhn check."""
        number = self.faker.credit_card_number()
        wrong = number[:-1] + str((int(number[-1]) + self.rng.randint(1, 9)) % 10)
        assert not luhn.is_valid(wrong)
        return _group_card(wrong, self.rng)


def _group_card(number: str, rng: random.Random) -> str:
    sep = rng.choice([" ", " ", "-", ""])
    if len(number) == 15:  # Amex: 4-6-5
        parts = [number[:4], number[4:10], number[10:]]
    else:
        parts = [number[i : i + 4] for i in range(0, len(number), 4)]
    return sep.join(parts)


def _written_date(d: date, language: str, region: str, rng: random.Random) -> str:
    month = _MONTHS[language].split()[d.month - 1]
    numeric_sep = {"de": ".", "pl": ".", "nl": "-"}.get(language, "/")
    forms = [f"{d.day:02d}{numeric_sep}{d.month:02d}{numeric_sep}{d.year}", d.isoformat()]
    if region == "US":
        forms += [f"{month} {d.day}, {d.year}", f"{d.month}/{d.day}/{d.year}"]
    elif language in ("es", "pt"):
        forms.append(f"{d.day} de {month} de {d.year}")
    elif language == "de":
        forms.append(f"{d.day}. {month} {d.year}")
    else:
        forms.append(f"{d.day} {month} {d.year}")
    return rng.choice(forms)


def _ascii(text: str) -> str:
    import unicodedata

    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded if c.isalnum() or c in ".-")
