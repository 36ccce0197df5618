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

Titles followed by capitalised words ("Dr. Amara Okafor", "Herr Schmidt", "Mme Dubois")
are found in `persons.py`, with the other capitalised names.
"""

from __future__ import annotations

import re

from consentry.datasets.scrub import persons
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


_CALENDAR = frozenset(
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
)


def find_initials(text: str) -> Found:
    """PERSON spans for initials followed by a surname."""
    if "." not in text:
        return []
    out: Found = []
    for m in INITIALS.finditer(text):
        initials = m.group(1).replace(" ", "").replace("\t", "").casefold()
        if initials in _NOT_INITIALS:
            continue
        surname = m.group(2)
        if not _surname_ok(surname):
            continue
        before = _LABEL_BEFORE.search(text, max(0, m.start() - 20), m.start())
        if before and before.group(1).casefold() in _LABEL_WORDS:
            continue
        end = m.end(3) if m.group(3) and _surname_ok(m.group(3)) else m.end(2)
        out.append((m.start(), end, "PERSON", "rule:initial-surname"))
    return out


def find_lowercase_names(text: str, known: persons.NameIndex) -> Found:
    """PERSON spans for known full names of two words or more, in any case."""
    if not len(known):
        return []
    matches = list(_WORD.finditer(text))
    words = [m.group().casefold() for m in matches]
    starts = known.first_words()
    if starts.isdisjoint(words):
        return []
    out: Found = []
    i = 0
    while i < len(words):
        n = known.match(words, i) if words[i] in starts else 0
        if n >= 2 and all(
            matches[j + 1].start() - matches[j].end() <= 2 for j in range(i, i + n - 1)
        ):
            out.append((matches[i].start(), matches[i + n - 1].end(), "PERSON", "known-name"))
            i += n
        else:
            i += 1
    return out


def find_cued_given_names(text: str, given: frozenset[str]) -> Found:
    """PERSON spans for a known member's given name right after a person cue."""
    if not given:
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
