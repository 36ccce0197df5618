"""What an outreach opening's generated sentences may say beyond the fact check: no
praise above the fit, nothing about what the company or the recruiter is, and no longer
word that is neither the job's or the candidate's nor an asking word (the sentences the
drafts test once caught are among the cases)."""

from __future__ import annotations

from consentry.features.outreach import opening_problems, words_of

OWN = words_of(
    [
        "Product Manager",
        "Aurorastone AI",
        "London, United Kingdom",
        "roadmapping",
        "Senior Financial Analyst",
        "Bluepath Partners",
        "financial modelling",
    ]
)


def test_sentences_made_of_the_facts_and_asking_words_stand():
    for sentence in (
        "I would love to hear about your financial modelling work.",
        "Would you be open to a short chat about the Product Manager role?",
        "The team in London is looking for someone with roadmapping experience.",
    ):
        assert opening_problems(sentence, OWN, 0.2) == [], sentence


def test_invented_claims_and_words_are_problems():
    cases = {
        "We are a leading cloud security and AI company.": {"cloud", "security"},
        "I am a Senior Financial Analyst at Bluepath, and I want a strategy.": {"strategy"},
        "You could develop and execute our strategy.": {"develop", "execute", "strategy"},
        "Your kubernetes skills would help.": {"kubernetes"},
    }
    for sentence, words in cases.items():
        found = opening_problems(sentence, OWN, 0.9)
        assert words <= set(found), (sentence, found)
    claims = ["We are a leading cloud security and AI company.", "I'm a recruiter at Bluepath."]
    for sentence in claims:
        assert "<a claim about the company or the recruiter>" in opening_problems(
            sentence, OWN, 0.9
        )


def test_praise_only_stands_at_a_strong_fit():
    sentence = "Your roadmapping background is a perfect fit."
    assert opening_problems(sentence, OWN, 0.13) == ["<praise at 13% fit>"]
    assert opening_problems(sentence, OWN, 0.8) == []
