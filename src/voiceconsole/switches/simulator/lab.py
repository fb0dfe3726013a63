"""The lab: the sample switches, with phones, PCs, printers and APs plugged in, served on SSH.

`build_fleet` reads switches.yaml (the switch inventory) and lab_devices.csv (what is plugged
where); `serve_lab` serves the fleet until stopped. Both files are in sample_data/.
"""

from __future__ import annotations

import csv
import threading
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from .model import Device, SimulatedSwitch
from .ssh_server import SimulatorServer

Fleet = list[tuple[SimulatedSwitch, str, int]]

DEVICE_KINDS = ("phone", "pc", "printer", "access_point")
# PCs seldom run an LLDP agent; phones, APs and managed printers do.
_SPEAKS_LLDP = {"phone": True, "pc": False, "printer": True, "access_point": True}


class LabDataError(ValueError):
    """A lab file names something that does not fit (unknown switch, kind, port)."""


def build_fleet(
    switches_yaml_path: Path | str,
    devices_csv_path: Path | str,
    users: dict[str, str],
    *,
    clock: Callable[[], float] = time.monotonic,
) -> Fleet:
    """The switches of the inventory as (switch, host, port), their devices plugged in."""
    entries = yaml.safe_load(Path(switches_yaml_path).read_text(encoding="utf-8")) or []
    fleet: Fleet = []
    by_name: dict[str, SimulatedSwitch] = {}
    for entry in entries:
        platform = entry.get("platform", "ios")
        if platform != "ios":
            raise LabDataError(f"{entry['hostname']}: platform {platform!r} is not simulated")
        switch = SimulatedSwitch(
            entry["hostname"],
            model=entry.get("model", "C9200L-24P-4G"),
            port_count=int(entry.get("ports", 24)),
            users=users,
            clock=clock,
        )
        by_name[switch.hostname] = switch
        fleet.append((switch, str(entry["mgmt_address"]), int(entry["mgmt_port"])))
    _plug_devices(Path(devices_csv_path), by_name)
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
) -> None:
    """Serve the fleet on SSH until `stop_event` is set or Ctrl-C.

    `ready` gets the fleet with the ports actually bound once every switch listens. Revert
    timers (commit with revert_in) also fire while nobody is logged in: the switches tick.
    """
    stop_event = stop_event or threading.Event()
    with SimulatorServer(fleet) as server:
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
