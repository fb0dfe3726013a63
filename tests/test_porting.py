"""Port-in orders: every state move, allowed and refused; held numbers; special numbers first."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import (
    ACTOR,
    london,
    make_occupier,
    noon_in_london,
    numbers_by_state,
    snapshot,
    uk_world,
)
from sqlalchemy import select, update

from voiceconsole import clock
from voiceconsole.db.database import Database
from voiceconsole.db.models import Occupier, PhoneNumber, PortingOrder
from voiceconsole.domain.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    RuleViolation,
    VoiceconsoleError,
)
from voiceconsole.domain.porting import PortingState, lateness, parse_numbers
from voiceconsole.domain.states import Origin
from voiceconsole.services import numbers
from voiceconsole.services.porting import (
    add_port_in,
    advance_port_in,
    cancel_port_in,
    get_port_in,
    list_port_ins,
)
from voiceconsole.services.sites import list_sites
from voiceconsole.services.voice_services import add_services

# Ofcom's numbers for drama (non-geographic 03), never in the test pools.
PORTED = "03069 990100..0104"
PORTED_E164 = [f"+44306999010{i}" for i in range(5)]
TODAY = dt.date(2026, 11, 19)  # helpers.FROZEN_NOW in London


@pytest.fixture(autouse=True)
def _frozen() -> object:
    with clock.frozen(noon_in_london(TODAY)):
        yield


async def _order(db: Database, numbers_text: str = PORTED, occupier: str = "acme", **kw: object):  # type: ignore[no-untyped-def]
    return await add_port_in(
        db,
        ACTOR,
        occupier=occupier,
        site="LON1",
        losing_carrier=str(kw.get("carrier", "Old Telco")),
        account_ref=str(kw.get("account", "ACC-77")),
        requested_on=kw.get("requested", 5),  # type: ignore[arg-type]
        numbers=numbers_text,
    )


async def _acme_id(db: Database) -> int:
    async with db.read() as session:
        return (await session.scalar(select(Occupier.id).where(Occupier.code == "acme"))) or 0


async def test_an_order_holds_its_numbers_for_the_occupier(db: Database) -> None:
    await uk_world(db)
    figures_before = {s.site.code: s.numbers for s in await list_sites(db)}
    order = await _order(db)
    assert order.state == "requested" and order.number_count == 5
    assert order.requested_on == TODAY + dt.timedelta(days=5) and order.due_on == order.requested_on
    assert order.numbers_text == "0306 999 0100 - 0306 999 0104"
    held = await numbers_by_state(db, await _acme_id(db))
    assert held == {"porting_in": PORTED_E164}
    (site,) = await list_sites(db)
    assert site.numbers["porting_in"] == 5
    # The pool is as it was: held numbers are not the site's to give.
    assert site.numbers["available"] == figures_before["LON1"]["available"]


async def test_the_whole_course_requested_submitted_agreed_completed(db: Database) -> None:
    await uk_world(db)
    order = await _order(db)
    order = await advance_port_in(db, ACTOR, order.id)
    assert order.state == "submitted"
    order = await advance_port_in(db, ACTOR, order.id, agreed_on=3)
    assert order.state == "agreed" and order.agreed_on == TODAY + dt.timedelta(days=3)
    # The carrier moves its date: agreed again.
    order = await advance_port_in(db, ACTOR, f"#{order.id}", to="agreed", agreed_on=4)
    assert order.agreed_on == TODAY + dt.timedelta(days=4) and order.due_on == order.agreed_on
    with clock.frozen(noon_in_london(TODAY + dt.timedelta(days=4))):
        order = await advance_port_in(db, ACTOR, order.id)
    assert order.state == "completed" and order.closed_at is not None
    held = await numbers_by_state(db, await _acme_id(db))
    assert held == {"reserved": PORTED_E164}
    (view,) = await numbers.list_numbers(db, occupier="acme", state="reserved", limit=1)
    assert view.origin == "ported"


@pytest.mark.parametrize(
    ("path", "end"),
    [
        (["cancelled"], "cancelled"),
        (["submitted", "cancelled"], "cancelled"),
        (["submitted", "agreed", "cancelled"], "cancelled"),
        (["submitted", "rejected"], "rejected"),
        (["submitted", "agreed", "rejected"], "rejected"),
    ],
)
async def test_rejected_or_cancelled_orders_let_their_numbers_go(
    db: Database, path: list[str], end: str
) -> None:
    await uk_world(db)
    before = await snapshot(db, ignore=("audit_entries", "audit_subjects"))
    order = await _order(db)
    for state in path:
        order = await advance_port_in(
            db,
            ACTOR,
            order.id,
            to=state,
            agreed_on=2 if state == "agreed" else None,
            reason="carrier says the account does not match"
            if state in ("rejected", "cancelled")
            else "",
        )
    assert order.state == end and order.reason and order.closed_at is not None
    # The numbers and their ranges are gone; the order keeps what it asked for.
    after = await snapshot(db, ignore=("audit_entries", "audit_subjects", "porting_orders"))
    assert after == {k: v for k, v in before.items() if k != "porting_orders"}
    assert (await get_port_in(db, order.id)).numbers == ["+443069990100-+443069990104"]


async def _refused(db: Database, call, error: type[Exception], words: str) -> None:  # type: ignore[no-untyped-def]
    before = await snapshot(db)
    with pytest.raises(error) as caught:
        await call
    assert words in str(caught.value)
    assert await snapshot(db) == before


async def test_moves_the_order_does_not_allow_are_refused_and_change_nothing(db: Database) -> None:
    await uk_world(db)
    order = await _order(db)
    oid = order.id
    await _refused(
        db,
        advance_port_in(db, ACTOR, oid, to="agreed", agreed_on=1),
        RuleViolation,
        "submit it to the carrier first",
    )
    await _refused(
        db, advance_port_in(db, ACTOR, oid, to="completed"), RuleViolation, "not agreed a date"
    )
    await _refused(
        db,
        advance_port_in(db, ACTOR, oid, to="rejected", reason="x"),
        RuleViolation,
        "cancel it instead",
    )
    await _refused(db, cancel_port_in(db, ACTOR, oid, reason="  "), InvalidInput, "say why")
    await advance_port_in(db, ACTOR, oid)
    await _refused(
        db, advance_port_in(db, ACTOR, oid), InvalidInput, "give the date the carrier agreed"
    )
    await _refused(
        db, advance_port_in(db, ACTOR, oid, to="agreed", agreed_on=-1), InvalidInput, "in the past"
    )
    await _refused(
        db, advance_port_in(db, ACTOR, oid, to="completed"), RuleViolation, "not agreed a date"
    )
    await _refused(db, advance_port_in(db, ACTOR, oid, to="rejected"), InvalidInput, "say why")
    await advance_port_in(db, ACTOR, oid, agreed_on=2)
    await _refused(
        db, advance_port_in(db, ACTOR, oid), RuleViolation, "completes on that day, not before"
    )
    await _refused(
        db,
        advance_port_in(db, ACTOR, oid, to="submitted"),
        RuleViolation,
        "agreed order cannot become submitted",
    )
    await _refused(db, advance_port_in(db, ACTOR, 999), NotFound, "no port-in order #999")
    await _refused(db, advance_port_in(db, ACTOR, oid, to="nonsense"), ValueError, "nonsense")
    with clock.frozen(noon_in_london(TODAY + dt.timedelta(days=2))):
        await advance_port_in(db, ACTOR, oid)
        for target in ("submitted", "agreed", "completed", "rejected", "cancelled"):
            await _refused(
                db,
                advance_port_in(db, ACTOR, oid, to=target, agreed_on=3, reason="late"),
                RuleViolation,
                "is completed; nothing more happens to it",
            )


async def test_closed_orders_stay_closed(db: Database) -> None:
    await uk_world(db)
    rejected = await _order(db)
    await advance_port_in(db, ACTOR, rejected.id)
    await advance_port_in(db, ACTOR, rejected.id, to="rejected", reason="wrong postcode")
    cancelled = await _order(db, "03069 990200")
    await cancel_port_in(db, ACTOR, cancelled.id, reason="occupier stays with its carrier")
    for order, state in ((rejected, "rejected"), (cancelled, "cancelled")):
        await _refused(
            db, advance_port_in(db, ACTOR, order.id), RuleViolation, f"the order is {state}"
        )
        await _refused(
            db, cancel_port_in(db, ACTOR, order.id, reason="again"), RuleViolation, f"is {state}"
        )


async def test_orders_that_cannot_be_placed_change_nothing(db: Database) -> None:
    await uk_world(db)
    await make_occupier(db, "nomad", site="LON1")
    await _order(db)
    cases: list[tuple[dict[str, object], type[Exception], str]] = [
        (
            {"numbers_text": london(5)},
            Conflict,
            "020 7946 0005 already in the inventory (LON1, available)",
        ),
        (
            {"numbers_text": "03069 990103"},
            Conflict,
            "0306 999 0103 already in the inventory (LON1, porting_in)",
        ),
        (
            {"numbers_text": "03069 990102..0110"},
            Conflict,
            "0306 999 0102 and 2 other numbers of the order already in the inventory",
        ),
        ({"numbers_text": "03069 990300..0310, 03069 990305"}, InvalidInput, "overlap"),
        ({"numbers_text": " , "}, InvalidInput, "no numbers were given"),
        ({"numbers_text": "12345"}, InvalidInput, "12345"),
        ({"numbers_text": "03069 980000..03069 999999"}, InvalidInput, "at most 10,000"),
        ({"requested": -1}, InvalidInput, "in the past"),
        ({"carrier": "  "}, InvalidInput, "losing carrier must not be empty"),
        ({"account": "ACC\x1b[31m"}, InvalidInput, "control characters"),
        ({"occupier": "ghost"}, NotFound, "ghost"),
    ]
    for kwargs, error, words in cases:
        text = str(kwargs.pop("numbers_text", "03069 990500"))
        await _refused(db, _order(db, text, **kwargs), error, words)  # type: ignore[arg-type]
    async with db.write() as session:  # an occupier that does not occupy LON1
        session.add(Occupier(code="elsewhere", name="Elsewhere Ltd"))
        await session.commit()
    await _refused(
        db, _order(db, "03069 990500", occupier="elsewhere"), RuleViolation, "does not occupy LON1"
    )


async def test_held_numbers_are_never_allocated_to_anyone(db: Database) -> None:
    await uk_world(db)
    await _order(db)
    for who in ("bravo", "acme"):
        with pytest.raises(
            VoiceconsoleError, match="belongs to the occupier it was brought in for"
        ):
            await numbers.allocate_numbers(db, ACTOR, [PORTED_E164[0]], occupier=who, site="LON1")
    with pytest.raises(RuleViolation, match="being ported in"):
        await numbers.activate_numbers(db, ACTOR, [PORTED_E164[0]], site="LON1")
    # A first-time service for someone else takes pool numbers only.
    result = await add_services(
        db, ACTOR, occupier="bravo", site="LON1", product="desk-line", quantity=9
    )
    assert result.automation == "applied" and not set(result.allocated) & set(PORTED_E164)


async def test_special_numbers_first_an_open_order_means_no_automation(db: Database) -> None:
    await uk_world(db)
    await _order(db)
    result = await add_services(
        db, ACTOR, occupier="acme", site="LON1", product="desk-line", quantity=2
    )
    assert result.automation == "skipped"
    assert result.reason and "5 numbers are being ported in" in result.reason
    assert await numbers_by_state(db, await _acme_id(db)) == {"porting_in": PORTED_E164}


async def test_special_numbers_first_a_completed_order_then_services(db: Database) -> None:
    """The source article's order of work: port the numbers in, then add services; the
    automation does not run, and the ported numbers are the ones activated."""
    await uk_world(db)
    order = await _order(db)
    await advance_port_in(db, ACTOR, order.id)
    await advance_port_in(db, ACTOR, order.id, agreed_on=0)
    await advance_port_in(db, ACTOR, order.id)
    result = await add_services(
        db, ACTOR, occupier="acme", site="LON1", product="desk-line", quantity=2
    )
    assert result.automation == "skipped" and result.allocated == []
    assert result.reason and result.reason.startswith(
        "special numbers: 5 numbers are already allocated"
    )
    await numbers.activate_numbers(db, ACTOR, PORTED_E164[:2], site="LON1")
    held = await numbers_by_state(db, await _acme_id(db))
    assert held == {"active": PORTED_E164[:2], "reserved": PORTED_E164[2:]}


async def test_the_list_puts_open_orders_by_due_date_and_says_which_are_late(db: Database) -> None:
    await uk_world(db)
    later = await _order(db, "03069 990100", requested=9)
    sooner = await _order(db, "03069 990200", requested=1)
    closed = await _order(db, "03069 990300", requested=0)
    await cancel_port_in(db, ACTOR, closed.id, reason="duplicate")
    agreed = await _order(db, "03069 990400", requested=6)
    await advance_port_in(db, ACTOR, agreed.id)
    await advance_port_in(db, ACTOR, agreed.id, agreed_on=3)
    assert [o.id for o in await list_port_ins(db, site="LON1")] == [
        sooner.id,
        agreed.id,
        later.id,
        closed.id,
    ]
    assert [o.id for o in await list_port_ins(db, occupier="acme", open_only=True)] == [
        sooner.id,
        agreed.id,
        later.id,
    ]
    with clock.frozen(noon_in_london(TODAY + dt.timedelta(days=5))):
        late = {o.id: o.late for o in await list_port_ins(db, site="LON1")}
    assert late == {
        sooner.id: "4 days late: asked for 2026-11-20, no date agreed",
        agreed.id: "2 days late: agreed for 2026-11-22, not completed",
        later.id: None,
        closed.id: None,
    }


def test_lateness_counts_days_after_the_due_date() -> None:
    day = dt.date(2026, 12, 1)
    assert lateness(PortingState.SUBMITTED, day, None, day) is None
    assert lateness(PortingState.SUBMITTED, day, None, day + dt.timedelta(days=1)) == (
        "1 day late: asked for 2026-12-01, no date agreed"
    )
    assert lateness(PortingState.COMPLETED, day, day, day + dt.timedelta(days=9)) is None


def test_order_numbers_are_read_as_people_write_them() -> None:
    blocks = parse_numbers("020 7946 0500..0509; 020 7946 0600\n0207946 0700 - 020 7946 0702", "GB")
    assert [(b.first, b.last) for b in blocks] == [
        ("+442079460500", "+442079460509"),
        ("+442079460600", "+442079460600"),
        ("+442079460700", "+442079460702"),
    ]
    # Dashes inside one number are not a range.
    assert [(b.first, b.last) for b in parse_numbers("020-7946-0001", "GB")] == [
        ("+442079460001", "+442079460001")
    ]
    assert parse_numbers("+1 212 555 0100 to 0105", "US")[0].size == 6


async def test_every_move_leaves_one_journal_entry(db: Database) -> None:
    await uk_world(db)
    order = await _order(db)
    await advance_port_in(db, ACTOR, order.id)
    await advance_port_in(db, ACTOR, order.id, agreed_on=0)
    await advance_port_in(db, ACTOR, order.id)
    from voiceconsole.db.models import AuditEntry

    async with db.read() as session:
        rows = (
            await session.execute(
                select(AuditEntry.action, AuditEntry.summary)
                .where(AuditEntry.action.like("porting.%"))
                .order_by(AuditEntry.id)
            )
        ).all()
        state = await session.scalar(select(PortingOrder.state))
    assert [a for a, _ in rows] == [
        "porting.add",
        "porting.submitted",
        "porting.agreed",
        "porting.completed",
    ]
    assert (
        rows[-1][1]
        == f"port-in #{order.id} for acme at LON1 completed: 5 numbers now the occupier's"
    )
    assert state is PortingState.COMPLETED


async def test_a_date_goes_only_with_the_carriers_agreement(db: Database) -> None:
    await uk_world(db)
    order = await _order(db)
    await _refused(
        db,
        advance_port_in(db, ACTOR, order.id, agreed_on=3),
        InvalidInput,
        "a date goes with the carrier's agreement only; this moves the order to submitted",
    )


async def test_a_held_number_is_refused_by_its_state_too(db: Database) -> None:
    """The origin rule (ported numbers belong to their occupier) is one guard; the state is
    the other: a number being ported in is nobody's to allocate, whatever its origin says."""
    await uk_world(db)
    await _order(db)
    async with db.write() as session:
        await session.execute(
            update(PhoneNumber).where(PhoneNumber.e164 == PORTED_E164[0]).values(origin=Origin.POOL)
        )
        await session.commit()
    with pytest.raises(RuleViolation, match="is being ported in for its occupier"):
        await numbers.allocate_numbers(db, ACTOR, [PORTED_E164[0]], occupier="bravo", site="LON1")
    result = await add_services(
        db, ACTOR, occupier="bravo", site="LON1", product="desk-line", quantity=90
    )
    assert PORTED_E164[0] not in result.allocated
