"""Dates known to a year, a month or a day: how positions and schools are dated.

A member, or a LinkedIn archive, often gives only a year ("2016") or a month
("Mar 2016"). What was given is kept: a `PartialDate` is the first day of the period
(`2016-01-01` for "2016") with its `Precision`, stored as a `DATE` column beside a
precision column (`Position.started_precision`...), and shown exactly as precise as it
was given — "2016" never becomes "Jan 2016".

`parse_partial` reads every form members and archives use; `format_partial` writes the
one canonical form per precision: `2016`, `Mar 2016`, `12 Mar 2016` — the forms
LinkedIn's Positions.csv and Education.csv use, which `parse_partial` reads back to the
same value (`parse_partial(format_partial(d)) == d`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from consentry.errors import InvalidInput


class Precision(StrEnum):
    """How much of a date is known; the values of `store.tables.DATE_PRECISIONS`."""

    YEAR = "year"
    MONTH = "month"
    DAY = "day"


MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
FULL_MONTHS = tuple(
    [
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
    ]
)
_MONTH_NUMBER = {name: number for number, name in enumerate(MONTHS, 1)}
#: Words that mean "not ended" in an end date.
PRESENT = ("present", "current", "now")
EXAMPLES = "2016, Mar 2016, 2016-03 or 2016-03-12"


class DateNotUnderstood(InvalidInput, ValueError):
    """The text is not a date in any form `parse_partial` reads. (Also a ValueError, so
    readers that skip unreadable rows catch it as they catch `date.fromisoformat`'s.)"""


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to `precision`; `value` is the first day of that year or month."""

    value: date
    precision: Precision

    @classmethod
    def of(cls, value: date, precision: str) -> PartialDate:
        """`value` cut to `precision` (a day in March read to the month is 1 March)."""
        known = Precision(precision)
        if known is Precision.YEAR:
            value = value.replace(month=1, day=1)
        elif known is Precision.MONTH:
            value = value.replace(day=1)
        return cls(value, known)

    def __str__(self) -> str:
        return format_partial(self)


def format_partial(when: PartialDate | None) -> str:
    """`2016`, `Mar 2016` or `12 Mar 2016` by precision; "" for no date."""
    if when is None:
        return ""
    value = when.value
    month = MONTHS[value.month - 1].capitalize()
    if when.precision is Precision.YEAR:
        return f"{value.year:04d}"
    if when.precision is Precision.MONTH:
        return f"{month} {value.year:04d}"
    return f"{value.day} {month} {value.year:04d}"


def show(value: date | None, precision: str) -> str:
    """A stored date and precision as a member reads it ("" for none)."""
    return "" if value is None else format_partial(PartialDate.of(value, precision))


def _month_named(word: str) -> int | None:
    word = word.lower().rstrip(".")
    if len(word) < 3:
        return None
    number = _MONTH_NUMBER.get(word[:3])
    # "Mar", "March" and "Sept" are months; "Marble" is not.
    full = FULL_MONTHS
    if number is not None and (full[number - 1].startswith(word) or word == "sept"):
        return number
    return None


def _day(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateNotUnderstood(f"{text!r} is not a real date (try {EXAMPLES})") from None


def parse_partial(text: str) -> PartialDate | None:
    """Read a date as precise as it is written; "" or "Present" is None (not ended).

    Years: `2016`. Months: `Mar 2016`, `March 2016`, `2016-03`, `03/2016`. Days:
    `2016-03-12`, `12 Mar 2016`, `Mar 12, 2016`, and LinkedIn's `2016-03-12 09:30:00`.
    Raises `DateNotUnderstood` (an InvalidInput) for anything else.
    """
    raw = " ".join(text.split())
    if not raw or raw.lower() in PRESENT:
        return None
    if m := re.fullmatch(r"(\d{4})", raw):
        return PartialDate(_day(int(m[1]), 1, 1, raw), Precision.YEAR)
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", raw):
        return PartialDate(_day(int(m[1]), int(m[2]), 1, raw), Precision.MONTH)
    if m := re.fullmatch(r"(\d{1,2})/(\d{4})", raw):
        return PartialDate(_day(int(m[2]), int(m[1]), 1, raw), Precision.MONTH)
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?", raw):
        return PartialDate(_day(int(m[1]), int(m[2]), int(m[3]), raw), Precision.DAY)
    if (m := re.fullmatch(r"([A-Za-z]+\.?),? (\d{4})", raw)) and (n := _month_named(m[1])):
        return PartialDate(_day(int(m[2]), n, 1, raw), Precision.MONTH)
    if (m := re.fullmatch(r"(\d{1,2}) ([A-Za-z]+\.?),? (\d{4})", raw)) and (
        n := _month_named(m[2])
    ):
        return PartialDate(_day(int(m[3]), n, int(m[1]), raw), Precision.DAY)
    if (m := re.fullmatch(r"([A-Za-z]+\.?) (\d{1,2}),? (\d{4})", raw)) and (
        n := _month_named(m[1])
    ):
        return PartialDate(_day(int(m[3]), n, int(m[2]), raw), Precision.DAY)
    raise DateNotUnderstood(f"{text.strip()[:40]!r} is not a date like {EXAMPLES}")
