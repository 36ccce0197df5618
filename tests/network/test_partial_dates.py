"""Partial dates: read as precise as written, written back in the same form."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consentry.errors import InvalidInput
from consentry.network.partial_dates import (
    PartialDate,
    Precision,
    format_partial,
    parse_partial,
    show,
)

YEAR, MONTH, DAY = Precision.YEAR, Precision.MONTH, Precision.DAY


@pytest.mark.parametrize(
    ("text", "value", "precision", "shown"),
    [
        ("2016", date(2016, 1, 1), YEAR, "2016"),
        ("Mar 2016", date(2016, 3, 1), MONTH, "Mar 2016"),
        ("March 2016", date(2016, 3, 1), MONTH, "Mar 2016"),
        ("Sept. 2016", date(2016, 9, 1), MONTH, "Sep 2016"),
        ("2016-03", date(2016, 3, 1), MONTH, "Mar 2016"),
        ("03/2016", date(2016, 3, 1), MONTH, "Mar 2016"),
        ("2016-03-12", date(2016, 3, 12), DAY, "12 Mar 2016"),
        ("12 Mar 2016", date(2016, 3, 12), DAY, "12 Mar 2016"),
        ("Mar 12, 2016", date(2016, 3, 12), DAY, "12 Mar 2016"),
        ("2016-03-12 09:30:00", date(2016, 3, 12), DAY, "12 Mar 2016"),
        ("  2016 ", date(2016, 1, 1), YEAR, "2016"),
    ],
)
def test_each_form_keeps_its_precision(text, value, precision, shown):
    read = parse_partial(text)
    assert read == PartialDate(value, precision)
    assert format_partial(read) == shown


@pytest.mark.parametrize("text", ["", "  ", "Present", "present", "current"])
def test_blank_or_present_is_no_date(text):
    assert parse_partial(text) is None


@pytest.mark.parametrize(
    "text", ["soon", "2016-13", "31 Feb 2016", "Marble 2016", "16", "2016/03/12", "Ma 2016"]
)
def test_anything_else_is_refused_with_the_forms_it_takes(text):
    with pytest.raises(InvalidInput, match="2016"):
        parse_partial(text)


def test_a_stored_year_is_shown_as_a_year_never_january():
    assert show(date(2016, 1, 1), "year") == "2016"
    assert show(date(2016, 1, 1), "month") == "Jan 2016"
    assert show(None, "year") == ""


@given(st.dates(min_value=date(1000, 1, 1)), st.sampled_from(list(Precision)))
def test_format_then_parse_gives_the_same_partial_date(day, precision):
    when = PartialDate.of(day, precision)
    assert parse_partial(format_partial(when)) == when
    # and what the member typed in the canonical form stays exactly that form
    assert format_partial(parse_partial(format_partial(when))) == format_partial(when)


@given(st.dates(min_value=date(1000, 1, 1)), st.sampled_from(list(Precision)))
def test_cutting_to_a_precision_forgets_only_what_is_finer(day, precision):
    when = PartialDate.of(day, precision)
    assert when.value.year == day.year
    assert (when.value.month == day.month) == (precision is not YEAR or day.month == 1)
