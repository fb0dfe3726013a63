"""The switch gateway: read ports and change them through NAPALM, safely.

Everything here blocks (NAPALM and netmiko are synchronous), so callers run it in threads:
one session per switch, different switches in parallel. A per-switch lock is held around a
whole open/load/compare/commit/verify sequence so two changes never interleave on one switch
from this process; the switch's own pending-commit check stops other processes.

Changing ports is two calls, as a careful engineer would do it by hand:

1. `preview`: load the rendered config as a merge candidate, take the switch's diff, discard.
2. `apply`: load again and check the diff is still the one the user saw (a colleague may have
   changed the port meanwhile), commit with a self-reverting timer where the platform has
   one, read the ports back and verify each has the settings its role asks for, then confirm
   the commit. Any failure rolls back, and the result says what the switch really has.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from voiceconsole.domain.port_roles import PortSettings
from voiceconsole.switches.credentials import Credentials, CredentialsError

log = logging.getLogger(__name__)

# IOS counts its revert timer in whole minutes. The window starts before the candidate is
# copied in (NAPALM allows that copy 90 s) and must cover the read-back, so three minutes.
CONFIRM_WINDOW_SECONDS = 180
PLATFORMS_WITH_REVERT = {"ios", "eos", "junos"}


class SwitchError(Exception):
    """A switch could not be reached or refused the change; the message is for the user."""


@dataclass(frozen=True)
class SwitchTarget:
    """One switch as the inventory knows it (no secrets: those come with `Credentials`)."""

    hostname: str
    address: str
    port: int
    platform: str
    credentials_ref: str
    simulated: bool = False


@dataclass(frozen=True)
class Timeouts:
    """Seconds. `connect` covers TCP, SSH banner and login; `operation` each command."""

    connect: float = 10.0
    operation: float = 30.0


@dataclass(frozen=True)
class PortState:
    """What a switch says about one interface: its settings and what is plugged in."""

    interface: str
    settings: PortSettings
    description: str = ""
    link_up: bool = False
    poe_admin: str = ""  # "auto", "off"; "" when the port has no PoE
    poe_on: bool = False
    poe_watts: float = 0.0
    neighbour: str = ""  # LLDP system name
    neighbour_is_phone: bool = False
    macs: tuple[tuple[int, str], ...] = ()  # (VLAN, MAC)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["settings"]["allowed_vlans"] = list(self.settings.allowed_vlans)
        data["macs"] = [list(item) for item in self.macs]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PortState:
        settings = dict(data["settings"])
        settings["allowed_vlans"] = tuple(settings.get("allowed_vlans", ()))
        return cls(
            **{
                **data,
                "settings": PortSettings(**settings),
                "macs": tuple((int(v), str(m)) for v, m in data.get("macs", ())),
            }
        )

    @property
    def device(self) -> str:
        """A short word for what is plugged in: the LLDP name, else the first MAC."""
        if self.neighbour:
            return self.neighbour
        return self.macs[0][1] if self.macs else ""


@dataclass(frozen=True)
class PortChange:
    """One interface's rendered config and the settings it must have once applied."""

    interface: str
    config: str
    expected: PortSettings
    description: str = ""


@dataclass
class ApplyResult:
    """The outcome on one switch: committed and verified, or rolled back with the reason."""

    hostname: str
    committed: bool = False
    diff: str = ""
    error: str = ""
    # The ports as read back after the change (or after the rollback).
    ports: dict[str, PortState] = field(default_factory=dict)
    failed_ports: dict[str, str] = field(default_factory=dict)
    # Committed but not confirmed: the switch undoes it when its revert timer runs out.
    pending_revert: bool = False


DriverFactory = Callable[[SwitchTarget, Credentials, Timeouts], Any]
# Credentials for a switch; by default `credentials.lookup(target.credentials_ref)`.
CredentialSource = Callable[[SwitchTarget], Credentials]


def network_driver(target: SwitchTarget, credentials: Credentials, timeouts: Timeouts) -> Any:
    """A stock NAPALM driver over SSH to the switch's management address (not opened)."""
    from napalm import get_network_driver

    driver_class = get_network_driver(target.platform)
    optional_args: dict[str, Any] = {
        "port": target.port,
        # netmiko: TCP connect, SSH banner and authentication each bounded.
        "conn_timeout": timeouts.connect,
        "banner_timeout": timeouts.connect,
        "auth_timeout": timeouts.connect,
        # Every command's answer is bounded too (netmiko's own defaults go to 90-120 s).
        "read_timeout_override": timeouts.operation,
        "canonical_int": True,
        # Our known_hosts is not the switch's business; keys are not offered from ~/.ssh.
        "allow_agent": False,
        "use_keys": False,
    }
    return driver_class(
        hostname=target.address,
        username=credentials.username,
        password=credentials.password,
        timeout=int(timeouts.operation),
        optional_args=optional_args,
    )


_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def switch_lock(hostname: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(hostname, threading.Lock())


def describe_failure(target: SwitchTarget, err: BaseException) -> str:
    """One sentence a NOC engineer can act on, without secrets or tracebacks.

    The exception's type decides first; its words only where libraries raise plain errors
    (netmiko's login failures, paramiko's timeouts).
    """
    from napalm.base import exceptions as napalm_errors
    from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException

    name = f"{target.hostname} ({target.address}:{target.port})"
    text = " ".join(str(err).split())[:300]
    lowered = text.lower()
    if isinstance(err, CredentialsError):
        return str(err)
    if isinstance(err, napalm_errors.MergeConfigException):
        return f"{name} rejected the change and rolled it back: {_refusal(str(err))}"
    if isinstance(err, NetmikoAuthenticationException) or re.search(
        r"authentication.*fail", lowered
    ):
        return f"{name} refused the login: check the credentials named {target.credentials_ref!r}."
    if isinstance(err, ConnectionRefusedError) or "connection refused" in lowered:
        return f"{name} refused the connection (is SSH enabled, is it the right port?)."
    if isinstance(err, socket.timeout | TimeoutError | NetmikoTimeoutException) or (
        "timed out" in lowered
    ):
        return f"{name} did not answer in time: {text}"
    if isinstance(err, napalm_errors.ConnectionException):
        return f"{name} could not be reached: {text}"
    return f"{name}: {type(err).__name__}: {text}"


def _refusal(output: str) -> str:
    """IOS echoes the refused line, then marks it with `%`: say both, not copy statistics."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    mark = next((n for n, line in enumerate(lines) if line.startswith("%")), None)
    if mark is None:
        return " ".join(output.split())[:300]
    echoed = [line for line in lines[:mark] if not line.startswith("^")]
    if echoed and "Configuration merge failed" not in echoed[-1]:
        return f"{echoed[-1]!r}: {lines[mark]}"
    return lines[mark]


class Gateway:
    """Opens sessions to switches, with credentials and timeouts, and runs port work."""

    def __init__(
        self,
        credentials: CredentialSource,
        *,
        timeouts: Timeouts = Timeouts(),
        driver_for: Callable[[SwitchTarget], DriverFactory] | None = None,
        simulators: Any = None,
    ) -> None:
        self.credentials = credentials
        # The in-process simulator fleet behind simulated switches, if any (fleet.py).
        self.simulators = simulators
        self.timeouts = timeouts
        self._driver_for = driver_for or (lambda target: network_driver)

    @contextmanager
    def session(self, target: SwitchTarget) -> Iterator[Any]:
        """An open NAPALM driver to `target`, under its lock; closed on the way out."""
        with switch_lock(target.hostname):
            try:
                credentials = self.credentials(target)
                driver = self._driver_for(target)(target, credentials, self.timeouts)
                driver.open()
            except Exception as err:
                log.info("opening %s failed", target.hostname, exc_info=True)
                raise SwitchError(describe_failure(target, err)) from None
            try:
                yield driver
            finally:
                try:
                    driver.close()
                except Exception:  # a dropped session is already closed
                    log.debug("closing %s failed", target.hostname, exc_info=True)

    # -- reading ---------------------------------------------------------------------------

    def read_ports(self, target: SwitchTarget, interfaces: Iterable[str]) -> dict[str, PortState]:
        """The live state of `interfaces` on one switch (one session, a handful of commands)."""
        with self.session(target) as driver:
            try:
                return read_port_states(driver, set(interfaces))
            except SwitchError:
                raise
            except Exception as err:
                raise SwitchError(describe_failure(target, err)) from None

    # -- changing --------------------------------------------------------------------------

    def preview(self, target: SwitchTarget, changes: list[PortChange]) -> str:
        """The switch's own diff for `changes`; nothing is committed."""
        with self.session(target) as driver:
            try:
                return _load_and_compare(driver, changes)
            except Exception as err:
                raise SwitchError(describe_failure(target, err)) from None
            finally:
                _discard(driver)

    def apply(
        self, target: SwitchTarget, changes: list[PortChange], *, expected_diff: str | None = None
    ) -> ApplyResult:
        """Commit `changes`, verify them, and confirm, or roll back; never raises for the switch.

        `result.ports` holds the ports as read afterwards, except after a commit left
        unconfirmed: what could be read then is about to be undone by the switch.
        """
        result = ApplyResult(target.hostname)
        wanted = {change.interface for change in changes}
        try:
            with self.session(target) as driver:
                result.diff = _load_and_compare(driver, changes)
                if expected_diff is not None and result.diff != expected_diff:
                    _discard(driver)
                    result.error = (
                        f"{target.hostname} changed since the preview; nothing was committed. "
                        "Look at the new diff and confirm again."
                    )
                elif not result.diff:
                    # Nothing to change: the ports may already have the role; check they do.
                    _discard(driver)
                    result.failed_ports = _unverified(changes, read_port_states(driver, wanted))
                    result.committed = not result.failed_ports
                    if result.failed_ports:
                        result.error = "the switch shows other settings than the role asks for"
                else:
                    _commit_verified(driver, target, changes, result)
                if not result.pending_revert:
                    result.ports = read_port_states(driver, wanted)
        except SwitchError as err:
            result.error = result.error or str(err)
        except Exception as err:  # a session that dropped mid-way
            log.info("applying on %s failed", target.hostname, exc_info=True)
            result.error = result.error or describe_failure(target, err)
        return result

    def power_cycle(self, target: SwitchTarget, interface: str, pause: float) -> PortState:
        """PoE off, a pause, PoE on, in one session under the switch's lock; the port after.

        If turning power back on fails, it is tried once more; the error then says plainly
        that the port may be left without power.
        """
        from voiceconsole.domain.port_roles import render_power_cycle

        with self.session(target) as driver:
            try:
                _merge_and_commit(driver, render_power_cycle(target.platform, interface, off=True))
            except Exception as err:
                raise SwitchError(describe_failure(target, err)) from None
            time.sleep(pause)
            on = render_power_cycle(target.platform, interface, off=False)
            for attempt in (1, 2):
                try:
                    _merge_and_commit(driver, on)
                    break
                except Exception as err:
                    if attempt == 2:
                        raise SwitchError(
                            f"PoE may be left OFF on {target.hostname} {interface}: "
                            f"{describe_failure(target, err)}"
                        ) from None
            state = read_port_states(driver, {interface}).get(_canonical(interface))
            if state is None or state.poe_admin not in POE_ON:
                raise SwitchError(
                    f"PoE is not back on at {target.hostname} {interface}: the switch shows "
                    f"{state.poe_admin if state else 'no such interface'!r}"
                )
            return state


POE_ON = ("auto", "on", "static")


def _merge_and_commit(driver: Any, config: str) -> None:
    """A short change committed as is (no revert window): PoE off/on of one port."""
    try:
        driver.load_merge_candidate(config=config)
        driver.compare_config()
        driver.commit_config()
    except Exception:
        _discard(driver)
        raise


def _load_and_compare(driver: Any, changes: list[PortChange]) -> str:
    config = "".join(change.config.removesuffix("end\n") for change in changes) + "end\n"
    driver.load_merge_candidate(config=config)
    return str(driver.compare_config())


def _discard(driver: Any) -> None:
    try:
        driver.discard_config()
    except Exception:
        log.debug("discard_config failed", exc_info=True)


def _unverified(changes: list[PortChange], ports: dict[str, PortState]) -> dict[str, str]:
    """Ports whose read-back differs from what their role asks for, with what differs.

    Checked: enabled, mode, the VLANs of that mode, PoE and the description. Not checked:
    portfast, which IOS shows only in the running config.
    """
    failed = {}
    for change in changes:
        seen = ports.get(change.interface)
        if seen is None:
            failed[change.interface] = "the switch did not report this interface"
            continue
        want, got = change.expected, seen.settings
        checks: list[tuple[str, object, object]] = [("enabled", want.enabled, got.enabled)]
        if want.enabled:
            checks.append(("mode", want.mode, got.mode))
            if want.mode == "trunk":
                checks.append(("native VLAN", want.native_vlan, got.native_vlan))
                checks.append(("allowed VLANs", set(want.allowed_vlans), set(got.allowed_vlans)))
            else:
                checks.append(("access VLAN", want.access_vlan, got.access_vlan))
                checks.append(("voice VLAN", want.voice_vlan, got.voice_vlan))
        if seen.poe_admin:  # a port with PoE: on for every role but disabled
            checks.append(("PoE on", want.enabled, seen.poe_admin in POE_ON))
        if change.description:
            checks.append(("description", change.description, seen.description))
        wrong = [
            f"{name} is {got_v} not {want_v}" for name, want_v, got_v in checks if want_v != got_v
        ]
        if wrong:
            failed[change.interface] = "; ".join(wrong)
    return failed


def _commit_verified(
    driver: Any, target: SwitchTarget, changes: list[PortChange], result: ApplyResult
) -> None:
    """Commit with a revert timer, verify the ports, then confirm; otherwise roll back."""
    from napalm.base import exceptions as napalm_errors

    timed = target.platform in PLATFORMS_WITH_REVERT
    try:
        if timed:
            driver.commit_config(revert_in=CONFIRM_WINDOW_SECONDS)
        else:
            driver.commit_config()
    except napalm_errors.MergeConfigException as err:
        # The driver has already rolled the merge back.
        result.error = describe_failure(target, err)
        return
    try:
        ports = read_port_states(driver, {c.interface for c in changes})
        failed = _unverified(changes, ports)
        if failed:
            driver.rollback()
            result.failed_ports = failed
            result.error = "rolled back: the switch did not take the settings"
            return
        if timed:
            driver.confirm_commit()
    except Exception as err:
        log.info("verifying on %s failed", target.hostname, exc_info=True)
        if timed:
            result.pending_revert = True
            undo = "the switch undoes the change by itself within its revert window"
        else:
            undo = "the change may be in place: read the ports again to see"
        result.error = f"{describe_failure(target, err)}; {undo}"
        return
    result.committed = True


# -- parsing the switch's answers ----------------------------------------------------------


def _canonical(name: str) -> str:
    from napalm.base.helpers import canonical_interface_name

    return str(canonical_interface_name(name))


def _vlan(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() else None


def _vlan_list(items: Iterable[str]) -> tuple[int, ...]:
    vlans: list[int] = []
    for item in items:
        for part in str(item).split(","):
            part = part.strip()
            if "-" in part:
                low, high = part.split("-", 1)
                if low.isdigit() and high.isdigit():
                    vlans.extend(range(int(low), int(high) + 1))
            elif part.isdigit():
                vlans.append(int(part))
    return tuple(vlans)


def _parse(platform: str, command: str, text: str) -> list[dict[str, Any]]:
    from ntc_templates.parse import parse_output

    return list(parse_output(platform=platform, command=command, data=text))


def read_port_states(driver: Any, interfaces: set[str]) -> dict[str, PortState]:
    """Read `interfaces` from an open driver: settings, link, PoE, LLDP and the MAC table."""
    wanted = {_canonical(name) for name in interfaces}
    shows = driver.cli(["show interfaces switchport", "show power inline"])
    switchport = {
        _canonical(row["interface"]): row
        for row in _parse(
            "cisco_ios", "show interfaces switchport", shows["show interfaces switchport"]
        )
    }
    power = {
        _canonical(row["interface"]): row
        for row in _parse("cisco_ios", "show power inline", shows["show power inline"])
    }
    status = driver.get_interfaces()
    neighbours = driver.get_lldp_neighbors_detail()
    macs: dict[str, list[tuple[int, str]]] = {}
    for entry in driver.get_mac_address_table():
        macs.setdefault(_canonical(entry["interface"]), []).append(
            (int(entry["vlan"]), str(entry["mac"]).lower())
        )
    states = {}
    for name in sorted(wanted):
        port = switchport.get(name)
        link = status.get(name, {})
        if port is None or not link:
            continue
        mode = "trunk" if "trunk" in str(port.get("admin_mode", "")).lower() else "access"
        settings = PortSettings(
            enabled=bool(link.get("is_enabled")),
            mode=mode,
            access_vlan=_vlan(port.get("access_vlan")) if mode == "access" else None,
            voice_vlan=_vlan(port.get("voice_vlan")) if mode == "access" else None,
            native_vlan=_vlan(port.get("native_vlan")) if mode == "trunk" else None,
            allowed_vlans=_vlan_list(port.get("trunking_vlans") or ()) if mode == "trunk" else (),
        )
        poe = power.get(name, {})
        lldp = (neighbours.get(name) or [{}])[0]
        capabilities = " ".join(lldp.get("remote_system_enable_capab") or [])
        states[name] = PortState(
            interface=name,
            settings=settings,
            description=str(link.get("description", "")),
            link_up=bool(link.get("is_up")),
            poe_admin=str(poe.get("admin_status", "")),
            poe_on=str(poe.get("operational_status", "")).lower() == "on",
            poe_watts=float(poe.get("power") or 0.0),
            neighbour=str(lldp.get("remote_system_name", "")),
            neighbour_is_phone="telephone" in capabilities,
            macs=tuple(sorted(macs.get(name, []))),
        )
    return states
