"""Person names that only their context gives away, found by rules.

- **Initials and a surname**: "T. Quennell", "J.R.R. Tolkien", "A. B. Smith". The surname
  must be a capitalised word that is not a common word, a stop word or a technology word
  ("U.S. Army", "Plan B. Then" are not names).
- **Known names in lower case**: a member's full name (two words or more) written without
  capitals ("theodora quennell"); one word alone is not enough in lower case, where it is
  far more often an ordinary word.
- **A known person's given name after a person cue**: "thanks theodora", "met Theodora",
  "merci Théodora" — the given name of a member the network knows, right after a cue.
  A given name that is also a stop word ("will", "may") needs its capital.
- **Any name after a cue** (`find_cued_names`): capitalised words after a greeting, thanks
  or a sign-off in the network's languages ("hola Ximena", "Pozdrawiam, Bożena
  Wróblewska"); lower-case names after an introduction or a reference cue ("it's wanjiru
  kamau", "sono ottavia brambilla", "shoutout to zdenka horvatova"), opening a chat
  sentence, or before "here" ("ximena okoro here"). Words the lexicon, the stop words or
  the technology list explain are not taken for a name, except where the cue leaves no
  other reading (docs/scrubbing.md).

Titles followed by capitalised words ("Dr. Amara Okafor", "Herr Schmidt", "Mme Dubois")
are found in `persons.py`, with the other capitalised names.
"""

from __future__ import annotations

import re

from consentry.datasets.scrub import persons
from consentry.datasets.scrub.cascade import CALENDAR as _CALENDAR
from consentry.datasets.scrub.cascade import not_names, stop_words

Found = list[tuple[int, int, str, str]]

_UP = persons._UPPER
# One to three initials ("T.", "J.R.R.", "A. B."), then a capitalised surname.
INITIALS = re.compile(
    rf"(?<![\w.'’\-&/])((?:[{_UP}]\.[ \t]?){{1,3}})[ \t]*([{_UP}][^\W\d_]+(?:[\-'’][{_UP}]?[^\W\d_]+)?)"
    rf"(?:[ \t]+([{_UP}][^\W\d_]+(?:-[{_UP}][^\W\d_]+)?))?"
)
# Abbreviations written as initials that are not a person's.
_NOT_INITIALS = frozenset(
    [
        "u.s.",
        "u.k.",
        "e.u.",
        "u.n.",
        "u.s.a.",
        "d.c.",
        "l.a.",
        "n.y.",
        "p.s.",
        "a.m.",
        "p.m.",
        "e.g.",
        "i.e.",
        "no.",
        "st.",
        "mt.",
        "ft.",
        "q.",
        "a.",
    ]
)
_WORD = re.compile(r"[^\W\d_][\w'’\-]*")
_CUE_THEN_WORD = re.compile(
    r"(?i)(?<![\w])(?:thanks|thank\s+you|thx|ty|met|meeting|meet|with|dear|hi|hello|hey|cc|"
    r"congrats|congratulations|kudos\s+to|shout\s*out\s+to|ping|pinged|ask|asked|"
    r"talked\s+to|spoke\s+(?:to|with)|told|call|called|emailed|and|"
    r"merci|avec|bravo|bonjour|salut|danke|mit|hallo|gracias|con|hola|grazie|ciao|"
    r"bedankt|dank|dzięki|tack|hej)[\s,:]+(?:@)?([^\W\d_][\w'’\-]*)"
)


# Words after which a capital letter and a full stop are a label, not an initial
# ("plan B. Then", "vitamin D. Sources", "Figure 3A. Results").
_LABEL_WORDS = frozenset(
    [
        "plan",
        "vitamin",
        "section",
        "grade",
        "type",
        "class",
        "option",
        "part",
        "appendix",
        "figure",
        "fig",
        "step",
        "level",
        "model",
        "version",
        "tier",
        "series",
        "phase",
        "unit",
        "room",
        "block",
        "gate",
        "row",
        "category",
        "item",
        "point",
        "exhibit",
        "chapter",
        "table",
        "group",
        "team",
        "column",
        "box",
    ]
)
_LABEL_BEFORE = re.compile(r"([^\W\d_]+)[ \t]+$")


def _surname_ok(word: str) -> bool:
    w = word.casefold()
    return w not in stop_words() and w not in not_names() and w not in _CALENDAR


def _rare_surname(word: str) -> bool:
    from consentry.datasets.scrub.cascade import lexicon

    w = word.casefold()
    return w not in lexicon() and w not in stop_words() and w not in _CALENDAR


def find_initials(text: str) -> Found:
    """PERSON spans for initials followed by a surname."""
    if "." not in text:
        return []
    out: Found = []
    for m in INITIALS.finditer(text):
        initials = m.group(1).replace(" ", "").replace("\t", "").casefold()
        if initials in _NOT_INITIALS and not (initials == "a." and _rare_surname(m.group(2))):
            continue  # "A." stands for a surname only before a name no dictionary holds
        surname = m.group(2)
        if not _surname_ok(surname):
            continue
        before = _LABEL_BEFORE.search(text, max(0, m.start() - 20), m.start())
        if before and before.group(1).casefold() in _LABEL_WORDS:
            continue
        end = m.end(3) if m.group(3) and _surname_ok(m.group(3)) else m.end(2)
        out.append((m.start(), end, "PERSON", "rule:initial-surname"))
    return out


def words_of(text: str) -> frozenset[str]:
    """Every word of `text` (`_WORD`), casefolded: what `find_lowercase_names` and
    `find_cued_given_names` look up first, computed once per text by a caller of both."""
    # casefold works character by character, so folding the joined words folds each.
    return frozenset(" ".join(_WORD.findall(text)).casefold().split())


def find_lowercase_names(
    text: str, known: persons.NameIndex, words: frozenset[str] | None = None
) -> Found:
    """PERSON spans for known full names of two words or more, in any case. `words` are
    `words_of(text)` where the caller has them."""
    if not len(known):
        return []
    starts = known.first_words()
    if starts.isdisjoint(words_of(text) if words is None else words):
        return []
    matches = list(_WORD.finditer(text))
    folded = [m.group().casefold() for m in matches]
    out: Found = []
    after = 0  # the first word not inside a name found already
    for i in [i for i, w in enumerate(folded) if w in starts]:
        if i < after:
            continue
        n = known.match(folded, i)
        if n >= 2 and all(
            matches[j + 1].start() - matches[j].end() <= 2 for j in range(i, i + n - 1)
        ):
            out.append((matches[i].start(), matches[i + n - 1].end(), "PERSON", "known-name"))
            after = i + n
    return out


def find_cued_given_names(
    text: str, given: frozenset[str], words: frozenset[str] | None = None
) -> Found:
    """PERSON spans for a known member's given name right after a person cue. `words` are
    `words_of(text)` where the caller has them."""
    if not given:
        return []
    # The word after a cue is one of the text's words (possibly with a possessive).
    words = words_of(text) if words is None else words
    if given.isdisjoint(words) and (
        # (casefolding makes no apostrophe: a possessive needs one in the text)
        ("'" not in text and "’" not in text)
        or given.isdisjoint(w[:-2] for w in words if w.endswith(("'s", "’s")))
    ):
        return []
    out: Found = []
    stop = stop_words()
    for m in _CUE_THEN_WORD.finditer(text):
        word = m.group(1)
        w = word.casefold()
        if w.endswith(("'s", "’s")):
            w = w[:-2]
        if w not in given:
            continue
        if word[0].islower() and (w in stop or w in persons.given_names()[1]):
            continue  # "with will", "met may": an ordinary word in lower case
        out.append((m.start(1), m.end(1), "PERSON", "rule:cue-given-name"))
    return out


def given_names_of(known: persons.NameIndex) -> frozenset[str]:
    """The first words of the known multi-word names: members' given names (casefolded),
    without the technology and role words. (A given name that is a stop word is kept: it
    counts only with its capital, see `find_cued_given_names`.)"""
    excluded = not_names()
    return frozenset(w for w in known.first_words() if len(w) > 1 and w not in excluded)


# ---- names that only a cue gives away, known or not --------------------------------------

# Greetings, thanks, sign-offs and verbs of asking or meeting, in the network's languages,
# after which a capitalised word that is not a common word is a person's name: "hola
# Corona", "ping Lesley", "bring Floris too", "Saludos, Olegario Montes".
_GREETING_CUES = (
    r"hi|hey|hello|dear|thanks|thank\s+you|thx|cc|ping|bring|ask|met|meet|"
    r"congrats|congratulations|kudos\s+to|shout\s*out\s+to|regards|best|cheers|"
    r"hallo|hoi|hola|oi|olá|ciao|salut|bonjour|coucou|cześć|hej|servus|moin|"
    r"danke|merci|gracias|grazie|obrigad[oa]|bedankt|dzięki|dziękuję|"
    r"grüße|gruß|viele\s+grüße|cordialement|bien\s+à\s+vous|saluti|cordiali\s+saluti|"
    r"saludos|un\s+saludo|groet|groeten|met\s+vriendelijke\s+groet|pozdrawiam|"
    r"pozdrowienia|abraços|atenciosamente|frag|demande\s+à|chiedi\s+a|pregúntale\s+a|"
    r"pergunta\s+pro|zapytaj|vraag\s+het|"
    # introductions: "I am Tiffany Tanner", "ich bin Jonas Pohl", "je suis Léa Roux"
    r"i\s+am|i'm|my\s+name\s+is|this\s+is|it's|ich\s+bin|hier\s+ist|je\s+suis|c'est|"
    r"sono|soy|sou|aqui\s+é|jestem|tu\s+jest|ik\s+ben"
)
_GREETING = re.compile(
    rf"(?i:(?<![\w])(?:{_GREETING_CUES}))[\s,:!]+"
    rf"(?P<name>[{_UP}][^\W\d_]+(?:[\-'’][{_UP}][^\W\d_]+)?"
    rf"(?:[ \t]+(?:(?:{persons._PARTICLES})[ \t]+)*[{_UP}][^\W\d_]+(?:-[{_UP}][^\W\d_]+)?){{0,2}})"
    r"(?![\w\-]|\.\w)"  # not a file or domain name: "Nuxt.js"
)
# Words that introduce a person written in lower case, as chat does: "it's sharon berry",
# "hier ist lidija ackermann", "sono loretta prodi", "aqui é cauê da mata", "who is
# lupita salom", "shoutout to luke rhodes", "frag natan zygmuntowicz".
_INTRO_CUES = (
    r"it'?s|it\s+is|i'?m|i\s+am|this\s+is|my\s+name\s+is|who\s+is|shout\s*out\s+to|"
    r"ask|met|meet|thanks|thank\s+you|cc|ping|hier\s+ist|ich\s+bin|frag|c'est|je\s+suis|"
    r"demande\s+à|sono|chiedi\s+a|soy|pregúntale\s+a|aqui\s+é|sou|pergunta\s+pro|"
    r"met|vraag\s+het|tu|jestem|zapytaj|mówi|"
    # chat interjections that open a sentence before a name: "lol joy meijer just sent"
    r"lol|omg|btw|fyi|pls|plz|ok|okay|so|haha|wow"
)
# Chat words that are not names (and not in a dictionary).
_CHAT = frozenset(
    [
        "lol",
        "omg",
        "btw",
        "fyi",
        "pls",
        "plz",
        "thx",
        "tbh",
        "imo",
        "idk",
        "asap",
        "ok",
        "okay",
        "haha",
        "xd",
        "np",
        "brb",
        "ty",
        "u",
        "ur",
        "ya",
        "yep",
        "nope",
        "hmm",
        "ugh",
        "wow",
        "lmao",
        "jk",
    ]
)
# Words after a greeting that address a group, not a person.
_GROUP = frozenset(
    [
        "team",
        "all",
        "everyone",
        "everybody",
        "world",
        "folks",
        "guys",
        "there",
        "friends",
        "people",
        "y'all",
    ]
)
_LOWER_NAME = (
    r"(?P<first>[^\W\d_A-Z]{2,})[ \t]+(?P<rest>(?:(?:" + persons._PARTICLES + r")[ \t]+){0,2}"
    r"[^\W\d_A-Z][^\W\d_]+(?:-[^\W\d_]+)?)"
)
_INTRO = re.compile(rf"(?i:(?<![\w])(?:{_INTRO_CUES}))[ \t,:]+{_LOWER_NAME}(?![\w@.])")
# Cues that introduce a person by name and nothing else: after them even a surname that
# is also a dictionary word is one ("it's hazel bailey", "who is janet mills").
_NAMING = re.compile(
    r"(?i)(?:it'?s|it\s+is|i'?m|i\s+am|this\s+is|my\s+name\s+is|who\s+is|"
    r"shout\s*out\s+to|hier\s+ist|ich\s+bin|c'est|je\s+suis|sono|soy|aqui\s+é|sou|"
    r"jestem|ik\s+ben)[ \t,:]+$"
)
# A lower-case name opening a sentence of a chat text: "joy meijer just sent me ...".
_OPENING = re.compile(rf"(?:^|(?<=[.!?]\s)|(?<=\n)){_LOWER_NAME}(?![\w@.])")
# A chat message signed at its start: "shannon lambert here", "joseph harrison here!"
_HERE = re.compile(rf"(?:^|(?<=[.!?]\s)|(?<=\n)){_LOWER_NAME}[ \t]+here(?![\w'’])")


def _unexplained(word: str, *, stems: bool = True) -> bool:
    """Not a stop word, common English word, or technology / company / role word. With
    `stems=False` only the word itself is looked up, not its stem: a surname after a
    given name may look like an inflected word ("novaes", "dias", "mads")."""
    from consentry.datasets.scrub.cascade import _is_common, lexicon

    w = word.casefold()
    if w in persons.given_names()[0]:
        return True
    if w in stop_words() or w in not_names() or w in _CALENDAR:
        return False
    return w not in lexicon() if not stems else not _is_common(w, lexicon())


_GREETED = re.compile(
    r"(?i)(?:hi|hey|hello|dear|hallo|hoi|hola|oi|olá|ciao|salut|bonjour|coucou|cześć|hej|"
    r"thanks|thank\s+you|thx|merci|danke|gracias|grazie|obrigad[oa]|bedankt|dzięki|dziękuję)\W"
)
# A sign-off with a comma: the capitalised words after it are the writer's name, even
# when they are also words ("Regards, Grace Hill", "Groet, Jet de Mol").
_SIGNED = re.compile(
    r"(?i)(?:regards|best|cheers|grüße|gruß|cordialement|saluti|saludos|groet|groeten|"
    r"pozdrawiam|pozdrowienia|abraços|atenciosamente),[ \t]*\n?[ \t]*\S"
)


def _greeted(cue: str) -> bool:
    return _GREETED.match(cue) is not None


def _plain_word(word: str) -> bool:
    """A capitalised word right after a greeting is a name even when it is also a word
    ("hola Corona", "hi Rose"), unless it is a stop word, a group or a known non-name."""
    return word not in stop_words() and word not in not_names() and word not in _GROUP


def _given_then_surname(first: str, last: str) -> bool:
    return (
        first.casefold() in persons.given_names()[0] and last.casefold() not in persons._NOT_SURNAME
    )


def _surname(word: str) -> bool:
    w = word.strip("'’").casefold()
    return w not in stop_words() and w not in persons._NOT_SURNAME and w not in not_names()


def find_cued_names(
    text: str, *, greeting: bool = True, intro: bool = True, opening: bool = True
) -> Found:
    """PERSON spans for names after a greeting, thanks or sign-off (capitalised, any name)
    and for lower-case names after a self-introduction or a reference cue, or opening a
    chat sentence (two words, the first not a common word, the second not a stop word).

    `greeting`, `intro` and `opening` False say that the text holds no greeting before a
    capital, no introduction before a lower-case name, or no sentence opening with one
    (`triggers.GREETING`, `INTRO`, `OPENING`): those rules are then skipped."""
    out: Found = []
    for m in _GREETING.finditer(text) if greeting else ():
        words = m.group("name").split()
        first = words[0].strip("'’").casefold()
        if first in persons._TITLE_WORDS:
            continue  # "Gracias, Sra. López": the title rule's
        not_a_name = first in _GROUP or first in persons._PARTICLE_WORDS or not _unexplained(first)
        # a word after a greeting is a name even when it is also a word ("hola Corona")
        signed = _SIGNED.match(m.group()) is not None
        greeted = (len(words) == 1 and _greeted(m.group())) or signed
        if not_a_name and not (greeted and _plain_word(first)):
            continue
        # drop trailing words that are not a surname ("thanks Anna Team")
        while len(words) > 1 and not _surname(words[-1]):
            words.pop()
        start = m.start("name")
        piece = " ".join(words)
        if text[start : start + len(piece)] != piece:
            piece = words[0]
        if piece.isupper() and len(piece) > 1:
            continue  # an acronym
        out.append((start, start + len(piece), "PERSON", "rule:cue-name"))
    for m in _HERE.finditer(text) if opening and "here" in text else ():
        first, last = m.group("first"), m.group("rest").split()[-1]
        if first in _CHAT or first in stop_words() or not _surname(last):
            continue
        out.append((m.start("first"), m.end("rest"), "PERSON", "rule:cue-name"))
    for pattern in (_INTRO,) * intro + (_OPENING,) * opening:
        for m in pattern.finditer(text):
            first, rest = m.group("first"), m.group("rest")
            last = rest.split()[-1]
            if first in _CHAT or first in stop_words() or last.casefold() in stop_words():
                continue
            if not _unexplained(first):
                continue  # "it's going well", "met lunch guests"
            naming = pattern is _INTRO and _NAMING.search(text, m.start(), m.start("first"))
            if naming and (last.casefold() in persons._NOT_SURNAME or last in _CHAT):
                continue
            if (
                not naming
                and not _unexplained(last, stems=False)
                and not _given_then_surname(first, last)
            ):
                continue  # "met anna lunch": a surname is not a common word, unless
                # the first word is a given name ("sharon berry")
            if pattern is _OPENING and not (_unexplained(first) and _unexplained(last)):
                continue  # a sentence opening needs both words to be unknown
            out.append((m.start("first"), m.end("rest"), "PERSON", "rule:cue-name"))
    return out
