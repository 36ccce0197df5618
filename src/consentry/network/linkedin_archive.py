"""Reading a LinkedIn data export archive, within limits, without writing anything.

`read_archive(source)` checks the zip (size, entry count, expansion ratio, encryption),
then streams each file it knows through the CSV reader straight out of the archive, so
memory holds the rows kept, never a whole decompressed file. Rows are counted as they
are read, and an archive past a limit is refused at that row with one line that names
the file and the limit (413), before the caller writes anything:

- `MAX_ROWS_PER_FILE` data rows in one CSV file (a member's own export holds hundreds,
  a prolific poster's Shares.csv a few thousand);
- `MAX_TOTAL_ROWS` data rows in all the CSV files that are read;
- `MAX_TEXT_FILE_BYTES` for an article or account.json, which are read whole.

`progress(done, total)` (optional) is told the uncompressed bytes read so far, out of the
archive's declared total, as reading goes.

Tolerated quirks of real archives: a UTF-8 byte-order mark; a `Notes:` preamble of
several lines before the header (Connections.csv, sometimes Positions.csv); quoted
multi-line fields with doubled quotes, and Comments' backslash-escaped quotes; files in a
top folder or with a member-id suffix (`Shares_17529409.csv`); missing and extra files;
blank rows.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import IO, Any

from consentry.errors import InvalidInput

MAX_ARCHIVE_BYTES = 50 * 2**20
MAX_EXPANDED_BYTES = 200 * 2**20
MAX_ENTRIES = 5_000
MAX_RATIO = 100  # a real CSV deflates ~5-10x; a zip bomb expands thousands of times
MAX_ROWS_PER_FILE = 20_000
MAX_TOTAL_ROWS = 50_000
MAX_TEXT_FILE_BYTES = 5 * 2**20
#: Progress is reported every this many rows within a file (and after each file).
_PROGRESS_EVERY = 2_000

# Canonical file -> the columns that identify its header row.
KNOWN = {
    "profile": ("First Name", "Last Name"),
    "positions": ("Company Name", "Title"),
    "education": ("School Name",),
    "skills": ("Name",),
    "shares": ("Date", "ShareCommentary"),
    "comments": ("Date", "Message"),
    "connections": ("First Name", "Last Name", "Connected On"),
    "messages": ("CONVERSATION ID",),
    "email addresses": ("Email Address",),
    "registration": ("Registered At",),
}

Progress = Callable[[int, int], None]


class ArchiveRejected(InvalidInput):
    """An upload that is not a readable LinkedIn archive; `status` is the HTTP answer."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass
class FileReport:
    """What happened to one file of the archive."""

    name: str
    imported: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.name,
            "rows_imported": self.imported,
            "rows_skipped": [{"row": r, "reason": why} for r, why in self.skipped],
            "note": self.note,
        }


@dataclass
class ParsedArchive:
    """Rows read from an archive (header-keyed dicts, with their row numbers)."""

    tables: dict[str, tuple[str, list[tuple[int, dict[str, str]]]]] = field(default_factory=dict)
    # (file name, title, text, "Created on" time as written)
    articles: list[tuple[str, str, str, str]] = field(default_factory=list)
    account: dict[str, str] = field(default_factory=dict)
    reports: dict[str, FileReport] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    def rows(self, kind: str) -> list[tuple[int, dict[str, str]]]:
        return self.tables.get(kind, ("", []))[1]

    def report(self, kind: str) -> FileReport:
        name = self.tables[kind][0]
        return self.reports.setdefault(name, FileReport(name))


def canonical_name(path: str) -> str | None:
    """`Basic_LinkedInDataExport/Shares_17529409.csv` -> `shares`; None if not a CSV."""
    base = path.rsplit("/", 1)[-1]
    if not base.lower().endswith(".csv"):
        return None
    stem = re.sub(r"_\d+$", "", base[:-4]).replace("_", " ").strip().lower()
    return stem


def _checked_entries(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    entries = [i for i in archive.infolist() if not i.is_dir()]
    if len(entries) > MAX_ENTRIES:
        raise ArchiveRejected(f"the archive holds {len(entries):,} files; at most {MAX_ENTRIES:,}")
    total = 0
    for info in entries:
        if info.flag_bits & 0x1:
            raise ArchiveRejected(f"{info.filename} is encrypted; upload the archive as exported")
        total += info.file_size
        if info.file_size > 2**20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ArchiveRejected(
                f"{info.filename} would expand {info.file_size // max(info.compress_size, 1):,} "
                "times its size: this looks like a zip bomb, not a LinkedIn export"
            )
    if total > MAX_EXPANDED_BYTES:
        raise ArchiveRejected(
            f"the archive would expand to {total / 2**20:,.0f} MiB; "
            f"at most {MAX_EXPANDED_BYTES // 2**20} MiB",
            413,
        )
    return entries


def _read_small(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A file read whole (an article, account.json): refused past MAX_TEXT_FILE_BYTES.
    Declared sizes can lie: never more than was declared (zipfile stops there and checks
    the CRC, so a lie ends as a damaged file)."""
    if info.file_size > MAX_TEXT_FILE_BYTES:
        raise ArchiveRejected(
            f"{info.filename} is {info.file_size / 2**20:,.1f} MiB; at most "
            f"{MAX_TEXT_FILE_BYTES // 2**20} MiB for one article or account file",
            413,
        )
    with archive.open(info) as handle:
        return handle.read(info.file_size)


@dataclass
class _Budget:
    """Rows read so far, against the limits; bytes read so far, for progress."""

    total_bytes: int
    progress: Progress | None
    rows: int = 0
    bytes_done: int = 0

    def tell(self, done: int) -> None:
        if self.progress is not None:
            self.progress(min(done, self.total_bytes), self.total_bytes)


def _csv_rows(
    lines: Iterable[str],
    header_keys: tuple[str, ...],
    *,
    backslash: bool,
    name: str,
    budget: _Budget,
    handle: IO[bytes],
) -> tuple[list[str] | None, list[tuple[int, dict[str, str]]]]:
    """(header, rows with 1-based data row numbers) after any preamble, read as a stream;
    header None if the expected header is not there. Raises ArchiveRejected past a limit."""
    reader = (
        csv.reader(lines, escapechar="\\", doublequote=True) if backslash else csv.reader(lines)
    )
    wanted = {k.lower() for k in header_keys}
    header = None
    rows: list[tuple[int, dict[str, str]]] = []
    for record in reader:
        cells = [c.strip() for c in record]
        if header is None:
            if wanted <= {c.lower() for c in cells}:
                header = cells
            continue
        if not any(cells):
            continue  # LinkedIn's blank rows of bare commas
        if len(rows) == MAX_ROWS_PER_FILE:
            raise ArchiveRejected(
                f"{name.rsplit('/', 1)[-1]} has more than {MAX_ROWS_PER_FILE:,} rows; "
                f"at most {MAX_ROWS_PER_FILE:,} rows of one file are imported",
                413,
            )
        if budget.rows == MAX_TOTAL_ROWS:
            raise ArchiveRejected(
                f"the archive has more than {MAX_TOTAL_ROWS:,} rows in all; at most "
                f"{MAX_TOTAL_ROWS:,} are imported at once",
                413,
            )
        budget.rows += 1
        keyed = {h.lower(): (cells[i] if i < len(cells) else "") for i, h in enumerate(header)}
        rows.append((len(rows) + 1, keyed))
        if len(rows) % _PROGRESS_EVERY == 0:
            budget.tell(budget.bytes_done + handle.tell())
    return header, rows


class _ArticleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.title, self.created, self._tag = "", "", ""
        self.blocks: list[str] = []
        self._buf: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("h1", "p"):
            self._tag, self._buf = tag, []
        elif tag == "br" and self._tag:
            self._buf.append("\n")

    def handle_endtag(self, tag):
        if tag == self._tag:
            text = "".join(self._buf).strip()
            if tag == "h1" and not self.title:
                self.title = text
            elif tag == "p" and text.startswith(("Created on ", "Published on ")):
                self.created = self.created or text.split(" on ", 1)[1]
            elif tag == "p" and text:
                self.blocks.append(text)
            self._tag = ""

    def handle_data(self, data):
        if self._tag:
            self._buf.append(data)


def _open(source: bytes | Path) -> zipfile.ZipFile:
    if isinstance(source, Path):
        try:
            size = source.stat().st_size
        except OSError as exc:
            raise ArchiveRejected(f"cannot read {source}: {exc.strerror or exc}") from None
    else:
        size = len(source)
    if size > MAX_ARCHIVE_BYTES:
        raise ArchiveRejected(
            f"the file is {size / 2**20:,.1f} MiB; at most {MAX_ARCHIVE_BYTES // 2**20} MiB",
            413,
        )
    try:
        return zipfile.ZipFile(source if isinstance(source, Path) else io.BytesIO(source))
    except (zipfile.BadZipFile, ValueError):
        raise ArchiveRejected(
            "this is not a zip archive; upload the .zip LinkedIn sent you"
        ) from None
    except OSError as exc:
        where = source if isinstance(source, Path) else "the upload"
        raise ArchiveRejected(f"cannot read {where}: {exc.strerror or exc}") from None


def read_archive(source: bytes | Path, *, progress: Progress | None = None) -> ParsedArchive:
    """Check and parse an archive (its bytes, or a path: then it is read from disk as it
    goes); raises ArchiveRejected for anything that is not a usable zip or is past a
    limit. Unknown files are listed as ignored; nothing is written anywhere."""
    parsed = ParsedArchive()
    with _open(source) as archive:
        entries = _checked_entries(archive)
        budget = _Budget(sum(i.file_size for i in entries), progress)
        budget.tell(0)
        for info in entries:
            name = info.filename
            kind = canonical_name(name)
            try:
                if kind in KNOWN:
                    _read_table(parsed, archive, info, kind, budget)
                elif name.lower().endswith(".html") and "articles/" in name.lower():
                    parser = _ArticleText()
                    parser.feed(_read_small(archive, info).decode("utf-8-sig", errors="replace"))
                    parsed.articles.append(
                        (name, parser.title, "\n\n".join(parser.blocks), parser.created)
                    )
                elif name.rsplit("/", 1)[-1] == "account.json":
                    account = json.loads(_read_small(archive, info).decode("utf-8"))
                    if not isinstance(account, dict):
                        parsed.reports[name] = FileReport(name, note="not a JSON object")
                    else:  # only text: what our export writes (handle, region, birth date)
                        parsed.account = {k: v for k, v in account.items() if isinstance(v, str)}
                else:
                    parsed.ignored.append(name)
            except zipfile.BadZipFile:
                raise ArchiveRejected(f"{name} is damaged inside the archive") from None
            except UnicodeDecodeError:
                parsed.reports[name] = FileReport(name, note="not readable as UTF-8 text")
            except json.JSONDecodeError:
                parsed.reports[name] = FileReport(name, note="not readable as JSON")
            except csv.Error as exc:
                parsed.reports[name] = FileReport(name, note=f"not readable as CSV: {exc}")
            budget.bytes_done += info.file_size
            budget.tell(budget.bytes_done)
    return parsed


def _read_table(
    parsed: ParsedArchive, archive: zipfile.ZipFile, info: zipfile.ZipInfo, kind: str, budget
) -> None:
    name = info.filename
    if kind in parsed.tables:
        parsed.reports[name] = FileReport(name, note=f"a second {kind} file; the first was used")
        return
    with archive.open(info) as handle:
        text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
        header, rows = _csv_rows(
            text,
            KNOWN[kind],
            backslash=kind == "comments",
            name=name,
            budget=budget,
            handle=handle,
        )
    if header is None:
        parsed.reports[name] = FileReport(
            name, note=f"no header row with {', '.join(KNOWN[kind])}: not imported"
        )
        return
    parsed.tables[kind] = (name, rows)
