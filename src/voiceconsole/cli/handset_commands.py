"""`voiceconsole handsets ...`: the handset inventory and logging numbers in and out."""

from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path

from voiceconsole.cli.context import CommandTree, Context, read_csv_text
from voiceconsole.cli.output import print_json, table
from voiceconsole.services import handsets


def register(cli: CommandTree) -> None:
    group = cli.group("handsets", "handsets and the numbers logged in to them")

    listing = group.command("list", "a site's handsets with their lines", handsets_list)
    listing.add_argument("--site", required=True)
    listing.add_argument("--occupier")

    add = group.command("add", "put a handset in the inventory", handsets_add)
    add.add_argument("--mac", required=True)
    add.add_argument("--model", required=True, help="a device model code, e.g. yealink-t54w")
    add.add_argument("--site", required=True)
    add.add_argument("--occupier")
    add.add_argument("--floor-port", help="the floor port label it is plugged into")
    add.add_argument("--label", default="")
    add.add_argument("--sip-address", help="host[:port] where the phone is told to re-sync")

    login = group.command("login", "log a number in to a handset", handsets_login)
    login.add_argument("number")
    login.add_argument("--handset", required=True, help="its MAC address or id")
    login.add_argument(
        "--move", action="store_true", help="move it if it is logged in to another handset"
    )

    logout = group.command("logout", "log a number out of its handset", handsets_logout)
    logout.add_argument("number")

    imported = group.command(
        "import",
        "handsets from a CSV file (mac, model, occupier, floor_port, label)",
        handsets_import,
    )
    imported.add_argument("file", type=Path, help="CSV file, or - for standard input")
    imported.add_argument("--site", required=True)
    imported.add_argument("--dry-run", action="store_true", help="check every row, write nothing")

    locate = group.command(
        "locate", "set handsets' floor ports from where the switches saw them", handsets_locate
    )
    locate.add_argument("--site", required=True)

    done = group.command(
        "manual-done", "record that a number was logged in by hand on its handset", handsets_done
    )
    done.add_argument("number")


def _print(found: list[handsets.HandsetView]) -> None:
    table(
        ["HANDSET", "MAC", "MODEL", "OCCUPIER", "PORT", "LOGIN", "LINES"],
        [
            [
                h.label or "-",
                h.mac,
                h.model,
                h.occupier or "-",
                h.floor_port or "-",
                h.login_method,
                f"{len(h.lines)}/{h.line_keys} "
                + " ".join(f"{key}:{number}({status})" for key, number, status in h.lines),
            ]
            for h in found
        ],
    )


async def handsets_list(args: argparse.Namespace, ctx: Context) -> None:
    found = await handsets.list_handsets(ctx.db, site=args.site, occupier=args.occupier)
    ctx.emit(found, lambda: _print(found))


async def handsets_add(args: argparse.Namespace, ctx: Context) -> None:
    view = await handsets.add_handset(
        ctx.db,
        ctx.actor,
        mac=args.mac,
        model=args.model,
        site=args.site,
        occupier=args.occupier,
        floor_port=args.floor_port,
        label=args.label,
        sip_address=args.sip_address,
    )
    ctx.emit(view, lambda: _print([view]))


async def handsets_login(args: argparse.Namespace, ctx: Context) -> None:
    done = await handsets.login_number(
        ctx.db, ctx.actor, handset=args.handset, number=args.number, move=args.move
    )

    def text() -> None:
        _print([done.handset])
        for resync in (done.resync, done.moved_from):
            if resync is not None:
                said = "re-synced" if resync.resynced else resync.reason
                print(f"{resync.handset}: {resync.file} written; {said}")

    ctx.emit(done, text)


async def handsets_logout(args: argparse.Namespace, ctx: Context) -> None:
    name = await handsets.logout_number(ctx.db, ctx.actor, number=args.number)
    ctx.emit({"number": args.number, "handset": name}, lambda: print(f"logged out of {name}"))


async def handsets_done(args: argparse.Namespace, ctx: Context) -> None:
    view = await handsets.confirm_manual_login(ctx.db, ctx.actor, number=args.number)
    ctx.emit(view, lambda: _print([view]))


def _print_import(report: handsets.HandsetImportReport) -> None:
    if report.dry_run:
        print("dry run: nothing was written")
    for row in report.rows:
        print(f"line {row.line}: {row.mac or '(no MAC)'}: {row.message}")


async def handsets_import(args: argparse.Namespace, ctx: Context) -> None:
    text = read_csv_text(args.file)
    rows = list(csv.DictReader(io.StringIO(text)))
    try:
        report = await handsets.import_handsets(
            ctx.db, ctx.actor, rows, site=args.site, dry_run=args.dry_run
        )
    except handsets.HandsetImportRefused as refused:
        if ctx.json:
            print_json(refused.report)
        else:
            _print_import(refused.report)
        raise
    ctx.emit(report, lambda: _print_import(report))


async def handsets_locate(args: argparse.Namespace, ctx: Context) -> None:
    moved = await handsets.locate_handsets(ctx.db, ctx.actor, site=args.site)

    def text() -> None:
        for name, port in moved:
            print(f"{name}: on {port}")
        if not moved:
            print("no handset moved (read the ports first: voiceconsole ports refresh)")

    ctx.emit([{"handset": h, "floor_port": p} for h, p in moved], text)
