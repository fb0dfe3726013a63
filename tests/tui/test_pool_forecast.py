"""The pool forecast in the console: the sites list's warning ahead, and the site screen's
chart of the pool (the weeks past from the journal, the weeks ahead forecast)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from conftest import keys_then_settle, press, run, with_db
from helpers import noon_in_london
from textual.widgets import Static

from voiceconsole import clock
from voiceconsole.db.database import Database
from voiceconsole.services import forecast, numbers, sites
from voiceconsole.services.voice_services import add_services
from voiceconsole.tui.screens.site import SiteScreen
from voiceconsole.tui.widgets.list_table import ListTable

# Four first-time services at LON1 (QTY 24 + the main number: 25 each), a week apart after the
# sample data's day (2026-11-19); the console is looked at on 2027-01-14.
# (Greyhound gave its desk lines up in the sample: its softphones are a first time too.)
NEWCOMERS = (
    ("indigo-health", "desk-line"),
    ("juniper-robotics", "desk-line"),
    ("square-brackets", "desk-line"),
    ("greyhound-logistics", "soft-line"),
)
LATER = noon_in_london(dt.date(2027, 1, 14))


def _busy_weeks(url: str) -> None:
    async def work(db: Database) -> None:
        for week, (occupier, product) in enumerate(NEWCOMERS, start=1):
            with clock.frozen(noon_in_london(dt.date(2026, 11, 19) + dt.timedelta(weeks=week))):
                await add_services(
                    db, "qa", occupier=occupier, site="LON1", product=product, quantity=24
                )

    run(with_db(url, work))


async def _warn_lon1(url: str, days: int) -> None:
    async def work(db: Database) -> None:
        await sites.edit_site(db, "qa", "LON1", forecast_warning_days=days)

    await with_db(url, work)


async def _allocate_five(db: Database) -> None:
    free = await numbers.list_numbers(db, site="LON1", state="available", limit=5)
    await numbers.allocate_numbers(
        db, "colleague", [n.e164 for n in free], occupier="indigo-health", site="LON1"
    )


def _pool_cells(app: Any) -> dict[str, str]:
    table = app.screen.query_one(ListTable)
    return {
        table.get_row_at(i)[0].plain: table.get_row_at(i)[2].plain for i in range(table.row_count)
    }


def test_sites_list_warns_ahead_80x24(make_app, console_db, snap_compare) -> None:
    # LON1 is forecast LOW in 653 days (60 taken in the sample's 90 days: 4.7 a week, from
    # 440 to under 10); warned 700 days ahead, it says so. LDS1 is LOW now.
    run(_warn_lon1(console_db, 700))
    assert snap_compare(make_app(), run_before=keys_then_settle(), terminal_size=(80, 24))


def test_site_screen_pool_chart_80x24(make_app, console_db, snap_compare) -> None:
    _busy_weeks(console_db)
    with clock.frozen(LATER):
        assert snap_compare(
            make_app(apply_due_on_start=False),
            run_before=keys_then_settle("down", "enter"),
            terminal_size=(80, 24),
        )


async def test_warning_and_chart_follow_the_settings_by_keyboard(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot)
        assert _pool_cells(app) == {
            "LDS1": "LOW",
            "LON1": "ok",
            "MAN1": "ok",
            "NYC1": "ok",
            "SFO1": "ok",
        }
        # A colleague sets LON1's warning to 700 days; refreshing the list shows it.
        await _warn_lon1(console_db, 700)
        await press(pilot, "r")
        assert _pool_cells(app)["LON1"] == "low 653d"
        await press(pilot, "down", "enter")
        assert isinstance(app.screen, SiteScreen) and app.screen.site == "LON1"
        chart = app.screen.query_one("#pool-chart", Static).render()
        assert chart.plain.startswith("Pool ")
        assert chart.plain.endswith("440 available · −4.7/week · LOW in 653 days")

        # The figures are the service's: the chart is one line of them.
        async def read(db: Database) -> forecast.PoolForecast:
            return await forecast.pool_forecast(db, "LON1")

        seen = await with_db(console_db, read)
        assert (seen.days_to_low, seen.warning, len(seen.weeks)) == (653, True, 25)
        # A colleague allocates 5 of LON1's numbers by hand; back from an occupier, the chart
        # has them: 435 available, 65 taken in 90 days (5.1 a week); LOW from day 90 + 505 + 1
        # (435 - 65 + the 5 back from cooldown on day 90 is 375; 365 / (65 / 90) = 505.4).
        await with_db(console_db, _allocate_five)
        await press(pilot, "enter", "escape")
        chart = app.screen.query_one("#pool-chart", Static).render()
        assert chart.plain.endswith("435 available · −5.1/week · LOW in 596 days")
        # Back, and LDS1 opened: LOW now, said in red.
        await press(pilot, "escape", "up", "enter")
        assert app.screen.site == "LDS1"
        chart = app.screen.query_one("#pool-chart", Static).render()
        assert chart.plain.endswith("5 available · −2.3/week · LOW now")
