"""Import 1,000,000 numbers with `numbers import` against a plain sqlite3 executemany.

Both write the same rows into the same migrated schema (same indexes, same pragmas). The
baseline's rows are built before its clock starts; ours include reading the CSV, validating
every row, checking overlaps and the audit entry. Target: at least half the raw speed.

Then memory: `voiceconsole numbers import --dry-run` of a file with one number per row (the
shape that costs memory: every row is read, parsed and checked), run as a process of its
own; its peak RSS beside the same command's on a one-row file (the process's fixed cost),
and its speed. Target: a 1,000,000-row file under 500 MB.

    python bench/import_numbers.py [--numbers 1000000] [--rows 1000000]
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import emit, fresh_sqlite, run

from voiceconsole.domain.states import NumberState, Origin
from voiceconsole.services.number_import import import_numbers, read_csv
from voiceconsole.services.sites import create_site

RANGE = 100_000  # the largest range one CSV row may hold
FIRST = 442030000000  # 020 3000 0000: valid London numbers (not fiction: a million do not exist)


def csv_text(count: int) -> str:
    lines = ["first,last"]
    for start in range(FIRST, FIRST + count, RANGE):
        lines.append(f"+{start},+{min(start + RANGE, FIRST + count) - 1}")
    return "\n".join(lines) + "\n"


def raw_rows(count: int, site_id: int, range_id: int) -> list[tuple]:
    return [
        (
            f"+{v}",
            v,
            site_id,
            range_id,
            Origin.POOL.value,
            NumberState.AVAILABLE.value,
            None,
            0,
            0,
            "",
            0,
            0,
        )
        for v in range(FIRST, FIRST + count)
    ]


RAW_INSERT = (
    "INSERT INTO phone_numbers (e164, e164_value, site_id, range_id, origin, state, occupier_id,"
    " is_main, main_candidate, label, voicemail, dnd) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def one_per_row(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("first,last,main_candidate,note\n")
        for n in range(rows):
            out.write(f"020 3{n:07d},,no,\n")


# The child reports its own peak RSS (kB on Linux) as it ends.
PEAK = (
    "import resource, sys\n"
    "from voiceconsole.cli.main import main\n"
    "code = main(sys.argv[1:])\n"
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def dry_run(db: Path, csv_file: Path) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of `numbers import --dry-run` in a process of its own."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PEAK, "--db", str(db), "numbers", "import", str(csv_file),
         "--site", "LON1", "--dry-run"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu, int(done.stderr.strip().splitlines()[-1]) / 1024


async def memory(work: Path, rows: int) -> dict[str, object]:
    db = await fresh_sqlite(work / "memory.db")
    await create_site(
        db, "bench", code="LON1", name="London", country="GB", timezone="Europe/London"
    )
    await db.close()
    one_per_row(work / "one.csv", 1)
    one_per_row(work / "many.csv", rows)
    _, _, baseline_mb = dry_run(work / "memory.db", work / "one.csv")
    wall, cpu, peak_mb = dry_run(work / "memory.db", work / "many.csv")
    return {
        "rows": rows,
        "file_mb": round((work / "many.csv").stat().st_size / 2**20, 1),
        "peak_rss_mb": round(peak_mb, 1),
        "one_row_rss_mb": round(baseline_mb, 1),
        "bytes_per_row": round((peak_mb - baseline_mb) * 2**20 / rows),
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "rows_per_s": round(rows / wall),
        "target": "peak_rss_mb < 500 for 1,000,000 rows",
        "met": peak_mb < 500 if rows >= 1_000_000 else None,
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--numbers", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the memory run")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vc-bench-"))

    # Baseline: the same schema, a site and a range row, then one executemany.
    db = await fresh_sqlite(work / "raw.db")
    await create_site(
        db, "bench", code="LON1", name="London", country="GB", timezone="Europe/London"
    )
    await db.close()
    rows = raw_rows(args.numbers, 1, None)  # type: ignore[arg-type]
    conn = sqlite3.connect(work / "raw.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(RAW_INSERT, rows)
    conn.execute("COMMIT")
    raw_s = time.perf_counter() - started
    conn.close()
    del rows

    db = await fresh_sqlite(work / "ours.db")
    await create_site(
        db, "bench", code="LON1", name="London", country="GB", timezone="Europe/London"
    )
    text = csv_text(args.numbers)
    started = time.perf_counter()
    report = await import_numbers(db, "bench", read_csv(text), site="LON1")
    ours_s = time.perf_counter() - started
    await db.close()
    assert report.total == args.numbers

    emit(
        "import_numbers",
        {
            "numbers": args.numbers,
            "raw_sqlite3_executemany_s": round(raw_s, 3),
            "voiceconsole_import_s": round(ours_s, 3),
            "raw_rows_per_s": round(args.numbers / raw_s),
            "voiceconsole_rows_per_s": round(args.numbers / ours_s),
            "speed_vs_raw": round(raw_s / ours_s, 3),
            "target": "speed_vs_raw >= 0.5",
            "met": raw_s / ours_s >= 0.5,
            "memory_one_number_per_row_dry_run": await memory(work, args.rows),
        },
    )


if __name__ == "__main__":
    run(main)
