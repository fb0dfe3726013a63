"""Pinning switches' SSH host keys: on first use (as OpenSSH's `accept-new` does), and again
with `switches trust` once a person has checked a changed key on the switch's console.

A key once pinned is the only one any console on this database accepts for that switch
(gateway.py); each pin is one audit entry naming the fingerprint.
"""

from __future__ import annotations

from collections.abc import Iterable

from voiceconsole import clock
from voiceconsole.db.database import Database
from voiceconsole.db.models import Switch
from voiceconsole.domain.errors import RuleViolation
from voiceconsole.services.permissions import Permission, at_site, requires
from voiceconsole.services.switch_work import in_switch_thread, target_of
from voiceconsole.services.transaction import transaction
from voiceconsole.switches.gateway import Gateway, SwitchError
from voiceconsole.switches.host_keys import fingerprint


def _same_fingerprint(expected: str, key_line: str) -> bool:
    return expected.strip().removeprefix("SHA256:") == fingerprint(key_line).removeprefix("SHA256:")


@requires(Permission.SWITCH_WORK)
async def pin_first_use(db: Database, gateway: Gateway, actor: str, switches: Iterable[Switch]):  # type: ignore[no-untyped-def]
    """Pin the key of each switch reached over SSH that has none yet; the switches with their
    keys. A switch that cannot be reached is left unpinned (its session then says why)."""
    switches = list(switches)
    async with db.read() as session:
        for switch in switches:
            await at_site(session, switch.site_id)
    pinned = []
    for switch in switches:
        target = target_of(switch)
        if switch.host_key or not gateway.uses_ssh(target):
            pinned.append(switch)
            continue
        try:
            key = await in_switch_thread(gateway.fetch_host_key, target)
        except SwitchError:
            pinned.append(switch)
            continue
        pinned.append(await _pin(db, actor, switch.id, key, first_use=True))
    return pinned


@requires(Permission.SWITCHES)
async def trust(
    db: Database, gateway: Gateway, actor: str, hostname: str, *, expect: str | None
) -> tuple[str | None, str]:
    """Pin the key the switch offers now; (old fingerprint or None, new fingerprint).

    `expect` is the fingerprint a person read on the switch's console (`show ip ssh`,
    `show crypto key mypubkey`): a different key is refused.
    """
    from voiceconsole.services.lookup import switch_by_name

    async with db.read() as session:
        switch = await switch_by_name(session, hostname)
    target = target_of(switch)
    if not gateway.uses_ssh(target):
        raise RuleViolation(f"{switch.hostname} is simulated in this console: it has no SSH key")
    key = await in_switch_thread(gateway.fetch_host_key, target)
    if not expect:
        # Pinning is worth something only if a person compared the key with the switch's.
        raise RuleViolation(
            f"{switch.hostname} offers {fingerprint(key)}: compare it with the switch's own "
            f"(`show ip ssh` on its console) and give it with --fingerprint"
        )
    if not _same_fingerprint(expect, key):
        raise RuleViolation(
            f"{switch.hostname} offers {fingerprint(key)}, not {expect.strip()}: nothing pinned"
        )
    old = fingerprint(switch.host_key) if switch.host_key else None
    await _pin(db, actor, switch.id, key, first_use=False)
    return old, fingerprint(key)


async def _pin(db: Database, actor: str, switch_id: int, key: str, *, first_use: bool) -> Switch:
    async with transaction(db, actor) as tx:
        switch = await tx.session.get(Switch, switch_id)
        assert switch is not None  # the caller just read it
        if first_use and switch.host_key:  # a colleague pinned it meanwhile: theirs stands
            tx.no_change()
            return switch
        before = fingerprint(switch.host_key) if switch.host_key else None
        if switch.host_key == key:
            tx.no_change()
            return switch
        switch.host_key = key
        switch.host_key_pinned_at = clock.utcnow()
        how = "on first use" if first_use else "after a check"
        tx.audit(
            "switches.trust",
            f"pinned the SSH host key of {switch.hostname} {how}: {fingerprint(key)}",
            site_id=switch.site_id,
            before={"fingerprint": before},
            after={"fingerprint": fingerprint(key), "first_use": first_use},
        )
        return switch
