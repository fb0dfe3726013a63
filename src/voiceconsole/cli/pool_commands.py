"""`voiceconsole pool`: the pool forecast per site, and the operator's warning days."""

from __future__ import annotations

import argparse
import datetime as dt

from voiceconsole.cli.context import CommandTree, Context
from voiceconsole.cli.output import table
from voiceconsole.domain.words import counted
from voiceconsole.services import forecast


def register(cli: CommandTree) -> None:
    pool = cli.group("pool", "site pools: the forecast")
    ahead = pool.command(
        "forecast",
        "per site: numbers taken a week (last 90 days), cooldowns coming back, open port-ins, "
        "and the day the pool is forecast low and short of the next batch",
        pool_forecast,
    )
    ahead.add_argument("--site", help="one site (default: every site)")
    days = pool.command(
        "warning-days",
        "how many days ahead the sites list warns of a pool forecast low, for the sites "
        "without their own (sites edit --forecast-warning-days)",
        warning_days,
    )
    days.add_argument("days", type=int)


def _day(day: dt.date | None, days: int | None) -> str:
    if day is None or days is None:
        return "-"
    if days == 0:
        return "now"
    return f"{day.isoformat()} ({counted(days, 'day')})"


async def pool_forecast(args: argparse.Namespace, ctx: Context) -> None:
    if args.site:
        found = [await forecast.pool_forecast(ctx.db, args.site)]
    else:
        found = await forecast.pool_forecasts(ctx.db)

    def text() -> None:
        table(
            ["SITE", "AVAILABLE", "TAKEN 90D", "A WEEK", "LOW <", "LOW", "SHORT <", "SHORT"],
            [
                [
                    f.site,
                    f.available,
                    f.taken_last_90_days,
                    f"{f.rate_a_week:.1f}",
                    f.low_limit,
                    _day(f.low_on, f.days_to_low),
                    f.next_batch,
                    _day(f.short_on, f.days_to_short),
                ]
                for f in found
            ],
        )
        for f in found:
            if f.warning:
                print(
                    f"{f.site}: forecast LOW in {counted(f.days_to_low or 0, 'day')} "
                    f"(warned {counted(f.warning_days, 'day')} ahead)"
                )
            for back in f.returning:
                print(
                    f"{f.site}: {counted(back['numbers'], 'number')} back from cooldown on "
                    f"{back['on'].isoformat()}"
                )
            for order in f.port_ins:
                when = (
                    f"agreed for {order.agreed_on.isoformat()}"
                    if order.agreed_on
                    else (f"{order.state}, asked for {order.requested_on.isoformat()}")
                )
                print(
                    f"{f.site}: port-in for {order.occupier}: "
                    f"{counted(order.numbers, 'number')}, {when} (the occupier's, not the pool's)"
                )

    ctx.emit(found, text)


async def warning_days(args: argparse.Namespace, ctx: Context) -> None:
    value = await forecast.set_operator_warning_days(ctx.db, ctx.actor, args.days)
    ctx.emit(
        {"forecast_warning_days": value},
        lambda: print(
            f"the sites list warns {counted(value, 'day')} before a pool is forecast low "
            "(sites without their own setting)"
        ),
    )
