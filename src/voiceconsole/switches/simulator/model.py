"""The simulated switch, as one import: the grammar (`grammar.py`), the config state
(`config_state.py`) and the configs it starts from (`defaults.py`), the hardware
(`hardware.py`) and the switch itself (`switch.py`).

Kept so that `from voiceconsole.switches.simulator.model import SimulatedSwitch, Device, ...`
goes on working.
"""

from __future__ import annotations

from .config_state import (
    DEFAULT_VLAN,
    EXEC,
    GLOBAL,
    ConfigState,
    Context,
    PortConfig,
)
from .defaults import factory_config, site_ready_config, site_ready_lines
from .grammar import (
    IFNAME,
    INT,
    NUMBER,
    REST,
    VLIST,
    WORD,
    Rejection,
    dispatch,
    format_vlan_list,
    parse_vlan_list,
)
from .hardware import DEFAULT_MODEL, HARDWARE, Hardware, UnknownModel, hardware_for
from .switch import (
    DEFAULT_USERS,
    Account,
    Device,
    MacEntry,
    PendingRevert,
    PortStatus,
    SimulatedSwitch,
    normalise_mac,
)

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_USERS",
    "DEFAULT_VLAN",
    "EXEC",
    "GLOBAL",
    "HARDWARE",
    "IFNAME",
    "INT",
    "NUMBER",
    "REST",
    "VLIST",
    "WORD",
    "Account",
    "ConfigState",
    "Context",
    "Device",
    "Hardware",
    "MacEntry",
    "PendingRevert",
    "PortConfig",
    "PortStatus",
    "Rejection",
    "SimulatedSwitch",
    "UnknownModel",
    "dispatch",
    "factory_config",
    "format_vlan_list",
    "hardware_for",
    "normalise_mac",
    "parse_vlan_list",
    "site_ready_config",
    "site_ready_lines",
]
