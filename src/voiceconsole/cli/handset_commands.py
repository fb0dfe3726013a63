"""`voiceconsole handsets ...`: the handset inventory and logging numbers in and out."""

from __future__ import annotations

import argparse
from pathlib import Path

from voiceconsole.cli.context import CommandTree, Context, not_all_done, read_csv_text
from voiceconsole.cli.output import print_json, table
from voiceconsole.domain.phone import national
from voiceconsole.services import handsets, provisioning
from voiceconsole.services.provisioning import ResyncOutcome


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

    again = group.command(
        "resync",
        "ask phones to fetch their files again: a handset, a number's handset, or every "
        "handset of a site with a line pending (exit 3 if a phone did not answer)",
        handsets_resync,
    )
    which = again.add_mutually_exclusive_group(required=True)
    which.add_argument("--site", help="every handset there with a line pending re-sync")
    which.add_argument("--handset", help="its MAC address or id")
    which.add_argument("--number", help="the handset this number is logged in to")

    edit = group.command(
        "edit", "change a handset's label, floor port or SIP address", handsets_edit
    )
    edit.add_argument("handset", help="its MAC address or id")
    edit.add_argument("--label")
    edit.add_argument("--floor-port", help='the floor port it is plugged into ("" for none)')
    edit.add_argument("--sip-address", help='host[:port] ("" for none)')

    move = group.command(
        "move", "give a handset to an occupier of its site, or back to stock", handsets_move
    )
    move.add_argument("handset", help="its MAC address or id")
    to = move.add_mutually_exclusive_group(required=True)
    to.add_argument("--to", metavar="OCCUPIER")
    to.add_argument("--stock", action="store_true", help="back to stock")

    mark = group.command(
        "mark",
        "mark a handset faulty or retired (its lines are logged out), or in stock",
        handsets_mark,
    )
    mark.add_argument("handset", help="its MAC address or id")
    mark.add_argument("state", choices=["faulty", "retired", "in_stock"])
    mark.add_argument("--reason", default="", help="why, for the journal")

    staging = group.command(
        "staging",
        "what to set on a phone so it fetches its files: the provisioning URL, its user and "
        "password (the one place the password is shown)",
        handsets_staging,
    )
    staging.add_argument("handset", help="its MAC address or id")


def _print(found: list[handsets.HandsetView]) -> None:
    table(
        ["HANDSET", "MAC", "MODEL", "STATE", "OCCUPIER", "PORT", "LOGIN", "LINES"],
        [
            [
                h.label or "-",
                h.mac,
                h.model,
                h.state.replace("_", " "),
                h.occupier or "-",
                h.floor_port or "-",
                h.login_method,
                f"{len(h.lines)}/{h.line_keys} "
                + ", ".join(
                    f"{key}:{national(number)}({status})" for key, number, status in h.lines
                ),
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
        if done.asked_again:
            print(f"{args.number} was on {done.handset.name} already: the phone was asked again")
        _print([done.handset])
        _print_resyncs([r for r in (done.resync, done.moved_from) if r is not None])

    ctx.emit(done, text)


def _print_resyncs(outcomes: list[ResyncOutcome]) -> None:
    for outcome in outcomes:
        said = "the phone answered the re-sync request" if outcome.resynced else outcome.reason
        print(f"{outcome.handset}: {said}")


async def handsets_resync(args: argparse.Namespace, ctx: Context) -> None:
    outcomes = await provisioning.resync(
        ctx.db, ctx.actor, site=args.site, handset=args.handset, number=args.number
    )

    def text() -> None:
        _print_resyncs(outcomes)
        if not outcomes:
            print("no handset to ask (no line is pending re-sync there)")

    ctx.emit(outcomes, text)
    if any(not o.resynced for o in outcomes):
        not_all_done()  # a phone did not answer: its lines stay pending


async def handsets_edit(args: argparse.Namespace, ctx: Context) -> None:
    changes: dict[str, object] = {}
    if args.floor_port is not None:
        changes["floor_port"] = args.floor_port or None
    if args.sip_address is not None:
        changes["sip_address"] = args.sip_address or None
    view = await handsets.edit_handset(
        ctx.db, ctx.actor, handset=args.handset, label=args.label, **changes
    )
    ctx.emit(view, lambda: _print([view]))


def _print_inventory(done: handsets.InventoryResult) -> None:
    _print([done.handset])
    if done.logged_out:
        print(f"logged out: {', '.join(national(e) for e in done.logged_out)}")
    _print_resyncs([done.resync] if done.resync else [])


async def handsets_move(args: argparse.Namespace, ctx: Context) -> None:
    done = await handsets.move_handset(
        ctx.db, ctx.actor, handset=args.handset, occupier=None if args.stock else args.to
    )
    ctx.emit(done, lambda: _print_inventory(done))


async def handsets_mark(args: argparse.Namespace, ctx: Context) -> None:
    done = await handsets.set_handset_state(
        ctx.db, ctx.actor, handset=args.handset, state=args.state, reason=args.reason
    )
    ctx.emit(done, lambda: _print_inventory(done))


async def handsets_staging(args: argparse.Namespace, ctx: Context) -> None:
    staged = await provisioning.staging(ctx.db, args.handset)

    def text() -> None:
        print(f"provisioning URL: {staged.url}")
        print(f"user:             {staged.user}")
        print(f"password:         {staged.password}")
        print(f"the phone asks for {staged.first_file} first")

    ctx.emit(staged.to_dict(), text)


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
    rows = handsets.handset_csv_rows(text, args.site)
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
