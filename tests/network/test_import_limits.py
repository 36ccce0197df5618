"""Imports within limits: an archive past a row limit is refused in one line, quickly and
in bounded memory, with nothing written; one within them imports with progress told."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from builders import hand_network
from consentry.cli import main
from consentry.network import linkedin_archive
from consentry.network.linkedin_import import ArchiveRejected, import_into, read_archive
from consentry.store.engine import session_scope
from network.test_linkedin_import import counts, zip_of

SHARES_HEADER = "Date,ShareLink,ShareCommentary,SharedUrl,MediaUrl,Visibility\n"


def _shares(n: int, start: int = 0) -> str:
    return SHARES_HEADER + "".join(
        f"2024-03-12 09:{i % 60:02d}:00,https://www.linkedin.com/feed/update/urn:li:share:{i},"
        f"Note number {i} on data pipelines and {i * 7919 % 100003} ideas,,,PUBLIC\n"
        for i in range(start, start + n)
    )


def _big_archive(path: Path, rows: int) -> None:
    """An archive with a `rows`-row Shares.csv, written in pieces (never whole in memory)."""
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z,
        z.open("Basic_LinkedInDataExport/Shares.csv", "w", force_zip64=True) as f,
    ):
        f.write(SHARES_HEADER.encode())
        step = 50_000
        for start in range(0, rows, step):
            f.write(_shares(min(step, rows - start), start)[len(SHARES_HEADER) :].encode())


# The peak is this process's own high-water mark (VmHWM). getrusage's ru_maxrss would not
# do: Linux carries it over from the forked copy of the test process across exec.
PROBE = textwrap.dedent(
    """
    import json, resource, sys, time
    from pathlib import Path
    from consentry.network.linkedin_import import ArchiveRejected, read_archive

    def peak_mib():
        try:
            with open("/proc/self/status") as status:
                line = next(x for x in status if x.startswith("VmHWM:"))
            return int(line.split()[1]) / 1024
        except OSError:
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    before = peak_mib()
    started = time.perf_counter()
    try:
        read_archive(Path(sys.argv[1]))
        said, status = "", 0
    except ArchiveRejected as exc:
        said, status = str(exc), exc.status
    print(json.dumps({
        "seconds": time.perf_counter() - started, "said": said, "status": status,
        "peak_mib": peak_mib(), "before_mib": before,
    }))
    """
)


@pytest.mark.slow
def test_a_million_row_shares_file_is_refused_within_seconds_in_bounded_memory(tmp_path):
    archive = tmp_path / "export.zip"
    _big_archive(archive, 1_200_000)
    size = archive.stat().st_size
    assert 5 * 2**20 < size < linkedin_archive.MAX_ARCHIVE_BYTES  # within the archive limits
    with zipfile.ZipFile(archive) as z:
        (info,) = z.infolist()
        assert info.file_size < linkedin_archive.MAX_EXPANDED_BYTES
        assert info.file_size < linkedin_archive.MAX_RATIO * info.compress_size
    run = subprocess.run(
        [sys.executable, "-c", PROBE, str(archive)], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr[-2000:]
    probe = json.loads(run.stdout)
    assert probe["status"] == 413
    assert probe["said"] == (
        "Shares.csv has more than 20,000 rows; at most 20,000 rows of one file are imported"
    )
    assert probe["seconds"] < 10
    # The whole file expanded is ~120 MiB, and its rows as Python objects over 1 GiB.
    assert probe["peak_mib"] - probe["before_mib"] < 150, probe


def test_the_cli_refuses_in_one_line_and_writes_nothing(settings_env, tmp_path, capsys):
    assert main(["init"]) == 0
    from consentry.commands.context import settings, store_engine

    engine = store_engine(settings())
    hand_network(engine)
    before = counts(engine)
    archive = tmp_path / "too-many.zip"
    # Profile and positions come first and are fine; the shares are one row too many.
    archive.write_bytes(
        zip_of(
            {
                "Positions.csv": "Company Name,Title,Started On\nAcme,Engineer,Mar 2019\n",
                "Shares.csv": _shares(linkedin_archive.MAX_ROWS_PER_FILE + 1),
            }
        )
    )
    code = main(["import", "linkedin-export", str(archive), "--member", "bob"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip().splitlines() == [
        "error: Shares.csv has more than 20,000 rows; at most 20,000 rows of one file are imported"
    ]
    assert counts(engine) == before
    engine.dispose()


def test_the_total_is_limited_across_files(monkeypatch):
    monkeypatch.setattr(linkedin_archive, "MAX_TOTAL_ROWS", 5)
    data = zip_of(
        {
            "Skills.csv": "Name\n" + "".join(f"Skill {i}\n" for i in range(3)),
            "Shares.csv": _shares(3),
        }
    )
    with pytest.raises(ArchiveRejected) as refused:
        read_archive(data)
    assert refused.value.status == 413
    assert str(refused.value) == (
        "the archive has more than 5 rows in all; at most 5 are imported at once"
    )


def test_within_the_limits_rows_import_and_progress_reaches_the_end(engine):
    net = hand_network(engine)
    data = zip_of({"Shares.csv": _shares(1_200), "Skills.csv": "Name\nFortran 77\nCOBOL\n"})
    read: list[tuple[int, int]] = []
    parsed = read_archive(data, progress=lambda done, total: read.append((done, total)))
    assert read[0][0] == 0 and read[-1][0] == read[-1][1] > 0
    assert [d for d, _ in read] == sorted(d for d, _ in read)
    wrote: list[tuple[int, int]] = []
    with session_scope(engine) as s:
        report = import_into(
            s,
            parsed,
            member_id=net.members["bob"],
            progress=lambda done, total: wrote.append((done, total)),
        )
    assert report.imported == 1_202
    assert wrote[-1] == (1_202, 1_202)


def test_a_field_past_the_csv_reader_limit_is_a_note_not_an_error():
    data = zip_of({"Skills.csv": "Name\n" + "x" * 200_000 + "\n", "Shares.csv": _shares(2)})
    parsed = read_archive(data)
    assert parsed.reports["Skills.csv"].note.startswith("not readable as CSV")
    assert len(parsed.rows("shares")) == 2
