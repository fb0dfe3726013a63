"""The pool forecast: its arithmetic by hand, and the service on a journal written through the
service layer over four months (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest
from helpers import (
    ACTOR,
    FROZEN_NOW,
    add_numbers,
    london,
    make_occupier,
    make_products,
    make_site,
    new_york,
    noon_in_london,
)
from sqlalchemy import func, select

from voiceconsole import clock
from voiceconsole.cli.main import main
from voiceconsole.db.database import Database
from voiceconsole.db.models import (
    NumberRange,
    Occupier,
    PhoneNumber,
    PortingOrder,
    Site,
)
from voiceconsole.domain import forecast as f
from voiceconsole.domain.errors import InvalidInput
from voiceconsole.domain.porting import PortingState
from voiceconsole.domain.states import NumberState, Origin
from voiceconsole.services import forecast, numbers, sites
from voiceconsole.services.seed import load_sample_data
from voiceconsole.services.voice_services import add_services, apply_due

TODAY = dt.date(2026, 11, 19)
D = dt.date


# --- the arithmetic, by hand ---------------------------------------------------------------


def test_rate_counts_the_last_90_days_only() -> None:
    # The window is 2026-08-22 (today - 89 days) .. today: 45 numbers in it, 20 before.
    taken = [(D(2026, 8, 21), 20), (D(2026, 8, 22), 15), (D(2026, 11, 19), 30)]
    assert f.daily_rate(taken, TODAY) == 45 / 90  # 0.5 a day
    assert f.weekly(f.daily_rate(taken, TODAY)) == 3.5  # 0.5 * 7


def test_returning_cooldowns_by_date() -> None:
    cooling = [(D(2026, 12, 1), 2), (D(2026, 11, 2), 1), (None, 1), (D(2026, 12, 1), 3)]
    # A cooldown already over (or without a date) comes back today.
    assert f.returning_by_date(cooling, TODAY) == [(TODAY, 2), (D(2026, 12, 1), 5)]


def test_first_day_below_a_limit() -> None:
    # 20 available, 0.5 taken a day, LOW below 10: 20 - 0.5 t < 10 from t = 21.
    assert f.first_day_below(20, 0.5, [], TODAY, 10) == TODAY + dt.timedelta(days=21)
    # 3 back from cooldown on day 10: from then 23 - 0.5 t < 10, so t = 27 (not 21).
    back = [(TODAY + dt.timedelta(days=10), 3)]
    assert f.first_day_below(20, 0.5, back, TODAY, 10) == TODAY + dt.timedelta(days=27)
    # Short of a batch of 5: 23 - 0.5 t < 5 from t = 37.
    assert f.first_day_below(20, 0.5, back, TODAY, 5) == TODAY + dt.timedelta(days=37)
    # Already below: today. Nothing taken: never (a return cannot make it fall).
    assert f.first_day_below(4, 0.5, [], TODAY, 5) == TODAY
    assert f.first_day_below(20, 0.0, back, TODAY, 10) is None
    # A return that comes before the fall lifts the pool over the limit again:
    # 10 available, 1 a day, LOW below 10 -> day 1; 5 back today counts today: 15 - t < 10 at 6.
    assert f.first_day_below(10, 1.0, [], TODAY, 10) == TODAY + dt.timedelta(days=1)
    assert f.first_day_below(10, 1.0, [(TODAY, 5)], TODAY, 10) == TODAY + dt.timedelta(days=6)


def test_history_and_outlook() -> None:
    # Now 19; -10 on 11-10, +2 on 11-03, -3 on 10-15: at the end of 11-05 the pool was
    # 19 + 10 = 29, of 11-01 29 - 2 = 27, of 10-14 27 + 3 = 30.
    changes = [(D(2026, 11, 10), -10), (D(2026, 11, 3), 2), (D(2026, 10, 15), -3)]
    points = [D(2026, 10, 14), D(2026, 11, 1), D(2026, 11, 5), TODAY]
    assert f.history(19, changes, points) == [30, 27, 29, 19]
    seen = f.outlook(
        today=TODAY,
        available=19,
        taken=[(D(2026, 11, 10), 10), (D(2026, 10, 15), 3), (D(2026, 10, 1), 5)],
        cooling=[(D(2026, 11, 22), 1)],
        low_limit=10,
        next_batch_size=5,
    )
    assert (seen.taken_in_window, round(seen.rate_a_week, 6)) == (18, 1.4)
    assert seen.low_on == D(2027, 1, 9) and seen.short_on == D(2027, 2, 3)  # see below
    assert not f.warns(seen, 30) and f.warns(seen, 51)
    assert f.sparkline([0, 4, 8]) == "▁▅█"


# --- the service, on a journal written through the services ---------------------------------
#
# LON1 (GB, LOW below its threshold 10, cooldown 10 days), as the journal tells it:
#   2026-08-01  40 pool numbers imported
#   2026-08-10  acme's first service, QTY 4 + main: a batch of 5   (before the 90 days)
#   2026-10-01  bravo's first service, QTY 4 + main: 5
#   2026-10-15  3 numbers allocated to charlie by hand
#   2026-10-20  2 of them released: cooling until 10-30
#   2026-11-03  apply-due returns those 2 to the pool
#   2026-11-10  delta's first service, QTY 9 + main: 10
#   2026-11-12  charlie's last number released: cooling until 11-22
#   (NYC1 takes 2 on 11-01: another site's, not counted for LON1)
# Today 2026-11-19. The 90 days run from 08-22: 5 + 3 + 10 = 18 taken, 0.2 a day, 1.4 a week.
# Available: 40 - 5 - 5 - 3 + 2 - 10 = 19; 1 comes back on 11-22 (day 3).
# LOW (< 10): 19 - 0.2 t until day 3, then 20 - 0.2 t < 10 from t = 51: 2027-01-09.
# SHORT (< 5, the next UK batch): 20 - 0.2 t < 5 from t = 76: 2027-02-03.


async def _at(day: dt.date, action: object) -> None:
    with clock.frozen(noon_in_london(day)):
        await action  # type: ignore[misc]


async def journal_world(db: Database) -> None:
    with clock.frozen(noon_in_london(D(2026, 8, 1))):
        await make_site(db, "LON1")
        await sites.edit_site(db, ACTOR, "LON1", cooldown_days=10, low_stock_threshold=10)
        await make_site(db, "NYC1", country="US", policy="manual")
        await make_products(db)
        for code in ("acme", "bravo", "charlie", "delta"):
            await make_occupier(db, code)
        await make_occupier(db, "yankee", "NYC1")
        await add_numbers(db, "LON1", london(1), london(40))
        await add_numbers(db, "NYC1", new_york(100), new_york(109))

    def add(occupier: str, qty: int, site: str = "LON1") -> object:
        return add_services(
            db, ACTOR, occupier=occupier, site=site, product="desk-line", quantity=qty
        )

    await _at(D(2026, 8, 10), add("acme", 4))  # 1-5
    await _at(D(2026, 10, 1), add("bravo", 4))  # 6-10
    charlie = [london(11), london(12), london(13)]
    await _at(
        D(2026, 10, 15),
        numbers.allocate_numbers(db, ACTOR, charlie, occupier="charlie", site="LON1"),
    )
    await _at(D(2026, 10, 20), numbers.release_numbers(db, ACTOR, charlie[:2]))
    await _at(D(2026, 11, 1), add("yankee", 2, "NYC1"))
    await _at(D(2026, 11, 3), apply_due(db, ACTOR))
    await _at(D(2026, 11, 10), add("delta", 9))
    await _at(D(2026, 11, 12), numbers.release_numbers(db, ACTOR, charlie[2:]))


async def _open_port_in(db: Database) -> None:
    """An open port-in of 3 numbers for bravo (state porting_in), and a completed one."""
    async with db.write() as session:
        site_id = await session.scalar(select(Site.id).where(Site.code == "LON1"))
        bravo = await session.scalar(select(Occupier.id).where(Occupier.code == "bravo"))
        for state, first in ((PortingState.AGREED, 500), (PortingState.COMPLETED, 600)):
            order = PortingOrder(
                site_id=site_id,
                occupier_id=bravo,
                losing_carrier="Old Telco",
                account_ref="A-1",
                requested_on=D(2026, 11, 1),
                agreed_on=D(2026, 12, 2),
                state=state,
                numbers=f"{london(first)}-{london(first + 2)}",
                number_count=3,
                created_by=ACTOR,
            )
            session.add(order)
            await session.flush()
            block = NumberRange(
                site_id=site_id,
                first_e164=london(first),
                last_e164=london(first + 2),
                size=3,
                origin=Origin.PORTED,
                occupier_id=bravo,
                porting_order_id=order.id,
            )
            session.add(block)
            await session.flush()
            for n in range(first, first + 3):
                session.add(
                    PhoneNumber(
                        e164=london(n),
                        e164_value=int(london(n)[1:]),
                        site_id=site_id,
                        range_id=block.id,
                        origin=Origin.PORTED,
                        state=NumberState.PORTING_IN
                        if state is PortingState.AGREED
                        else NumberState.RESERVED,
                        occupier_id=bravo,
                    )
                )
        await session.commit()


async def test_forecast_of_a_site_from_its_journal(db: Database) -> None:
    await journal_world(db)
    await _open_port_in(db)
    with clock.frozen(FROZEN_NOW):
        got = await forecast.pool_forecast(db, "LON1")
        listed = {s.site.code: s for s in await sites.list_sites(db)}
    assert (got.today, got.available, got.taken_last_90_days, got.rate_a_week) == (
        TODAY,
        19,
        18,
        1.4,
    )
    assert got.returning == [{"on": D(2026, 11, 22), "numbers": 1}]
    assert (got.low_limit, got.low_on, got.days_to_low) == (10, D(2027, 1, 9), 51)
    assert (got.next_batch, got.short_on, got.days_to_short) == (5, D(2027, 2, 3), 76)
    assert (got.warning_days, got.warning) == (30, False)
    # The open port-in, as context: its numbers are bravo's, not the pool's.
    assert [(p.occupier, p.state, p.agreed_on, p.numbers) for p in got.port_ins] == [
        ("bravo", "agreed", D(2026, 12, 2), 3)
    ]
    assert got.porting_in_numbers == 3
    # The weeks before today, worked back from 19 (+ what was taken since, - what came back):
    # 08-27..09-24: 19+10+3-2+5 = 35; 10-01, 10-08: 30; 10-15..10-29: 27; 11-05: 29; then 19.
    past = [w.available for w in got.weeks if not w.forecast]
    assert past == [35] * 5 + [30] * 2 + [27] * 3 + [29] + [19] * 2
    # Ahead: day 7 is 20 - 1.4 = 18.6 (the return of 11-22 is in), day 84 is 20 - 16.8 = 3.2.
    ahead = [w.available for w in got.weeks if w.forecast]
    assert ahead[0] == 18.6 and ahead[-1] == 3.2 and len(ahead) == 12
    # NYC1: 2 taken of 10 (US: no batch, short below 1), LON1's do not count there.
    nyc = await _forecast_at(db, "NYC1")
    assert (nyc.taken_last_90_days, nyc.available, nyc.next_batch) == (2, 8, 1)
    # The sites list warns only within the warning days (default 30; 51 days away).
    assert listed["LON1"].low_in_days is None and not listed["LON1"].low_stock


async def _forecast_at(db: Database, site: str) -> forecast.PoolForecast:
    with clock.frozen(FROZEN_NOW):
        return await forecast.pool_forecast(db, site)


async def test_warning_days_per_site_and_operator_wide(db: Database) -> None:
    await journal_world(db)
    with clock.frozen(FROZEN_NOW):
        await forecast.set_operator_warning_days(db, ACTOR, 60)
        listed = {s.site.code: s for s in await sites.list_sites(db)}
        assert listed["LON1"].low_in_days == 51
        assert listed["LON1"].to_dict()["low_in_days"] == 51
        # The site's own setting wins over the operator's.
        view = await sites.edit_site(db, ACTOR, "LON1", forecast_warning_days=50)
        assert view.forecast_warning_days == 50
        assert {s.site.code: s.low_in_days for s in await sites.list_sites(db)}["LON1"] is None
        await sites.edit_site(db, ACTOR, "LON1", forecast_warning_days=None)
        assert (await forecast.pool_forecast(db, "LON1")).warning
        # Another 5 taken by hand: 23 in the 90 days, 14 available. From day 3 (the return)
        # 15 - 23/90 t < 10 from t = 20 (5 * 90 / 23 = 19.6); before it, 14 - 23/90 t stays
        # at 10 or more. The list sees it at once (it works out again what changed).
        more = [london(n) for n in range(24, 29)]
        await numbers.allocate_numbers(db, ACTOR, more, occupier="charlie", site="LON1")
        assert {s.site.code: s.low_in_days for s in await sites.list_sites(db)}["LON1"] == 20
        with pytest.raises(InvalidInput, match="between 0 and 3650"):
            await forecast.set_operator_warning_days(db, ACTOR, -1)
        with pytest.raises(InvalidInput, match="between 0 and 3650"):
            await sites.edit_site(db, ACTOR, "LON1", forecast_warning_days=4000)


def test_pool_forecast_command(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    async def build() -> None:
        db = Database(db_url)
        try:
            await journal_world(db)
        finally:
            await db.close()

    asyncio.run(build())
    path = db_url
    with clock.frozen(FROZEN_NOW):
        assert main(["--db", str(path), "pool", "forecast", "--site", "LON1", "--json"]) == 0
        (data,) = json.loads(capsys.readouterr().out)
        assert (data["low_on"], data["short_on"], data["rate_a_week"]) == (
            "2027-01-09",
            "2027-02-03",
            1.4,
        )
        assert main(["--db", str(path), "pool", "forecast"]) == 0
        out = capsys.readouterr().out.splitlines()
        assert out[0].split() == [
            "SITE", "AVAILABLE", "TAKEN", "90D", "A", "WEEK", "LOW", "<", "LOW", "SHORT", "<",
            "SHORT",
        ]  # fmt: skip
        assert out[1].split() == [
            "LON1", "19", "18", "1.4", "10", "2027-01-09", "(51", "days)", "5", "2027-02-03",
            "(76", "days)",
        ]  # fmt: skip
        assert "LON1: 1 number back from cooldown on 2026-11-22" in out
        assert main(["--db", str(path), "pool", "warning-days", "60"]) == 0
        assert main(["--db", str(path), "sites", "list"]) == 0
        assert "LOW in 51 days" in capsys.readouterr().out
        assert main(["--db", str(path), "pool", "forecast", "--site", "NOPE"]) == 1
        assert "NOPE" in capsys.readouterr().err


async def test_the_journal_counts_every_number_that_left_the_pools(db: Database) -> None:
    """The sample data, replayed through the services today, took every pool number that is
    not available now (none has come back from cooldown yet): the journal must count them
    all, per site, whichever action took them (automation or by hand)."""
    with clock.frozen(FROZEN_NOW):
        await load_sample_data(db, ACTOR)
        found = {f.site: f.taken_last_90_days for f in await forecast.pool_forecasts(db)}
    async with db.read() as session:
        held = dict(
            (
                await session.execute(
                    select(Site.code, func.count())
                    .join(PhoneNumber, PhoneNumber.site_id == Site.id)
                    .where(
                        PhoneNumber.origin == Origin.POOL,
                        PhoneNumber.state != NumberState.AVAILABLE,
                    )
                    .group_by(Site.code)
                )
            ).all()
        )
    assert found == {code: held.get(code, 0) for code in found}
    assert found["LON1"] > 0 and len(found) == 5
