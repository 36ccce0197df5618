"""Policy files: presets, validation of malformed files, rule resolution, hashes, diffs."""

from __future__ import annotations

from datetime import datetime

import pytest

from consentry.consent.diff import diff_policies
from consentry.consent.policy import PolicyError, load_policy, policy_from_toml, preset_names
from consentry.consent.versions import widened_purposes

PURPOSES = {"train-genai", "train-ai", "recruiter-ai", "share-affiliates"}
MINIMAL = """
[policy]
name = "tiny"
[purposes.train-ai]
title = "T"
text = "Train"
data_classes = ["post"]
[[rules]]
where = ["*"]
purposes = ["*"]
basis = "consent"
"""


def test_three_presets_ship_and_define_every_purpose():
    assert preset_names() == ["consent-first", "linkedin-2024", "linkedin-2025"]
    for name in preset_names():
        policy = load_policy(name)
        assert set(policy.purposes) == PURPOSES
        assert all("message" not in p.data_classes for p in policy.purposes.values())


def test_consent_first_asks_everyone_and_uses_art8_ages():
    p = load_policy("consent-first")
    at = datetime(2026, 1, 1)
    for region in ("DE", "US-CA", "GB", "BR", "HK", "CA-QC"):
        for purpose in PURPOSES:
            assert p.basis_for(purpose, region, at).basis == "consent"
    assert [p.age_of_consent(r) for r in ("DE", "FR", "AT", "BE", "SI", "LI", "US", "US-CA")] == [
        16,
        15,
        14,
        13,
        15,
        16,
        18,
        18,
    ]


@pytest.mark.parametrize(
    ("region", "day", "basis"),
    [
        ("DE", datetime(2024, 6, 1), "excluded"),
        ("NO", datetime(2024, 6, 1), "excluded"),
        ("CH", datetime(2024, 6, 1), "excluded"),
        ("GB", datetime(2024, 9, 19, 23, 59), "legitimate-interest"),
        ("GB", datetime(2024, 9, 20), "excluded"),
        ("HK", datetime(2024, 10, 10), "legitimate-interest"),
        ("HK", datetime(2024, 10, 11), "excluded"),
        ("US-CA", datetime(2024, 10, 11), "legitimate-interest"),
        # Canada was not trained on before the 2025 extension (docs/policy.md, sources).
        ("CA", datetime(2024, 10, 11), "excluded"),
        ("CA-QC", datetime(2024, 6, 1), "excluded"),
    ],
)
def test_linkedin_2024_exclusions_follow_the_regulators_dates(region, day, basis):
    assert load_policy("linkedin-2024").basis_for("train-genai", region, day).basis == basis


@pytest.mark.parametrize(
    ("region", "day", "basis"),
    [
        # The 2024 exclusions hold until 2025-11-03, each with its own 2024 date.
        ("GB", datetime(2024, 9, 19), "legitimate-interest"),
        ("GB", datetime(2024, 9, 20), "excluded"),
        ("HK", datetime(2024, 10, 10), "legitimate-interest"),
        ("HK", datetime(2024, 10, 11), "excluded"),
        ("CA", datetime(2024, 6, 1), "excluded"),
        ("CA-ON", datetime(2025, 11, 2), "excluded"),
        ("DE", datetime(2025, 11, 2), "excluded"),
        ("CH", datetime(2024, 6, 1), "excluded"),
        ("US-NY", datetime(2024, 6, 1), "legitimate-interest"),
    ],
)
def test_linkedin_2025_keeps_the_2024_dates_before_november_2025(region, day, basis):
    p = load_policy("linkedin-2025")
    for purpose in ("train-genai", "train-ai"):
        assert p.basis_for(purpose, region, day).basis == basis


@pytest.mark.parametrize("region", ["DE", "IS", "GB", "CH", "CA", "HK", "US-NY"])
def test_linkedin_2025_trains_everywhere_from_november_2025(region):
    p = load_policy("linkedin-2025")
    assert p.basis_for("train-genai", region, datetime(2025, 11, 3)).basis == "legitimate-interest"
    assert p.age_of_consent(region) == 18


def test_gpc_mapping_us_members_object_to_sharing():
    p = load_policy("consent-first")
    at = datetime(2026, 1, 1)
    assert p.gpc_purposes("US-CA", at) == ("share-affiliates",)
    assert set(p.gpc_purposes("DE", at)) == PURPOSES
    assert p.gpc_purposes("BR", at) == ()


def test_content_hash_ignores_formatting_but_not_content():
    a = policy_from_toml(MINIMAL)
    b = policy_from_toml("# a comment\n" + MINIMAL.replace('title = "T"', 'title   =   "T"'))
    c = policy_from_toml(MINIMAL.replace('"post"', '"post", "comment"'))
    assert a.content_hash == b.content_hash != c.content_hash
    assert widened_purposes(a, c) == ("train-ai",)
    assert widened_purposes(c, a) == ()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[policy", "not valid TOML"),
        (MINIMAL.replace('name = "tiny"', 'name = "Tiny Policy"'), "lowercase slug"),
        (MINIMAL.replace('["post"]', '["message"]'), "private messages are never trainable"),
        (MINIMAL.replace('["post"]', '["diary"]'), "unknown data class 'diary'"),
        (MINIMAL.replace('basis = "consent"', 'basis = "maybe"'), "basis 'maybe'"),
        (
            MINIMAL.replace('purposes = ["*"]', 'purposes = ["train-genai"]'),
            "unknown purpose 'train-genai'",
        ),
        (MINIMAL.replace('where = ["*"]', 'where = ["XX"]'), "unknown region or group 'XX'"),
        (MINIMAL.replace('where = ["*"]', 'where = ["US"]'), "needs a rule for every region"),
        (MINIMAL + "\n[minors]\ndefault_age = -1\n", "whole number from 0 to 25"),
        (MINIMAL + "\n[minors.ages]\nZZ = 16\n", "unknown region code 'ZZ'"),
        (MINIMAL + '\n[groups]\nNORDIC = ["SE", "QQ"]\n', "unknown region code 'QQ'"),
        (MINIMAL + '\n[[gpc]]\nwhere = ["US"]\npurposes = ["nope"]\n', "unknown purpose 'nope'"),
        (MINIMAL + "\n[extras]\nx = 1\n", "unknown table(s) extras"),
        (
            MINIMAL.replace('basis = "consent"', 'basis = "consent"\nfrom = "soon"'),
            "must be a date",
        ),
    ],
)
def test_malformed_policy_names_the_file_and_the_problem(text, problem):
    with pytest.raises(PolicyError) as err:
        policy_from_toml(text, origin="my-policy.toml")
    assert str(err.value).startswith("my-policy.toml: ")
    assert problem in str(err.value)


def test_unknown_preset_or_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(PolicyError, match="no policy preset or file named 'nope'"):
        load_policy("nope")
    bad = tmp_path / "p.toml"
    bad.write_text("[policy]\nname = 'x'\n")
    with pytest.raises(PolicyError, match=f"^{bad}: "):
        load_policy(bad)


def test_unknown_purpose_is_refused():
    with pytest.raises(PolicyError, match="unknown purpose 'train-everything'"):
        load_policy("consent-first").purpose("train-everything")


def test_diff_names_the_2025_extension_into_europe():
    changes = diff_policies(
        load_policy("linkedin-2024"), load_policy("linkedin-2025"), at=datetime(2026, 1, 1)
    )
    text = [str(c) for c in changes]
    assert any(
        "train-genai in Germany (DE)" in t and "excluded -> legitimate-interest" in t for t in text
    )
    assert not any("US-CA" in t for t in text)
    assert (
        diff_policies(
            load_policy("consent-first"), load_policy("consent-first"), at=datetime(2026, 1, 1)
        )
        == []
    )


def test_diff_says_always_for_undated_rules_and_gives_each_span_its_dates():
    text = [
        str(c) for c in diff_policies(load_policy("consent-first"), load_policy("linkedin-2024"))
    ]
    # An undated difference holds always, not from the first date some other rule names.
    assert "basis            train-genai in Germany (DE) always: consent -> excluded" in text
    assert (
        "basis            recruiter-ai in elsewhere always: consent -> legitimate-interest" in text
    )
    assert not any("Germany (DE) from" in t for t in text)
    # A dated rule splits the timeline into spans, each named by its dates.
    assert (
        "basis            train-genai in United Kingdom (GB) until 2024-09-20: "
        "consent -> legitimate-interest"
    ) in text
    assert (
        "basis            train-genai in United Kingdom (GB) from 2024-09-20: consent -> excluded"
    ) in text
    spans = [
        str(c)
        for c in diff_policies(load_policy("consent-first"), load_policy("linkedin-2025"))
        if "train-ai in Hong Kong" in str(c)
    ]
    assert spans == [
        "basis            train-ai in Hong Kong (HK) until 2024-10-11: consent -> legitimate-interest",
        "basis            train-ai in Hong Kong (HK) from 2024-10-11 until 2025-11-03: "
        "consent -> excluded",
        "basis            train-ai in Hong Kong (HK) from 2025-11-03: consent -> legitimate-interest",
    ]


def test_diff_at_a_date_leaves_out_what_ended_before_it():
    old, new = load_policy("consent-first"), load_policy("linkedin-2025")
    text = [str(c) for c in diff_policies(old, new, at=datetime(2026, 1, 1))]
    assert not any("until" in t for t in text)
    assert any("Hong Kong (HK) from 2025-11-03" in t for t in text)


def test_diff_2024_to_2025_moves_canada_with_europe_and_keeps_the_uk_dates():
    changes = diff_policies(load_policy("linkedin-2024"), load_policy("linkedin-2025"))
    text = [str(c) for c in changes]
    assert (
        "basis            train-genai in Canada (CA) from 2025-11-03: excluded -> legitimate-interest"
        in text
    )
    # The UK and Hong Kong are treated alike by both presets until 2025-11-03.
    assert not any("(GB) until" in t or "(HK) until" in t or "(HK) from 2024" in t for t in text)
    assert {c.kind for c in changes} == {"basis"}
    assert all(t.endswith("from 2025-11-03: excluded -> legitimate-interest") for t in text)
