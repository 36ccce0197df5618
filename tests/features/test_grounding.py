"""The fact check on its own: what a user saw invented is caught, what is theirs passes."""

from __future__ import annotations

from consentry.features.grounding import (
    Grounds,
    Vocabulary,
    claims,
    member_grounds,
    split_sentences,
    unsupported,
)
from consentry.features.member_facts import MemberFacts

LENA = MemberFacts(
    member_id=1,
    name="Lena Hoffmann",
    title="Lead Data Scientist",
    company="Fjordgate AI",
    titles=("Data Analyst", "Data Scientist", "Lead Data Scientist"),
    skills=("Python", "SQL", "forecasting", "A/B testing"),
    industry="Software",
    location="Frankfurt",
    country="DE",
    years=13,
    companies=("Novalytics GmbH", "Datenwerk", "Fjordgate AI"),
    places=("Frankfurt", "Germany"),
)
VOCAB = Vocabulary(
    known=frozenset(
        {"python", "sql", "patient care", "triage", "director of nursing", "kubernetes", "nurse"}
    ),
    common=frozenset({"outside", "currently", "specialities"}),
)
GROUNDS = member_grounds(LENA)


def test_what_the_profile_assistant_once_invented_is_caught():
    for sentence, invented in [
        ("I have worked across 14 companies.", "14"),
        ("Lead Data Scientist with 14 years of experience.", "14"),
        ("Fourteen years in data science.", "Fourteen"),
        ("Over a decade in Berlin.", "decade"),
        ("Previously Director of Nursing at St Mary's.", "Director of Nursing"),
        ("I run Kubernetes clusters.", "Kubernetes"),
        ("I help hospitals with triage.", "triage"),
        ("Google is where I started.", "Google"),
        ("Based in Berlin.", "Berlin"),
    ]:
        bad = unsupported(sentence, GROUNDS, VOCAB)
        assert invented in bad, (sentence, bad)


def test_the_member_s_own_facts_pass():
    for sentence in [
        "Lead Data Scientist at Fjordgate AI in Frankfurt.",
        "13 years of work, across 3 companies, most recently as Lead Data Scientist.",
        "Thirteen years with Python and SQL.",
        "Currently at Fjordgate AI, working on forecasting with Python and SQL.",
        "Before that, Data Scientist at Datenwerk and Data Analyst at Novalytics GmbH.",
        "Lead Data Scientist | Python · SQL · forecasting",
        "Specialities: Python, SQL.",
        "Outside work I mentor people new to data science in Germany.",
    ]:
        assert unsupported(sentence, GROUNDS, VOCAB) == [], sentence


def test_a_number_is_supported_only_as_the_data_holds_it():
    assert unsupported("13 years.", GROUNDS, VOCAB) == []
    assert unsupported("12 years.", GROUNDS, VOCAB) == ["12"]
    assert unsupported("3 employers.", GROUNDS, VOCAB) == []
    assert unsupported("three employers.", GROUNDS, VOCAB) == []
    assert unsupported("four employers.", GROUNDS, VOCAB) == ["four"]
    job = Grounds.of(["Head of R&D", "Acme"], [12, 0])
    assert unsupported("Your fit is 0% for job 12 at Acme.", job, VOCAB) == []


def test_a_run_of_names_passes_only_when_every_part_is_one():
    assert GROUNDS.supports_name("Lead Data Scientist Fjordgate AI")
    assert GROUNDS.supports_name("Python and SQL")
    assert not GROUNDS.supports_name("Fjordgate Nursing")
    assert not GROUNDS.supports_name("Director of Data")


def test_places_come_from_the_gazetteer_even_when_nothing_else_marks_them():
    found = claims("moving from munich to Lisbon soon", VOCAB)
    assert "Lisbon" in found  # written as places are, with a capital


def test_sentences_cut_by_the_token_limit_are_left_out():
    text = "I build data products. I care about clear docs. We solve problems on the"
    assert split_sentences(text) == ["I build data products.", "I care about clear docs."]


def test_the_word_check_lets_only_the_facts_and_plain_words_through():
    from consentry.features.grounding import foreign_words, words_of

    own = words_of(["Máté Takács", "Senior Associate", "Solanowind Legal", "compliance", "M&A"])
    assert foreign_words("Máté Takács works at Solanowind Legal on compliance.", own) == []
    assert foreign_words("Senior Associate with fifteen years of experience.", own) == []
    said = "She is responsible for general counsel and compliance strategy."
    assert foreign_words(said, own) == ["She", "general", "counsel", "strategy"]
    assert foreign_words("We are a leading cloud security company.", own) == [
        "cloud",
        "security",
        "company",
    ]
