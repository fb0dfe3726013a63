"""A simulated access switch: its config, the devices plugged into it, logins, flash and timers.

What is plugged into the ports (:class:`Device`) is physical state next to the config; link,
PoE, LLDP and the MAC table are derived from both on every read.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from .config_state import DEFAULT_VLAN, ConfigState, Context, Login, PortConfig
from .defaults import factory_config
from .grammar import Rejection
from .hardware import DEFAULT_MODEL, EMPTY_CAGE, Hardware, hardware_for
from .passwords import secret_matches, type9_hash


@dataclass(frozen=True)
class Account:
    """A local login: its password and the privilege level it lands in (15: privileged EXEC
    at once; 1: user EXEC, `enable` needs the enable secret)."""

    password: str
    privilege: int = 15


DEFAULT_USERS: dict[str, str | Account] = {"admin": "admin"}


@dataclass
class Device:
    """Something plugged into a port."""

    kind: str  # "phone", "pc", "printer", "access_point"
    mac: str  # Cisco dotted form "aabb.cc00.0101"; any common notation is normalised
    name: str  # LLDP system name
    poe_watts: float = 0.0  # >0: powered by the port, so the link needs power
    lldp: bool = True
    pc_behind: Device | None = None  # a PC daisy-chained through a phone's PC port
    platform: str = ""  # LLDP system description / PoE device label; a default per kind

    def __post_init__(self) -> None:
        self.mac = normalise_mac(self.mac)
        if not self.platform:
            self.platform = {
                "phone": "Cisco IP Phone 8865",
                "access_point": "Cisco AIR-AP2802I-E-K9",
                "printer": "HP LaserJet M507",
            }.get(self.kind, "")


def normalise_mac(mac: str) -> str:
    digits = re.sub(r"[^0-9a-fA-F]", "", mac).lower()
    if len(digits) != 12:
        raise ValueError(f"not a MAC address: {mac!r}")
    return f"{digits[0:4]}.{digits[4:8]}.{digits[8:12]}"


@dataclass
class PendingRevert:
    """A `configure terminal revert timer N` window awaiting `configure confirm`."""

    snapshot: str
    deadline: float
    minutes: int
    user: str
    configured: datetime


@dataclass(frozen=True)
class PortStatus:
    name: str
    config: PortConfig
    device: Device | None
    admin_up: bool
    oper_up: bool
    poe_on: bool
    poe_watts: float
    poe_oper: str = "off"  # `show power inline` Oper: on, off, power-deny ("" without PoE)
    poe_max: float = 0.0  # watts the port may give; 0: no PoE on this port


@dataclass(frozen=True)
class MacEntry:
    vlan: int
    mac: str
    interface: str


class SimulatedSwitch:
    """One access switch of a given model (`hardware.py`). Thread-safe by one lock.

    It boots `startup_config` (a whole config text), or else the factory defaults. `users` are
    local logins, a password or an `Account` with a privilege level; like `enable_secret` they
    become config lines (`username ... secret 9 ...`), hashed as IOS keeps them.
    """

    def __init__(
        self,
        hostname: str,
        *,
        model: str = DEFAULT_MODEL,
        users: Mapping[str, str | Account] | None = None,
        clock: Callable[[], float] = time.monotonic,
        startup_config: str | None = None,
        enable_secret: str | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.hardware: Hardware = hardware_for(model)
        self.model = self.hardware.model
        self.clock = clock
        self.flash: dict[str, str] = {}
        self.flash_times: dict[str, datetime] = {}  # for `dir`; files without one: now
        self.devices: dict[str, Device] = {}
        self.pending_revert: PendingRevert | None = None
        self._failures: list[tuple[re.Pattern[str], str]] = []
        self._stalls: list[tuple[re.Pattern[str], float]] = []
        self._booted = clock()
        self._booted_wall = datetime.now(UTC).replace(microsecond=0)
        seed = hashlib.md5(hostname.encode()).hexdigest()
        self.serial = self.hardware.serial_prefix + str(int(seed[:8], 16))[:8].rjust(8, "0")
        self.base_mac = f"00{seed[8:10]}.{seed[10:14]}.{seed[14:16]}00"  # unicast, global
        if startup_config is None:
            self.config = factory_config(hostname, self.hardware)
        else:
            self.config = ConfigState(self.hardware, hostname=hostname)
            self.config.apply_text(startup_config)
        if enable_secret is not None and not self.check_enable(enable_secret):
            self.config.apply(("global", None), f"enable secret {enable_secret}")
        for name, login in (DEFAULT_USERS if users is None else users).items():
            self.add_user(name, login if isinstance(login, Account) else Account(login))
        self.startup_config = self.config.render()
        self.last_change = self._booted_wall

    @classmethod
    def from_config(cls, text: str, **kwargs: object) -> SimulatedSwitch:
        """Rebuild a switch from saved running-config text (hostname taken from the text)."""
        m = re.search(r"^hostname (\S+)", text, flags=re.MULTILINE)
        return cls(m.group(1) if m else "Switch", startup_config=text, **kwargs)  # type: ignore[arg-type]

    # -- identity and time ----------------------------------------------------------------------

    @property
    def hostname(self) -> str:
        return self.config.hostname

    def now(self) -> datetime:
        """Wall time as the switch sees it: boot time plus `clock` seconds since boot."""
        return self._booted_wall + timedelta(seconds=self.clock() - self._booted)

    def uptime_seconds(self) -> float:
        return self.clock() - self._booted

    # -- config ---------------------------------------------------------------------------------

    def running_config(self) -> str:
        """The running config as text (no "Building configuration" header); feeding it to
        ``SimulatedSwitch(..., startup_config=text)`` or ``from_config`` rebuilds the state."""
        with self.lock:
            self.tick()
            return self.config.render()

    def apply_config_line(self, context: Context, line: str) -> tuple[Context, str]:
        """One line typed in config mode (or read from a file being merged)."""
        with self.lock:
            for i, (pattern, message) in enumerate(self._failures):
                if line.strip() and pattern.search(line):
                    del self._failures[i]
                    raise Rejection(message=message)
            result = self.config.apply(context, line)
            self.last_change = self.now()
            return result

    def merge_text(self, text: str) -> list[tuple[str, Rejection]]:
        """`copy <file> running-config`: bad lines are reported, the others stay applied."""
        with self.lock:
            return self.config.apply_text(text, apply=self.apply_config_line)

    def replace_config(self, text: str) -> list[tuple[str, Rejection]]:
        """`configure replace`: the running config becomes exactly `text` (errors reported).

        In VTP server mode the VLANs are not in the config but in vlan.dat, which a replace
        leaves alone."""
        with self.lock:
            state = ConfigState(self.hardware)
            errors = state.apply_text(text)
            if state.vtp_mode == "server":
                state.vlans = {**self.config.vlans, **state.vlans}
            self.config = state
            self.last_change = self.now()
            return errors

    def stall_next(self, pattern: str, seconds: float) -> None:
        """Test seam: the next command line matching `pattern` waits `seconds` before it runs,
        holding no lock (other sessions go on), as a slow switch mid-change would."""
        with self.lock:
            self._stalls.append((re.compile(pattern), seconds))

    def take_stall(self, line: str) -> float:
        """The wait a stall seam puts before `line` (0: none)."""
        with self.lock:
            for i, (pattern, seconds) in enumerate(self._stalls):
                if line.strip() and pattern.search(line):
                    del self._stalls[i]
                    return seconds
            return 0.0

    def fail_next(self, pattern: str, message: str) -> None:
        """Test seam: the next config line matching `pattern` is rejected with `message`."""
        with self.lock:
            self._failures.append((re.compile(pattern), message))

    def save(self) -> None:
        """`write memory`."""
        with self.lock:
            self.startup_config = self.config.render()

    # -- commit-confirm (archive revert timer) ----------------------------------------------------

    def start_revert_timer(self, minutes: int, user: str) -> None:
        with self.lock:
            self.pending_revert = PendingRevert(
                snapshot=self.config.render(),
                deadline=self.clock() + minutes * 60,
                minutes=minutes,
                user=user,
                configured=self.now(),
            )

    def confirm(self) -> bool:
        with self.lock:
            had = self.pending_revert is not None
            self.pending_revert = None
            return had

    def revert_now(self) -> bool:
        with self.lock:
            pending, self.pending_revert = self.pending_revert, None
            if pending is None:
                return False
            self.replace_config(pending.snapshot)
            return True

    def tick(self) -> None:
        """Fire a due revert timer. Every CLI command calls it, so no thread is needed."""
        with self.lock:
            if self.pending_revert is not None and self.clock() >= self.pending_revert.deadline:
                self.revert_now()

    # -- logins and privilege ---------------------------------------------------------------------

    def add_user(self, name: str, account: Account) -> None:
        """`username <name> privilege <n> secret <password>`, unless the config already has
        that very login (a saved config keeps its hash, so its text does not churn)."""
        with self.lock:
            known = self.config.users.get(name)
            if (
                known is not None
                and known.privilege == account.privilege
                and secret_matches(known.secret, account.password)
            ):
                return
            secret = f"9 {type9_hash(account.password)}"
            self.config.users[name] = Login(account.privilege, secret)

    @property
    def users(self) -> dict[str, int]:
        """The local logins and their privilege levels."""
        with self.lock:
            return {name: login.privilege for name, login in self.config.users.items()}

    def check_login(self, username: str, password: str) -> bool:
        with self.lock:
            login = self.config.users.get(username)
        return login is not None and secret_matches(login.secret, password)

    def login_privilege(self, username: str) -> int:
        """The level a login lands in. With `aaa new-model` but no `aaa authorization exec`,
        IOS ignores the account's level: every login starts in user EXEC (level 1)."""
        with self.lock:
            login = self.config.users.get(username)
            level = login.privilege if login is not None else 15
            if self.config.aaa_new_model and not self.config.authorizes_exec:
                return 1
            return level

    def check_enable(self, attempt: str) -> bool | None:
        """Whether `attempt` is the enable secret; None when no enable secret is set."""
        with self.lock:
            stored = self.config.enable_secret
            return None if stored is None else secret_matches(stored, attempt)

    def scp_allowed(self, username: str) -> bool:
        """IOS's SCP server: `ip scp server enable`, AAA with exec authorization, and a login
        that is itself at level 15 (an SCP session cannot run `enable`)."""
        with self.lock:
            config = self.config
            return (
                config.scp_server
                and config.authorizes_exec
                and self.login_privilege(username) == 15
            )

    # -- physical state ---------------------------------------------------------------------------

    def _port_name(self, interface: str) -> str:
        name = self.config.resolve_interface(interface)
        if name is None:
            raise KeyError(f"no interface {interface} on {self.hostname}")
        return name

    def connect(self, interface: str, device: Device | None) -> None:
        """Plug `device` into `interface`, or unplug what is there (None)."""
        with self.lock:
            name = self._port_name(interface)
            if device is None:
                self.devices.pop(name, None)
                return
            if self.hardware.group(name).media == EMPTY_CAGE:
                raise ValueError(f"{name} on {self.hostname} is an SFP cage with no transceiver")
            self.devices[name] = device

    def port_names(self) -> list[str]:
        return list(self.hardware.port_names)

    def _power(self) -> dict[str, tuple[str, float]]:
        """PoE per port (Oper, watts): powered devices draw in port order until the budget is
        spent; a device beyond it, or wanting more than its port gives, is denied."""
        hw = self.hardware
        left = hw.poe_budget
        power: dict[str, tuple[str, float]] = {}
        for name in hw.port_names:
            most = hw.poe_max(name)
            if not most:
                continue
            config = self.config.ports[name]
            device = self.devices.get(name)
            if config.shutdown or config.poe_never or device is None or device.poe_watts <= 0:
                power[name] = ("off", 0.0)
            elif device.poe_watts > most or device.poe_watts > left:
                power[name] = ("power-deny", 0.0)
            else:
                left -= device.poe_watts
                power[name] = ("on", device.poe_watts)
        return power

    def port(self, interface: str) -> PortStatus:
        with self.lock:
            self.tick()
            return self._status(self._port_name(interface), self._power())

    def _status(self, name: str, power: dict[str, tuple[str, float]]) -> PortStatus:
        config = self.config.ports[name]
        device = self.devices.get(name)
        admin_up = not config.shutdown
        oper, watts = power.get(name, ("", 0.0))
        powered_device = device is not None and device.poe_watts > 0
        oper_up = admin_up and device is not None and (oper == "on" or not powered_device)
        return PortStatus(
            name=name,
            config=replace(
                config,
                allowed_vlans=None if config.allowed_vlans is None else list(config.allowed_vlans),
            ),
            device=device,
            admin_up=admin_up,
            oper_up=oper_up,
            poe_on=oper == "on",
            poe_watts=watts,
            poe_oper=oper,
            poe_max=self.hardware.poe_max(name),
        )

    def ports(self) -> list[PortStatus]:
        with self.lock:
            self.tick()
            power = self._power()
            return [self._status(name, power) for name in self.hardware.port_names]

    def port_mac(self, interface: str) -> str:
        """The switch port's own MAC (base MAC plus port number)."""
        index = self.hardware.port_names.index(interface) + 1
        digits = self.base_mac.replace(".", "")
        value = (int(digits, 16) + index) % (1 << 48)
        return normalise_mac(f"{value:012x}")

    def forwarding_vlan(self, status: PortStatus) -> int | None:
        """The VLAN untagged frames go to, or None when the port forwards nothing: its access
        VLAN (or trunk native VLAN) does not exist, or a trunk does not allow it."""
        config = status.config
        if config.mode == "trunk":
            vlan = config.native_vlan or DEFAULT_VLAN
            if config.allowed_vlans is not None and vlan not in config.allowed_vlans:
                return None
        else:
            vlan = config.access_vlan
        return vlan if self.config.vlan_exists(vlan) else None

    def mac_table(self) -> list[MacEntry]:
        """Dynamic entries learnt on the ports that are up, sorted as IOS prints them."""
        entries: list[MacEntry] = []
        with self.lock:
            for status in self.ports():
                device = status.device
                if not status.oper_up or device is None:
                    continue
                vlan = self.forwarding_vlan(status)
                if vlan is None:
                    continue  # an inactive port learns nothing
                voice = status.config.voice_vlan if status.config.mode != "trunk" else None
                if device.kind == "phone" and voice is not None:
                    # The phone tags its frames for the voice VLAN; a switch without that
                    # VLAN drops them.
                    if self.config.vlan_exists(voice):
                        entries.append(MacEntry(voice, device.mac, status.name))
                else:
                    entries.append(MacEntry(vlan, device.mac, status.name))
                if device.pc_behind is not None:
                    entries.append(MacEntry(vlan, device.pc_behind.mac, status.name))
        return sorted(entries, key=lambda e: (e.vlan, e.mac))

    def lldp_neighbors(self) -> list[tuple[str, Device]]:
        """Neighbours heard on ports that are up; none while LLDP is not running."""
        with self.lock:
            if not self.config.lldp:
                return []
            return [
                (s.name, s.device)
                for s in self.ports()
                if s.oper_up and s.device is not None and s.device.lldp
            ]
