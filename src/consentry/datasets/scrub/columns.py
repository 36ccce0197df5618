"""Every string column of many records, scrubbed in one batch.

A dataset record carries free text (`title`, `text`) and structured columns (`industry`,
`titles`, `companies`, `skills`, ...). Personal data reaches the structured ones too — a
company typed as "Acme Corp, call +1 212 555 0143", a title holding a name — so a build
scrubs every string a record carries, not only its text: each string value and each item
of a list of strings, with the record author's names and region, through one scrubber.

All strings of a chunk of records go through `Scrubber.scrub_batch` together, so the
vectorised gates see the whole chunk at once and short structured values cost little.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from consentry.datasets.scrub.scrubber import Scrubber

# Where one string of a record sits: (record, column, item index in a list column or -1).
Address = tuple[int, str, int]


def strings_of(
    records: Sequence[dict[str, Any]], columns: Sequence[str]
) -> tuple[list[Address], list[str]]:
    """Every non-empty string in `columns` of `records` (list items one by one), with
    where each sits."""
    where: list[Address] = []
    texts: list[str] = []
    for i, record in enumerate(records):
        for column in columns:
            value = record[column]
            if isinstance(value, str):
                if value:
                    where.append((i, column, -1))
                    texts.append(value)
            elif value is not None:
                for k, item in enumerate(value):
                    if item:
                        where.append((i, column, k))
                        texts.append(item)
    return where, texts


def scrub_columns(
    scrubber: Scrubber,
    records: list[dict[str, Any]],
    columns: Sequence[str],
    *,
    author_names: Sequence[Sequence[str]],
    regions: Sequence[str | None],
) -> Counter[str]:
    """Scrub every string in `columns` of `records` in place (a list column item by item,
    into a new list); `author_names[i]` and `regions[i]` belong to `records[i]`. Returns
    how many spans of each type were replaced."""
    where, texts = strings_of(records, columns)
    results = scrubber.scrub_batch(
        texts, [author_names[i] for i, _, _ in where], [regions[i] for i, _, _ in where]
    )
    found: Counter[str] = Counter()
    copied: set[tuple[int, str]] = set()
    for (i, column, k), result in zip(where, results, strict=True):
        for span in result.spans:
            found[span.type] += 1
        if not result.spans:
            continue
        if k < 0:
            records[i][column] = result.text
            continue
        if (i, column) not in copied:
            # Never write into a list the caller may share (structure is read per member).
            records[i][column] = list(records[i][column])
            copied.add((i, column))
        records[i][column][k] = result.text
    return found
