"""Role changes in flight: written before the commit, settled against the switch when their
console died between commit and confirm (or between confirm and the database write).

Here the console's death is staged in-process: the intent is written and the switch commits
(with or without its confirmation) through the stock driver, and nothing else happens, as if
the process had gone. test_in_flight_kill.py does it with a real SIGKILL over SSH.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from voiceconsole.db.database import Database
from voiceconsole.db.models import AuditEntry, FloorPort, SwitchChange, SwitchChangeState
from voiceconsole.domain.errors import Conflict, RuleViolation
from voiceconsole.services import switch_changes
from voiceconsole.services.floor_ports import floor_port_ids
from voiceconsole.services.switch_ports import apply_role_change, plan_role_change
from voiceconsole.switches.commit import CONFIRM_WINDOW_SECONDS, load_and_compare
from voiceconsole.switches.gateway import Gateway

SITE = "LON1"
GONE = "elsewhere-or-gone:999999999"  # a process id no system gives out


@pytest.fixture
def dead_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Intents written from now on belong to a console that has ended."""
    monkeypatch.setattr(switch_changes, "this_console", lambda: f"{_host()}:999999999")


def _host() -> str:
    import socket

    return socket.gethostname()


async def half_done(db: Database, gateway: Gateway, label: str, *, confirm: bool) -> None:
    """What a console that died mid-change leaves: the intent written, the switch committed
    with a revert timer, confirmed or not, and no database write after it."""
    (port_id,) = await floor_port_ids(db, site=SITE, labels=[label])
    plan = await plan_role_change(db, gateway, [port_id], "voice")
    (switch,) = plan.ready
    await switch_changes.begin(
        db,
        "qa",
        [
            switch_changes.PlannedIntent(
                switch.switch_id, plan.role, switch.diff, tuple(p.intent() for p in switch.ports)
            )
        ],
    )
    with gateway.session(switch.target) as driver:
        load_and_compare(driver, [p.change for p in switch.ports])
        driver.commit_config(revert_in=CONFIRM_WINDOW_SECONDS)
        if confirm:
            driver.confirm_commit()


async def change_rows(db: Database) -> list[SwitchChange]:
    async with db.read() as session:
        return list(await session.scalars(select(SwitchChange).order_by(SwitchChange.id)))


async def role_of(db: Database, label: str) -> str | None:
    from voiceconsole.db.models import SwitchPort

    async with db.read() as session:
        port = await session.scalar(
            select(SwitchPort)
            .join(FloorPort, FloorPort.switch_port_id == SwitchPort.id)
            .where(FloorPort.label == label)
        )
        assert port is not None
        return port.role.value if port.role else None


def switch_config(gateway: Gateway, hostname: str, interface: str) -> list[str]:
    lines = gateway.simulators.switch(hostname).running_config().splitlines()
    start = lines.index(f"interface {interface}")
    block = []
    for line in lines[start + 1 :]:
        if not line.startswith(" "):
            break
        block.append(line.strip())
    return block


async def test_a_change_is_written_down_before_the_switch_commits(
    seeded: Database, gateway: Gateway
) -> None:
    ids = await floor_port_ids(seeded, site=SITE, labels=["1F-003"])
    plan = await plan_role_change(seeded, gateway, ids, "voice")
    seen_in_flight: list[list[str]] = []
    apply = gateway.apply

    def spying(target, changes, vlans, **kwargs):  # type: ignore[no-untyped-def]
        import asyncio

        rows = asyncio.run_coroutine_threadsafe(change_rows(seeded), loop).result(10)
        seen_in_flight.append([r.state.value for r in rows])
        return apply(target, changes, vlans, **kwargs)

    import asyncio

    loop = asyncio.get_running_loop()
    gateway.apply = spying  # type: ignore[method-assign]
    outcome = await apply_role_change(seeded, gateway, "qa", plan)
    assert outcome.done == 1
    assert seen_in_flight == [["in_flight"]]
    (row,) = await change_rows(seeded)
    assert (row.state, row.outcome) == (SwitchChangeState.SETTLED, "committed")
    assert row.ports[0]["label"] == "1F-003" and row.diff == plan.switches[0].diff


async def test_a_commit_left_unconfirmed_is_reverted_and_said(
    seeded: Database, gateway: Gateway, dead_console: None
) -> None:
    before = switch_config(gateway, "lon1-1f-sw1", "GigabitEthernet1/0/3")
    await half_done(seeded, gateway, "1F-003", confirm=False)
    assert "switchport voice vlan 200" in switch_config(
        gateway, "lon1-1f-sw1", "GigabitEthernet1/0/3"
    )
    assert gateway.simulators.switch("lon1-1f-sw1").pending_revert is not None

    (settled,) = await switch_changes.settle_abandoned(seeded, gateway, "qa")

    assert (settled.state, settled.reverted_now) == ("reverted", True)
    assert "was undone on the switch" in settled.sentence()
    assert switch_config(gateway, "lon1-1f-sw1", "GigabitEthernet1/0/3") == before
    assert await role_of(seeded, "1F-003") is None  # the database never took it
    (row,) = await change_rows(seeded)
    assert row.state is SwitchChangeState.REVERTED and row.settled_at is not None
    async with seeded.read() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "ports.role_settled")
        )
    assert entry is not None and entry.after["reverted_now"] is True


async def test_a_change_confirmed_on_the_switch_but_never_recorded_is_recorded(
    seeded: Database, gateway: Gateway, dead_console: None
) -> None:
    await half_done(seeded, gateway, "1F-003", confirm=True)
    assert gateway.simulators.switch("lon1-1f-sw1").pending_revert is None

    (settled,) = await switch_changes.settle_abandoned(seeded, gateway, "qa")

    assert (settled.state, settled.reverted_now) == ("confirmed", False)
    assert await role_of(seeded, "1F-003") == "voice"
    (row,) = await change_rows(seeded)
    assert row.state is SwitchChangeState.CONFIRMED
    assert "switchport voice vlan 200" in switch_config(
        gateway, "lon1-1f-sw1", "GigabitEthernet1/0/3"
    )


async def test_a_change_of_a_live_console_is_left_alone_and_blocks_the_switch(
    seeded: Database, gateway: Gateway
) -> None:
    """This process is alive: its change is in flight, not abandoned."""
    await half_done(seeded, gateway, "1F-003", confirm=False)
    assert await switch_changes.settle_abandoned(seeded, gateway, "qa") == []
    ids = await floor_port_ids(seeded, site=SITE, labels=["1F-004"])
    plan = await plan_role_change(seeded, gateway, ids, "data")
    (switch,) = plan.switches
    assert "still in flight on lon1-1f-sw1" in switch.error and not switch.diff


async def test_a_second_change_on_a_switch_in_flight_is_refused_whole(
    seeded: Database, gateway: Gateway
) -> None:
    """A colleague's console previewed before this one's change went in flight: its apply is
    refused before anything reaches the switch (one change at a time per switch)."""
    ids = await floor_port_ids(seeded, site=SITE, labels=["1F-004"])
    theirs = await plan_role_change(seeded, gateway, ids, "data")
    await half_done(seeded, gateway, "1F-003", confirm=False)  # ours, in flight
    before = gateway.simulators.switch("lon1-1f-sw1").running_config()
    with pytest.raises(Conflict, match="still in flight on lon1-1f-sw1"):
        await apply_role_change(seeded, gateway, "colleague", theirs)
    assert gateway.simulators.switch("lon1-1f-sw1").running_config() == before
    assert [r.state for r in await change_rows(seeded)] == [SwitchChangeState.IN_FLIGHT]


async def test_two_consoles_settling_at_once_record_it_once(
    seeded: Database, gateway: Gateway, dead_console: None
) -> None:
    import asyncio

    await half_done(seeded, gateway, "1F-003", confirm=True)
    first, second = await asyncio.gather(
        switch_changes.settle_abandoned(seeded, gateway, "noc1"),
        switch_changes.settle_abandoned(seeded, gateway, "noc2"),
    )
    assert len(first) + len(second) == 1
    async with seeded.read() as session:
        entries = list(
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "ports.role_settled")
            )
        )
    assert len(entries) == 1


async def test_a_change_of_a_console_elsewhere_is_settled_after_its_window_without_reverting(
    seeded: Database, gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A console on another machine: its change is left alone during its window; after it,
    the ports are read, but a revert timer on the switch is not run out (it is not known to be
    that change's)."""
    monkeypatch.setattr(switch_changes, "this_console", lambda: "other-host:4242:1")
    await half_done(seeded, gateway, "1F-003", confirm=False)
    assert await switch_changes.settle_abandoned(seeded, gateway, "qa") == []
    async with seeded.write() as session:
        (row,) = await session.scalars(select(SwitchChange))
        row.revert_deadline = row.revert_deadline - dt.timedelta(hours=1)
        await session.commit()
    (settled,) = await switch_changes.settle_abandoned(seeded, gateway, "qa")
    assert not settled.reverted_now
    assert gateway.simulators.switch("lon1-1f-sw1").pending_revert is not None  # left to run


async def test_a_change_on_a_switch_gone_for_good_can_be_given_up(
    seeded: Database, gateway: Gateway, dead_console: None
) -> None:
    await half_done(seeded, gateway, "1F-003", confirm=False)
    with pytest.raises(RuleViolation, match="still in its revert window"):
        await switch_changes.abandon(seeded, "qa", "lon1-1f-sw1")
    async with seeded.write() as session:
        (row,) = await session.scalars(select(SwitchChange))
        row.revert_deadline = row.revert_deadline - dt.timedelta(hours=1)
        await session.commit()
    (given_up,) = await switch_changes.abandon(seeded, "qa", "lon1-1f-sw1")
    assert given_up.state == "abandoned" and "could not be read" in given_up.sentence()
    (row,) = await change_rows(seeded)
    assert row.state is SwitchChangeState.DRIFT and "abandoned" in row.outcome
    # The switch is free for changes again.
    ids = await floor_port_ids(seeded, site=SITE, labels=["1F-004"])
    plan = await plan_role_change(seeded, gateway, ids, "data")
    assert not plan.switches[0].error, plan.switches[0].error
