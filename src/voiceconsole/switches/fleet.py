"""Which driver reaches which switch, and the in-process simulators of the embedded demo.

A switch marked `simulated` in the inventory is, by default, an in-process simulator: the
stock NAPALM `ios` driver's logic over an in-process transport (simulator/inprocess.py), so
the demo works offline and fast. Its running config is kept in a folder beside an embedded
SQLite database (`<db>.switches/<hostname>.cfg`), so a role set today is still there
tomorrow; with a server database (PostgreSQL) the simulators live only as long as the
process, because colleagues would each have their own. With `lab=True` simulated switches
are reached over SSH at their management address instead, where `voiceconsole lab` serves
them. Real switches always go over SSH with the stock NAPALM driver.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from voiceconsole.config import ENV_LAB, sample_data_dir
from voiceconsole.switches.commit import session_files
from voiceconsole.switches.credentials import Credentials, lookup
from voiceconsole.switches.gateway import (
    DriverFactory,
    Gateway,
    SwitchTarget,
    Timeouts,
    network_driver,
)

# The in-process simulators accept this login; no secret is involved in a process's own memory.
SIMULATOR_LOGIN = Credentials("console", "in-process")


class SimulatorFleet:
    """In-process simulated switches by hostname, created on first use."""

    def __init__(
        self,
        state_dir: Path | None,
        devices_csv: Path | None = None,
        inventory: Path | None = None,
    ) -> None:
        self.state_dir = state_dir
        self.devices_csv = devices_csv
        # The simulated switches' models and VLANs (default: the sample's switches.yaml); a
        # switch it does not list is a site-ready C9200L without VLANs of its own.
        self.inventory_yaml = inventory or sample_data_dir() / "switches.yaml"
        self._switches: dict[str, Any] = {}
        self._devices: dict[str, list[Any]] | None = None
        self._inventory: dict[str, Any] | None = None
        self._guard = threading.Lock()

    def switch(self, hostname: str) -> Any:
        from voiceconsole.switches.simulator.defaults import site_ready_lines
        from voiceconsole.switches.simulator.lab import (
            InventoryEntry,
            devices_by_switch,
            inventory_switch,
            read_inventory,
        )

        with self._guard:
            found = self._switches.get(hostname)
            if found is not None:
                return found
            if self._inventory is None:  # the sample files are read once, for every switch
                path = self.inventory_yaml
                entries = read_inventory(path) if path.exists() else []
                self._inventory = {entry.hostname: entry for entry in entries}
                exists = self.devices_csv is not None and self.devices_csv.exists()
                self._devices = devices_by_switch(self.devices_csv) if exists else {}  # type: ignore[arg-type]
            entry = self._inventory.get(hostname, InventoryEntry(hostname))
            users = {SIMULATOR_LOGIN.username: SIMULATOR_LOGIN.password}
            switch = inventory_switch(entry, users, startup_config=self._saved_config(hostname))
            if self._saved_config(hostname) is not None:
                # Configs saved by earlier versions lack what the site-ready config now has
                # (AAA for SCP, LLDP, the VLANs): bring them up to it, as an engineer would.
                switch.merge_text(site_ready_lines(entry.vlans))
            for interface, device in (self._devices or {}).get(hostname, []):
                switch.connect(interface, device)
            self._switches[hostname] = switch
            return switch

    def _path(self, hostname: str) -> Path | None:
        if self.state_dir is None:
            return None
        return self.state_dir / f"{hostname}.cfg"

    def _saved_config(self, hostname: str) -> str | None:
        path = self._path(hostname)
        if path is None or not path.exists():
            return None
        return path.read_text(encoding="utf-8")

    def save(self, hostname: str) -> None:
        """Keep a switch's running config for the next run (written whole, then renamed)."""
        path = self._path(hostname)
        switch = self._switches.get(hostname)
        if path is None or switch is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{hostname}.")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(switch.running_config())
        os.replace(temp, path)

    def driver(self, target: SwitchTarget, credentials: Credentials, timeouts: Timeouts) -> Any:
        """An in-process `ios` driver to the simulator of `target` (not opened)."""
        from voiceconsole.switches.simulator.inprocess import SimulatedIOSDriver

        driver = SimulatedIOSDriver(
            hostname=target.hostname,
            username=credentials.username,
            password=credentials.password,
            timeout=int(timeouts.operation),
            optional_args={
                "simulator": self.switch(target.hostname),
                "canonical_int": True,
                **session_files("ios"),
            },
        )
        close = driver.close

        # Wrapped on the instance, not subclassed: NAPALM looks for its parser templates
        # beside the module of every class in the driver's MRO.
        def close_and_save() -> None:
            try:
                close()
            finally:
                self.save(target.hostname)

        driver.close = close_and_save
        return driver


def state_dir_for(db_url: str) -> Path | None:
    """Where simulator config is kept: beside an SQLite file; nowhere for other databases."""
    prefix = "sqlite+aiosqlite:///"
    if not db_url.startswith(prefix):
        return None
    path = db_url[len(prefix) :].split("?", 1)[0]
    if not path or path == ":memory:":
        return None
    return Path(path).with_suffix(".switches")


def lab_requested() -> bool:
    """`voiceconsole --lab` (or VOICECONSOLE_LAB=1): reach simulated switches over SSH."""
    return os.environ.get(ENV_LAB, "") not in ("", "0")


def make_gateway(
    db_url: str,
    *,
    lab: bool | None = None,
    fleet: SimulatorFleet | None = None,
    timeouts: Timeouts | None = None,
) -> Gateway:
    """The gateway for a database: in-process simulators for simulated switches unless `lab`."""
    lab = lab_requested() if lab is None else lab
    fleet = fleet or SimulatorFleet(state_dir_for(db_url), sample_data_dir() / "lab_devices.csv")

    def in_process(target: SwitchTarget) -> bool:
        return target.simulated and not lab

    def credentials(target: SwitchTarget) -> Credentials:
        return SIMULATOR_LOGIN if in_process(target) else lookup(target.credentials_ref)

    def driver_for(target: SwitchTarget) -> DriverFactory:
        return fleet.driver if in_process(target) else network_driver

    return Gateway(
        credentials,
        timeouts=timeouts or Timeouts(),
        driver_for=driver_for,
        over_ssh=lambda target: not in_process(target),
        simulators=fleet,
    )
