"""The switch inventory's services: adding a switch over SSH (with its key, ports and
profile), mapping its ports to floor ports by pattern or from rows, and what is refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from voiceconsole.db.database import Database
from voiceconsole.db.models import FloorPort, Switch, SwitchPort
from voiceconsole.domain.errors import Conflict, InvalidInput, NotFound, RuleViolation
from voiceconsole.services.switch_inventory import (
    add_switch,
    list_switches,
    map_floor_ports,
    remove_switch,
)
from voiceconsole.switches.credentials import Credentials
from voiceconsole.switches.gateway import Gateway, Timeouts
from voiceconsole.switches.host_keys import fingerprint
from voiceconsole.switches.simulator.model import SimulatedSwitch
from voiceconsole.switches.simulator.ssh_server import SimulatorServer

LOGIN = Credentials("bench", "bench-pw")


@pytest.fixture
def spare() -> Iterator[tuple[int, str]]:
    """A factory-fresh Catalyst 9300 on SSH: (its port, its key's fingerprint)."""
    switch = SimulatedSwitch("bench-9300", model="C9300-48UXM", users={"bench": "bench-pw"})
    with SimulatorServer([(switch, "127.0.0.1", 0)]) as server:
        key = server.host_keys["bench-9300"].export_public_key().decode().strip()
        yield server.ports[0], fingerprint(key)


@pytest.fixture
def gateway() -> Gateway:
    return Gateway(lambda target: LOGIN, timeouts=Timeouts(connect=3, operation=20))


async def add(db: Database, gateway: Gateway, port: int, **kwargs: object):  # type: ignore[no-untyped-def]
    return await add_switch(
        db,
        gateway,
        "qa",
        address="127.0.0.1",
        port=port,
        site="LON1",
        credentials="bench",
        **kwargs,  # type: ignore[arg-type]
    )


async def test_a_dry_run_adds_nothing_and_a_look_is_what_is_added(
    seeded: Database, gateway: Gateway, spare: tuple[int, str]
) -> None:
    port, key = spare
    looked = await add(seeded, gateway, port, dry_run=True)
    assert not looked.added and looked.fingerprint == key
    assert "bench-9300" not in {s.hostname for s in await list_switches(seeded)}
    added = await add(seeded, gateway, port, expect_fingerprint=looked.fingerprint)
    assert added.added
    found = {s.hostname: s for s in await list_switches(seeded, site="LON1")}
    view = found["bench-9300"]
    assert (view.model, view.profile, view.fingerprint) == ("C9300-48UXM", "catalyst-9300", key)
    assert view.ports == len(added.ports) and view.status == "not ready"
    async with seeded.read() as session:
        poe = dict(
            (
                await session.execute(
                    select(SwitchPort.interface, SwitchPort.poe)
                    .join(Switch, Switch.id == SwitchPort.switch_id)
                    .where(Switch.hostname == "bench-9300")
                )
            ).all()
        )
    assert poe["TwoGigabitEthernet1/0/1"] is True and poe["TenGigabitEthernet1/1/1"] is False


async def test_another_key_than_the_one_looked_at_is_refused(
    seeded: Database, gateway: Gateway, spare: tuple[int, str]
) -> None:
    port, _ = spare
    with pytest.raises(RuleViolation, match="nothing was added"):
        await add(seeded, gateway, port, expect_fingerprint="SHA256:somethingelse")
    assert "bench-9300" not in {s.hostname for s in await list_switches(seeded)}


async def test_a_platform_that_is_not_the_switchs_is_refused(
    seeded: Database, gateway: Gateway, spare: tuple[int, str]
) -> None:
    port, _ = spare
    with pytest.raises(RuleViolation, match=r"a Catalyst 9300 .* not a Catalyst 9200"):
        await add(seeded, gateway, port, platform="catalyst-9200")


async def test_ports_map_by_pattern_or_rows_all_or_nothing(
    seeded: Database, gateway: Gateway, spare: tuple[int, str]
) -> None:
    port, _ = spare
    await add(seeded, gateway, port)
    # The default: the access ports of module 0, not the uplinks, not the management port.
    mapped = await map_floor_ports(
        seeded, "qa", switch="bench-9300", floor="2F", pattern="2F-B{port:02d}"
    )
    assert len(mapped) == 48 and mapped[0].label == "2F-B01" and mapped[0].created
    assert all("/0/" in m.interface for m in mapped)

    # Rows (a CSV): a label patched elsewhere refuses the whole file.
    with pytest.raises(Conflict, match="already patched"):
        await map_floor_ports(
            seeded,
            "qa",
            switch="bench-9300",
            floor="2F",
            rows=[("2F-C01", "Te1/1/1", ""), ("2F-001", "Te1/1/2", "")],
        )
    async with seeded.read() as session:
        made = list(
            await session.scalars(select(FloorPort.label).where(FloorPort.label == "2F-C01"))
        )
    assert made == []  # nothing of the refused file was written

    with pytest.raises(InvalidInput, match="two interfaces"):
        await map_floor_ports(
            seeded, "qa", switch="bench-9300", floor="2F", pattern="2F-Z", interfaces="Te1/1/1-2"
        )
    with pytest.raises(NotFound, match="no interface Gi9/9/1"):
        await map_floor_ports(
            seeded, "qa", switch="bench-9300", floor="2F", pattern="X{port}", interfaces="Gi9/9/1"
        )
    with pytest.raises(InvalidInput, match="no interface of bench-9300 to map"):
        await map_floor_ports(seeded, "qa", switch="bench-9300", floor="2F", rows=[])


async def test_removing_keeps_the_floor_ports_unpatched(
    seeded: Database, gateway: Gateway, spare: tuple[int, str]
) -> None:
    port, _ = spare
    await add(seeded, gateway, port)
    await map_floor_ports(
        seeded,
        "qa",
        switch="bench-9300",
        floor="2F",
        pattern="2F-B{port:02d}",
        interfaces="Tw1/0/1-2",
    )
    assert await remove_switch(seeded, "qa", "BENCH-9300") == 2  # names as typed
    async with seeded.read() as session:
        left = dict(
            (
                await session.execute(
                    select(FloorPort.label, FloorPort.switch_port_id).where(
                        FloorPort.label.like("2F-B%")
                    )
                )
            ).all()
        )
    assert left == {"2F-B01": None, "2F-B02": None}
