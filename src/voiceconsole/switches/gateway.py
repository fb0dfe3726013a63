"""The switch gateway: read ports and change them through NAPALM, safely.

Everything here blocks (NAPALM and netmiko are synchronous), so callers run it in threads:
one session per switch, different switches in parallel. A per-switch lock is held around a
whole open/load/compare/commit/verify sequence so two changes never interleave on one switch
from this process; the switch's own pending-commit check stops other processes.

A session over SSH checks the switch's host key against the one pinned in the inventory and
refuses any other; an unpinned switch is refused until its key is pinned (host_keys.py).

Changing ports is two calls, as a careful engineer would do it by hand:

1. `preview`: check the switch is ready (preflight.py), load the rendered config as a merge
   candidate, take the switch's diff, discard.
2. `apply`: load again and check the diff is still the one the user saw (a colleague may have
   changed the port meanwhile), commit with a self-reverting timer where the platform has
   one, read the ports back and verify each has the settings its role asks for, then confirm
   the commit (commit.py). Any failure rolls back, and the result says what the switch has.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voiceconsole.domain.platforms import profile as platform_profile
from voiceconsole.domain.port_state import PortState
from voiceconsole.domain.text import device_text
from voiceconsole.switches.commit import (
    ApplyResult,
    PortChange,
    commit_verified,
    discard,
    load_and_compare,
    merge_and_commit,
    remove_session_files,
    session_files,
    unverified,
)
from voiceconsole.switches.credentials import Credentials, CredentialsError
from voiceconsole.switches.host_keys import (
    HostKeyError,
    fetch_host_key,
    fingerprint,
    known_hosts_file,
)
from voiceconsole.switches.port_reader import read_port_states
from voiceconsole.switches.preflight import Finding, run_preflight, scp_config_finding

__all__ = ["ApplyResult", "Gateway", "PortChange", "SwitchError", "SwitchTarget", "Timeouts"]

log = logging.getLogger(__name__)


class SwitchError(Exception):
    """A switch could not be reached or refused the change; the message is for the user."""


class NotReady(SwitchError):
    """The switch fails preflight: nothing was loaded or changed."""

    def __init__(self, hostname: str, findings: list[Finding]) -> None:
        self.findings = findings
        said = " ".join(finding.sentence() for finding in findings)
        super().__init__(f"{hostname} is not ready for changes: {said}")


@dataclass(frozen=True)
class SwitchTarget:
    """One switch as the inventory knows it (no secrets: those come with `Credentials`)."""

    hostname: str
    address: str
    port: int
    platform: str  # the NAPALM driver: ios
    credentials_ref: str
    simulated: bool = False
    model: str = ""
    profile: str = ""  # domain.platforms profile code; "" when not known
    host_key: str | None = None  # the pinned SSH host key, one OpenSSH line

    @property
    def kinds(self) -> tuple[str, ...] | None:
        """The interface kinds of its platform, to resolve names it has not listed."""
        return platform_profile(self.profile).kinds if self.profile else None


@dataclass(frozen=True)
class Timeouts:
    """Seconds. `connect` covers TCP, SSH banner and login; `operation` each command."""

    connect: float = 10.0
    operation: float = 30.0


@dataclass(frozen=True)
class Discovery:
    """What a first connection to a switch finds: its facts and its ports."""

    model: str
    os_version: str
    serial: str
    hostname: str
    ports: dict[str, PortState] = field(default_factory=dict)


@dataclass
class Reading:
    ports: dict[str, PortState]
    findings: list[Finding] | None = None  # None: not checked in this session


@dataclass
class Settlement:
    """A change left in flight, resolved against what the switch shows."""

    reverted_now: bool  # a revert timer of ours was still running, and was run out now
    ports: dict[str, PortState]


DriverFactory = Callable[..., Any]
# Credentials for a switch; by default `credentials.lookup(target.credentials_ref)`.
CredentialSource = Callable[[SwitchTarget], Credentials]


def network_driver(
    target: SwitchTarget,
    credentials: Credentials,
    timeouts: Timeouts,
    known_hosts: Path | None = None,
) -> Any:
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
        # Names are resolved against the switch's own (port_reader.py), not NAPALM's table.
        "canonical_int": False,
        # Keys are not offered from ~/.ssh, and ~/.ssh/known_hosts is not consulted: only
        # the key pinned in the inventory is accepted.
        "allow_agent": False,
        "use_keys": False,
        "ssh_strict": known_hosts is not None,
        "system_host_keys": False,
        **session_files(target.platform),
    }
    if known_hosts is not None:
        optional_args |= {"alt_host_keys": True, "alt_key_file": str(known_hosts)}
    if credentials.secret:
        optional_args["secret"] = credentials.secret
    else:
        # Without a secret `enable` can only hang at its Password: prompt; a login below
        # privilege 15 is told plainly by the session instead (`_privileged`).
        optional_args["force_no_enable"] = True
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


def _privileged(driver: Any, target: SwitchTarget) -> None:
    """Refuse a session below privilege 15: most of what the console sends needs it."""
    from voiceconsole.switches.ios_output import parse_privilege

    level = parse_privilege(str(driver.cli(["show privilege"]).get("show privilege", "")))
    if level is not None and level < 15:
        raise SwitchError(
            f"{target.hostname} ({target.address}:{target.port}) did not let "
            f"{target.credentials_ref!r} reach privilege 15 (it logs in at level {level}): give "
            "the account privilege 15, or add its enable secret (`secret`) to the credentials."
        )


def describe_failure(target: SwitchTarget, err: BaseException) -> str:
    """One sentence a NOC engineer can act on, without secrets or tracebacks.

    The exception's type decides first; its words only where libraries raise plain errors
    (netmiko's login failures, paramiko's timeouts).
    """
    from napalm.base import exceptions as napalm_errors
    from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException

    name = f"{target.hostname} ({target.address}:{target.port})"
    text = device_text(err, 300)
    lowered = text.lower()
    if isinstance(err, CredentialsError | SwitchError):
        return str(err)
    if isinstance(err, HostKeyError):
        return f"{name}: {err}"
    if "enable mode" in lowered:  # netmiko's enable() without the right secret
        return (
            f"{name} did not let {target.credentials_ref!r} reach privilege 15: give the "
            "account privilege 15, or add its enable secret (`secret`) to the credentials."
        )
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
    lines = [device_text(line, 300) for line in output.splitlines() if line.strip()]
    mark = next((n for n, line in enumerate(lines) if line.startswith("%")), None)
    if mark is None:
        return device_text(output, 300)
    echoed = [line for line in lines[:mark] if not line.startswith("^")]
    if echoed and "Configuration merge failed" not in echoed[-1]:
        return f"{echoed[-1]!r}: {lines[mark]}"
    return lines[mark]


class Gateway:
    """Opens sessions to switches, with credentials, host keys and timeouts; runs port work."""

    def __init__(
        self,
        credentials: CredentialSource,
        *,
        timeouts: Timeouts = Timeouts(),
        driver_for: Callable[[SwitchTarget], DriverFactory] | None = None,
        over_ssh: Callable[[SwitchTarget], bool] | None = None,
        simulators: Any = None,
    ) -> None:
        self.credentials = credentials
        # The in-process simulator fleet behind simulated switches, if any (fleet.py).
        self.simulators = simulators
        self.timeouts = timeouts
        self._driver_for = driver_for or (lambda target: network_driver)
        self._over_ssh = over_ssh or (lambda target: True)

    def uses_ssh(self, target: SwitchTarget) -> bool:
        """Whether `target` is reached over SSH (and so has a host key to pin)."""
        return self._over_ssh(target)

    def fetch_host_key(self, target: SwitchTarget) -> str:
        """The key the switch offers now (to pin it, after a person has checked it)."""
        try:
            return fetch_host_key(target.address, target.port, self.timeouts.connect)
        except HostKeyError as err:
            raise SwitchError(f"{target.hostname} ({target.address}:{target.port}) {err}") from None

    @contextmanager
    def session(self, target: SwitchTarget) -> Iterator[Any]:
        """An open NAPALM driver to `target`, under its lock; closed on the way out."""
        with switch_lock(target.hostname), ExitStack() as stack:
            known_hosts = None
            if self.uses_ssh(target):
                if not target.host_key:
                    # Reaching it first tells an unreachable switch from an unpinned one.
                    offered = self.fetch_host_key(target)
                    raise SwitchError(
                        f"{target.hostname} has no pinned SSH host key (it offers "
                        f"{fingerprint(offered)}): check that on the switch's console and run "
                        f"`voiceconsole switches trust {target.hostname}`."
                    )
                known_hosts = stack.enter_context(
                    known_hosts_file(target.address, target.port, target.host_key)
                )
            try:
                credentials = self.credentials(target)
                factory = self._driver_for(target)
                if known_hosts is not None:
                    driver = factory(target, credentials, self.timeouts, known_hosts)
                else:
                    driver = factory(target, credentials, self.timeouts)
                driver.open()
            except Exception as err:
                log.info("opening %s failed", target.hostname, exc_info=True)
                raise SwitchError(self._why_not_open(target, err)) from None
            try:
                try:
                    _privileged(driver, target)
                except SwitchError:
                    raise
                except Exception as err:  # the session dropped, or the switch is silent
                    raise SwitchError(describe_failure(target, err)) from None
                yield driver
            finally:
                remove_session_files(driver)
                try:
                    driver.close()
                except Exception:  # a dropped session is already closed
                    log.debug("closing %s failed", target.hostname, exc_info=True)

    def _why_not_open(self, target: SwitchTarget, err: BaseException) -> str:
        """A failed login over SSH may be a changed host key, which NAPALM reports only as
        `Cannot connect`: fetch the key the switch offers now and compare."""
        if self.uses_ssh(target) and target.host_key and not isinstance(err, CredentialsError):
            try:
                offered = fetch_host_key(target.address, target.port, self.timeouts.connect)
            except HostKeyError:
                offered = None
            if offered is not None and offered.split()[:2] != target.host_key.split()[:2]:
                return (
                    f"{target.hostname} ({target.address}:{target.port}) offers another SSH "
                    f"host key than the one pinned ({fingerprint(offered)}, pinned "
                    f"{fingerprint(target.host_key)}): nothing was sent to it. If the switch "
                    f"was replaced or re-keyed, check the new fingerprint on its console and "
                    f"run `voiceconsole switches trust {target.hostname}`."
                )
        return describe_failure(target, err)

    def _guarded(self, target: SwitchTarget, work: Callable[[Any], Any]) -> Any:
        with self.session(target) as driver:
            try:
                return work(driver)
            except SwitchError:
                raise
            except Exception as err:
                raise SwitchError(describe_failure(target, err)) from None

    # -- reading ---------------------------------------------------------------------------

    def read_ports(
        self, target: SwitchTarget, interfaces: Iterable[str] | None = None
    ) -> dict[str, PortState]:
        """The live state of `interfaces` (None: every physical port) on one switch."""
        return self.read(target, interfaces).ports

    def read(
        self,
        target: SwitchTarget,
        interfaces: Iterable[str] | None = None,
        check_vlans: Mapping[int, str] | None = None,
    ) -> Reading:
        """Ports, and (when `check_vlans` is given: a switch's first use) the preflight checks
        that need no file copy, in the same session."""
        wanted = None if interfaces is None else set(interfaces)

        def work(driver: Any) -> Reading:
            ports = read_port_states(driver, wanted, target.kinds)
            if check_vlans is None:
                return Reading(ports)
            username = self.credentials(target).username
            return Reading(ports, run_preflight(driver, username, check_vlans, probe_scp=False))

        return self._guarded(target, work)

    def discover(self, target: SwitchTarget) -> Discovery:
        """The facts and every physical port of a switch, for onboarding."""

        def work(driver: Any) -> Discovery:
            facts = driver.get_facts()
            return Discovery(
                model=device_text(facts.get("model", ""), 64),
                os_version=device_text(facts.get("os_version", "")),
                serial=device_text(facts.get("serial_number", ""), 64),
                hostname=device_text(facts.get("hostname", ""), 128),
                ports=read_port_states(driver, None, target.kinds),
            )

        return self._guarded(target, work)

    def check(self, target: SwitchTarget, vlans: Mapping[int, str]) -> list[Finding]:
        """Preflight with every check, the SCP copy included."""

        def work(driver: Any) -> list[Finding]:
            return run_preflight(driver, self.credentials(target).username, vlans)

        return self._guarded(target, work)

    # -- changing --------------------------------------------------------------------------

    def _ready(self, driver: Any, target: SwitchTarget, vlans: Mapping[int, str]) -> None:
        """Refuse before anything is loaded when the switch fails preflight (the SCP check
        is the load itself, see `_load`)."""
        username = self.credentials(target).username
        findings = run_preflight(driver, username, vlans, probe_scp=False)
        # LLDP off costs the console its view of phones, not the change's safety: said by
        # `switches check` and the readings, not a reason to refuse.
        blocking = [finding for finding in findings if finding.check != "lldp"]
        if blocking:
            raise NotReady(target.hostname, blocking)

    def _load(self, driver: Any, target: SwitchTarget, changes: list[PortChange]) -> str:
        import paramiko
        from napalm.base.exceptions import CommandErrorException, MergeConfigException
        from scp import SCPException

        try:
            return load_and_compare(driver, changes)
        except (CommandErrorException, MergeConfigException, SCPException) as err:
            # A refused copy: the SCP server off, or the session without privilege 15.
            if not isinstance(err, SCPException) and not re.search(
                r"scp|transfer", str(err), re.IGNORECASE
            ):
                raise
            username = self.credentials(target).username
            finding = scp_config_finding(driver, username, device_text(err))
            raise NotReady(target.hostname, [finding]) from None
        except paramiko.SSHException as err:  # the copy's channel refused by the switch
            username = self.credentials(target).username
            finding = scp_config_finding(driver, username, device_text(err))
            raise NotReady(target.hostname, [finding]) from None

    def preview(
        self, target: SwitchTarget, changes: list[PortChange], vlans: Mapping[int, str]
    ) -> str:
        """The switch's own diff for `changes`; nothing is committed."""

        def work(driver: Any) -> str:
            self._ready(driver, target, vlans)
            try:
                return self._load(driver, target, changes)
            finally:
                discard(driver)

        return self._guarded(target, work)

    def apply(
        self,
        target: SwitchTarget,
        changes: list[PortChange],
        vlans: Mapping[int, str],
        *,
        expected_diff: str | None = None,
        before_commit: Callable[[], None] | None = None,
    ) -> ApplyResult:
        """Commit `changes`, verify them, and confirm, or roll back; never raises for the switch.

        `before_commit` runs just before the commit (the in-flight record's deadline); if it
        fails, nothing is committed. `result.ports` holds the ports as read afterwards, except
        after a commit left unconfirmed: what could be read then is about to be undone.
        """
        result = ApplyResult(target.hostname)
        wanted = {change.interface for change in changes}

        def read(driver: Any, interfaces: set[str]) -> dict[str, PortState]:
            return read_port_states(driver, interfaces, target.kinds)

        try:
            with self.session(target) as driver:
                self._ready(driver, target, vlans)
                result.diff = self._load(driver, target, changes)
                if expected_diff is not None and result.diff != expected_diff:
                    discard(driver)
                    result.error = (
                        f"{target.hostname} changed since the preview; nothing was committed. "
                        "Look at the new diff and confirm again."
                    )
                elif not result.diff:
                    # Nothing to change: the ports may already have the role; check they do.
                    discard(driver)
                    result.failed_ports = unverified(changes, read(driver, wanted))
                    result.committed = not result.failed_ports
                    if result.failed_ports:
                        result.error = "the switch shows other settings than the role asks for"
                else:
                    if before_commit is not None:
                        before_commit()
                    commit_verified(
                        driver,
                        target.platform,
                        changes,
                        result,
                        read,
                        lambda err: describe_failure(target, err),
                    )
                if not result.pending_revert:
                    result.ports = read(driver, wanted)
        except SwitchError as err:
            result.error = result.error or str(err)
        except Exception as err:  # a session that dropped mid-way
            log.info("applying on %s failed", target.hostname, exc_info=True)
            result.error = result.error or describe_failure(target, err)
        return result

    def settle(
        self, target: SwitchTarget, interfaces: Iterable[str], *, may_revert: bool
    ) -> Settlement:
        """For a change left in flight by a console that died: when `may_revert` (the timer
        can only be that change's), run out a revert timer still pending (the change was
        never verified); then read the ports."""
        from napalm.base.exceptions import CommitConfirmException

        def work(driver: Any) -> Settlement:
            reverted = False
            if may_revert and driver.has_pending_commit():
                try:
                    driver.rollback()  # `configure revert now`, only for our own login
                    reverted = True
                except CommitConfirmException:
                    raise SwitchError(
                        f"{target.hostname} has a change of another login pending; "
                        "try again once its revert window has passed."
                    ) from None
            return Settlement(reverted, read_port_states(driver, set(interfaces), target.kinds))

        return self._guarded(target, work)

    def power_cycle(self, target: SwitchTarget, interface: str, pause: float) -> PortState:
        """PoE off, a pause, PoE on, in one session under the switch's lock; the port after.

        If turning power back on fails, it is tried once more; the error then says plainly
        that the port may be left without power.
        """
        from voiceconsole.domain.port_roles import render_power_cycle

        with self.session(target) as driver:
            try:
                merge_and_commit(driver, render_power_cycle(target.platform, interface, off=True))
            except Exception as err:
                raise SwitchError(describe_failure(target, err)) from None
            time.sleep(pause)
            on = render_power_cycle(target.platform, interface, off=False)
            for attempt in (1, 2):
                try:
                    merge_and_commit(driver, on)
                    break
                except Exception as err:
                    if attempt == 2:
                        raise SwitchError(
                            f"PoE may be left OFF on {target.hostname} {interface}: "
                            f"{describe_failure(target, err)}"
                        ) from None
            state = read_port_states(driver, {interface}, target.kinds).get(interface)
            if state is None or not state.poe_enabled:
                raise SwitchError(
                    f"PoE is not back on at {target.hostname} {interface}: the switch shows "
                    f"{state.poe_admin if state else 'no such interface'!r}"
                )
            return state
