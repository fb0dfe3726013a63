"""The lab: the sample switches, and spares on the bench, with phones, PCs, printers and APs
plugged in, served on SSH.

`read_inventory` reads switches.yaml (the switch inventory: model, address, the site's VLANs);
`build_fleet` makes its switches, site-ready, with lab_devices.csv's devices plugged in;
`build_spares` makes the bench's spares (lab_spares.yaml: factory defaults, devices of their
own); `serve_lab` serves a fleet until stopped. The files are in sample_data/.
"""

from __future__ import annotations

import csv
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncssh
import yaml

from .defaults import site_ready_config
from .hardware import DEFAULT_MODEL, UnknownModel
from .ssh_server import SimulatorServer
from .switch import Account, Device, SimulatedSwitch

Fleet = list[tuple[SimulatedSwitch, str, int]]
Users = Mapping[str, str | Account]

DEVICE_KINDS = ("phone", "pc", "printer", "access_point")
# PCs seldom run an LLDP agent; phones, APs and managed printers do.
_SPEAKS_LLDP = {"phone": True, "pc": False, "printer": True, "access_point": True}


class LabDataError(ValueError):
    """A lab file names something that does not fit (unknown switch, kind, port, model)."""


@dataclass(frozen=True)
class InventoryEntry:
    """A switch of switches.yaml, as the simulator needs it."""

    hostname: str
    model: str = DEFAULT_MODEL
    mgmt_address: str = "127.0.0.1"
    mgmt_port: int = 22
    vlans: dict[int, str | None] = field(default_factory=dict)  # the site's VLANs, named


def _vlans(value: Any, where: str) -> dict[int, str | None]:
    """`{100: DATA, 200: VOICE}` or `[100, 200]` -> {100: "DATA", 200: "VOICE"}."""
    if value is None:
        return {}
    items = value.items() if isinstance(value, dict) else ((v, None) for v in value)
    try:
        return {int(vlan): (str(name) if name else None) for vlan, name in items}
    except (TypeError, ValueError):
        raise LabDataError(f"{where}: vlans must be VLAN ids, or ids with names") from None


def _entries(path: Path) -> list[dict[str, Any]]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise LabDataError(f"{path.name}: expected a list of switches")
    return entries


def _entry(item: dict[str, Any], where: str) -> InventoryEntry:
    platform = item.get("platform", "ios")
    if platform != "ios":
        raise LabDataError(f"{where}: platform {platform!r} is not simulated")
    try:
        return InventoryEntry(
            str(item["hostname"]),
            str(item.get("model", DEFAULT_MODEL)),
            str(item["mgmt_address"]),
            int(item["mgmt_port"]),
            _vlans(item.get("vlans"), where),
        )
    except KeyError as err:
        raise LabDataError(f"{where}: {err.args[0]} is missing") from None


def read_inventory(path: Path | str) -> list[InventoryEntry]:
    """The switches of an inventory file (switches.yaml)."""
    path = Path(path)
    return [_entry(item, f"{path.name}: {item.get('hostname', '?')}") for item in _entries(path)]


def inventory_switch(
    entry: InventoryEntry,
    users: Users,
    *,
    clock: Callable[[], float] = time.monotonic,
    startup_config: str | None = None,
) -> SimulatedSwitch:
    """A switch of the inventory as the operator runs it: its model, and the site-ready config
    with its site's VLANs (or `startup_config`, e.g. the config it was saved with)."""
    if startup_config is None:
        startup_config = site_ready_config(entry.hostname, entry.vlans, model=entry.model)
    try:
        return SimulatedSwitch(
            entry.hostname,
            model=entry.model,
            users=users,
            clock=clock,
            startup_config=startup_config,
        )
    except UnknownModel as err:
        raise LabDataError(f"{entry.hostname}: {err.args[0]}") from None


def build_fleet(
    switches_yaml_path: Path | str,
    devices_csv_path: Path | str,
    users: Users,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> Fleet:
    """The switches of the inventory as (switch, host, port), site-ready, devices plugged in."""
    fleet: Fleet = []
    by_name: dict[str, SimulatedSwitch] = {}
    for entry in read_inventory(switches_yaml_path):
        switch = inventory_switch(entry, users, clock=clock)
        by_name[switch.hostname] = switch
        fleet.append((switch, entry.mgmt_address, entry.mgmt_port))
    _plug_devices(Path(devices_csv_path), by_name)
    return fleet


def build_spares(
    spares_yaml_path: Path | str,
    users: Users,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> Fleet:
    """The spares on the bench (lab_spares.yaml): factory-default switches, not in the
    inventory, each with the devices its entry lists plugged in."""
    path = Path(spares_yaml_path)
    fleet: Fleet = []
    for item in _entries(path):
        where = f"{path.name}: {item.get('hostname', '?')}"
        entry = _entry(item, where)
        try:
            switch = SimulatedSwitch(entry.hostname, model=entry.model, users=users, clock=clock)
        except UnknownModel as err:
            raise LabDataError(f"{where}: {err.args[0]}") from None
        for number, row in enumerate(item.get("devices") or [], start=1):
            try:
                values = {key: "" if value is None else str(value) for key, value in row.items()}
                switch.connect(values["interface"], _device(values))
            except (KeyError, ValueError, AttributeError) as err:
                raise LabDataError(f"{where}, device {number}: {err}") from err
        fleet.append((switch, entry.mgmt_address, entry.mgmt_port))
    return fleet


def devices_by_switch(path: Path) -> dict[str, list[tuple[str, Device]]]:
    """The devices of a lab file by switch hostname: (interface, device) pairs."""
    found: dict[str, list[tuple[str, Device]]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                found.setdefault(row["switch"], []).append((row["interface"], _device(row)))
            except (KeyError, ValueError) as err:
                raise LabDataError(f"{path.name}:{line}: {err}") from err
    return found


def _plug_devices(path: Path, switches: dict[str, SimulatedSwitch]) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        # Line 1 is the header, so the first row is line 2.
        for line, row in enumerate(csv.DictReader(handle), start=2):
            where = f"{path.name}:{line}"
            switch = switches.get(row["switch"])
            if switch is None:
                raise LabDataError(f"{where}: no switch {row['switch']!r} in the inventory")
            try:
                device = _device(row)
                switch.connect(row["interface"], device)
            except (KeyError, ValueError) as err:
                raise LabDataError(f"{where}: {err}") from err


def _device(row: dict[str, str]) -> Device:
    kind = row["kind"]
    if kind not in DEVICE_KINDS:
        raise ValueError(f"unknown kind {kind!r} (one of {', '.join(DEVICE_KINDS)})")
    pc_behind = None
    if row.get("pc_behind_mac"):
        if kind != "phone":
            raise ValueError("only a phone has a PC port")
        pc_behind = Device("pc", row["pc_behind_mac"], row.get("pc_behind_name") or "", lldp=False)
    return Device(
        kind,
        row["mac"],
        row["name"],
        poe_watts=float(row.get("poe_watts") or 0),
        lldp=_SPEAKS_LLDP[kind],
        pc_behind=pc_behind,
    )


def serve_lab(
    fleet: Fleet,
    stop_event: threading.Event | None = None,
    *,
    ready: Callable[[Fleet], None] | None = None,
    tick_seconds: float = 1.0,
    host_keys: Mapping[str, asyncssh.SSHKey] | None = None,
) -> None:
    """Serve the fleet on SSH until `stop_event` is set or Ctrl-C.

    `ready` gets the fleet with the ports actually bound once every switch listens. Revert
    timers (commit with revert_in) also fire while nobody is logged in: the switches tick.
    `host_keys` are the switches' SSH host keys by hostname (others get new ones).
    """
    stop_event = stop_event or threading.Event()
    with SimulatorServer(fleet, host_keys=host_keys) as server:
        bound = [
            (switch, host, port)
            for (switch, host, _), port in zip(fleet, server.ports, strict=True)
        ]
        if ready is not None:
            ready(bound)
        try:
            while not stop_event.wait(tick_seconds):
                for switch, _, _ in fleet:
                    switch.tick()
        except KeyboardInterrupt:
            pass
