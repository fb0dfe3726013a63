"""The pool forecast's cost in the sites list, against the same list without it, in one run.

The large data set (200 sites, 1,000,000 numbers) gets a year of journal entries (100,000,
one every 315 s) like `ui.py`'s, but those that take numbers carry real `after` data: a
`services.add` its 5 allocated numbers, a `numbers.allocate` 1 to 3 numbers (and two subjects,
as the service writes). Measured, each a median of `--repeat` calls:

- a page of 25 sites as the list reads it on a refresh or a filter keystroke, the warnings
  known (ours) against the same page with the warnings left out (the baseline);
- the same page with every warning to work out again (as after a change to each site);
- one site's whole forecast (`pool forecast --site`, the site screen's chart).

`--quick`: the sample data instead (a smoke run).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from common import emit, fresh_sqlite, run, summary
from services_add import default_data_path, large_data

from voiceconsole.db.database import Database
from voiceconsole.services import forecast, sites
from voiceconsole.services.seed import load_sample_data

JOURNAL_ENTRIES = 100_000


def add_journal(path: Path, entries: int) -> None:
    weights = {"numbers.configure": 30, "numbers.allocate": 10, "services.add": 10, "other": 50}
    names, shares = zip(*weights.items(), strict=True)
    rng = random.Random(1)
    conn = sqlite3.connect(path, isolation_level=None)
    count = conn.execute("SELECT count(*) FROM sites").fetchone()[0]
    first = conn.execute("SELECT coalesce(max(id), 0) FROM audit_entries").fetchone()[0] + 1
    start = time.time() - 365 * 86400
    rows, subjects = [], []
    for i in range(entries):
        action = rng.choices(names, shares)[0]
        site = rng.randrange(count) + 1
        at = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(start + i * 315)) + ".000000"
        after = None
        if action == "services.add":
            after = {"allocated": [f"+4420300{n:05d}" for n in range(5)], "automation": "applied"}
        elif action == "numbers.allocate":
            after = [{"e164": f"+4420300{n:05d}"} for n in range(rng.randrange(1, 4))]
            subjects.append((first + i, site, None))
        rows.append((first + i, at, "bench", action, action, json.dumps(after)))
        subjects.append((first + i, site, 1))
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO audit_entries (id, at, actor, action, summary, after) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.executemany(
        "INSERT INTO audit_subjects (audit_id, site_id, occupier_id) VALUES (?, ?, ?)", subjects
    )
    conn.execute("COMMIT")
    conn.close()


async def timed(call: Callable[[], Awaitable[Any]], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    return times


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="the sample data (smoke test)")
    parser.add_argument("--repeat", type=int, default=25)
    parser.add_argument("--data", type=Path, default=default_data_path())
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vc-bench-forecast-"))
    copy = work / "forecast.db"
    try:
        if args.quick:
            db = await fresh_sqlite(copy)
            await load_sample_data(db, "sample-data")
            await db.close()
            site = "LON1"
        else:
            await large_data(args.data)
            shutil.copyfile(args.data, copy)
            add_journal(copy, JOURNAL_ENTRIES)
            site = "S001"
        db = await Database.open(str(copy))
        try:
            page = lambda: sites.list_sites(db, limit=25)  # noqa: E731
            await page()  # the warnings worked out once, as the console's first page does
            ours = await timed(page, args.repeat)
            known = sites.forecast_warnings

            async def forget(*a: Any, **k: Any) -> Any:
                forecast._WARNINGS.clear()
                return await known(*a, **k)

            async def left_out(session: Any, shown: Any, *a: Any, **k: Any) -> Any:
                return {s.id: None for s in shown}

            sites.forecast_warnings = forget  # type: ignore[assignment]
            again = await timed(page, args.repeat)
            sites.forecast_warnings = left_out  # type: ignore[assignment]
            baseline = await timed(page, args.repeat)
            sites.forecast_warnings = known
            one = await timed(lambda: forecast.pool_forecast(db, site), args.repeat)
        finally:
            await db.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    emit(
        "forecast",
        {
            "dataset": "small" if args.quick else f"large + {JOURNAL_ENTRIES:,} entries",
            "sites_page_warnings_known": summary(ours),
            "sites_page_without_warnings": summary(baseline),
            "sites_page_warnings_worked_out_again": summary(again),
            "one_site_forecast": summary(one),
            "ratio_known_to_without": round(
                summary(ours)["median_ms"] / summary(baseline)["median_ms"], 2
            ),
        },
    )


if __name__ == "__main__":
    run(main)
