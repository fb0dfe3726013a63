"""Numbers by hand: every refused move changes nothing; entitlement; main number; features."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from helpers import ACTOR, add_numbers, london, noon_in_london, snapshot, uk_world

from voiceconsole.db.database import Database
from voiceconsole.domain.errors import InvalidInput, NotFound, RuleViolation
from voiceconsole.services import numbers
from voiceconsole.services.numbers import pin_matches
from voiceconsole.services.voice_services import add_services, apply_due


async def _world(db: Database) -> None:
    """acme: 4 desk lines, main 0001, active 0002-0005; bravo: nothing; pool 0006-0099 with
    0090 in cooldown; 0500-0503 ported and held by bravo, 0504 awaiting port-out."""
    await uk_world(db)
    await add_services(db, ACTOR, occupier="acme", site="LON1", product="desk-line", quantity=4)
    await add_numbers(db, "LON1", london(500), london(504), origin="ported", occupier="bravo")
    await numbers.allocate_numbers(db, ACTOR, [london(90)], occupier="acme", site="LON1")
    await numbers.release_numbers(db, ACTOR, [london(90), london(504)])


async def _state(db: Database, n: int) -> str:
    return (await numbers.show_number(db, london(n))).state


REFUSALS = [
    (
        "allocate a cooling number",
        lambda db: numbers.allocate_numbers(db, ACTOR, [london(90)], occupier="bravo", site="LON1"),
        RuleViolation,
        "in cooldown until",
    ),
    (
        "activate a cooling number",
        lambda db: numbers.activate_numbers(db, ACTOR, [london(90)]),
        RuleViolation,
        "cannot activate 020 7946 0090: it is in cooldown",
    ),
    (
        "deactivate a cooling number",
        lambda db: numbers.deactivate_numbers(db, ACTOR, [london(90)]),
        RuleViolation,
        "in cooldown",
    ),
    (
        "release a cooling number",
        lambda db: numbers.release_numbers(db, ACTOR, [london(90)]),
        RuleViolation,
        "already released",
    ),
    (
        "allocate a port-out number",
        lambda db: numbers.allocate_numbers(db, ACTOR, [london(504)], occupier="acme", site="LON1"),
        RuleViolation,
        "brought in for",
    ),
    (
        "activate a port-out number",
        lambda db: numbers.activate_numbers(db, ACTOR, [london(504)]),
        RuleViolation,
        "held for port-out",
    ),
    (
        "deactivate a port-out number",
        lambda db: numbers.deactivate_numbers(db, ACTOR, [london(504)]),
        RuleViolation,
        "held for port-out",
    ),
    (
        "release a port-out number",
        lambda db: numbers.release_numbers(db, ACTOR, [london(504)]),
        RuleViolation,
        "held for port-out",
    ),
    (
        "allocate an active number",
        lambda db: numbers.allocate_numbers(db, ACTOR, [london(2)], occupier="bravo", site="LON1"),
        RuleViolation,
        "already belongs",
    ),
    (
        "activate an available number",
        lambda db: numbers.activate_numbers(db, ACTOR, [london(50)]),
        RuleViolation,
        "allocate it to an occupier first",
    ),
    (
        "activate an active number",
        lambda db: numbers.activate_numbers(db, ACTOR, [london(2)]),
        RuleViolation,
        "already active",
    ),
    (
        "deactivate a reserved number",
        lambda db: numbers.deactivate_numbers(db, ACTOR, [london(500)]),
        RuleViolation,
        "not active",
    ),
    (
        "deactivate an available number",
        lambda db: numbers.deactivate_numbers(db, ACTOR, [london(50)]),
        RuleViolation,
        "available",
    ),
    (
        "release an active number",
        lambda db: numbers.release_numbers(db, ACTOR, [london(2)]),
        RuleViolation,
        "deactivate it first",
    ),
    (
        "release an available number",
        lambda db: numbers.release_numbers(db, ACTOR, [london(50)]),
        RuleViolation,
        "not allocated",
    ),
    (
        "activate beyond entitlement",
        lambda db: numbers.activate_numbers(db, ACTOR, [london(500)]),
        RuleViolation,
        r"no free voice service for Bravo at LON1: QTY 0, 0 active",
    ),
    (
        "one bad number spoils the batch",
        lambda db: numbers.deactivate_numbers(db, ACTOR, [london(2), london(50)]),
        RuleViolation,
        "cannot deactivate",
    ),
    (
        "unknown number",
        lambda db: numbers.activate_numbers(db, ACTOR, [london(999)]),
        NotFound,
        "unknown number",
    ),
    (
        "invalid number",
        lambda db: numbers.activate_numbers(db, ACTOR, ["020 7946 01"]),
        InvalidInput,
        "not a valid phone number",
    ),
    (
        "number twice",
        lambda db: numbers.deactivate_numbers(db, ACTOR, [london(2), "020 7946 0002"]),
        InvalidInput,
        "given twice",
    ),
    (
        "allocate at an unknown site",
        lambda db: numbers.allocate_numbers(db, ACTOR, [london(50)], occupier="acme", site="NOPE"),
        NotFound,
        "unknown site",
    ),
    (
        "main number of someone else",
        lambda db: numbers.nominate_main(db, ACTOR, london(2), occupier="bravo"),
        RuleViolation,
        "belongs to another occupier",
    ),
    (
        "main number twice",
        lambda db: numbers.nominate_main(db, ACTOR, london(1), occupier="acme"),
        RuleViolation,
        "already the main number",
    ),
    (
        "configure an available number",
        lambda db: numbers.configure_number(db, ACTOR, london(50), label="x"),
        RuleViolation,
        "only numbers held",
    ),
    (
        "caller ID of another occupier",
        lambda db: numbers.configure_number(db, ACTOR, london(2), caller_id_override=london(500)),
        RuleViolation,
        "not a number of the same occupier",
    ),
    (
        "label with a newline",
        lambda db: numbers.configure_number(db, ACTOR, london(2), label="a\nb"),
        InvalidInput,
        "one line",
    ),
    (
        "bad e-mail",
        lambda db: numbers.configure_number(db, ACTOR, london(2), voicemail_email="nope"),
        InvalidInput,
        "not an e-mail",
    ),
    (
        "bad forwarding target",
        lambda db: numbers.configure_number(db, ACTOR, london(2), forward_always="12"),
        InvalidInput,
        "not a valid phone number",
    ),
]


@pytest.mark.parametrize(
    ("name", "action", "error", "message"), REFUSALS, ids=[r[0] for r in REFUSALS]
)
async def test_refused_actions_change_nothing(
    db: Database, name: str, action, error, message
) -> None:  # type: ignore[no-untyped-def]
    await _world(db)
    before = await snapshot(db)
    with pytest.raises(error, match=message):
        await action(db)
    assert await snapshot(db) == before


async def test_activation_up_to_entitlement(db: Database) -> None:
    await _world(db)
    await add_services(db, ACTOR, occupier="bravo", site="LON1", product="desk-line", quantity=2)
    await numbers.activate_numbers(db, ACTOR, [london(500), london(501)])
    before = await snapshot(db)
    with pytest.raises(RuleViolation, match="QTY 2, 2 active, 1 more asked for"):
        await numbers.activate_numbers(db, ACTOR, [london(502)])
    assert await snapshot(db) == before
    # The main number uses no voice service.
    await numbers.nominate_main(db, ACTOR, london(502), occupier="bravo")
    assert (await numbers.show_number(db, london(502))).is_main


async def test_release_moves_pool_to_cooldown_and_ported_to_port_out(db: Database) -> None:
    await _world(db)
    await numbers.configure_number(db, ACTOR, london(2), label="Sales", dnd=True)
    await numbers.deactivate_numbers(db, ACTOR, [london(2)])
    changed = await numbers.release_numbers(db, ACTOR, [london(2), london(500)])
    pool, ported = changed.numbers
    assert (pool.state, pool.occupier, pool.label, pool.dnd) == ("cooldown", None, "", False)
    london_today = dt.datetime.now(ZoneInfo("Europe/London")).date()
    assert pool.cooldown_until == london_today + dt.timedelta(days=90)
    assert (ported.state, ported.occupier) == ("port_out", "bravo")  # held for its port-out
    with pytest.raises(RuleViolation, match="belongs to the occupier it was brought in for"):
        await numbers.allocate_numbers(db, ACTOR, [london(500)], occupier="acme", site="LON1")


async def test_cooldown_ends_by_apply_due(db: Database) -> None:
    await _world(db)
    await numbers.deactivate_numbers(db, ACTOR, [london(2)])
    (released,) = (await numbers.release_numbers(db, ACTOR, [london(2)])).numbers
    assert released.cooldown_until is not None
    early = await apply_due(
        db, ACTOR, now=noon_in_london(released.cooldown_until - dt.timedelta(days=1))
    )
    assert early.recycled == []
    report = await apply_due(db, ACTOR, now=noon_in_london(released.cooldown_until))
    assert set(report.recycled) == {london(2), london(90)}  # 0090 cooled down in _world
    assert await _state(db, 2) == "available"


async def test_nominate_main_moves_the_main_number(db: Database) -> None:
    await _world(db)
    await numbers.deactivate_numbers(db, ACTOR, [london(5)])
    changed = await numbers.nominate_main(db, ACTOR, "020 7946 0005", occupier="acme")
    new, old = changed.numbers
    assert (new.e164, new.is_main, new.state) == (london(5), True, "active")
    assert (old.e164, old.is_main, old.state) == (london(1), False, "reserved")


async def test_configure_features_and_pin(db: Database) -> None:
    await _world(db)
    result = await numbers.configure_number(
        db,
        ACTOR,
        london(2),
        label="Reception desk",
        caller_id_override=london(1),
        forward_busy="020 7946 0003",
        voicemail=True,
        voicemail_email="desk@acme.example",
        reset_pin=True,
    )
    view = result.number
    assert (view.label, view.caller_id_override, view.forward_busy) == (
        "Reception desk",
        london(1),
        london(3),
    )
    assert view.voicemail and view.voicemail_email == "desk@acme.example" and view.pin_set
    assert result.new_pin is not None and len(result.new_pin) == 6
    from sqlalchemy import select

    from voiceconsole.db.models import PhoneNumber

    async with db.read() as session:
        stored = await session.scalar(
            select(PhoneNumber.pin_hash).where(PhoneNumber.e164 == london(2))
        )
    assert stored and result.new_pin not in stored and pin_matches(result.new_pin, stored)
    abroad = await numbers.configure_number(db, ACTOR, london(2), forward_always="+1 212 555 0100")
    assert abroad.number.forward_always == "+12125550100"  # forwarding may cross borders
    cleared = await numbers.configure_number(
        db, ACTOR, london(2), caller_id_override="", forward_busy=""
    )
    assert cleared.number.caller_id_override is None and cleared.number.forward_busy is None


async def test_list_numbers_filters_and_pages(db: Database) -> None:
    await _world(db)
    active = await numbers.list_numbers(db, site="LON1", state="active")
    assert [v.e164 for v in active] == [london(n) for n in range(1, 6)]
    page1 = await numbers.list_numbers(db, site="LON1", limit=10)
    page2 = await numbers.list_numbers(db, site="LON1", limit=10, after=page1[-1].e164)
    assert page2[0].e164 == london(11)
    assert [v.e164 for v in await numbers.list_numbers(db, search="020 7946 050")] == [
        london(n) for n in range(500, 505)
    ]
    assert [v.e164 for v in await numbers.list_numbers(db, occupier="bravo")] == [
        london(n) for n in range(500, 505)
    ]
    with pytest.raises(InvalidInput, match="unknown state"):
        await numbers.list_numbers(db, state="lost")
