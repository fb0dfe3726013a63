"""`voiceconsole occupiers move-out ...`: an occupier leaving a site (services/move_outs.py)."""

from __future__ import annotations

import argparse

from voiceconsole.cli.context import Context, Group, not_all_done
from voiceconsole.domain.text import parse_day
from voiceconsole.services import move_outs, switch_work


def register(occupiers: Group) -> None:
    command = occupiers.command(
        "move-out",
        "move an occupier out of a site: now, or scheduled for a date (--dry-run to preview)",
        occupiers_move_out,
    )
    command.add_argument("occupier")
    command.add_argument("--site", required=True)
    command.add_argument(
        "--date", default="today", help="YYYY-MM-DD, 'today' (default), 'tomorrow' or +DAYS"
    )
    what = command.add_mutually_exclusive_group()
    what.add_argument(
        "--dry-run", action="store_true", help="show what would happen, write nothing"
    )
    what.add_argument("--cancel", action="store_true", help="cancel the scheduled move-out")
    what.add_argument(
        "--retry", action="store_true", help="set the floor ports a switch did not take again"
    )


async def occupiers_move_out(args: argparse.Namespace, ctx: Context) -> None:
    who = {"occupier": args.occupier, "site": args.site}
    if args.cancel:
        plan = await move_outs.cancel_move_out(ctx.db, ctx.actor, **who)
        ctx.emit(
            plan, lambda: print(f"the move-out on {plan.effective_on.isoformat()} is cancelled")
        )
        return
    gateway = switch_work.gateway_for(ctx.db.url)
    if args.retry:
        plan = await move_outs.retry_move_out_ports(ctx.db, gateway, ctx.actor, **who)
    else:
        plan = await move_outs.move_out(
            ctx.db,
            ctx.actor,
            **who,
            effective_on=parse_day(args.date),
            dry_run=args.dry_run,
            gateway=gateway,
        )

    def text() -> None:
        if plan.dry_run:
            print("dry run: nothing was written")
        print("\n".join(plan.lines()))

    ctx.emit(plan, text)
    if plan.ports_left and plan.status == "applied":
        not_all_done()
