"""Quantity changes: scheduled with an effective date, applied when due, never below active."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from helpers import ACTOR, noon_in_london, snapshot, uk_world

from voiceconsole.db.database import Database
from voiceconsole.domain.errors import InvalidInput, RuleViolation
from voiceconsole.services import numbers
from voiceconsole.services.views import ChangeView
from voiceconsole.services.voice_services import (
    add_services,
    apply_due,
    cancel_change,
    list_services,
    schedule_change,
)


def _today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Europe/London")).date()


async def _schedule(
    db: Database, quantity: int, on: dt.date, product: str = "desk-line"
) -> ChangeView:
    """acme's service of `product` at LON1 to `quantity` from `on`."""
    return await schedule_change(
        db, ACTOR, occupier="acme", site="LON1", product=product, quantity=quantity, effective_on=on
    )


async def _world(db: Database) -> None:
    await uk_world(db)
    await add_services(db, ACTOR, occupier="acme", site="LON1", product="desk-line", quantity=3)


async def test_increase_is_applied_when_due_and_allocates_nothing(db: Database) -> None:
    await _world(db)
    before_numbers = [v.e164 for v in await numbers.list_numbers(db, occupier="acme")]
    when = _today() + dt.timedelta(days=7)
    change = await _schedule(db, 6, when)
    assert change.status == "pending"
    (service,) = await list_services(db, occupier="acme")
    assert service.quantity == 3 and [c.id for c in service.scheduled] == [change.id]
    assert (
        await apply_due(db, ACTOR, now=noon_in_london(when - dt.timedelta(days=1)))
    ).applied == []
    report = await apply_due(db, ACTOR, now=noon_in_london(when))
    assert [c.id for c in report.applied] == [change.id]
    (service,) = await list_services(db, occupier="acme")
    assert service.quantity == 6 and service.scheduled == ()
    assert [v.e164 for v in await numbers.list_numbers(db, occupier="acme")] == before_numbers


async def test_change_due_today_applies_at_once(db: Database) -> None:
    await _world(db)
    change = await _schedule(db, 4, _today())
    assert change.status == "applied"
    (service,) = await list_services(db, occupier="acme")
    assert service.quantity == 4


async def test_decrease_below_active_is_refused(db: Database) -> None:
    await _world(db)
    before = await snapshot(db)
    with pytest.raises(
        RuleViolation, match=r"has 3 active numbers at LON1.*deactivate 1 number first"
    ):
        await _schedule(db, 2, _today() + dt.timedelta(days=1))
    assert await snapshot(db) == before
    active = [
        v.e164
        for v in await numbers.list_numbers(db, occupier="acme", state="active")
        if not v.is_main
    ]
    await numbers.deactivate_numbers(db, ACTOR, active[:1])
    await _schedule(db, 2, _today() + dt.timedelta(days=1))


async def test_due_decrease_is_held_back_if_numbers_were_activated_since(db: Database) -> None:
    await _world(db)
    spare = [v.e164 for v in await numbers.list_numbers(db, occupier="acme", state="reserved")]
    when = _today() + dt.timedelta(days=2)
    up = await _schedule(db, 4, _today())
    assert up.status == "applied"
    down = await _schedule(db, 3, when)
    await numbers.activate_numbers(db, ACTOR, spare[:1])
    report = await apply_due(db, ACTOR, now=noon_in_london(when))
    assert report.applied == [] and report.held_back[0]["change"].id == down.id
    assert "4 active numbers" in report.held_back[0]["reason"]


async def test_schedule_refusals(db: Database) -> None:
    await _world(db)
    past = _today() - dt.timedelta(days=1)
    with pytest.raises(InvalidInput, match="in the past"):
        await _schedule(db, 5, past)
    with pytest.raises(InvalidInput, match="already QTY 3"):
        await _schedule(db, 3, _today())
    with pytest.raises(RuleViolation, match="has no soft-line"):
        await _schedule(db, 3, _today(), product="soft-line")
    with pytest.raises(InvalidInput, match="between 0 and"):
        await _schedule(db, -1, _today())


async def test_cancel_a_pending_change(db: Database) -> None:
    await _world(db)
    change = await _schedule(db, 8, _today() + dt.timedelta(days=3))
    assert (await cancel_change(db, ACTOR, change.id)).status == "cancelled"
    with pytest.raises(RuleViolation, match="cancelled, not pending"):
        await cancel_change(db, ACTOR, change.id)
    report = await apply_due(db, ACTOR, now=noon_in_london(_today() + dt.timedelta(days=30)))
    assert report.applied == []
