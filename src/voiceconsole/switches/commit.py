"""The commit path on an open driver: load and diff, commit with a revert timer, read back,
verify, confirm or roll back. (Sessions, locks and errors: gateway.py.)"""

from __future__ import annotations

import logging
import secrets
import weakref
from dataclasses import dataclass, field
from typing import Any

from voiceconsole.domain.port_roles import PortSettings, same_vlans
from voiceconsole.domain.port_state import PortState

log = logging.getLogger(__name__)

# IOS counts its revert timer in whole minutes. The window starts before the candidate is
# copied in (NAPALM allows that copy 90 s) and must cover the read-back, so three minutes.
CONFIRM_WINDOW_SECONDS = 180
PLATFORMS_WITH_REVERT = {"ios", "eos", "junos"}


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
    # The commit failed or went unverified part-way: the switch may have (had) the change.
    unsure: bool = False


def session_files(platform: str) -> dict[str, str]:
    """NAPALM's optional args naming the files a session keeps on the switch's flash.

    IOS's driver copies every candidate to one file and commits from it; with its default
    names, a console previewing on a switch could empty or overwrite the candidate another
    console is about to commit. Each session gets names of its own, removed when it ends
    (`remove_session_files`)."""
    if platform != "ios":
        return {}
    tag = f"vc-{secrets.token_hex(4)}"
    return {
        "merge_cfg": f"{tag}-merge.txt",
        "candidate_cfg": f"{tag}-candidate.txt",
        "rollback_cfg": f"{tag}-rollback.txt",
    }


# Drivers whose session wrote candidate files to the switch (see remove_session_files).
_wrote_files: weakref.WeakSet[Any] = weakref.WeakSet()


def load_candidate(driver: Any, config: str) -> None:
    _wrote_files.add(driver)
    driver.load_merge_candidate(config=config)


def remove_session_files(driver: Any) -> None:
    """Delete this session's candidate files from flash, if it wrote any (best effort: a
    session that dropped leaves them, named so that nobody else uses them)."""
    if driver not in _wrote_files:
        return
    _wrote_files.discard(driver)
    names = [getattr(driver, attr, None) for attr in ("merge_cfg", "candidate_cfg", "rollback_cfg")]
    # Only names of our own making: never NAPALM's shared defaults, which others may use.
    names = [name for name in names if isinstance(name, str) and name.startswith("vc-")]
    try:
        commands = [f"delete /force {driver._gen_full_path(name)}" for name in names]
        driver.cli(commands)
    except Exception:
        log.debug("removing the session's candidate files failed", exc_info=True)


def load_and_compare(driver: Any, changes: list[PortChange]) -> str:
    config = "".join(change.config.removesuffix("end\n") for change in changes) + "end\n"
    load_candidate(driver, config)
    return str(driver.compare_config())


def discard(driver: Any) -> None:
    try:
        driver.discard_config()
    except Exception:
        log.debug("discard_config failed", exc_info=True)


def merge_and_commit(driver: Any, config: str) -> None:
    """A short change committed as is (no revert window): PoE off/on of one port."""
    try:
        load_candidate(driver, config)
        driver.compare_config()
        driver.commit_config()
    except Exception:
        discard(driver)
        raise


def unverified(changes: list[PortChange], ports: dict[str, PortState]) -> dict[str, str]:
    """Ports whose read-back differs from what their role asks for, with what differs.

    Checked: enabled, mode, the VLANs of that mode, PoE (on ports that have it) and the
    description. Not checked: portfast, which IOS shows only in the running config.
    """
    failed = {}
    for change in changes:
        seen = ports.get(change.interface)
        if seen is None:
            failed[change.interface] = "the switch did not report this interface"
            continue
        wrong = differences(change.expected, seen)
        if change.description and change.description != seen.description:
            wrong.append(f"description is {seen.description} not {change.description}")
        if wrong:
            failed[change.interface] = "; ".join(wrong)
    return failed


def differences(want: PortSettings, seen: PortState) -> list[str]:
    """What a port shows that its role's settings do not ask for, in words."""
    got = seen.settings
    checks: list[tuple[str, object, object]] = [("enabled", want.enabled, got.enabled)]
    if want.enabled:
        checks.append(("mode", want.mode, got.mode))
        if want.mode == "trunk":
            checks.append(("native VLAN", want.native_vlan, got.native_vlan))
            if not same_vlans(want.allowed_vlans, got.allowed_vlans):
                checks.append(("allowed VLANs", _vlans(want), _vlans(got)))
        else:
            checks.append(("access VLAN", want.access_vlan, got.access_vlan))
            checks.append(("voice VLAN", want.voice_vlan, got.voice_vlan))
    if seen.has_poe:  # a port with PoE: on for every role but disabled
        checks.append(("PoE on", want.enabled, seen.poe_enabled))
    return [f"{name} is {g} not {w}" for name, w, g in checks if w != g]


def _vlans(settings: PortSettings) -> str:
    allowed = settings.allowed_vlans
    return "all" if allowed is None else ",".join(map(str, sorted(allowed))) or "none"


def commit_verified(
    driver: Any,
    platform: str,
    changes: list[PortChange],
    result: ApplyResult,
    read: Any,
    describe: Any,
) -> None:
    """Commit with a revert timer, verify the ports, then confirm; otherwise roll back.

    `read(driver, interfaces)` reads ports back; `describe(err)` words a failure.
    """
    from napalm.base import exceptions as napalm_errors

    timed = platform in PLATFORMS_WITH_REVERT
    try:
        if timed:
            driver.commit_config(revert_in=CONFIRM_WINDOW_SECONDS)
        else:
            driver.commit_config()
    except (
        napalm_errors.MergeConfigException,  # refused: the driver has rolled the merge back
        napalm_errors.CommitConfirmException,  # no archive: nothing was started
        napalm_errors.CommandErrorException,  # a commit of someone else pending: refused
    ) as err:
        result.error = describe(err)
        return
    except Exception as err:
        # Failed mid-commit (a timeout, a dropped session): the revert timer may be running.
        log.info("commit failed", exc_info=True)
        result.pending_revert = timed
        result.unsure = True
        undo = (
            "the switch undoes anything it took within its revert window"
            if timed
            else "the change may be in place: read the ports again to see"
        )
        result.error = f"{describe(err)}; {undo}"
        return
    try:
        ports = read(driver, {c.interface for c in changes})
        failed = unverified(changes, ports)
        if failed:
            driver.rollback()
            result.failed_ports = failed
            result.error = "rolled back: the switch did not take the settings"
            return
        if timed:
            driver.confirm_commit()
    except Exception as err:
        log.info("verifying failed", exc_info=True)
        result.unsure = True
        if timed:
            result.pending_revert = True
            undo = "the switch undoes the change by itself within its revert window"
        else:
            undo = "the change may be in place: read the ports again to see"
        result.error = f"{describe(err)}; {undo}"
        return
    result.committed = True
