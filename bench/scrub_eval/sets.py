"""The evaluation sets: texts with personal data labelled by construction.

- A, "long": 1,500 texts of two or three long templates each (chat-like, lower case,
  professional, in the locale's language or in English), several values per text.
- B, "short": 1,100 short texts with one value each, and 400 negatives: texts with no
  personal data that look like some (dotted names, IBANs and card numbers whose checksums
  fail, company and technology names, job titles, version and ticket numbers).
- clean: 1,000 professional texts with no personal data at all.

Every span is the offsets of a value as it was inserted into the text, so the labels are
exact. `make_sets(seed)` is deterministic for a seed (Faker and `random` are both seeded);
`digest` is the sha256 of a set's canonical JSON, printed by the benchmark so that a run
can be checked to have scored the same texts. Across processes this needs
PYTHONHASHSEED=0 (some of Faker's locale providers draw from sets); bench_scrub.py sets it.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass, field

from faker import Faker

from scrub_eval import templates as t
from scrub_eval.clean import CLEAN
from scrub_eval.values import _MONTHS, LOCALES, Values

_SLOT = re.compile(r"\{(\w+)(?::(\w+))?\}")
_WEEKDAYS = {
    "en": "monday tuesday wednesday thursday friday", "de": "Montag Dienstag Mittwoch Donnerstag Freitag",
    "fr": "lundi mardi mercredi jeudi vendredi", "it": "lunedì martedì mercoledì giovedì venerdì",
    "es": "lunes martes miércoles jueves viernes", "nl": "maandag dinsdag woensdag donderdag vrijdag",
    "pl": "poniedziałek wtorek środa czwartek piątek", "pt": "segunda terça quarta quinta sexta",
}  # fmt: skip
_LANG_LOCALE = {"en": "en_US", "de": "de_DE", "fr": "fr_FR", "it": "it_IT", "es": "es_ES",
                "nl": "nl_NL", "pl": "pl_PL", "pt": "pt_BR"}  # fmt: skip


@dataclass
class Case:
    """One text, its labelled spans (start, end, TYPE), the author's region as a build
    would know it, and what kind of case it is (a style of positive, or a negative's
    category)."""

    text: str
    spans: list[tuple[int, int, str]]
    region: str
    locale: str
    kind: str = "positive"


@dataclass
class EvalSet:
    name: str
    cases: list[Case] = field(default_factory=list)

    @property
    def digest(self) -> str:
        canon = json.dumps(
            [[c.text, c.spans, c.region, c.kind] for c in self.cases], ensure_ascii=False
        )
        return hashlib.sha256(canon.encode()).hexdigest()


class _Maker:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.values: dict[str, Values] = {}
        for i, locale in enumerate(LOCALES):
            faker = Faker(locale)
            faker.seed_instance(seed * 100 + i)
            self.values[locale] = Values(locale, faker, random.Random(seed * 100 + i))

    def fill(self, template: str, v: Values, language: str) -> tuple[str, list]:
        """`template` with its slots filled from `v`; spans of the personal slots."""
        text, spans, at = [], [], 0
        words = self.values[_LANG_LOCALE[language]]  # job titles etc. in the text's language
        for m in _SLOT.finditer(template):
            text.append(template[at : m.start()])
            slot, style = m.group(1), m.group(2)
            value = self._value(slot, style, v, words, language)
            start = sum(map(len, text))
            text.append(value)
            if slot.isupper():
                spans.append((start, start + len(value), slot))
            at = m.end()
        text.append(template[at:])
        return "".join(text), spans

    def _value(self, slot: str, style: str | None, v: Values, words: Values, lang: str) -> str:
        r = self.rng
        personal = {
            "PERSON": lambda: v.person(style or "full"),
            "EMAIL": lambda: v.email(style or "plain"),
            "PHONE": lambda: v.phone(style or "any"),
            "ADDRESS": lambda: v.address(style or "full"),
            "URL": v.url, "ID": v.national_id, "CARD": v.card, "IBAN": v.iban,
            "IP": v.ip, "DOB": v.dob,
        }  # fmt: skip
        if slot in personal:
            return " ".join(personal[slot]().split())
        if slot in ("company", "company2"):
            return r.choice(t.COMPANIES)
        if slot == "fcompany":
            return v.faker.company()
        if slot in ("tech", "tech2"):
            return r.choice(t.TECH)
        if slot in ("job", "job2"):
            return words.faker.job()
        if slot in ("urlish", "urlish2"):
            return r.choice(t.URLISH)
        if slot == "city":
            return v.faker.city()
        if slot == "country":
            return words.faker.country()
        if slot == "month":
            return r.choice(_MONTHS[lang].split())
        if slot in ("day", "weekday"):
            return r.choice(_WEEKDAYS[lang].split())
        if slot == "version":
            return f"{r.randint(1, 12)}.{r.randint(0, 20)}.{r.randint(0, 9)}"
        if slot == "bad_iban":
            return v.bad_iban()
        if slot == "bad_card":
            return v.bad_card()
        bounds = {"n": (2, 20), "n2": (10, 99), "n3": (1000, 99999), "q": (1, 4)}
        return str(r.randint(*bounds[slot]))

    def pick(self, pool: list[str], v: Values) -> str:
        usable = [x for x in pool if "{ID" not in x or v.has_id()]
        return self.rng.choice(usable)

    def locale(self) -> tuple[Values, str]:
        """A locale's values, and the language of the text: the locale's own, or English
        for a third of the non-English locales' texts."""
        v = self.values[self.rng.choice(list(LOCALES))]
        language = v.language if self.rng.random() < 0.67 else "en"
        return v, language


def make_sets(seed: int = 12, *, long: int = 1500, short: int = 1100, negatives: int = 400,
              clean: int = 1000) -> dict[str, EvalSet]:  # fmt: skip
    """The sets A, B and clean for `seed` (checked by `check` before they are returned)."""
    m = _Maker(seed)
    a = EvalSet("A")
    for _ in range(long):
        v, language = m.locale()
        parts, spans, offset = [], [], 0
        for _ in range(m.rng.choice([2, 2, 3])):
            text, found = m.fill(m.pick(t.LONG[language], v), v, language)
            spans += [(s + offset, e + offset, k) for s, e, k in found]
            parts.append(text)
            offset += len(text) + 1
        a.cases.append(Case(" ".join(parts), spans, v.region, v.locale))
    b = EvalSet("B")
    kinds = [*sorted(_TYPES), "PERSON", "PERSON"]  # names in many styles: a larger share
    for _ in range(short):
        v, language = m.locale()
        kind = m.rng.choice(kinds if v.has_id() else [k for k in kinds if k != "ID"])
        pool = [x for x in t.SHORT[language] if "{" + kind in x] or [
            x for x in t.SHORT["en"] if "{" + kind in x
        ]
        language = language if pool[0] in t.SHORT[language] else "en"
        text, spans = m.fill(m.rng.choice(pool), v, language)
        b.cases.append(Case(text, spans, v.region, v.locale))
    for i in range(negatives):
        v = m.values[m.rng.choice(list(LOCALES))]
        kind, template = t.NEGATIVES[i % len(t.NEGATIVES)]
        text, spans = m.fill(template, v, "en")
        b.cases.append(Case(text, spans, v.region, v.locale, kind))
    c = EvalSet("clean")
    for _ in range(clean):
        v, _ = m.locale()
        count = m.rng.choice([1, 2])
        text = " ".join(m.fill(m.rng.choice(CLEAN), v, "en")[0] for _ in range(count))
        c.cases.append(Case(text, [], v.region, v.locale, "clean"))
    sets = {"A": a, "B": b, "clean": c}
    for s in sets.values():
        check(s)
    return sets


def check(s: EvalSet) -> None:
    """The labels hold: spans inside the text, not overlapping, not empty and not padded
    with spaces; negatives and clean texts carry none."""
    for case in s.cases:
        last = 0
        for start, end, kind in sorted(case.spans):
            assert 0 <= last <= start < end <= len(case.text), (case.text, case.spans)
            value = case.text[start:end]
            assert value == value.strip() and kind in _TYPES, (value, kind)
            last = end
        if case.kind != "positive":
            assert not case.spans, case


_TYPES = {"EMAIL", "PHONE", "PERSON", "ADDRESS", "URL", "ID", "CARD", "IBAN", "IP", "DOB"}
