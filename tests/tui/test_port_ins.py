"""A site's port-in orders by keyboard: the list by due date with the late ones said, placing
an order (its numbers held at once), moving one on to agreed and completed, rejecting one (its
numbers let go); the database checked afterwards."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from conftest import keys_then_settle, press, typed, with_db
from helpers import FROZEN_NOW
from sqlalchemy import select

from voiceconsole import clock
from voiceconsole.db.models import PhoneNumber, PortingOrder
from voiceconsole.domain.porting import PortingState
from voiceconsole.domain.states import NumberState
from voiceconsole.services.porting import add_port_in, advance_port_in, cancel_port_in
from voiceconsole.tui.screens.port_in_dialogs import AddPortInDialog, MovePortInDialog
from voiceconsole.tui.screens.port_ins import PortInsScreen

PORT_INS = ("down", "enter", "i")  # LON1 from the sites list, then its port-in orders


def place_orders(url: str) -> None:
    asyncio.run(placed_orders(url))


async def placed_orders(url: str) -> None:
    """Four orders at LON1, placed ten days before the console's today: one asked for a day
    that has passed, one agreed for a day that has passed, one due later, one cancelled."""

    async def place(db: Any) -> None:
        async def order(occupier: str, numbers: str, requested: int, carrier: str) -> int:
            placed = await add_port_in(
                db,
                "noc",
                occupier=occupier,
                site="LON1",
                losing_carrier=carrier,
                account_ref=f"{carrier[:3].upper()}-{requested:03d}",
                requested_on=requested,
                numbers=numbers,
            )
            return placed.id

        await order("acme-analytics", "03069 990100..0104", 3, "Old Telco")
        agreed = await order("brightwater-legal", "0117 496 0100..0119", 6, "Virgin Media")
        await advance_port_in(db, "noc", agreed)
        await advance_port_in(db, "noc", agreed, agreed_on=5)
        await order("indigo-health", "03069 990200", 25, "Gamma")
        dropped = await order("acme-analytics", "03069 990300..0301", 4, "Colt")
        await cancel_port_in(db, "noc", dropped, reason="placed twice")

    with clock.frozen(FROZEN_NOW - dt.timedelta(days=10)):
        await with_db(url, place)


async def _orders(url: str) -> list[tuple[Any, ...]]:
    async def read(db: Any) -> list[tuple[Any, ...]]:
        async with db.read() as session:
            return list(
                (
                    await session.execute(
                        select(
                            PortingOrder.id,
                            PortingOrder.state,
                            PortingOrder.agreed_on,
                            PortingOrder.reason,
                            PortingOrder.numbers,
                        ).order_by(PortingOrder.id)
                    )
                ).all()
            )

    return await with_db(url, read)


async def _held(url: str) -> dict[str, str]:
    async def read(db: Any) -> dict[str, str]:
        async with db.read() as session:
            rows = await session.execute(
                select(PhoneNumber.e164, PhoneNumber.state).where(
                    PhoneNumber.e164.like("+4430699%")
                )
            )
            return {e164: state.value for e164, state in rows}

    return await with_db(url, read)


def test_the_list_by_due_date_with_the_late_ones(make_app, console_db, snap_compare) -> None:
    place_orders(console_db)
    assert snap_compare(make_app(), run_before=keys_then_settle(*PORT_INS), terminal_size=(80, 24))


def test_the_add_dialog(make_app, console_db, snap_compare) -> None:
    assert snap_compare(
        make_app(), run_before=keys_then_settle(*PORT_INS, "a"), terminal_size=(80, 24)
    )


def test_the_agreed_date_dialog(make_app, console_db, snap_compare) -> None:
    place_orders(console_db)
    assert snap_compare(
        make_app(),
        run_before=keys_then_settle(*PORT_INS, "down", "d", *typed("+2")),
        terminal_size=(80, 24),
    )


async def test_placing_an_order_by_keyboard_holds_its_numbers(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *PORT_INS, "a")
        assert isinstance(app.screen, AddPortInDialog)
        # The occupier (the first after the prompt), then the fields in turn.
        await press(pilot, "enter", "down", "enter", "tab")
        await press(pilot, *typed("03069 990700..0702"), "tab", *typed("Old Telco"), "tab")
        await press(pilot, *typed("OT-1"), "tab", *typed("+3"), "ctrl+s")
        assert isinstance(app.screen, PortInsScreen)
        assert app.screen.query_one("#orders").selected_key is not None
    orders = await _orders(console_db)
    assert [(o[1], o[4]) for o in orders] == [
        (PortingState.REQUESTED, "+443069990700-+443069990702")
    ]
    assert await _held(console_db) == {f"+44306999070{i}": "porting_in" for i in range(3)}


async def test_a_refused_order_stays_in_the_dialog_and_places_nothing(make_app, console_db) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *PORT_INS, "a", "enter", "down", "enter", "tab")
        # 020 7946 0005 is one of LON1's own numbers.
        await press(pilot, *typed("020 7946 0005"), "tab", *typed("Old Telco"), "tab")
        await press(pilot, *typed("OT-1"), "tab", *typed("+3"), "ctrl+s")
        assert isinstance(app.screen, AddPortInDialog)
        status = str(app.screen.query_one("#dialog-status").render())
        assert "020 7946 0005 already in the inventory" in status
    assert await _orders(console_db) == []


async def test_moving_orders_on_and_rejecting_one_by_keyboard(make_app, console_db) -> None:
    await placed_orders(console_db)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        # The first row is the order asked for a day that has passed (acme's, requested).
        await press(pilot, *PORT_INS, "n")
        assert isinstance(app.screen, MovePortInDialog)
        await press(pilot, "ctrl+s")  # submitted
        await press(pilot, "n", *typed("+1"), "ctrl+s")  # agreed for tomorrow
        await press(pilot, "n", "ctrl+s")  # completing before that day is refused
        assert isinstance(app.screen, MovePortInDialog)
        assert "completes on that day, not before" in str(
            app.screen.query_one("#dialog-status").render()
        )
        await press(pilot, "escape", "r", *typed("account holder name mismatch"), "ctrl+s")
        assert isinstance(app.screen, PortInsScreen)
    orders = await _orders(console_db)
    first = orders[0]
    assert first[1] is PortingState.REJECTED and first[3] == "account holder name mismatch"
    assert first[2] == FROZEN_NOW.date() + dt.timedelta(days=1)
    held = await _held(console_db)
    assert not [n for n in held if n.startswith("+44306999010")]  # acme's numbers let go
    assert held["+443069990200"] == NumberState.PORTING_IN.value  # indigo's still held


@pytest.mark.parametrize("key", ["n", "r", "x", "d"])
async def test_a_closed_order_cannot_be_moved(make_app, console_db, key: str) -> None:
    await placed_orders(console_db)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *PORT_INS, "end", key)
        assert isinstance(app.screen, PortInsScreen)
    assert [o[1] for o in await _orders(console_db)][-1] is PortingState.CANCELLED
