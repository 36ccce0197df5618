"""Texts written by hand for measuring the scrubber's speed and its NER share (not made by
any generator), and the measurement itself:

    .venv/bin/python tests/datasets/scrub/handwritten_texts.py

prints documents per second with and without the NER stage and the share of texts the
rules send to the model (docs/scrubbing.md keeps the last figures).
"""

from __future__ import annotations

import time

TEXTS = [
    # Professional posts without personal data.
    "We shipped the new billing service on Tuesday after three weeks of load testing.",
    "Our data platform team moved the nightly jobs from Airflow to Dagster this quarter.",
    "Excited to announce that our open source library passed ten thousand stars!",
    "Hiring: senior backend engineer, Go or Rust, remote within the EU.",
    "the release train leaves every two weeks, whether the slides are ready or not",
    "Five lessons from migrating a monolith to services, and why we went back for two of them.",
    "Great panel on responsible AI at the conference; the questions were sharp.",
    "Customer churn fell by four percent once onboarding emails were rewritten.",
    "Remote work works when decisions are written down and meetings are optional.",
    "Kubernetes upgrades are boring now, which is exactly how they should be.",
    "Our Lisbon office is hiring backend engineers with Go or Rust experience.",
    "Security reviews start at design time, not the week before launch.",
    "Pricing experiments need a control group, a clear metric and patience.",
    "Nous recrutons un développeur backend pour notre équipe à distance.",
    "Wir suchen eine Produktmanagerin für unser Team in der Cloud-Sparte.",
    "Buscamos ingeniera de datos con experiencia en Spark y Python.",
    "Moved the CI from Jenkins to GitHub Actions; Terraform and Ansible do the rest.",
    "Quarterly numbers are in: revenue up 12%, costs flat, morale high.",
    "Version 2.4.1 fixes the memory leak in the export job; see the changelog.",
    "Lessons learned after 10 years in product management, a thread.",
    # With personal data the rules find.
    "Reach me at lena.hoffmann@example.org or +49 151 2345 6789 after 5pm.",
    "IBAN for the invoice: DE89 3704 0044 0532 0130 00, reference 2024-118.",
    "Our new office: 221B Baker Street, London NW1 6XE. Drop by!",
    "Portfolio at https://lena-designs.example.com/work and www.lenahoffmann.de",
    "Card 4111 1111 1111 1111 was declined twice, please check.",
    "Ping @jan.devries or mail jan@devries.example.nl about the offsite.",
    "Dr. Amara Okafor joins us as Chief Scientist next month.",
    "Herr Schmidt und Frau Albers leiten das neue Team in Hamburg.",
    "Rendez-vous avec Mme Lefèvre au 12 rue de Rivoli, 75001 Paris.",
    "born 14 March 1988 in Porto, if anyone asks for the form",
    # Obfuscated and lower case.
    "write to marta dot ilic at gmail dot com for the slides",
    "send it to pieter [at] vanrijn [dot] nl please",
    "call zero one five one two three four five six seven eight tonight",
    "thanks theodora quennell for the intro to the hiring team",
    "met Theodora at the meetup, she runs the data guild",
    "T. Quennell reviewed the proposal and signed it off.",
    # People who are not members, places in address context.
    "Had coffee with Margarethe Oppenheimer after her keynote on search.",
    "Congratulations to Kwame Mensah on becoming head of research!",
    "Shout out to Ingrid Solberg and Tomasz Wieczorek for the late night fix.",
    "Merci à Jean-Pierre Dubois pour son aide précieuse sur le projet.",
    "Grazie a Giulia Bernardi per la revisione del codice.",
    "I live at 48 Elm Grove, Bristol BS8 1AB, happy to host the meetup.",
    "We moved into Calle de Alcalá 42, 28014 Madrid last week.",
    "Our team lives in Springfield, IL 62704 and Portland, OR 97205.",
    "My colleague Siobhan O'Connor will present the results on Friday.",
    "Yesterday Aleksander Nowak told me the launch slipped again.",
    "Joined a great workshop run by Priya Raghunathan and Luis Ortega.",
    "Fun fact: our intern Mateo Silva wrote half of this parser.",
    "According to Hannah Becker, the audit passed without findings.",
    "Introduced Noor Haddad to the platform team today.",
]


def measure(repeat: int = 20) -> dict[str, float]:
    """Documents per second with and without the NER stage, and the NER share."""
    from consentry.datasets.scrub import Scrubber

    texts = TEXTS * repeat
    known = ["Theodora Quennell", "Marta Ilic"]
    out: dict[str, float] = {"documents": len(texts)}
    for label, use_ner in (("rules", False), ("ner", True)):
        scrubber = Scrubber(known_names=known, ner=use_ner)
        scrubber.scrub_batch(TEXTS)  # loads the models once, outside the timing
        scrubber.stats.clear()
        start = time.perf_counter()
        for at in range(0, len(texts), 1000):
            scrubber.scrub_batch(texts[at : at + 1000])
        elapsed = time.perf_counter() - start
        out[f"{label}_docs_per_s"] = len(texts) / elapsed
        if use_ner:
            out["ner_share"] = scrubber.stats["ner_texts"] / scrubber.stats["texts"]
    return out


if __name__ == "__main__":
    for key, value in measure().items():
        print(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")
