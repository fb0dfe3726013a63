"""The switch inventory: onboarding a switch (connect, pin its key, discover its ports, check
it), mapping its ports to floor ports, checking switches, removing one.

A switch is known from the moment `add_switch` has talked to it: the inventory holds what the
switch itself reported (model, ports, which have PoE), not what someone typed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select, update

from voiceconsole import clock
from voiceconsole.db.database import Database
from voiceconsole.db.models import (
    FloorPort,
    Site,
    Space,
    Switch,
    SwitchChange,
    SwitchChangeState,
    SwitchPort,
)
from voiceconsole.domain.errors import Conflict, InvalidInput, NotFound, RuleViolation
from voiceconsole.domain.interfaces import InterfaceName, InterfaceNames, is_physical
from voiceconsole.domain.platforms import PROFILES, profile, profile_for_model
from voiceconsole.domain.text import clean_text
from voiceconsole.domain.words import counted
from voiceconsole.services import switch_changes
from voiceconsole.services.host_keys import pin_first_use
from voiceconsole.services.lookup import floor_id_of, site_by_ref, switch_by_name
from voiceconsole.services.permissions import Permission, requires
from voiceconsole.services.port_readings import save_preflight
from voiceconsole.services.switch_work import (
    in_switch_thread,
    record_reading,
    role_vlans,
    site_plan,
    switch_plans,
    target_of,
)
from voiceconsole.services.transaction import transaction
from voiceconsole.services.views import View
from voiceconsole.switches.gateway import Gateway, SwitchError, SwitchTarget
from voiceconsole.switches.host_keys import fingerprint
from voiceconsole.switches.preflight import Finding

_HOSTNAME = re.compile(r"^[a-z0-9][a-z0-9.\-_]{0,127}$")


@dataclass(frozen=True)
class SwitchView(View):
    id: int
    hostname: str
    site: str
    address: str
    port: int
    platform: str
    model: str
    profile: str
    credentials_ref: str
    simulated: bool
    fingerprint: str | None
    ports: int
    patched: int
    findings: tuple[Finding, ...] | None  # None: never checked
    in_flight: int = 0

    @property
    def status(self) -> str:
        if self.in_flight:
            return "change in flight"
        if self.findings is None:
            return "not checked"
        return "ready" if not self.findings else "not ready"


async def list_switches(db: Database, *, site: str | None = None) -> list[SwitchView]:
    async with db.read() as session:
        query = select(Switch).order_by(Switch.hostname)
        place = await site_by_ref(session, site) if site else None
        if place is not None:
            query = query.where(Switch.site_id == place.id)
        switches = list(await session.scalars(query))
        ids = [s.id for s in switches]
        ports = dict(
            (
                await session.execute(
                    select(SwitchPort.switch_id, func.count())
                    .where(SwitchPort.switch_id.in_(ids))
                    .group_by(SwitchPort.switch_id)
                )
            ).all()
        )
        patched = dict(
            (
                await session.execute(
                    select(SwitchPort.switch_id, func.count())
                    .join(FloorPort, FloorPort.switch_port_id == SwitchPort.id)
                    .where(SwitchPort.switch_id.in_(ids))
                    .group_by(SwitchPort.switch_id)
                )
            ).all()
        )
        flying = dict(
            (
                await session.execute(
                    select(SwitchChange.switch_id, func.count())
                    .where(
                        SwitchChange.switch_id.in_(ids),
                        SwitchChange.state == SwitchChangeState.IN_FLIGHT,
                    )
                    .group_by(SwitchChange.switch_id)
                )
            ).all()
        )
        codes = await _site_codes(session, {s.site_id for s in switches})
    return [
        SwitchView(
            s.id,
            s.hostname,
            codes[s.site_id],
            s.mgmt_address,
            s.mgmt_port,
            s.platform,
            s.model,
            s.profile,
            s.credentials_ref,
            s.simulated,
            fingerprint(s.host_key) if s.host_key else None,
            ports.get(s.id, 0),
            patched.get(s.id, 0),
            None if s.preflight is None else tuple(Finding.from_dict(f) for f in s.preflight),
            flying.get(s.id, 0),
        )
        for s in switches
    ]


async def _site_codes(session, ids: set[int]) -> dict[int, str]:  # type: ignore[no-untyped-def]
    rows = await session.execute(select(Site.id, Site.code).where(Site.id.in_(list(ids))))
    return dict(rows.all())


# -- onboarding ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DiscoveredPort:
    interface: str
    poe: bool
    link_up: bool
    neighbour: str = ""


@dataclass(frozen=True)
class Onboarding(View):
    """What `add_switch` found (and, unless a dry run, added)."""

    hostname: str
    site: str
    address: str
    port: int
    model: str
    profile: str
    os_version: str
    fingerprint: str
    ports: tuple[DiscoveredPort, ...]
    findings: tuple[Finding, ...] = ()
    added: bool = False
    key: str = field(default="", repr=False)  # the key line pinned (or to pin)


@requires(Permission.SWITCHES)
async def add_switch(
    db: Database,
    gateway: Gateway,
    actor: str,
    *,
    address: str,
    site: str,
    credentials: str,
    port: int = 22,
    platform: str | None = None,
    hostname: str | None = None,
    expect_fingerprint: str | None = None,
    dry_run: bool = False,
) -> Onboarding:
    """Connect to a switch, pin its SSH host key, discover its ports, check it, add it.

    `platform` is a profile code; without it, the profile is told from the model the switch
    reports. `expect_fingerprint` (as a person read it on the switch's console, or as a dry run
    showed it) refuses a switch that offers another key. Nothing is written unless the switch
    answered; its preflight findings are kept and shown, they do not stop the onboarding.
    """
    address = clean_text(address, "switch address", max_len=128)
    if not 1 <= port <= 65535:
        raise InvalidInput(f"{port} is not a TCP port")
    chosen = profile(platform) if platform else None
    async with db.read() as session:
        place = await site_by_ref(session, site)
        vlans = role_vlans([site_plan(place)])  # no floor ports on it yet: the site's own
    target = SwitchTarget(
        hostname or address,
        address,
        port,
        chosen.driver if chosen else "ios",
        clean_text(credentials, "credentials reference", max_len=64),
        profile=chosen.code if chosen else "",
    )
    try:
        key = await in_switch_thread(gateway.fetch_host_key, target)
    except SwitchError as err:
        raise RuleViolation(f"cannot onboard {address}:{port}: {err}") from None
    if expect_fingerprint and fingerprint(key).removeprefix("SHA256:") != (
        expect_fingerprint.strip().removeprefix("SHA256:")
    ):
        raise RuleViolation(
            f"{address}:{port} offers {fingerprint(key)}, not {expect_fingerprint.strip()}: "
            "nothing was added"
        )
    target = dataclasses.replace(target, host_key=key)
    try:
        found = await in_switch_thread(gateway.discover, target)
    except SwitchError as err:
        raise RuleViolation(f"cannot onboard {address}:{port}: {err}") from None
    chosen = _profile_of(found.model, chosen)
    name = _hostname(hostname or found.hostname)
    target = dataclasses.replace(target, hostname=name, model=found.model, profile=chosen.code)
    try:
        findings = await in_switch_thread(gateway.check, target, vlans)
    except SwitchError as err:
        findings = [Finding("session", str(err))]
    ports = tuple(
        DiscoveredPort(n, s.has_poe, s.link_up, s.neighbour)
        for n, s in sorted(found.ports.items(), key=lambda item: _port_order(item[0]))
    )
    result = Onboarding(
        name,
        place.code,
        address,
        port,
        found.model,
        chosen.code,
        found.os_version,
        fingerprint(key),
        ports,
        tuple(findings),
        key=key,
    )
    if dry_run:
        return result
    async with transaction(db, actor) as tx:
        switch = Switch(
            site_id=place.id,
            hostname=name,
            mgmt_address=address,
            mgmt_port=port,
            platform=chosen.driver,
            model=found.model,
            credentials_ref=target.credentials_ref,
            simulated=False,
            profile=chosen.code,
            host_key=key,
            host_key_pinned_at=clock.utcnow(),
            preflight=[f.to_dict() for f in findings],
            preflight_at=clock.utcnow(),
        )
        tx.session.add(switch)
        await tx.session.flush()
        now = clock.utcnow()
        for interface, state in found.ports.items():
            switch_port = SwitchPort(switch_id=switch.id, interface=interface)
            record_reading(switch_port, state, site_plan(place), now)
            tx.session.add(switch_port)
        tx.audit(
            "switches.add",
            f"added switch {name} ({found.model}, {len(ports)} ports) at {place.code}; "
            f"pinned {fingerprint(key)}",
            site_id=place.id,
            after={
                "hostname": name,
                "address": f"{address}:{port}",
                "model": found.model,
                "profile": chosen.code,
                "fingerprint": fingerprint(key),
                "ports": len(ports),
                "findings": [f.check for f in findings],
            },
        )
    return dataclasses.replace(result, added=True)


def _profile_of(model: str, chosen):  # type: ignore[no-untyped-def]
    detected = profile_for_model(model)
    if chosen is None:
        if detected is None:
            known = ", ".join(p.code for p in PROFILES)
            raise RuleViolation(
                f"no platform profile knows the model {model or '(not reported)'}; name one "
                f"with --platform ({known})"
            )
        return detected
    if detected is not None and detected.code != chosen.code:
        raise RuleViolation(
            f"the switch reports itself as a {model}, a {detected.name}, not a {chosen.name}: "
            f"leave --platform out or give {detected.code}"
        )
    return chosen


def _hostname(text: str) -> str:
    name = text.strip().lower()
    if not _HOSTNAME.match(name):
        raise InvalidInput(
            f"{text!r} is not a switch hostname (letters, digits, '.', '-', '_'); give one "
            "with --hostname"
        )
    return name


def _port_order(name: str) -> tuple[object, ...]:
    parsed = InterfaceName.parse(name)
    return (parsed.numbers, parsed.kind) if parsed else ((), name)


# -- floor ports ---------------------------------------------------------------------------


def interface_range(text: str, known: Iterable[str]) -> list[str]:
    """`Gi1/0/1-24,Te1/0/37-48` (IOS range style) as the switch's own long names."""
    names = InterfaceNames(known)
    picked: list[str] = []
    for part in text.split(","):
        found = re.fullmatch(r"\s*(.*?)(\d+)\s*(?:-\s*(\d+))?\s*", part)
        if not found:
            raise InvalidInput(f"{part.strip()!r} is not an interface or a range of them")
        stem, low, high = found.group(1), int(found.group(2)), int(found.group(3) or found.group(2))
        if high < low:
            raise InvalidInput(f"{part.strip()!r} runs backwards")
        for number in range(low, high + 1):
            name = names.resolve(f"{stem}{number}")
            if name is None or name not in set(known):
                raise NotFound(f"the switch has no interface {stem.strip()}{number}")
            picked.append(name)
    return picked


@dataclass(frozen=True)
class MappedPort:
    label: str
    interface: str
    created: bool


@requires(Permission.SWITCHES)
async def map_floor_ports(
    db: Database,
    actor: str,
    *,
    switch: str,
    floor: str,
    pattern: str | None = None,
    interfaces: str | None = None,
    rows: Iterable[tuple[str, str, str]] | None = None,
) -> list[MappedPort]:
    """Patch floor ports to a switch's interfaces, creating those that do not exist yet.

    Either `pattern` (a label per interface, `{port}` its last number, `{member}` its stack
    member, `{n}` its place in the list; e.g. `1F-{port:03d}`) over `interfaces` (a range;
    default: the access ports, module 0, of the switch), or `rows` of (label, interface,
    space) from a CSV. All or nothing: a label patched elsewhere or an interface already
    patched refuses the whole mapping.
    """
    async with transaction(db, actor) as tx:
        found = await switch_by_name(tx.session, switch)
        known = list(
            await tx.session.scalars(
                select(SwitchPort.interface).where(SwitchPort.switch_id == found.id)
            )
        )
        place = await tx.session.get(Site, found.site_id)
        assert place is not None  # a switch's site is never deleted
        floor_id = await floor_id_of(tx.session, place, floor)
        wanted = _wanted(pattern, interfaces, rows, known)
        if not wanted:
            raise InvalidInput(
                f"no interface of {found.hostname} to map: name them with --interfaces "
                "(e.g. Gi2/1-48)"
            )
        labels = [label for label, _, _ in wanted]
        twice = sorted({label for label in labels if labels.count(label) > 1})
        if twice:
            raise InvalidInput(
                f"the labels {', '.join(twice[:5])} would be given to two interfaces each"
                + (" (a stack: put {member} in the pattern)" if pattern else "")
            )
        mapped = []
        for label, interface, space in wanted:
            mapped.append(await _patch(tx.session, found, floor_id, label, interface, space, known))
        tx.audit(
            "switches.map",
            f"patched {counted(len(mapped), 'floor port')} to {found.hostname}",
            site_id=found.site_id,
            after=[dataclasses.asdict(m) for m in mapped],
        )
        return mapped


def _wanted(pattern, interfaces, rows, known):  # type: ignore[no-untyped-def]
    if rows is not None:
        names = InterfaceNames(known)
        return [
            (label.strip().upper(), names(interface), space.strip())
            for label, interface, space in rows
        ]
    if not pattern:
        raise InvalidInput("give a label pattern (e.g. 1F-{port:03d}) or a CSV of floor ports")
    chosen = (
        interface_range(interfaces, known)
        if interfaces
        else sorted((n for n in known if is_physical(n) and _module(n) == 0), key=_port_order)
    )
    out = []
    for n, interface in enumerate(chosen, start=1):
        parsed = InterfaceName.parse(interface)
        numbers = parsed.numbers if parsed else (n,)
        try:
            label = pattern.format(port=numbers[-1], member=parsed.member if parsed else 1, n=n)
        except (KeyError, ValueError, IndexError) as err:
            raise InvalidInput(
                f"the pattern {pattern!r} does not work ({err}); use {{port}}, {{member}} or "
                "{n}, e.g. 1F-{port:03d}"
            ) from None
        out.append((label.strip().upper(), interface, ""))
    return out


def _module(name: str) -> int:
    parsed = InterfaceName.parse(name)
    numbers = parsed.numbers if parsed else ()
    return numbers[-2] if len(numbers) >= 2 else 0


async def _patch(
    session, switch: Switch, floor_id: int, label: str, interface: str, space: str, known: list[str]
) -> MappedPort:  # type: ignore[no-untyped-def]
    label = clean_text(label, "floor port label", max_len=32)
    if interface not in known:
        raise NotFound(f"{switch.hostname} has no interface {interface!r}")
    switch_port = await session.scalar(
        select(SwitchPort).where(
            SwitchPort.switch_id == switch.id, SwitchPort.interface == interface
        )
    )
    taken = await session.scalar(
        select(FloorPort.label).where(FloorPort.switch_port_id == switch_port.id)
    )
    if taken and taken != label:
        raise Conflict(f"{switch.hostname} {interface} is already patched to floor port {taken}")
    space_id = None
    if space:
        space_id = await session.scalar(
            select(Space.id).where(Space.floor_id == floor_id, Space.code == space)
        )
        if space_id is None:
            raise NotFound(f"that floor has no space {space!r}")
    floor_port = await session.scalar(
        select(FloorPort).where(FloorPort.site_id == switch.site_id, FloorPort.label == label)
    )
    if floor_port is None:
        session.add(
            FloorPort(
                site_id=switch.site_id,
                floor_id=floor_id,
                space_id=space_id,
                label=label,
                switch_port_id=switch_port.id,
            )
        )
        await session.flush()
        return MappedPort(label, interface, True)
    if floor_port.switch_port_id not in (None, switch_port.id):
        raise Conflict(f"floor port {label} is already patched to another switch interface")
    floor_port.switch_port_id = switch_port.id
    if space_id is not None:
        floor_port.space_id = space_id
    return MappedPort(label, interface, False)


# -- checking and removing -----------------------------------------------------------------


@dataclass(frozen=True)
class SwitchCheck(View):
    hostname: str
    findings: tuple[Finding, ...] = ()
    error: str = ""
    settled: tuple[switch_changes.Settled, ...] = ()

    @property
    def ready(self) -> bool:
        return not self.error and not self.findings


@requires(Permission.SWITCHES)
async def check_switches(
    db: Database,
    gateway: Gateway,
    actor: str,
    *,
    site: str | None = None,
    hostname: str | None = None,
) -> list[SwitchCheck]:
    """Settle changes left in flight, then run every preflight check on the switches named
    (one, a site's, or all), at once; each switch's findings are kept."""
    async with db.read() as session:
        query = select(Switch).order_by(Switch.hostname)
        if hostname:
            query = query.where(Switch.id == (await switch_by_name(session, hostname)).id)
        elif site:
            query = query.where(Switch.site_id == (await site_by_ref(session, site)).id)
        switches = list(await session.scalars(query))
        vlans = {s.id: role_vlans(await switch_plans(session, s)) for s in switches}
    if not switches:
        raise NotFound("no switch to check")
    switches = await pin_first_use(db, gateway, actor, switches)
    settled = await switch_changes.settle_abandoned(
        db, gateway, actor, switch_ids=[s.id for s in switches]
    )

    async def check(switch: Switch) -> SwitchCheck:
        mine = tuple(s for s in settled if s.hostname == switch.hostname)
        try:
            findings = await in_switch_thread(gateway.check, target_of(switch), vlans[switch.id])
        except SwitchError as err:
            return SwitchCheck(switch.hostname, error=str(err), settled=mine)
        await save_preflight(db, switch.id, findings)
        return SwitchCheck(switch.hostname, tuple(findings), settled=mine)

    return list(await asyncio.gather(*(check(s) for s in switches)))


@requires(Permission.SWITCHES)
async def remove_switch(db: Database, actor: str, hostname: str) -> int:
    """Take a switch out of the inventory; its floor ports stay, unpatched. Refused while a
    change is in flight on it. Returns how many floor ports were unpatched."""
    async with transaction(db, actor) as tx:
        switch = await switch_by_name(tx.session, hostname)
        flying = await switch_changes.in_flight(tx.session, [switch.id])
        if flying:
            raise RuleViolation(switch_changes.busy_message(flying[0], switch.hostname))
        port_ids = select(SwitchPort.id).where(SwitchPort.switch_id == switch.id)
        unpatched = await tx.session.execute(
            update(FloorPort)
            .where(FloorPort.switch_port_id.in_(port_ids))
            .values(switch_port_id=None)
            .returning(FloorPort.label)
        )
        labels = sorted(unpatched.scalars())
        await tx.session.execute(delete(SwitchChange).where(SwitchChange.switch_id == switch.id))
        await tx.session.execute(delete(SwitchPort).where(SwitchPort.switch_id == switch.id))
        await tx.session.delete(switch)
        tx.audit(
            "switches.remove",
            f"removed switch {switch.hostname}"
            + (f"; {counted(len(labels), 'floor port')} unpatched" if labels else ""),
            site_id=switch.site_id,
            before={"hostname": switch.hostname, "address": switch.mgmt_address},
            after={"unpatched": labels},
        )
        return len(labels)
