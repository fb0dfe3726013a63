"""Import 1,000,000 numbers with `numbers import` against a plain sqlite3 executemany.

Both write the same rows into the same migrated schema (same indexes, same pragmas). The
baseline's rows are built before its clock starts; ours include reading the CSV, validating
every row, checking overlaps and the audit entry. Target: at least half the raw speed.

    python bench/import_numbers.py [--numbers 1000000]
"""

from __future__ import annotations

import argparse
import sqlite3
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


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--numbers", type=int, default=1_000_000)
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
        },
    )


if __name__ == "__main__":
    run(main)
