"""`voiceconsole ports-in ...`: port-in orders (numbers an occupier brings from another
carrier). Named `ports-in`, not `ports`, which are the floor ports."""

from __future__ import annotations

import argparse

from voiceconsole.cli.context import CommandTree, Context
from voiceconsole.cli.output import table
from voiceconsole.domain.porting import PortingState
from voiceconsole.domain.text import parse_day
from voiceconsole.domain.words import counted
from voiceconsole.services import porting
from voiceconsole.services.porting import PortInView

_DAY = "YYYY-MM-DD, 'today', 'tomorrow' or +DAYS (the site's calendar)"


def register(cli: CommandTree) -> None:
    group = cli.group("ports-in", "port-in orders: numbers an occupier brings from its carrier")

    add = group.command("add", "record a port-in order and hold its numbers", ports_in_add)
    add.add_argument("--occupier", required=True)
    add.add_argument("--site", required=True)
    add.add_argument("--carrier", required=True, help="the losing carrier")
    add.add_argument("--account", required=True, help="the occupier's account with that carrier")
    add.add_argument("--requested", required=True, help=f"the date asked for: {_DAY}")
    add.add_argument(
        "--numbers",
        required=True,
        action="append",
        help="numbers and ranges, e.g. '020 7946 0500..0509, 020 7946 0600' (may be repeated)",
    )

    listing = group.command("list", "port-in orders by due date, late ones marked", ports_in_list)
    listing.add_argument("--site")
    listing.add_argument("--occupier")
    listing.add_argument("--open", action="store_true", help="only orders still open")

    advance = group.command(
        "advance",
        "move an order on: submitted, agreed (with --date), completed, or rejected (--reason)",
        ports_in_advance,
    )
    advance.add_argument("order", help="the order's number, e.g. 3 or #3")
    advance.add_argument(
        "--to",
        choices=[s.value for s in PortingState if s is not PortingState.REQUESTED],
        help="the state to move to (default: the next one)",
    )
    advance.add_argument("--date", help=f"the date the carrier agreed: {_DAY}")
    advance.add_argument("--reason", default="", help="why the carrier rejected it")

    cancel = group.command(
        "cancel", "withdraw an open order; its numbers are let go", ports_in_cancel
    )
    cancel.add_argument("order", help="the order's number")
    cancel.add_argument("--reason", required=True)


def _line(order: PortInView) -> str:
    state = order.state
    if order.agreed_on and order.is_open:
        state = f"agreed for {order.agreed_on.isoformat()}"
    return (
        f"port-in #{order.id} for {order.occupier} at {order.site}: {state}; "
        f"{counted(order.number_count, 'number')} from {order.losing_carrier} "
        f"({order.numbers_text})"
    )


async def ports_in_add(args: argparse.Namespace, ctx: Context) -> None:
    order = await porting.add_port_in(
        ctx.db,
        ctx.actor,
        occupier=args.occupier,
        site=args.site,
        losing_carrier=args.carrier,
        account_ref=args.account,
        requested_on=parse_day(args.requested),
        numbers=",".join(args.numbers),
    )
    ctx.emit(order, lambda: print(_line(order)))


async def ports_in_advance(args: argparse.Namespace, ctx: Context) -> None:
    order = await porting.advance_port_in(
        ctx.db,
        ctx.actor,
        args.order,
        to=args.to,
        agreed_on=parse_day(args.date) if args.date else None,
        reason=args.reason,
    )
    ctx.emit(order, lambda: print(_line(order)))


async def ports_in_cancel(args: argparse.Namespace, ctx: Context) -> None:
    order = await porting.cancel_port_in(ctx.db, ctx.actor, args.order, reason=args.reason)
    ctx.emit(order, lambda: print(_line(order)))


async def ports_in_list(args: argparse.Namespace, ctx: Context) -> None:
    found = await porting.list_port_ins(
        ctx.db, site=args.site, occupier=args.occupier, open_only=args.open
    )
    ctx.emit(
        found,
        lambda: table(
            ["#", "SITE", "OCCUPIER", "STATE", "DUE", "NUMBERS", "CARRIER", "ACCOUNT", "LATE"],
            [
                [
                    o.id,
                    o.site,
                    o.occupier,
                    o.state,
                    o.due_on.isoformat(),
                    o.number_count,
                    o.losing_carrier,
                    o.account_ref,
                    o.late or (o.reason if not o.is_open else ""),
                ]
                for o in found
            ],
        ),
    )
