"""Composing the network's texts from `vocabulary` fragments, with planted personal data.

Each composer takes a `random.Random`, the `Author` and a list of *inserts* (callables
that append a sentence carrying a planted value or an @mention to a `TextBuilder`) and
returns the text with the exact spans of what was planted. Inserts go between sentences
at random places, so planted values do not always sit at the end of a text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from random import Random

from consentry.synthetic import vocabulary as v
from consentry.synthetic.pii import Person, Span, TextBuilder, plant_sentence
from consentry.synthetic.vocabulary import Author, Slots

Insert = Callable[[TextBuilder], None]


def assemble(
    rng: Random, units: Sequence[str], inserts: Sequence[Insert], *, sep: str = " ", tail: str = ""
) -> tuple[str, list[Span]]:
    """Join `units` with `sep`, each insert following a random unit after a space."""
    if not inserts:
        return sep.join(units) + tail, []
    after = sorted(rng.randrange(len(units)) for _ in inserts)
    builder = TextBuilder()
    j = 0
    for i, unit in enumerate(units):
        if i:
            builder.add(sep)
        builder.add(unit)
        while j < len(inserts) and after[j] == i:
            builder.add(" ")
            inserts[j](builder)
            j += 1
    builder.add(tail)
    return builder.text(), builder.spans


def pii_insert(rng: Random, kind: str, person: Person) -> Insert:
    """An insert planting one value of type `kind` about `person`."""
    return lambda builder: plant_sentence(rng, builder, kind, person)


def mention_insert(rng: Random, handle: str) -> Insert:
    """An insert naming another member as `@handle` (recorded as PERSON)."""

    def insert(builder: TextBuilder) -> None:
        before, after = rng.choice(v.MENTION_FRAMES)
        builder.add(before)
        builder.plant("PERSON", "@" + handle)
        builder.add(after)

    return insert


def _hashtag(word: str) -> str:
    return "#" + "".join(
        part[:1].upper() + part[1:] for part in word.replace("-", " ").split() if part.isalnum()
    )


def _tags(rng: Random, author: Author) -> str:
    if rng.random() < 0.55:
        return ""
    pool = [*v.HASHTAGS, *author.skills[:4], *author.occupation.topics[:3]]
    tags = {_hashtag(w) for w in rng.sample(pool, rng.randint(1, 4))}
    tags.discard("#")
    return "\n\n" + " ".join(sorted(tags)) if tags else ""


def post(rng: Random, author: Author, inserts: Sequence[Insert] = ()) -> tuple[str, list[Span]]:
    """A short post: an opener, one to four sentences, maybe a closer and hashtags."""
    slots = Slots(rng, author)
    sentences = [s.format_map(slots) for s in rng.sample(v.POST_SENTENCES, rng.randint(1, 4))]
    opener = rng.choice(v.POST_OPENERS).format_map(slots)
    if opener:
        sentences[0] = f"{opener} {sentences[0]}"
    closer = rng.choice(v.POST_CLOSERS)
    if closer:
        sentences.append(closer)
    return assemble(rng, sentences, inserts, tail=_tags(rng, author))


def article(
    rng: Random, author: Author, inserts: Sequence[Insert] = ()
) -> tuple[str, str, list[Span]]:
    """A longer article: (title, text, spans); three to six paragraphs."""
    slots = Slots(rng, author)
    title = rng.choice(v.ARTICLE_TITLES).format_map(slots)
    title = title[:1].upper() + title[1:]
    paragraphs = []
    for _ in range(rng.randint(3, 6)):
        picked = rng.sample(v.POST_SENTENCES, rng.randint(2, 4))
        paragraphs.append(" ".join(s.format_map(Slots(rng, author)) for s in picked))
    text, spans = assemble(rng, paragraphs, inserts, sep="\n\n")
    return title, text, spans


def comment(rng: Random, author: Author, inserts: Sequence[Insert] = ()) -> tuple[str, list[Span]]:
    """A reply: one or two short reactions."""
    slots = Slots(rng, author)
    picked = rng.sample(v.COMMENT_TEMPLATES, 1 if rng.random() < 0.6 else 2)
    return assemble(rng, [s.format_map(slots) for s in picked], inserts)


def message(
    rng: Random, author: Author, other_first: str, inserts: Sequence[Insert] = ()
) -> tuple[str, list[Span]]:
    """A private message to a connection: greeting, one to three sentences, sign-off.

    The recipient's first name in the greeting and the author's in the sign-off are
    planted as PERSON too: they are names, and a scrubber must find them.
    """
    slots = Slots(rng, author)
    slots["other"] = other_first
    builder = TextBuilder()
    opener = rng.choice(v.MESSAGE_OPENERS)
    if "{other}" in opener:
        before, after = opener.split("{other}")
        builder.add(before)
        builder.plant("PERSON", other_first)
        builder.add(after)
    else:
        builder.add(opener)
    builder.add(" ")
    units = [s.format_map(slots) for s in rng.sample(v.MESSAGE_SENTENCES, rng.randint(1, 3))]
    builder.extend(*assemble(rng, units, inserts))
    closer = rng.choice(v.MESSAGE_CLOSERS)
    if closer:
        builder.add(f"\n{closer}\n")
        builder.plant("PERSON", author.first_name)
    return builder.text(), builder.spans


def about(rng: Random, author: Author, inserts: Sequence[Insert] = ()) -> tuple[str, list[Span]]:
    """A profile's about section: two to five first-person sentences."""
    slots = Slots(rng, author)
    picked = rng.sample(v.ABOUT_SENTENCES, rng.randint(2, 5))
    return assemble(rng, [s.format_map(slots) for s in picked], inserts)


def headline(rng: Random, author: Author) -> str:
    return rng.choice(v.HEADLINES).format_map(Slots(rng, author))


def position_description(rng: Random, author: Author) -> str:
    slots = Slots(rng, author)
    return " ".join(
        s.format_map(slots) for s in rng.sample(v.POSITION_SENTENCES, rng.randint(1, 3))
    )


def job_description(rng: Random, author: Author, remote: bool) -> str:
    """A job posting's description: intro, duties, requirements, benefits, location."""
    slots = Slots(rng, author)

    def bullets(pool: tuple[str, ...], low: int, high: int) -> str:
        return "\n".join(
            "- " + s.format_map(slots) for s in rng.sample(pool, rng.randint(low, high))
        )

    where = "Remote-friendly" if remote else "On-site"
    return (
        f"{rng.choice(v.JOB_INTROS).format_map(slots)}\n\n"
        f"What you'll do:\n{bullets(v.JOB_DUTIES, 2, 4)}\n\n"
        f"What you bring:\n{bullets(v.JOB_REQUIREMENTS, 2, 4)}\n\n"
        f"What we offer:\n{bullets(v.JOB_BENEFITS, 2, 3)}\n\n"
        f"Location: {author.city} ({where})."
    )
