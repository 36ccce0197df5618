"""PII scrubbing: personal data in text replaced by typed placeholders (`<EMAIL>`, `<PERSON>`, ...).

Types: EMAIL, PHONE, PERSON, ADDRESS, URL, ID, CARD, IBAN, IP, DOB.

Decisions worth knowing:

- Every URL is scrubbed as URL, not only profile links. Telling a company or news URL from
  one that identifies a person cannot be done reliably from the text (a personal site is a
  domain like any other, and paths carry names), so the safer rule is the only rule.
- An `@mention` is a PERSON; so is a member handle written without `@` when it cannot be
  an ordinary word (it holds a digit, `_`, `.` or `-`).
- CARD, IBAN and ID spans are kept only when the number passes its own check (Luhn with a
  known issuer prefix; mod-97 with the country's length; each ID's check rule), so order
  numbers and versions are left alone. PHONE spans are confirmed by `phonenumbers`.
- DOB is a date within a few words of a birth cue; other dates are not personal data here.
- Names of people who are not members, and places in address context, come from a pinned
  spaCy NER model run only on the texts the rules leave unsettled (`cascade`, `ner`);
  without spaCy or the model the rules run alone. docs/scrubbing.md has the details.
"""

from __future__ import annotations

from consentry.datasets.scrub.scrubber import (
    TYPES,
    Detected,
    Scrubber,
    ScrubResult,
    Span,
    apply,
    resolve,
    scrub_batch,
)

__all__ = [
    "TYPES",
    "Detected",
    "ScrubResult",
    "Scrubber",
    "Span",
    "apply",
    "resolve",
    "scrub_batch",
]
