"""Moving an occupier out of a site: the preview is what is committed; refusals change
nothing; a switch that fails leaves the database moved out and its ports listed for a retry;
a scheduled move-out is applied when due or cancelled without a trace but its status."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from helpers import ACTOR, noon_in_london, snapshot
from sqlalchemy import select
from sqlalchemy.engine import make_url

from voiceconsole.db.database import Database
from voiceconsole.db.models import (
    AuditEntry,
    FloorPort,
    Handset,
    HandsetLine,
    MoveOut,
    NumberRange,
    Occupancy,
    PhoneNumber,
    PortingOrder,
    ServiceAssignment,
    Site,
    Space,
)
from voiceconsole.domain.errors import Conflict, InvalidInput, NotFound, RuleViolation
from voiceconsole.domain.porting import PortingState
from voiceconsole.services.handsets import login_number
from voiceconsole.services.move_outs import (
    cancel_move_out,
    move_out,
    move_out_state,
    retry_move_out_ports,
)
from voiceconsole.services.numbers import allocate_numbers
from voiceconsole.services.occupiers import add_occupancy, list_occupiers_at
from voiceconsole.services.seed import load_sample_data
from voiceconsole.services.sites import edit_site, list_sites
from voiceconsole.services.voice_services import add_services, apply_due, schedule_change
from voiceconsole.switches.fleet import SimulatorFleet, make_gateway
from voiceconsole.switches.gateway import Gateway

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
ACME = {"occupier": "acme-analytics", "site": "LON1"}
ACME_DESK_1 = "02:cc:01:01:00:01"


def _today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Europe/London")).date()


@pytest.fixture
async def world(db: Database) -> Database:
    await load_sample_data(db, ACTOR)
    return db


@pytest.fixture
def gateway(world: Database, tmp_path: Path) -> Gateway:
    return make_gateway(
        world.url,
        lab=False,
        fleet=SimulatorFleet(tmp_path / "switches", SAMPLE / "lab_devices.csv"),
    )


async def _one(db: Database, query):  # type: ignore[no-untyped-def]
    async with db.read() as session:
        return list(await session.scalars(query))


async def _actions(db: Database) -> list[str]:
    return [a.action for a in await _one(db, select(AuditEntry).order_by(AuditEntry.id))]


async def test_the_preview_is_what_is_committed(world: Database) -> None:
    await login_number(world, ACTOR, handset=ACME_DESK_1, number="020 7946 0001")
    provisioned = Path(os.environ["VOICECONSOLE_PROVISIONING_DIR"]) / "02cc01010001.cfg"
    assert "account.1.user_name = 442079460001" in provisioned.read_text()
    before = await _actions(world)
    preview = await move_out(world, ACTOR, **ACME, dry_run=True)
    assert await _actions(world) == before
    done = await move_out(world, ACTOR, **ACME, expect=preview.fingerprint)
    assert done.fingerprint == preview.fingerprint
    assert (preview.status, done.status) == ("preview", "applied")
    assert [s.product for s in done.services] == ["desk-line"]
    today = _today()
    until = today + dt.timedelta(days=90)
    assert [(n.e164, n.to, n.cooldown_until) for n in done.numbers] == [
        (f"+4420794600{i:02d}", "cooldown", until) for i in range(5)
    ]
    assert [(h.handset, h.numbers) for h in done.handsets_logged_out] == [
        ("Acme desk 1", ("+442079460001",))
    ]
    assert done.handsets_returned == ("Acme desk 1", "Acme desk 2")
    assert [p.label for p in done.floor_ports] == ["1F-001", "1F-002", "1F-003", "1F-004"]
    assert done.spaces == ("1.01",)
    # What the database holds now is what the preview said.
    numbers = await _one(
        world,
        select(PhoneNumber).where(PhoneNumber.e164.in_([n.e164 for n in done.numbers])),
    )
    assert {(n.state.value, n.occupier_id, n.is_main, n.cooldown_until) for n in numbers} == {
        ("cooldown", None, False, until)
    }
    assert all(n.label == "" and not n.voicemail for n in numbers)  # features reset
    assert await _one(world, select(HandsetLine)) == []
    assert "442079460001" not in provisioned.read_text()  # the file was written again
    handsets = await _one(world, select(Handset).where(Handset.label.like("Acme%")))
    assert {(h.occupier_id, h.state.value) for h in handsets} == {(None, "in_stock")}
    ports = await _one(
        world,
        select(FloorPort)
        .join(Site, Site.id == FloorPort.site_id)
        .where(Site.code == "LON1", FloorPort.label.in_(["1F-001", "1F-002", "1F-003", "1F-004"])),
    )
    assert [p.occupier_id for p in ports] == [None] * 4
    (occupancy,) = await _one(
        world,
        select(Occupancy)
        .join(Site, Site.id == Occupancy.site_id)
        .where(Site.code == "LON1", Occupancy.occupier_id == 1),
    )
    assert occupancy.ended_on == today
    assert await _one(world, select(Space.code).where(Space.occupier_id == 1)) == ["1001"]  # NYC1
    acme_services = await _one(
        world, select(ServiceAssignment).where(ServiceAssignment.occupier_id == 1)
    )
    assert len(acme_services) == 1  # NYC1's stays
    (row,) = await _one(world, select(MoveOut))
    assert (row.status.value, row.effective_on) == ("applied", today)
    # Without a gateway no switch was touched: every patched port is left for the retry.
    assert [p["label"] for p in row.ports_left] == ["1F-001", "1F-002", "1F-003", "1F-004"]
    assert done.ports_left == ("1F-001", "1F-002", "1F-003", "1F-004")
    assert (await _actions(world))[len(before) :] == ["occupiers.move_out"]


async def test_a_changed_plan_is_refused_and_changes_nothing(world: Database) -> None:
    preview = await move_out(world, ACTOR, **ACME, dry_run=True)
    await login_number(world, ACTOR, handset=ACME_DESK_1, number="020 7946 0001")
    before = await snapshot(world)
    with pytest.raises(Conflict, match="changed since the preview"):
        await move_out(world, ACTOR, **ACME, expect=preview.fingerprint)
    assert await snapshot(world) == before


async def _open_port_in(db: Database) -> None:
    async with db.write() as session:
        site = await session.scalar(select(Site).where(Site.code == "LON1"))
        assert site is not None
        session.add(
            PortingOrder(
                site_id=site.id,
                occupier_id=1,
                losing_carrier="BT",
                account_ref="ACC-1",
                requested_on=_today(),
                state=PortingState.SUBMITTED,
                numbers="+443069990100",
                number_count=1,
                created_by=ACTOR,
            )
        )
        await session.commit()


@pytest.mark.parametrize(
    ("case", "error", "message"),
    [
        ("unknown occupier", NotFound, "nobody"),
        ("unknown site", NotFound, "XXX9"),
        ("not there", RuleViolation, "does not occupy MAN1"),
        ("already moved out", RuleViolation, "already moved out of LON1"),
        ("past", InvalidInput, "is in the past at LON1"),
        ("pending", Conflict, "already scheduled for .*--cancel"),
        ("port-in", RuleViolation, r"cancel port-in order #\d+ with the losing carrier first"),
    ],
)
async def test_each_refusal_leaves_the_database_as_it_was(
    world: Database, case: str, error: type[Exception], message: str
) -> None:
    who = dict(ACME)
    when: dt.date | int = 0
    if case == "unknown occupier":
        who["occupier"] = "nobody"
    elif case == "unknown site":
        who["site"] = "XXX9"
    elif case == "not there":
        who["site"] = "MAN1"
    elif case == "already moved out":
        await move_out(world, ACTOR, **ACME)
    elif case == "past":
        when = _today() - dt.timedelta(days=1)
    elif case == "pending":
        await move_out(world, ACTOR, **ACME, effective_on=7)
    elif case == "port-in":
        await _open_port_in(world)
    before = await snapshot(world)
    bytes_before = _sqlite_bytes(world)
    for dry_run in (True, False):
        with pytest.raises(error, match=message):
            await move_out(world, ACTOR, **who, effective_on=when, dry_run=dry_run)
    assert await snapshot(world) == before
    # On SQLite, byte for byte: the database file and its write-ahead log.
    assert _sqlite_bytes(world) == bytes_before


def _sqlite_bytes(db: Database) -> tuple[bytes, bytes] | None:
    url = make_url(db.url)
    if not url.drivername.startswith("sqlite"):
        return None
    path = Path(url.database or "")
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes(), wal.read_bytes() if wal.exists() else b""


async def test_ported_and_custom_numbers_leave_with_their_occupier(world: Database) -> None:
    # Halcyon's ported range came with a port-in order; Kestrel's custom range has a note.
    async with world.write() as session:
        site = await session.scalar(select(Site).where(Site.code == "LON1"))
        assert site is not None
        halcyon = await session.scalar(
            select(PhoneNumber.occupier_id).where(PhoneNumber.e164 == "+442079460500")
        )
        order = PortingOrder(
            site_id=site.id,
            occupier_id=halcyon,
            losing_carrier="Gamma",
            account_ref="HAL-77",
            requested_on=_today() - dt.timedelta(days=40),
            state=PortingState.COMPLETED,
            numbers="+442079460500-+442079460509",
            number_count=10,
            created_by=ACTOR,
        )
        session.add(order)
        await session.flush()
        (ported_range,) = await session.scalars(
            select(NumberRange).where(NumberRange.occupier_id == halcyon)
        )
        ported_range.porting_order_id = order.id
        await session.commit()
        order_id = order.id
    done = await move_out(world, ACTOR, occupier="halcyon-legal", site="LON1")
    assert {(n.to, n.reference) for n in done.numbers} == {
        ("port_out", f"port-in order #{order_id}, losing carrier Gamma, account HAL-77")
    }
    assert len(done.numbers) == 10
    kestrel = await move_out(world, ACTOR, occupier="kestrel-architects", site="LON1")
    assert {(n.to, n.reference) for n in kestrel.numbers} == {
        ("port_out", "custom range picked by the occupier")
    }
    assert [n.e164 for n in kestrel.numbers if n.main] == ["+442079460900"]
    held = await _one(world, select(PhoneNumber).where(PhoneNumber.e164.like("+44207946090%")))
    assert {(n.state.value, n.is_main) for n in held} == {("port_out", False)}
    assert len({n.occupier_id for n in held}) == 1 and held[0].occupier_id is not None


async def test_a_failing_switch_leaves_the_database_moved_out_and_the_ports_listed(
    world: Database, gateway: Gateway
) -> None:
    preview = await move_out(world, ACTOR, **ACME, dry_run=True, gateway=gateway)
    (switch,) = preview.switches
    assert switch.hostname == "lon1-1f-sw1" and "+ description 1F-001 unallocated" in switch.diff
    gateway.simulators.switch("lon1-1f-sw1").fail_next(  # type: ignore[attr-defined]
        r"shutdown", "% Invalid input detected at '^' marker."
    )
    done = await move_out(world, ACTOR, **ACME, expect=preview.fingerprint, gateway=gateway)
    assert done.status == "applied"
    assert [(p.label, p.done) for p in done.port_outcomes] == [
        (label, False) for label in ("1F-001", "1F-002", "1F-003", "1F-004")
    ]
    assert done.ports_left == ("1F-001", "1F-002", "1F-003", "1F-004")
    (row,) = await _one(world, select(MoveOut))
    assert row.status.value == "applied" and len(row.ports_left) == 4
    assert "rejected" in row.ports_left[0]["error"]
    assert len(await _one(world, select(Occupancy).where(Occupancy.ended_on.is_not(None)))) == 1
    state = await move_out_state(world, **ACME)
    assert state is not None and state.ports_left == done.ports_left
    again = await retry_move_out_ports(world, gateway, ACTOR, **ACME)
    assert [p.done for p in again.port_outcomes] == [True] * 4 and again.ports_left == ()
    (row,) = await _one(world, select(MoveOut))
    assert row.ports_left is None
    config = gateway.simulators.switch("lon1-1f-sw1").running_config()  # type: ignore[attr-defined]
    assert " description 1F-001 unallocated" in config
    with pytest.raises(RuleViolation, match="no floor ports"):
        await retry_move_out_ports(world, gateway, ACTOR, **ACME)


async def test_a_scheduled_move_out_cancelled_changes_nothing_but_its_status(
    world: Database,
) -> None:
    before = await snapshot(world, ignore=("move_outs", "audit_entries", "audit_subjects"))
    when = _today() + dt.timedelta(days=14)
    preview = await move_out(world, ACTOR, **ACME, effective_on=when, dry_run=True)
    assert preview.scheduled and "recomputed when due" in preview.lines()[0]
    scheduled = await move_out(world, ACTOR, **ACME, effective_on=when, expect=preview.fingerprint)
    assert scheduled.status == "pending"
    assert await snapshot(world, ignore=("move_outs", "audit_entries", "audit_subjects")) == before
    cancelled = await cancel_move_out(world, ACTOR, **ACME)
    assert cancelled.status == "cancelled"
    (row,) = await _one(world, select(MoveOut))
    assert row.status.value == "cancelled"
    assert await snapshot(world, ignore=("move_outs", "audit_entries", "audit_subjects")) == before
    assert (await _actions(world))[-2:] == [
        "occupiers.move_out_scheduled",
        "occupiers.move_out_cancelled",
    ]
    with pytest.raises(NotFound):
        await cancel_move_out(world, ACTOR, **ACME)
    # A due run on its date finds nothing to apply.
    report = await apply_due(world, ACTOR, now=noon_in_london(when))
    assert report.moved_out == []


async def test_a_scheduled_move_out_is_applied_when_due(world: Database) -> None:
    when = _today() + dt.timedelta(days=3)
    await schedule_change(
        world, ACTOR, **ACME, product="desk-line", quantity=6, effective_on=when + dt.timedelta(1)
    )
    await move_out(world, ACTOR, **ACME, effective_on=when)
    early = await apply_due(world, ACTOR, now=noon_in_london(when - dt.timedelta(days=1)))
    assert early.moved_out == []
    report = await apply_due(world, ACTOR, now=noon_in_london(when))
    (plan,) = report.moved_out
    assert (plan.occupier, plan.effective_on, plan.status) == ("acme-analytics", when, "applied")
    assert plan.services[0].pending_changes == 1
    (row,) = await _one(world, select(MoveOut))
    assert row.status.value == "applied" and row.applied_at is not None
    numbers = await _one(
        world, select(PhoneNumber).where(PhoneNumber.e164.in_([n.e164 for n in plan.numbers]))
    )
    assert {(n.state.value, n.cooldown_until) for n in numbers} == {
        ("cooldown", when + dt.timedelta(days=90))
    }


async def test_nothing_new_is_given_to_an_occupier_that_moved_out(world: Database) -> None:
    await move_out(world, ACTOR, **ACME)
    before = await snapshot(world)
    with pytest.raises(RuleViolation, match="moved out of LON1 on"):
        await add_services(world, ACTOR, **ACME, product="soft-line", quantity=1)
    with pytest.raises(RuleViolation, match="moved out of LON1 on"):
        await allocate_numbers(world, ACTOR, ["020 7946 0450"], **ACME)
    assert await snapshot(world) == before


async def test_an_occupier_that_moved_out_is_listed_as_such_and_offered_nothing(
    world: Database,
) -> None:
    count_before = {s.site.code: s.occupiers for s in await list_sites(world)}["LON1"]
    await move_out(world, ACTOR, **ACME)
    assert {s.site.code: s.occupiers for s in await list_sites(world)}["LON1"] == count_before - 1
    # Pickers of whom to give something leave it out; the site's list shows it, marked.
    assert "acme-analytics" not in {o.code for o in await list_occupiers_at(world, "LON1")}
    listed = {o.code: o for o in await list_occupiers_at(world, "LON1", moved_out=True)}
    assert listed["acme-analytics"].moved_out_on == _today()
    assert listed["brightwater-legal"].moved_out_on is None


async def test_a_due_move_out_refused_then_stays_pending_and_is_reported(world: Database) -> None:
    when = _today() + dt.timedelta(days=2)
    await move_out(world, ACTOR, **ACME, effective_on=when)
    await _open_port_in(world)  # opened after it was scheduled
    before = await snapshot(world)
    report = await apply_due(world, ACTOR, now=noon_in_london(when))
    assert report.moved_out == []
    (held,) = report.move_outs_held_back
    assert "cancel port-in order #" in held["reason"]
    assert await snapshot(world) == before
    (row,) = await _one(world, select(MoveOut))
    assert row.status.value == "pending"


async def test_two_colleagues_moving_one_occupier_out_at_once_do_it_once(
    world: Database,
) -> None:
    other = Database(world.url)
    try:
        results = await asyncio.gather(
            move_out(world, "ann", **ACME),
            move_out(other, "bob", **ACME),
            return_exceptions=True,
        )
    finally:
        await other.close()
    done = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(done) == 1 and len(refused) == 1
    assert isinstance(refused[0], RuleViolation) and "already moved out" in str(refused[0])
    assert (await _actions(world)).count("occupiers.move_out") == 1
    assert len(await _one(world, select(MoveOut))) == 1


async def test_an_occupier_that_moved_out_can_come_back_later(world: Database) -> None:
    await move_out(world, ACTOR, **ACME)
    before = await snapshot(world)
    with pytest.raises(InvalidInput, match="it can come back after that day"):
        await add_occupancy(world, ACTOR, **ACME, since=_today())
    assert await snapshot(world) == before
    back = _today() + dt.timedelta(days=1)
    await add_occupancy(world, ACTOR, **ACME, since=back)
    listed = {o.code: o for o in await list_occupiers_at(world, "LON1")}
    assert listed["acme-analytics"].moved_out_on is None
    (occupancy,) = await _one(
        world,
        select(Occupancy)
        .join(Site, Site.id == Occupancy.site_id)
        .where(Site.code == "LON1", Occupancy.occupier_id == listed["acme-analytics"].id),
    )
    assert occupancy.since == back and occupancy.ended_on is None
    with pytest.raises(Conflict, match="already occupies LON1"):
        await add_occupancy(world, ACTOR, **ACME, since=back)


async def test_freed_ports_go_to_the_role_the_site_names(world: Database) -> None:
    await edit_site(world, ACTOR, "LON1", default_port_role="data")
    plan = await move_out(world, ACTOR, **ACME, dry_run=True)
    assert plan.default_role == "data" and plan.floor_ports
    with pytest.raises(InvalidInput, match="unknown switch port role 'lobby'"):
        await edit_site(world, ACTOR, "LON1", default_port_role="lobby")
