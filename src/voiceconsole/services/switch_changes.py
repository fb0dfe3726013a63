"""Role changes in flight: written before a switch commits, settled once it has answered.

If the console dies between a commit and its confirmation (or between the confirmation and
the database write), the row stays `in_flight`. It is settled later, against what the switch
shows, by the next console start or `voiceconsole switches check`: a revert timer of ours that
is still running is run out now (the change was never verified), then each port is read:
showing the role asked for -> confirmed (the database takes the role), showing what it showed
before -> reverted, anything else -> drift. One audit entry says which.

A row is settled only when its console is gone: on this machine its process has ended; from
another machine, its revert window has passed (that console would have settled it by then).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from sqlalchemy import select

from voiceconsole import clock
from voiceconsole.db.database import Database
from voiceconsole.db.models import Switch, SwitchChange, SwitchChangeState, SwitchPort
from voiceconsole.domain.port_roles import SwitchPortRole, classify
from voiceconsole.services.switch_work import (
    in_switch_thread,
    ports_with_switches,
    record_reading,
    site_plan,
    target_of,
)
from voiceconsole.services.transaction import transaction
from voiceconsole.switches.commit import CONFIRM_WINDOW_SECONDS
from voiceconsole.switches.gateway import Gateway, SwitchError

# A console on another machine settles its own change within its revert window; after this
# much more, it is taken to be gone.
GRACE = dt.timedelta(seconds=60)


def this_console() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_gone(owner: str) -> bool | None:
    """Whether the console that wrote a change has ended: None when it ran on another host."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # someone else's process: alive
        return False
    return False


@dataclass(frozen=True)
class PlannedIntent:
    """What is written before one switch's commit."""

    switch_id: int
    role: SwitchPortRole
    diff: str
    ports: tuple[dict[str, object], ...]


async def begin(db: Database, actor: str, intents: Iterable[PlannedIntent]) -> dict[int, int]:
    """Write the intents (committed before any switch commits); {switch id: change id}."""
    now = clock.utcnow()
    deadline = now + dt.timedelta(seconds=CONFIRM_WINDOW_SECONDS)
    ids: dict[int, int] = {}
    async with db.write() as session:
        for intent in intents:
            change = SwitchChange(
                switch_id=intent.switch_id,
                role=intent.role,
                ports=list(intent.ports),
                diff=intent.diff,
                actor=actor,
                owner=this_console(),
                started_at=now,
                revert_deadline=deadline,
                state=SwitchChangeState.IN_FLIGHT,
            )
            session.add(change)
            await session.flush()
            ids[intent.switch_id] = change.id
        await session.commit()
    return ids


async def in_flight(session, switch_ids: Iterable[int] | None = None) -> list[SwitchChange]:  # type: ignore[no-untyped-def]
    query = select(SwitchChange).where(SwitchChange.state == SwitchChangeState.IN_FLIGHT)
    if switch_ids is not None:
        query = query.where(SwitchChange.switch_id.in_(list(switch_ids)))
    return list(await session.scalars(query.order_by(SwitchChange.id)))


def abandoned(change: SwitchChange, now: dt.datetime) -> bool:
    gone = owner_gone(change.owner)
    if gone is not None:
        return gone
    return now > change.revert_deadline + GRACE


def busy_message(change: SwitchChange, hostname: str) -> str:
    return (
        f"a change by {change.actor} started at {change.started_at:%H:%M:%S} UTC is still in "
        f"flight on {hostname}; once that console is gone, `voiceconsole switches check "
        f"{hostname}` settles it"
    )


@dataclass(frozen=True)
class Settled:
    change_id: int
    hostname: str
    role: str
    state: str  # confirmed, reverted, drift; "" when it could not be settled yet
    reverted_now: bool = False
    ports: tuple[tuple[str, str], ...] = ()  # (floor port, what it shows: confirmed/...)
    error: str = ""

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def sentence(self) -> str:
        if self.error:
            return f"{self.hostname}: a {self.role} change left in flight: {self.error}"
        how = {
            "confirmed": "is in place on the switch: recorded now",
            "reverted": "was undone on the switch"
            + (" (its revert timer was run out now)" if self.reverted_now else ""),
            "drift": "left the switch in neither state: drift recorded",
        }[self.state]
        labels = ", ".join(label for label, _ in self.ports)
        return f"{self.hostname}: the {self.role} change of {labels} {how}"


async def settle_abandoned(
    db: Database, gateway: Gateway, actor: str, *, switch_ids: Iterable[int] | None = None
) -> list[Settled]:
    """Settle every change left in flight by a console that is gone."""
    now = clock.utcnow()
    async with db.read() as session:
        changes = [c for c in await in_flight(session, switch_ids) if abandoned(c, now)]
        switches = {
            s.id: s
            for s in await session.scalars(
                select(Switch).where(Switch.id.in_([c.switch_id for c in changes]))
            )
        }
    settled = []
    for change in changes:
        switch = switches[change.switch_id]
        interfaces = [str(port["interface"]) for port in change.ports]
        try:
            reading = await in_switch_thread(gateway.settle, target_of(switch), interfaces)
        except SwitchError as err:
            settled.append(
                Settled(change.id, switch.hostname, change.role.value, "", error=str(err))
            )
            continue
        settled.append(await _record(db, actor, change.id, reading))
    return settled


async def _record(db: Database, actor: str, change_id: int, reading) -> Settled:  # type: ignore[no-untyped-def]
    now = clock.utcnow()
    async with transaction(db, actor) as tx:
        change = await tx.session.get(SwitchChange, change_id)
        switch = await tx.session.get(Switch, change.switch_id) if change else None
        assert change is not None and switch is not None
        rows = {
            row[0].id: row
            for row in await ports_with_switches(
                tx.session, [int(p["floor_port_id"]) for p in change.ports]
            )
        }
        outcomes: list[tuple[str, str]] = []
        subjects = set()
        for port in change.ports:
            floor_port, _, _, site, _, occupier_vlan = rows[int(port["floor_port_id"])]
            switch_port = await tx.session.get(SwitchPort, int(port["switch_port_id"]))
            state = reading.ports.get(str(port["interface"]))
            plan = site_plan(site, occupier_vlan)
            seen = classify(state.settings, plan) if state is not None else None
            if seen is change.role:
                outcome = "confirmed"
            elif not port.get("read") or (seen.value if seen else None) == port.get("before"):
                # As before (or never read before, so anything but the new role is "before").
                outcome = "reverted"
            else:
                outcome = "drift"
            if switch_port is not None:
                if outcome == "confirmed":
                    switch_port.role = change.role
                if state is not None:
                    record_reading(switch_port, state, plan, now)
            outcomes.append((str(port["label"]), outcome))
            subjects.add((floor_port.site_id, floor_port.occupier_id))
        states = {outcome for _, outcome in outcomes}
        overall = states.pop() if len(states) == 1 else "drift"
        change.state = SwitchChangeState(overall)
        change.settled_at = now
        change.outcome = ", ".join(f"{label} {outcome}" for label, outcome in outcomes)
        tx.audit(
            "ports.role_settled",
            f"settled a {change.role.value} change on {switch.hostname} left in flight by "
            f"{change.actor}: {overall}",
            subjects=subjects,
            after={
                "switch": switch.hostname,
                "started_at": change.started_at,
                "reverted_now": reading.reverted_now,
                "ports": [{"port": label, "outcome": o} for label, o in outcomes],
            },
        )
    return Settled(
        change_id,
        switch.hostname,
        change.role.value,
        overall,
        reading.reverted_now,
        tuple(outcomes),
    )
