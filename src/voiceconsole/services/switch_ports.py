"""Switch port roles of floor ports: preview on every switch, apply, record what is true;
and power-cycling a phone's port. (Reading live state: port_readings.py; changes left in
flight by a console that died: switch_changes.py.)"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

from voiceconsole import clock
from voiceconsole.db.database import Database
from voiceconsole.db.models import FloorPort, SwitchChange, SwitchChangeState, SwitchPort
from voiceconsole.domain.errors import InvalidInput, NotFound, RuleViolation
from voiceconsole.domain.port_roles import (
    RoleError,
    SwitchPortRole,
    VlanPlan,
    render,
    sanitise_description,
    settings_for,
)
from voiceconsole.domain.words import counted
from voiceconsole.services import switch_changes
from voiceconsole.services.host_keys import pin_first_use
from voiceconsole.services.permissions import Permission, at_site, requires
from voiceconsole.services.switch_work import (
    SwitchPortFailure,
    capabilities,
    in_switch_thread,
    port_description,
    ports_with_switches,
    record_reading,
    role_vlans,
    site_plan,
    target_of,
)
from voiceconsole.services.transaction import Transaction, transaction
from voiceconsole.switches.gateway import (
    ApplyResult,
    Gateway,
    PortChange,
    SwitchError,
    SwitchTarget,
)


@dataclass(frozen=True)
class PlannedPort:
    floor_port_id: int
    label: str
    switch_port_id: int
    change: PortChange
    plan: VlanPlan  # what `observed_role` is classified against when the switch answers
    before: str | None = None  # the role the switch showed at the last reading
    read: bool = False  # whether the port was ever read (else `before` says nothing)

    def intent(self) -> dict[str, object]:
        """What the in-flight record keeps of the port."""
        return {
            "floor_port_id": self.floor_port_id,
            "switch_port_id": self.switch_port_id,
            "label": self.label,
            "interface": self.change.interface,
            "before": self.before,
            "read": self.read,
        }


@dataclass(frozen=True)
class SwitchPlan:
    """The ports of one switch in a role change, and the switch's own diff for them."""

    target: SwitchTarget
    ports: tuple[PlannedPort, ...]
    diff: str = ""
    error: str = ""  # the preview failed: unreachable, not ready, or refused the candidate
    switch_id: int = 0
    vlans: tuple[tuple[int, str], ...] = ()  # the VLANs the change uses, checked on the switch


@dataclass(frozen=True)
class RolePlan:
    role: SwitchPortRole
    switches: tuple[SwitchPlan, ...]
    # Floor ports that cannot take the role, with why (not patched, no PoE, no plan).
    refused: tuple[tuple[str, str], ...] = ()

    @property
    def port_count(self) -> int:
        return sum(len(s.ports) for s in self.switches)

    @property
    def ready(self) -> tuple[SwitchPlan, ...]:
        return tuple(s for s in self.switches if not s.error)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class PortOutcome:
    label: str
    hostname: str
    interface: str
    done: bool
    reason: str = ""


@dataclass
class RoleOutcome:
    role: SwitchPortRole
    ports: list[PortOutcome] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(p.done for p in self.ports)

    @property
    def failed(self) -> int:
        return len(self.ports) - self.done

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "done": self.done, "failed": self.failed}


@requires(Permission.SWITCH_WORK)
async def plan_role_change(
    db: Database,
    gateway: Gateway,
    floor_port_ids: Iterable[int],
    role: SwitchPortRole | str,
    *,
    actor: str | None = None,
    vacated: bool = False,
) -> RolePlan:
    """Render `role` for each floor port and ask each switch for its diff (nothing commits).

    `vacated`: render the ports as if they had no occupier (a move-out's preview, before the
    move-out frees them), so that the diff shown is the one applied afterwards.

    Each switch is checked first (preflight): one that is not ready, or that has a change of
    another console still in flight, is refused with the reason before any diff. With an
    `actor`, a switch reached over SSH whose host key is not pinned yet is pinned now.
    """
    try:
        role = SwitchPortRole(role)
    except ValueError:
        raise InvalidInput(f"unknown switch port role {role!r}") from None
    async with db.read() as session:
        rows = await ports_with_switches(session, floor_port_ids)
        if actor is not None:
            for row in rows:
                await at_site(session, row[0].site_id)
        busy = {
            change.switch_id: change
            for change in await switch_changes.in_flight(
                session, {row[2].id for row in rows if row[2] is not None}
            )
        }
    switches = {row[2].id: row[2] for row in rows if row[2] is not None}
    if actor is not None:
        switches = {s.id: s for s in await pin_first_use(db, gateway, actor, switches.values())}
    grouped: dict[int, list[PlannedPort]] = {}
    refused: list[tuple[str, str]] = []
    for floor_port, switch_port, switch, site, occupier_code, occupier_vlan in rows:
        if vacated:
            occupier_code, occupier_vlan = None, None
        if switch_port is None or switch is None:
            refused.append((floor_port.label, "not patched to a switch interface"))
            continue
        try:
            plan = site_plan(site, occupier_vlan)
            description = sanitise_description(
                port_description(floor_port.label, occupier_code, floor_port.operator_use)
            )
            config = render(
                switch.platform,
                switch_port.interface,
                role,
                plan,
                description,
                capabilities(switch, switch_port),
            )
        except RoleError as err:
            refused.append((floor_port.label, str(err)))
            continue
        change = PortChange(switch_port.interface, config, settings_for(role, plan), description)
        before = switch_port.observed_role.value if switch_port.observed_role else None
        grouped.setdefault(switch.id, []).append(
            PlannedPort(
                floor_port.id,
                floor_port.label,
                switch_port.id,
                change,
                plan,
                before,
                switch_port.live is not None,
            )
        )

    async def preview(switch_id: int, ports: list[PlannedPort]) -> SwitchPlan:
        target = target_of(switches[switch_id])
        vlans = role_vlans({p.plan for p in ports}, [role])
        shape = {"switch_id": switch_id, "vlans": tuple(sorted(vlans.items()))}
        if switch_id in busy:
            error = switch_changes.busy_message(busy[switch_id], target.hostname)
            return SwitchPlan(target, tuple(ports), error=error, **shape)  # type: ignore[arg-type]
        try:
            diff = await in_switch_thread(gateway.preview, target, [p.change for p in ports], vlans)
        except SwitchError as err:
            return SwitchPlan(target, tuple(ports), error=str(err), **shape)  # type: ignore[arg-type]
        return SwitchPlan(target, tuple(ports), diff=diff, **shape)  # type: ignore[arg-type]

    plans = await asyncio.gather(*(preview(i, ports) for i, ports in grouped.items()))
    return RolePlan(role, tuple(sorted(plans, key=lambda p: p.target.hostname)), tuple(refused))


ProgressCallback = Callable[[SwitchPlan, ApplyResult], None]


@requires(Permission.SWITCH_WORK)
async def apply_role_change(
    db: Database,
    gateway: Gateway,
    actor: str,
    plan: RolePlan,
    *,
    progress: ProgressCallback | None = None,
) -> RoleOutcome:
    """Apply a previewed plan on every reachable switch at once, then record what is true.

    Each switch commits only if its diff is still the previewed one. Before any switch
    commits, the change is written down as in flight (switch_changes.py), so a console that
    dies mid-way leaves a record to settle. The outcome is written once, in one transaction
    with one audit entry, after every switch has answered.
    """
    if not plan.ready:
        raise RuleViolation("no switch in this change can be reached; nothing was changed")
    change_ids = await switch_changes.begin(
        db,
        actor,
        [
            switch_changes.PlannedIntent(
                s.switch_id, plan.role, s.diff, tuple(p.intent() for p in s.ports)
            )
            for s in plan.ready
        ],
    )

    loop = asyncio.get_running_loop()

    def stamp(change_id: int) -> Callable[[], None]:
        # Runs on the switch's thread just before its commit: the revert window starts now.
        def run() -> None:
            done = asyncio.run_coroutine_threadsafe(switch_changes.committing(db, change_id), loop)
            done.result(timeout=60)

        return run

    async def apply(switch_plan: SwitchPlan) -> tuple[SwitchPlan, ApplyResult]:
        changes = [p.change for p in switch_plan.ports]
        result = await in_switch_thread(
            gateway.apply,
            switch_plan.target,
            changes,
            dict(switch_plan.vlans),
            expected_diff=switch_plan.diff,
            before_commit=stamp(change_ids[switch_plan.switch_id]),
        )
        if progress is not None:
            progress(switch_plan, result)
        return switch_plan, result

    results = await asyncio.gather(*(apply(s) for s in plan.ready))
    # Switches that could not even preview count as answered, with their error.
    answers = list(results) + [
        (s, ApplyResult(s.target.hostname, error=s.error)) for s in plan.switches if s.error
    ]
    outcome = RoleOutcome(plan.role)
    now = clock.utcnow()
    async with transaction(db, actor) as tx:
        sites: set[tuple[int | None, int | None]] = set()
        for switch_plan, result in answers:
            change_id = change_ids.get(switch_plan.switch_id)
            if change_id is not None:
                record = await tx.session.get(SwitchChange, change_id, with_for_update=True)
                # Settled by a colleague meanwhile (this console looked gone): theirs stands.
                if record is not None and record.state is SwitchChangeState.IN_FLIGHT:
                    record.state = SwitchChangeState.SETTLED
                    record.settled_at = now
                    record.outcome = "committed" if result.committed else result.error[:500]
            for planned in switch_plan.ports:
                floor_port = await tx.session.get(FloorPort, planned.floor_port_id)
                port = await tx.session.get(SwitchPort, planned.switch_port_id)
                if port is None or floor_port is None:
                    continue
                sites.add((floor_port.site_id, floor_port.occupier_id))
                done, reason = _port_result(result, planned.change.interface)
                if done:
                    port.role = plan.role
                    port.description = planned.change.description
                port.last_error = None if done else reason
                state = result.ports.get(planned.change.interface)
                if state is not None:
                    record_reading(port, state, planned.plan, now)
                outcome.ports.append(
                    PortOutcome(
                        planned.label,
                        switch_plan.target.hostname,
                        planned.change.interface,
                        done,
                        reason,
                    )
                )
        for label, why in plan.refused:
            outcome.ports.append(PortOutcome(label, "", "", False, why))
        if outcome.done or any(r.committed or r.unsure for _, r in answers):
            _audit_role_change(tx, outcome, sites)
        else:  # refused everywhere, nothing left on any switch: nothing to journal
            tx.only_bookkeeping()
    outcome.ports.sort(key=lambda p: p.label)
    return outcome


def _audit_role_change(
    tx: Transaction, outcome: RoleOutcome, sites: set[tuple[int | None, int | None]]
) -> None:
    tx.audit(
        "ports.role",
        f"set {counted(outcome.done, 'floor port')} to {outcome.role.value}"
        + (f"; {outcome.failed} not changed" if outcome.failed else ""),
        subjects=sites,
        after=[
            {
                "port": p.label,
                "switch": p.hostname,
                "interface": p.interface,
                "done": p.done,
                "reason": p.reason,
            }
            for p in outcome.ports
        ],
    )


def _port_result(result: ApplyResult, interface: str) -> tuple[bool, str]:
    """Whether one port of a switch's result took its role, and if not, why."""
    if interface in result.failed_ports:
        return False, f"{result.error}: {result.failed_ports[interface]}"
    if result.committed:
        return True, ""
    return False, result.error


@requires(Permission.SWITCH_WORK)
async def power_cycle(
    db: Database, gateway: Gateway, actor: str, floor_port_id: int, *, pause: float = 3.0
) -> str:
    """Turn a port's PoE off and on again, to restart the phone on it; says what happened.

    Refused on a port that is not patched, or whose role is `disabled` (it has no power to
    cycle). The switch work is one session under the switch's lock; the reading afterwards
    (or the error, if power may be left off) is recorded with the audit entry either way.
    """
    async with db.read() as session:
        rows = await ports_with_switches(session, [floor_port_id])
        await at_site(session, rows[0][0].site_id)
    floor_port, switch_port, switch, site, _, occupier_vlan = rows[0]
    if switch is None or switch_port is None:
        raise RuleViolation(f"{floor_port.label} is not patched to a switch interface")
    if switch_port.role is SwitchPortRole.DISABLED:
        raise RuleViolation(f"{floor_port.label} is disabled: it has no power to cycle")
    if switch_port.poe is False:
        raise RuleViolation(
            f"{floor_port.label} is on {switch.hostname} {switch_port.interface}, which has no "
            "PoE: there is no power to cycle"
        )
    if switch.platform != "ios":
        raise RuleViolation(f"power-cycling is not offered on platform {switch.platform!r}")
    (switch,) = await pin_first_use(db, gateway, actor, [switch])
    try:
        state = await in_switch_thread(
            gateway.power_cycle, target_of(switch), switch_port.interface, pause
        )
        error = None
    except SwitchError as err:
        state, error = None, str(err)
    async with transaction(db, actor) as tx:
        port = await tx.session.get(SwitchPort, switch_port.id)
        if port is None:
            raise NotFound(f"{switch.hostname} was removed from the inventory meanwhile")
        if state is not None:
            record_reading(port, state, site_plan(site, occupier_vlan), clock.utcnow())
        port.last_error = error
        where = f"{floor_port.label} ({switch.hostname} {switch_port.interface})"
        tx.audit(
            "ports.power_cycle",
            f"power-cycled {where}" if error is None else f"power-cycle of {where} failed",
            site_id=floor_port.site_id,
            occupier_id=floor_port.occupier_id,
            after={"done": error is None, "error": error},
        )
    if error is not None:
        raise SwitchPortFailure(error)
    return f"{floor_port.label}: PoE off, then on again"
