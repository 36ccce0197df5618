"""The audit's own few lines agree with the product's rules where both apply, and its
text alignment accepts exactly a scrubbing of the source."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from consentry.consent.decide import age_cutoff
from consentry.consent.policy import load_policy, preset_names
from consentry.datasets.audit_items import aligned
from consentry.datasets.audit_rules import RuleTable, age_on, valid_region
from consentry.datasets.scrub import Span, apply

REGIONS = ["DE", "FR", "GB", "HK", "CH", "CA", "US", "US-CA", "US-TX", "NO", "IS", "JP", "BR"]
DAYS = st.dates(min_value=date(2023, 1, 1), max_value=date(2027, 12, 31))


def _table(name: str) -> tuple[RuleTable, object]:
    policy = load_policy(name)
    row = SimpleNamespace(version=1, content_hash=policy.content_hash, source=policy.source)
    return RuleTable.parse(row, {}), policy  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(preset_names()),
    st.sampled_from(["train-ai", "train-genai", "recruiter-ai", "share-affiliates"]),
    st.sampled_from(REGIONS),
    DAYS,
)
def test_the_rule_table_gives_the_policys_basis_and_age(name, purpose, region, day):
    table, policy = _table(name)
    at = datetime.combine(day, datetime.min.time())
    assert table.basis(purpose, region, day) == policy.basis_for(purpose, region, at).basis
    assert table.age(region) == policy.age_of_consent(region)


def test_an_unknown_region_gets_the_highest_age():
    table, _ = _table("consent-first")
    assert not valid_region("zz-zz") and not valid_region("de") and valid_region("US-CA")
    assert table.age("zz-zz") == max([table.default_age, *table.ages.values()]) == 18


@settings(max_examples=300, deadline=None)
@given(
    st.dates(min_value=date(1950, 1, 1), max_value=date(2020, 12, 31)), DAYS, st.integers(13, 18)
)
def test_age_agrees_with_the_decision_cutoff(born, day, age):
    assert (age_on(born, day) < age) == (born > age_cutoff(day, age))


@st.composite
def scrubbed(draw):
    text = draw(st.text(alphabet="ab <>PERSONc\n", min_size=1, max_size=40))
    cuts = sorted(draw(st.sets(st.integers(0, len(text)), max_size=6)))
    spans = [
        Span(s, e, draw(st.sampled_from(["PERSON", "EMAIL", "URL"])))
        for s, e in zip(cuts[::2], cuts[1::2], strict=False)
        if e > s
    ]
    return text, spans


@settings(max_examples=500, deadline=None)
@given(scrubbed())
def test_a_scrubbing_of_the_source_is_aligned_with_it(case):
    text, spans = case
    assert aligned(apply(text, spans), text)


@given(st.text(max_size=30), st.text(max_size=30))
def test_without_placeholders_aligned_means_equal(a, b):
    if "<" not in a:
        assert aligned(a, b) == (a == b)


def test_alignment_refuses_another_text():
    assert not aligned("Dinner plans: tapas at eight", "Dinner plans: sushi at nine")
    assert not aligned("Lunch with <PERSON> today", "Lunch with Ann tomorrow")
    assert not aligned("<PERSON>", "")
    assert aligned("Lunch with <PERSON> today", "Lunch with Ann Lee today")
