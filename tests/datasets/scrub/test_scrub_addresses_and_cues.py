"""Addresses of many countries as one span, names after cues in many languages, lower-case
names in chat, and what must stay untouched. Sentences written by hand for these tests."""

from __future__ import annotations

import pytest

from consentry.datasets.scrub import Scrubber

RULES = Scrubber(ner=False)
NER = Scrubber(ner=True)


def _typed(scrubber: Scrubber, text: str, kind: str) -> list[str]:
    return [text[s.start : s.end] for s in scrubber.find(text) if s.type == kind]


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Unsere Praxis ist umgezogen: Lindenring 14/2, 04109 Leipzig.", "Lindenring 14/2, 04109 Leipzig"),
        ("stuur het pakket naar Kastanjelaan 7, 3512 KB, Utrecht graag", "Kastanjelaan 7, 3512 KB, Utrecht"),
        ("Adres do korespondencji: ul. Długa 12/4, 80-827 Gdańsk", "ul. Długa 12/4, 80-827 Gdańsk"),
        ("envoyez le chèque au 27, rue des Tanneurs, 67000 Strasbourg svp", "27, rue des Tanneurs, 67000 Strasbourg"),
        ("La sede è in Vicolo Stretto, 3, 40125, Bologna (BO) da lunedì", "Vicolo Stretto, 3, 40125, Bologna (BO)"),
        ("Entrega en Calle del Pez 18 Piso 2, Madrid, 28004 antes de las diez", "Calle del Pez 18 Piso 2, Madrid, 28004"),
        ("mora na Travessa das Flores, 45, Centro, 30140-071 Belo Horizonte / MG", "Travessa das Flores, 45, Centro, 30140-071 Belo Horizonte / MG"),
        ("Mail it to 4417 Birch Hollow, Apt 3, Dayton, OH 45402 please", "4417 Birch Hollow, Apt 3, Dayton, OH 45402"),
        ("I just moved to 9 Mill Lane last week", "9 Mill Lane"),
        ("we're at Flat 2 Harbour View now", "Flat 2 Harbour View"),
    ],
)  # fmt: skip
def test_an_address_is_one_span_from_street_to_town(text: str, address: str) -> None:
    assert _typed(RULES, text, "ADDRESS") == [address]


@pytest.mark.parametrize(
    "text",
    [
        "Born 4 October 1988, Munich is where I grew up.",
        "Mentoring 12 people this year taught me patience.",
        "Join the 2025 Product Summit in Vienna.",
        "Version 3, 10000 downloads and counting.",
        "We shipped 14 features in Q3, 2024 was a good year.",
        "Room 12, Building 4 is where the workshop happens.",
    ],
)
def test_dates_counts_and_rooms_are_not_addresses(text: str) -> None:
    assert _typed(RULES, text, "ADDRESS") == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("hola Ximena, ¿quedamos mañana?", "Ximena"),
        ("ping Oluwaseun when the deploy is done", "Oluwaseun"),
        ("Pozdrawiam, Bożena Wróblewska", "Bożena Wróblewska"),
        ("Viele Grüße, Hartmut Zindel", "Hartmut Zindel"),
        ("Cordialement, Gwenaëlle Le Corre", "Gwenaëlle Le Corre"),
        ("hoi Sjoerd, kun je even bellen?", "Sjoerd"),
        ("Il sig. Quarantotto ha chiamato ieri.", "Quarantotto"),
        ("Madame Vasseur sera absente jeudi.", "Vasseur"),
    ],
)
def test_a_name_after_a_greeting_sign_off_or_title(text: str, name: str) -> None:
    assert _typed(RULES, text, "PERSON") == [name]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("hey, it's wanjiru kamau from the workshop", "wanjiru kamau"),
        ("ciao, sono ottavia brambilla, ci vediamo domani", "ottavia brambilla"),
        ("hier ist torben lüdeke, ruf mal zurück", "torben lüdeke"),
        ("shoutout to zdenka horvatova for the review", "zdenka horvatova"),
        ("who is thandiwe mbeki?? no idea", "thandiwe mbeki"),
        ("aqui é joaquim da fonseca, tudo bem?", "joaquim da fonseca"),
    ],
)
def test_a_lower_case_name_after_an_introduction(text: str, name: str) -> None:
    assert _typed(RULES, text, "PERSON") == [name]


@pytest.mark.parametrize(
    "text",
    [
        "hi team, thanks all for the release",
        "it's going well, this is great news",
        "Hello World is the first program everyone writes.",
        "Experience with Nuxt.js and Vue.js is a plus.",
        "Proud to announce our partnership with Contoso.",
        "thanks for the quick turnaround on the invoice",
    ],
)
def test_cues_without_a_name_flag_nothing(text: str) -> None:
    assert _typed(RULES, text, "PERSON") == []


@pytest.mark.parametrize(
    "text",
    [
        "the IBAN GB88 WXTW 7180 3205 4584 80 was rejected, the check digits are wrong",
        "sample format only: IT12 A030 6464 1983 7234 2025 969",
        "test value NL85 VZCE 6182 5396 50 (invalid on purpose)",
    ],
)
def test_an_iban_with_wrong_check_digits_is_not_a_phone_or_card(text: str) -> None:
    assert RULES.find(text) == []


def test_capitalised_names_inside_a_sentence_with_the_model() -> None:
    text = "Per informazioni contattate Edvige Sbarbaro al numero verde oppure scrivete."
    assert _typed(NER, text, "PERSON") == ["Edvige Sbarbaro"]
    # A lone capitalised noun of another language is not a name.
    assert _typed(NER, "Unser Umsatz ist im letzten Quartal gestiegen.", "PERSON") == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Regards, Grace Hill", "Grace Hill"),
        ("Cheers, Rusty Fields", "Rusty Fields"),
        ("thanks Dawn!", "Dawn"),
        ("merci Olive, à demain", "Olive"),
        ("ximena okoro here, call me back", "ximena okoro"),
        ("per A. Wróblik, the budget is final", "A. Wróblik"),
        ("who is ingrid baker? she emailed twice", "ingrid baker"),
        ("Hi all, I am Radoslava Penkova, the new treasurer.", "Radoslava Penkova"),
        ("pergunta pro tiago novaes sobre o prazo", "tiago novaes"),
    ],
)
def test_names_that_are_also_words_after_a_sign_off_thanks_or_introduction(
    text: str, name: str
) -> None:
    assert _typed(RULES, text, "PERSON") == [name]


@pytest.mark.parametrize(
    "text",
    [
        "Best, The Team",
        "ok here we go again",
        "I got an A. Great result for the class.",
        "it's getting late, this is kinda weird",
        "ask questions early and often",
    ],
)
def test_sign_offs_and_introductions_without_a_name(text: str) -> None:
    assert _typed(RULES, text, "PERSON") == []
