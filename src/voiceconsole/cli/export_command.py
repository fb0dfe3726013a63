"""`occupiers export`: an occupier's numbers, handsets and floor ports as CSV or JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from voiceconsole.cli.context import Context, Group, say
from voiceconsole.services.exports import KIND_CHOICES, export_to_files, export_to_stream


def register(occupiers: Group) -> None:
    export = occupiers.command(
        "export",
        "an occupier's numbers, handsets and floor ports as CSV (or JSON with --json), "
        "for billing and handover",
        occupiers_export,
    )
    export.add_argument("occupier")
    export.add_argument("--site", help="one site (default: every site where it has anything)")
    export.add_argument(
        "--kind",
        choices=KIND_CHOICES,
        default="numbers",
        help="what to export (default: numbers); CSV of all is three files in the --out directory",
    )
    export.add_argument(
        "--out",
        type=Path,
        help="the file to write (a directory for CSV of all; default: standard output)",
    )


async def occupiers_export(args: argparse.Namespace, ctx: Context) -> None:
    fmt = "json" if ctx.json else "csv"
    if args.out is None:
        result = await export_to_stream(
            ctx.db, args.occupier, site=args.site, kind=args.kind, fmt=fmt, out=sys.stdout
        )
    else:
        result = await export_to_files(
            ctx.db, args.occupier, site=args.site, kind=args.kind, fmt=fmt, out=args.out
        )
    say(result.sentence())  # standard error: standard output is the export
