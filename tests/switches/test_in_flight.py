"""Role changes in flight: written before the commit, settled against the switch when their
console died between commit and confirm (or between confirm and the database write).

Here the console's death is staged in-process: the intent is written and the switch commits
(with or without its confirmation) through the stock driver, and nothing else happens, as if
the process had gone. test_in_flight_kill.py does it with a real SIGKILL over SSH.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from voiceconsole.db.database import Database
from voiceconsole.db.models import AuditEntry, FloorPort, SwitchChange, SwitchChangeState
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
