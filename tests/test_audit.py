"""Every mutation leaves exactly one audit entry, with the actor and before/after; the journal
cannot be rewritten."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

import pytest
from helpers import ACTOR, add_numbers, london, noon_in_london, uk_world
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from voiceconsole.db.database import Database
from voiceconsole.db.models import AuditEntry, AuditSubject
from voiceconsole.domain.errors import RuleViolation
from voiceconsole.services import numbers, occupiers, products, sites, voice_services
from voiceconsole.services.audit import list_audit

WHO = "alice"
NEXT_WEEK = dt.datetime.now(ZoneInfo("Europe/London")).date() + dt.timedelta(days=7)

Mutation = Callable[[Database], Awaitable[object]]


async def _nothing(db: Database) -> None:
    return None


async def _manchester(db: Database) -> None:
    await sites.create_site(
        db, "setup", code="MAN1", name="Manchester", country="GB", timezone="Europe/London"
    )


async def _change_next_week(db: Database) -> None:
    await voice_services.schedule_change(
        db,
        "setup",
        occupier="acme",
        site="LON1",
        product="desk-line",
        quantity=5,
        effective_on=NEXT_WEEK,
    )


async def _import(db: Database) -> object:
    from voiceconsole.services.number_import import ImportRow, import_numbers

    return await import_numbers(db, WHO, [ImportRow(1, london(800), london(809))], site="LON1")


# (action, setup, mutation, has "before" data), each on the world of _world().
MUTATIONS: list[tuple[str, Mutation, Mutation, bool]] = [
    (
        "site.create",
        _nothing,
        lambda db: sites.create_site(
            db, WHO, code="MAN1", name="Manchester", country="GB", timezone="Europe/London"
        ),
        False,
    ),
    (
        "site.edit",
        _nothing,
        lambda db: sites.edit_site(db, WHO, "LON1", name="London Aldgate", cooldown_days=60),
        True,
    ),
    (
        "product.create",
        _nothing,
        lambda db: products.create_product(db, WHO, code="fax-line", name="Fax"),
        False,
    ),
    (
        "occupier.create",
        _nothing,
        lambda db: occupiers.create_occupier(db, WHO, name="Charlie Ltd", site="LON1"),
        False,
    ),
    (
        "occupier.edit",
        _nothing,
        lambda db: occupiers.edit_occupier(db, WHO, "bravo", name="Bravo Group"),
        True,
    ),
    (
        "occupancy.edit",
        _nothing,
        lambda db: occupiers.edit_occupancy(db, WHO, occupier="acme", site="LON1", since=NEXT_WEEK),
        True,
    ),
    (
        "occupancy.create",
        _manchester,
        lambda db: occupiers.add_occupancy(db, WHO, occupier="acme", site="MAN1"),
        False,
    ),
    ("numbers.import", _nothing, _import, False),
    (
        "numbers.allocate",
        _nothing,
        lambda db: numbers.allocate_numbers(
            db, WHO, [london(50), london(51)], occupier="bravo", site="LON1"
        ),
        True,
    ),
    ("numbers.activate", _nothing, lambda db: numbers.activate_numbers(db, WHO, [london(4)]), True),
    (
        "numbers.deactivate",
        _nothing,
        lambda db: numbers.deactivate_numbers(db, WHO, [london(2)]),
        True,
    ),
    ("numbers.release", _nothing, lambda db: numbers.release_numbers(db, WHO, [london(5)]), True),
    (
        "numbers.nominate_main",
        _nothing,
        lambda db: numbers.nominate_main(db, WHO, london(5), occupier="acme"),
        True,
    ),
    (
        "numbers.configure",
        _nothing,
        lambda db: numbers.configure_number(db, WHO, london(2), label="Front desk"),
        True,
    ),
    (
        "services.add",
        _nothing,
        lambda db: voice_services.add_services(
            db, WHO, occupier="bravo", site="LON1", product="desk-line", quantity=2
        ),
        True,
    ),
    (
        "services.schedule",
        _nothing,
        lambda db: voice_services.schedule_change(
            db,
            WHO,
            occupier="acme",
            site="LON1",
            product="desk-line",
            quantity=5,
            effective_on=NEXT_WEEK,
        ),
        True,
    ),
    (
        "services.apply_due",
        _change_next_week,
        lambda db: voice_services.apply_due(db, WHO, now=noon_in_london(NEXT_WEEK)),
        False,
    ),
    ("services.cancel_change", _change_next_week, lambda db: _cancel_the_pending_change(db), True),
]


async def _cancel_the_pending_change(db: Database) -> object:
    (service,) = await voice_services.list_services(db, occupier="acme")
    return await voice_services.cancel_change(db, WHO, service.scheduled[0].id)


async def _count(db: Database) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


async def _world(db: Database) -> None:
    """acme: QTY 3, main 0001, active 0002-0004, spare 0005; bravo occupies LON1 with nothing."""
    await uk_world(db)
    await voice_services.add_services(
        db, ACTOR, occupier="acme", site="LON1", product="desk-line", quantity=3
    )
    await numbers.deactivate_numbers(db, ACTOR, [london(4)])


@pytest.mark.parametrize(
    ("action", "setup", "mutate", "has_before"), MUTATIONS, ids=[m[0] for m in MUTATIONS]
)
async def test_each_mutation_leaves_one_audit_entry(
    db: Database, action: str, setup: Mutation, mutate: Mutation, has_before: bool
) -> None:
    await _world(db)
    await setup(db)
    count = await _count(db)
    await mutate(db)
    assert await _count(db) == count + 1
    (entry,) = await list_audit(db, limit=1)
    assert (entry.actor, entry.action) == (WHO, action)
    assert entry.after
    if has_before:
        assert entry.before
    assert entry.summary and entry.at.tzinfo is not None


async def test_refused_and_dry_run_actions_leave_no_entry(db: Database) -> None:
    await _world(db)
    count = await _count(db)
    with pytest.raises(RuleViolation):
        await numbers.activate_numbers(db, WHO, [london(60)])
    await voice_services.add_services(
        db, WHO, occupier="bravo", site="LON1", product="desk-line", quantity=1, dry_run=True
    )
    nothing = await voice_services.apply_due(db, WHO)
    assert nothing.applied == [] and nothing.recycled == []
    assert await _count(db) == count


async def test_a_change_to_the_same_value_leaves_no_entry(db: Database) -> None:
    await _world(db)
    count = await _count(db)
    same = await occupiers.edit_occupier(db, WHO, "bravo", name="Bravo")
    assert same.name == "Bravo"
    await sites.edit_site(db, WHO, "LON1", cooldown_days=90)
    assert await _count(db) == count


async def test_journal_is_append_only(db: Database) -> None:
    await _world(db)
    for statement in (
        update(AuditEntry).values(actor="mallory"),
        delete(AuditEntry),
        update(AuditSubject).values(occupier_id=None),
        delete(AuditSubject),
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with db.write() as session:
                await session.execute(statement)
                await session.commit()
    if db.engine.dialect.name == "postgresql":  # SQLite has no TRUNCATE
        for statement in (
            "TRUNCATE audit_subjects",
            "TRUNCATE audit_entries CASCADE",
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                async with db.write() as session:
                    await session.execute(text(statement))
                    await session.commit()
    assert await _count(db) > 0


async def test_audit_filters(db: Database) -> None:
    await _world(db)
    await add_numbers(db, "LON1", london(900), london(901))
    entries = await list_audit(db, occupier="acme")
    assert {e.action for e in entries} == {"services.add", "numbers.deactivate", "occupier.create"}
    assert [e.action for e in await list_audit(db, action="numbers.")][:2] == [
        "numbers.import",
        "numbers.deactivate",
    ]
    assert await list_audit(db, actor="nobody") == []
    first_page = await list_audit(db, limit=2)
    older = await list_audit(db, limit=2, before_id=first_page[-1].id)
    assert older[0].id < first_page[-1].id
