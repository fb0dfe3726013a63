"""`voiceconsole db check`: the database's integrity and the estate's invariants.

Exit 0 when every check passes, 1 when any found a problem (after printing them all).
"""

from __future__ import annotations

import argparse

from voiceconsole.cli.context import Context, Group
from voiceconsole.cli.output import table
from voiceconsole.domain.checks import LIMIT, CheckResult
from voiceconsole.domain.errors import VoiceconsoleError
from voiceconsole.domain.words import counted
from voiceconsole.services.estate_check import check_estate


class ProblemsFound(VoiceconsoleError):
    """The check ran and found problems: said on stderr, exit 1 (`cli.main`)."""


def register(db: Group) -> None:
    command = db.command(
        "check",
        "check the database's integrity and the estate's invariants (reads only; "
        "exit 1 when any problem)",
        db_check,
    )
    command.add_argument(
        "--quick",
        action="store_true",
        help="SQLite: quick_check instead of integrity_check (does not match each index "
        "against its table; about a third of the time on a large file)",
    )


def _state(check: CheckResult) -> str:
    if check.ok:
        return "ok"
    return f"over {LIMIT:,} problems" if check.more else counted(len(check.violations), "problem")


def _ids(rows: dict[str, list[int]], shown: int = 5) -> str:
    """'phone_numbers 12, 13; occupiers 3': the row ids by table, a few of each."""
    return "; ".join(
        f"{table} {', '.join(str(i) for i in ids[:shown])}{', …' if len(ids) > shown else ''}"
        for table, ids in rows.items()
    )


async def db_check(args: argparse.Namespace, ctx: Context) -> None:
    result = await check_estate(ctx.db, quick=args.quick)

    def text() -> None:
        table(
            ["CHECK", "RESULT", "NOTE"],
            [[c.name, _state(c), c.note] for c in result.checks],
        )
        for check in result.checks:
            if check.ok:
                continue
            print(f"\n{check.name}: {check.description}")
            for violation in check.violations:
                print(f"  {violation.text}")
                if violation.rows:
                    print(f"    rows: {_ids(violation.rows)}")
            if check.more:
                print(f"  … the first {LIMIT:,} shown")

    ctx.emit(result, text)
    if not result.ok:
        failed = [c.name for c in result.checks if not c.ok]
        raise ProblemsFound(
            f"the check found {counted(result.problems, 'problem')} ({', '.join(failed)})"
        )
