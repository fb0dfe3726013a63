"""Large imports are streamed: memory does not grow with the file beyond a few dozen bytes a
row, progress is said as rows are checked, and a large file's report lists the refused rows
with counts of the rest. Run as `voiceconsole` processes, each reporting its own peak RSS."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from voiceconsole.cli.main import main

PEAK = (
    "import resource, sys\n"
    "from voiceconsole.cli.main import main\n"
    "code = main(sys.argv[1:])\n"
    "print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def one_per_row(path: Path, rows: int, bad_line: int | None = None) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.write("first,last,main_candidate,note\n")
        for n in range(rows):
            line = n + 2
            out.write("not a number,,no,\n" if line == bad_line else f"020 3{n:07d},,no,\n")
    return path


def dry_run(db: Path, csv_file: Path) -> tuple[int, str, str, int]:
    """(exit status, stdout, stderr, peak RSS in kB) of an import dry run."""
    done = subprocess.run(
        [sys.executable, "-c", PEAK, "--db", str(db), "numbers", "import", str(csv_file),
         "--site", "LON1", "--dry-run"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    peak = next(
        int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("PEAK")
    )
    return done.returncode, done.stdout, done.stderr, peak


@pytest.fixture
def site_db(tmp_path: Path) -> Path:
    db = tmp_path / "import.db"
    site = ["sites", "add", "--code", "LON1", "--name", "London", "--country", "GB"]
    assert main(["--db", str(db), "--create", *site, "--timezone", "Europe/London"]) == 0
    return db


@pytest.mark.slow
def test_memory_stays_flat_as_the_file_grows_and_progress_is_said(
    tmp_path: Path, site_db: Path
) -> None:
    small = dry_run(site_db, one_per_row(tmp_path / "small.csv", 10_000))
    large = dry_run(site_db, one_per_row(tmp_path / "large.csv", 210_000))
    assert small[0] == 0 and large[0] == 0, large[2]
    assert "would import 210,000 pool numbers to LON1" in large[1]
    assert "checked 100,000 rows…" in large[2] and "checked 200,000 rows…" in large[2]
    # The whole file held in memory as before cost ~3 KB a row; streamed, a row costs the
    # few dozen bytes of its compact record (plus a sort key while overlaps are checked).
    per_row = (large[3] - small[3]) * 1024 / 200_000
    assert per_row < 400, f"{per_row:.0f} bytes a row"


@pytest.mark.slow
def test_a_large_files_report_lists_its_refused_rows_and_counts_the_rest(
    tmp_path: Path, site_db: Path
) -> None:
    code, out, err, _ = dry_run(site_db, one_per_row(tmp_path / "bad.csv", 5_000, bad_line=4_321))
    assert code == 1, err
    (line,) = out.splitlines()  # the good rows of a large file are not listed
    assert line.startswith("ERR line 4321: not a number: ")
    assert "1 of 5,000 rows refused; nothing was imported" in err
    # Overlaps are found in numeric order, which here is the reverse of the file's: the
    # lowest lines are listed all the same (every row but the first overlaps an earlier
    # one), and the rest counted.
    rows = ["first,last"] + [f"020 3000 {n:04d},020 3000 {n + 1:04d}" for n in range(2_500, 0, -1)]
    (tmp_path / "overlaps.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, out, err, _ = dry_run(site_db, tmp_path / "overlaps.csv")
    listed = out.splitlines()
    assert code == 1 and len(listed) == 1_001, err
    assert [int(line.split()[2].rstrip(":")) for line in listed[:-1]] == list(range(3, 1_003))
    assert listed[-1] == "(and 1,499 more refused rows)"
    assert "2,499 of 2,500 rows refused" in err
