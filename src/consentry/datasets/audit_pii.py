"""The audit's residual-PII check: every text column of every record re-scanned for
personal data that a placeholder should have replaced.

Independence. A check that reuses the code it checks proves nothing, so this is a second,
deliberately simple implementation that imports nothing from the scrubber
(`datasets/scrub/`). It shares only what is a contract, not code: the database tables
(`members`, `erased_name_hashes`, the ledger), the `erased-names` key, and the
*definition* of an erased name's keyed hash, recomputed here in a few lines of
`hmac` (`erased_name_digest`; a test holds it equal to the hashes erasure stores, so a
drift on either side fails). What it looks for:

- members' names and handles, as the `members` table holds them now (erased members
  excepted, whose rows hold a stand-in): each member's display name, "first last",
  "last, first" and "first-given last", and handle, as token sequences. A text's tokens
  (letters and digits, with inner apostrophes and hyphens) are casefolded and
  accent-folded (NFKD, combining marks dropped, a possessive 's dropped); consecutive
  tokens of one name may be separated by any whitespace and at most one of `,` `.` `;`
  `_`. So "anna müller", "ANNA MULLER", "Müller,  Anna" and "Anna\\nMüller's" all match
  Anna Müller. One scan of the tokens, candidates looked up by their first token. A name
  of one token is not matched (it names thousands of people and is often a word); a
  handle of one plain word ("bob") only written with its `@`;
- erased members' names: every window of 1 to 3 tokens (more, up to the longest stored
  name) hashed with the key and looked up in the stored digests;
- contact and payment data (`audit_contacts`): e-mail addresses, spelled-out ones too,
  phone numbers (`phonenumbers`, the record's `country` as region), IBANs and card
  numbers (python-stdnum validators).

The placeholders a build writes (`<PERSON>`, `<EMAIL>`, ...) are not findings: they are
masked before the scan, and a name never runs across one. A finding names the record,
the column, the list item, the type and the offsets — never the personal data itself, so
the report can be read by anyone allowed to read the dataset.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.datasets.audit_contacts import find_contacts, longest_first
from consentry.datasets.records import TEXT_COLUMNS
from consentry.keys import KeyPurpose, Keyring
from consentry.store.consent_tables import ConsentAction, ConsentEvent
from consentry.store.rights_tables import ErasedNameHash
from consentry.store.tables import Member

# A token: letters or digits, with inner apostrophes and hyphens ("O'Brien", "Lüdenscheidt-
# Müller"); combining marks count as part of it (text written decomposed).
_TOKEN = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+(?:['’\-](?:[^\W_]|[\u0300-\u036f])+)*")
# What may stand between two tokens of one name.
_JOIN = re.compile(r"\s*[,.;_]?\s*")
# A placeholder a build writes: `<PERSON>`, `<EMAIL>`, ...
_PLACEHOLDER = re.compile(r"<[A-Z]{2,12}>")
# Erased names are hashed in windows of 1 to at least this many tokens.
_WINDOW = 3
_MAX_WINDOW = 8
_MEMO_LIMIT = 500_000


@dataclass(frozen=True, order=True)
class ResidualFinding:
    """Personal data of `kind` (PERSON, EMAIL, PHONE, IBAN or CARD) found at `start:end`
    of column `column` of record `record_id` (`item`: the position in a list column, -1
    for a string column)."""

    record_id: str
    column: str
    item: int
    kind: str
    start: int
    end: int


def where(found: ResidualFinding) -> str:
    """`text 11-32`, or `companies[1] 0-12` for an entry of a list column."""
    part = found.column if found.item < 0 else f"{found.column}[{found.item}]"
    return f"{part} {found.start}-{found.end}"


def fold(token: str) -> str:
    """A token as names are compared: casefolded, accents removed, `’` as `'`, a
    possessive `'s` dropped (the erased-name hash is defined over these)."""
    decomposed = unicodedata.normalize("NFKD", token.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")
    return plain[:-2] if plain.endswith("'s") and len(plain) > 2 else plain


def folded_tokens(text: str) -> list[str]:
    """The folded tokens of `text`, in order."""
    return [fold(m.group()) for m in _TOKEN.finditer(text)]


def erased_name_digest(key: bytes, words: Sequence[str]) -> str:
    """The keyed hash (hex) under which erasure stores a name written as the folded
    `words`: HMAC-SHA256 of `name\\0` and the words joined by U+001F, UTF-8."""
    return hmac.digest(key, b"name\0" + "\x1f".join(words).encode(), "sha256").hex()


@dataclass(frozen=True)
class _Token:
    word: str
    start: int
    end: int
    at: bool  # written right after an `@`
    joins: bool  # the next token may continue a name with this one


def _tokens(text: str) -> list[_Token]:
    matches = list(_TOKEN.finditer(text))
    out = []
    for i, m in enumerate(matches):
        joins = i + 1 < len(matches) and bool(
            _JOIN.fullmatch(text, m.end(), matches[i + 1].start())
        )
        at = m.start() > 0 and text[m.start() - 1] == "@"
        out.append(_Token(fold(m.group()), m.start(), m.end(), at, joins))
    return out


class NameIndex:
    """Token sequences of names and handles, by first token, longest first."""

    def __init__(self) -> None:
        # first token -> [(sequence, needs an @ before it)]
        self._by_first: dict[str, list[tuple[tuple[str, ...], bool]]] = {}

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_first.values())

    def add(self, words: Sequence[str], *, needs_at: bool = False) -> None:
        if not words:
            return
        entries = self._by_first.setdefault(words[0], [])
        entry = (tuple(words), needs_at)
        if entry not in entries:
            entries.append(entry)
            entries.sort(key=lambda e: -len(e[0]))

    def add_member(self, first: str, last: str, display: str, handle: str) -> None:
        """A member's name forms (two tokens or more) and handle."""
        given, family = folded_tokens(first), folded_tokens(last)
        forms = [folded_tokens(display), given + family, family + given]
        if given and family:
            forms.append([given[0], *family])
        for form in forms:
            if len(form) >= 2:
                self.add(form)
        words = folded_tokens(handle)
        # A handle that could be an ordinary word counts only with its `@`.
        plain = len(words) == 1 and not any(c.isdigit() for c in words[0])
        self.add(words, needs_at=plain)

    def find(self, tokens: Sequence[_Token]) -> Iterator[tuple[int, int, str]]:
        """PERSON spans of the names and handles in `tokens`."""
        i, n = 0, len(tokens)
        while i < n:
            length = 0
            for words, needs_at in self._by_first.get(tokens[i].word, ()):
                k = len(words)
                if i + k > n or (needs_at and not tokens[i].at):
                    continue
                if all(tokens[i + j].joins for j in range(k - 1)) and all(
                    tokens[i + j].word == words[j] for j in range(k)
                ):
                    length = k
                    break
            if length:
                yield tokens[i].start, tokens[i + length - 1].end, "PERSON"
                i += length
            else:
                i += 1


class ErasedIndex:
    """The stored erased-name digests, matched by hashing token windows (a memo of the
    windows seen is kept: one per audit, not shared between threads)."""

    def __init__(self, key: bytes, digests: Iterable[tuple[str, int]]) -> None:
        self.key = key
        self.digests: set[str] = set()
        longest = _WINDOW
        for digest, words in digests:
            self.digests.add(digest)
            longest = max(longest, min(words, _MAX_WINDOW))
        self.windows = tuple(range(longest, 0, -1))  # the longest match wins
        # Windows already hashed: texts repeat their words, and a hash costs more than a look-up.
        self._seen: dict[tuple[str, ...], bool] = {}

    def find(self, tokens: Sequence[_Token]) -> Iterator[tuple[int, int, str]]:
        """PERSON spans whose token windows hash to a stored digest."""
        if not self.digests:
            return
        i, n = 0, len(tokens)
        while i < n:
            length = 0
            for k in self.windows:
                if i + k > n or not all(tokens[i + j].joins for j in range(k - 1)):
                    continue
                words = tuple(t.word for t in tokens[i : i + k])
                hit = self._seen.get(words)
                if hit is None:
                    if len(self._seen) > _MEMO_LIMIT:
                        self._seen.clear()
                    hit = self._seen[words] = erased_name_digest(self.key, words) in self.digests
                if hit:
                    length = k
                    break
            if length:
                yield tokens[i].start, tokens[i + length - 1].end, "PERSON"
                i += length
            else:
                i += 1


def _masked(text: str) -> str:
    """`text` with each placeholder blanked out (same length, so offsets hold)."""
    return _PLACEHOLDER.sub(lambda m: "\0" * len(m.group()), text)


class ResidualScanner:
    """What the network knows now — members' names and handles, erased-name digests —
    and the contact finders, asked only to find, never to replace."""

    def __init__(self, session: Session, settings: Settings) -> None:
        key = Keyring.load(settings).key(KeyPurpose.ERASED_NAMES).secret
        erased_members = set(
            session.scalars(
                select(ConsentEvent.member_id).where(ConsentEvent.action == ConsentAction.ERASE)
            )
        )
        self.names = NameIndex()
        for member_id, first, last, display, handle in session.execute(
            select(
                Member.id, Member.first_name, Member.last_name, Member.display_name, Member.handle
            )
        ):
            if member_id not in erased_members:  # their row holds a stand-in, not a name
                self.names.add_member(first, last, display, handle)
        stored = session.execute(select(ErasedNameHash.digest, ErasedNameHash.words))
        self.erased = ErasedIndex(key, ((digest, words) for digest, words in stored))

    def find(self, text: str, region: str | None = None) -> list[tuple[int, int, str]]:
        """(start, end, type) of the personal data in one text, sorted, no overlaps."""
        masked = _masked(text)
        tokens = _tokens(masked)
        spans = [*self.names.find(tokens), *self.erased.find(tokens)]
        spans += find_contacts(masked, region)
        return longest_first(spans)

    def scan(self, records: Sequence[dict[str, Any]]) -> list[ResidualFinding]:
        """What is still found in `records` (rows of a shard file), sorted. Every string
        column of the record schema but its ids, list columns item by item; a record's
        `country` is the region its phone numbers are read in."""
        findings: list[ResidualFinding] = []
        for record in records:
            region = record.get("country") or None
            for column in TEXT_COLUMNS:
                value = record.get(column)
                items = [(-1, value)] if isinstance(value, str) else enumerate(value or ())
                for k, text in items:
                    if not text:
                        continue
                    for start, end, kind in self.find(text, region):
                        findings.append(
                            ResidualFinding(record["record_id"], column, k, kind, start, end)
                        )
        findings.sort()
        return findings
