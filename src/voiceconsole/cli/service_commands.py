"""`voiceconsole services ...`: voice services and their scheduled changes."""

from __future__ import annotations

import argparse

from voiceconsole.cli.context import CommandTree, Context
from voiceconsole.cli.output import table
from voiceconsole.domain.text import parse_date, parse_day
from voiceconsole.domain.words import counted
from voiceconsole.services import switch_work, voice_services


def register(cli: CommandTree) -> None:
    group = cli.group("services", "voice services")

    add = group.command(
        "add", "add a voice service (the first one runs the automation)", services_add
    )
    _who(add)
    add.add_argument("--product", required=True)
    add.add_argument("--qty", required=True, type=int, help="quantity (voice services)")
    add.add_argument("--dry-run", action="store_true", help="show what would happen, write nothing")

    schedule = group.command("schedule", "schedule a quantity change", services_schedule)
    _who(schedule)
    schedule.add_argument("--product", required=True)
    schedule.add_argument("--qty", required=True, type=int, help="the new quantity")
    schedule.add_argument(
        "--on", required=True, help="effective date: YYYY-MM-DD, 'today', 'tomorrow' or +DAYS"
    )

    cancel = group.command("cancel", "cancel a scheduled change", services_cancel)
    cancel.add_argument("change", type=int, help="the change's id")

    due = group.command("apply-due", "apply due changes and end due cooldowns", services_apply_due)
    due.add_argument(
        "--today",
        help="apply only what is due by this date (default: each site's own today; never later)",
    )

    listing = group.command("list", "voice services with their scheduled changes", services_list)
    listing.add_argument("--site")
    listing.add_argument("--occupier")


def _who(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--occupier", required=True)
    parser.add_argument("--site", required=True)


async def services_add(args: argparse.Namespace, ctx: Context) -> None:
    result = await voice_services.add_services(
        ctx.db,
        ctx.actor,
        occupier=args.occupier,
        site=args.site,
        product=args.product,
        quantity=args.qty,
        dry_run=args.dry_run,
    )

    def text() -> None:
        if result.dry_run:
            print("dry run: nothing was written")
        print("\n".join(result.lines()))

    ctx.emit(result, text)


async def services_schedule(args: argparse.Namespace, ctx: Context) -> None:
    change = await voice_services.schedule_change(
        ctx.db,
        ctx.actor,
        occupier=args.occupier,
        site=args.site,
        product=args.product,
        quantity=args.qty,
        effective_on=parse_day(args.on),
    )
    ctx.emit(
        change,
        lambda: print(
            f"change {change.id}: {change.product} for {change.occupier} at {change.site} to QTY "
            f"{change.new_quantity} on {change.effective_on.isoformat()} ({change.status})"
        ),
    )


async def services_cancel(args: argparse.Namespace, ctx: Context) -> None:
    change = await voice_services.cancel_change(ctx.db, ctx.actor, args.change)
    ctx.emit(change, lambda: print(f"change {change.id} cancelled"))


async def services_apply_due(args: argparse.Namespace, ctx: Context) -> None:
    report = await voice_services.apply_due(
        ctx.db,
        ctx.actor,
        until=parse_date(args.today) if args.today else None,
        gateway=switch_work.gateway_for(ctx.db.url),
    )

    def text() -> None:
        for change in report.applied:
            print(
                f"applied change {change.id}: {change.product} for {change.occupier} at "
                f"{change.site} is now QTY {change.new_quantity}"
            )
        for held in report.held_back:
            print(f"held back change {held['change'].id}: {held['reason']}")
        for plan in report.moved_out:
            print("\n".join(plan.lines()))
        for held in report.move_outs_held_back:
            print(f"held back move-out {held['move_out_id']}: {held['reason']}")
        print(
            f"{counted(len(report.applied), 'change')} applied, {len(report.held_back)} held back, "
            f"{counted(len(report.recycled), 'number')} returned to their pools"
        )

    ctx.emit(report, text)


async def services_list(args: argparse.Namespace, ctx: Context) -> None:
    found = await voice_services.list_services(ctx.db, occupier=args.occupier, site=args.site)
    ctx.emit(
        found,
        lambda: table(
            ["SITE", "OCCUPIER", "PRODUCT", "QTY", "SINCE", "SCHEDULED"],
            [
                [
                    s.site,
                    s.occupier,
                    s.product,
                    s.quantity,
                    s.start_date.isoformat(),
                    "; ".join(
                        f"#{c.id} QTY {c.new_quantity} on {c.effective_on.isoformat()}"
                        for c in s.scheduled
                    ),
                ]
                for s in found
            ],
        ),
    )
