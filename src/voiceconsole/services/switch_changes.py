"""Role changes in flight: written before a switch commits, settled once it has answered.

If the console dies between a commit and its confirmation (or between the confirmation and
the database write), the row stays `in_flight`. It is settled later, against what the switch
shows, by the next console start or `voiceconsole switches check`: each port is read, and
showing the role asked for -> confirmed (the database takes the role), showing what it showed
before -> reverted, anything else -> drift. One audit entry says which.

A row is settled only when its console is gone:
- on this machine, its process has ended (process id and start time, so a reused id is not
  taken for it); then a revert timer still running on the switch is ours, and is run out now
  (the change was never verified);
- otherwise, once its revert window has passed (the deadline is stamped just before the
  commit), with a minute's grace for clocks that disagree; by then the switch has undone an
  unconfirmed commit by itself, and a timer still running is someone else's: left alone.

One change at a time per switch, whichever console: a unique index on the rows in flight
refuses a second one (the NAPALM candidate file on the switch has one name for everybody).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import exc as sa_exc
from sqlalchemy import select

from voiceconsole import clock
from voiceconsole.db.database import Database
from voiceconsole.db.models import Switch, SwitchChange, SwitchChangeState, SwitchPort
from voiceconsole.domain.errors import Conflict, NotFound, RuleViolation
from voiceconsole.domain.port_roles import RoleError, SwitchPortRole, classify
from voiceconsole.domain.words import counted
from voiceconsole.services.lookup import switch_by_name
from voiceconsole.services.permissions import Permission, at_site, requires
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

# Clocks of consoles and switches disagree a little; a window is over this much after it ends.
GRACE = dt.timedelta(seconds=60)
WINDOW = dt.timedelta(seconds=CONFIRM_WINDOW_SECONDS)
# Between writing the intent and the commit: the switch's lock, preflight, the candidate's copy
# (NAPALM allows it 90 s); the deadline is stamped again just before the commit.
BEFORE_COMMIT = dt.timedelta(seconds=180)


def _started(pid: int) -> str:
    """A process's start time (clock ticks since boot, /proc), "" where there is no /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]


def this_console() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_started(pid)}"


def owner_gone(owner: str) -> bool | None:
    """Whether the console that wrote a change has ended: None when it ran on another host."""
    host, _, rest = owner.partition(":")
    pid, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # someone else's process
        pass
    return bool(started) and _started(int(pid)) not in ("", started)  # the id was reused


@dataclass(frozen=True)
class PlannedIntent:
    """What is written before one switch's commit."""

    switch_id: int
    role: SwitchPortRole
    diff: str
    ports: tuple[dict[str, object], ...]


@requires(Permission.SWITCH_WORK)
async def begin(db: Database, actor: str, intents: Iterable[PlannedIntent]) -> dict[int, int]:
    """Write the intents, committed before any switch commits; {switch id: change id}.

    Refused as a whole (nothing written) when a switch has a change in flight already."""
    now = clock.utcnow()
    ids: dict[int, int] = {}
    intents = list(intents)
    async with db.read() as session:
        for intent in intents:
            switch = await session.get(Switch, intent.switch_id)
            await at_site(session, switch.site_id if switch else None)
    try:
        async with db.write() as session:
            for intent in intents:
                busy = await in_flight(session, [intent.switch_id])
                if busy:
                    switch = await session.get(Switch, intent.switch_id)
                    raise Conflict(busy_message(busy[0], switch.hostname if switch else "?"))
                change = SwitchChange(
                    switch_id=intent.switch_id,
                    role=intent.role,
                    ports=list(intent.ports),
                    diff=intent.diff,
                    actor=actor,
                    owner=this_console(),
                    started_at=now,
                    revert_deadline=now + BEFORE_COMMIT + WINDOW,
                    state=SwitchChangeState.IN_FLIGHT,
                )
                session.add(change)
                await session.flush()
                ids[intent.switch_id] = change.id
            await session.commit()
    except sa_exc.IntegrityError:
        # A colleague's change got in between the check and the insert (PostgreSQL).
        raise Conflict(
            "another change started on one of these switches meanwhile; nothing was changed: "
            "preview again"
        ) from None
    return ids


async def committing(db: Database, change_id: int) -> None:
    """Stamp the revert deadline as the commit starts (the switch's timer starts now)."""
    async with db.write() as session:
        change = await session.get(SwitchChange, change_id)
        if change is not None:
            change.revert_deadline = clock.utcnow() + WINDOW
        await session.commit()


async def in_flight(session, switch_ids: Iterable[int] | None = None) -> list[SwitchChange]:  # type: ignore[no-untyped-def]
    query = select(SwitchChange).where(SwitchChange.state == SwitchChangeState.IN_FLIGHT)
    if switch_ids is not None:
        query = query.where(SwitchChange.switch_id.in_(list(switch_ids)))
    return list(await session.scalars(query.order_by(SwitchChange.id)))


def abandoned(change: SwitchChange, now: dt.datetime) -> bool:
    if owner_gone(change.owner):
        return True
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
            "reverted": (
                "was undone on the switch (its revert timer, still running, was run out now)"
                if self.reverted_now
                else "is not on the switch (undone by its revert timer, or never committed)"
            ),
            "drift": "left the switch in neither state: drift recorded",
            "abandoned": "was given up: the switch could not be read; read its ports to see",
        }[self.state]
        labels = ", ".join(label for label, _ in self.ports)
        return f"{self.hostname}: the {self.role} change of {labels} {how}"


@requires(Permission.SWITCH_WORK)
async def settle_abandoned(
    db: Database, gateway: Gateway, actor: str, *, switch_ids: Iterable[int] | None = None
) -> list[Settled]:
    """Settle every change left in flight by a console that is gone."""
    now = clock.utcnow()
    async with db.read() as session:
        if switch_ids is not None:
            switch_ids = list(switch_ids)
            named = select(Switch.site_id).where(Switch.id.in_(switch_ids))
            for site_id in await session.scalars(named):
                await at_site(session, site_id)
        changes = [c for c in await in_flight(session, switch_ids) if abandoned(c, now)]
        switches = {
            s.id: s
            for s in await session.scalars(
                select(Switch).where(Switch.id.in_([c.switch_id for c in changes]))
            )
        }
    async with db.read() as session:
        for switch in switches.values():
            await at_site(session, switch.site_id)
    settled = []
    for change in changes:
        switch = switches[change.switch_id]
        interfaces = [str(port["interface"]) for port in change.ports]
        # Only a change whose console died on this machine may still own a running timer.
        ours = bool(owner_gone(change.owner))
        try:
            reading = await in_switch_thread(
                gateway.settle, target_of(switch), interfaces, may_revert=ours
            )
        except SwitchError as err:
            labels = tuple((str(p["label"]), "") for p in change.ports)
            settled.append(
                Settled(change.id, switch.hostname, change.role.value, "", False, labels, str(err))
            )
            continue
        done = await _record(db, actor, change.id, reading)
        if done is not None:
            settled.append(done)
    return settled


def _outcome(port: dict[str, object], seen: SwitchPortRole | None, role: SwitchPortRole) -> str:
    if seen is role:
        return "confirmed"
    if not port.get("read") or (seen.value if seen else None) == port.get("before"):
        # As before (or never read before, so anything but the new role is "before").
        return "reverted"
    return "drift"


async def _record(db: Database, actor: str, change_id: int, reading) -> Settled | None:  # type: ignore[no-untyped-def]
    """Record one settled change; None when another console settled it meanwhile."""
    now = clock.utcnow()
    async with transaction(db, actor) as tx:
        change = await tx.session.get(SwitchChange, change_id, with_for_update=True)
        if change is None or change.state is not SwitchChangeState.IN_FLIGHT:
            tx.no_change()
            return None
        switch = await tx.session.get(Switch, change.switch_id)
        assert switch is not None  # the change's row goes with its switch
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
            try:
                plan = site_plan(site, occupier_vlan)
            except RoleError:  # a broken VLAN plan: no role can be told from the settings
                plan = None
            seen = classify(state.settings, plan) if state is not None and plan else None
            outcome = _outcome(port, seen, change.role) if state is not None else "drift"
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
                "by": change.actor,  # whose change it was (told if it was reverted)
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


@requires(Permission.SWITCH_WORK)
async def abandon(db: Database, actor: str, hostname: str) -> list[Settled]:
    """Give up the changes in flight on a switch that cannot be read (replaced, gone), once
    their revert window is over: the switch is free for changes again, and the journal says
    nothing is known of what it took."""
    now = clock.utcnow()
    async with transaction(db, actor) as tx:
        switch = await switch_by_name(tx.session, hostname)
        await tx.at_site(switch.site_id)
        changes = await in_flight(tx.session, [switch.id])
        if not changes:
            raise NotFound(f"{switch.hostname} has no change in flight")
        early = [c for c in changes if now <= c.revert_deadline + GRACE]
        if early:
            raise RuleViolation(
                f"the change on {switch.hostname} is still in its revert window (until "
                f"{early[0].revert_deadline + GRACE:%H:%M:%S} UTC); wait, then try again"
            )
        for change in changes:
            change.state = SwitchChangeState.DRIFT
            change.settled_at = now
            change.outcome = "abandoned: the switch could not be read"
        tx.audit(
            "ports.role_abandoned",
            f"gave up {counted(len(changes), 'change')} in flight on {switch.hostname}: its "
            "ports are not known; read them to see what it has",
            site_id=switch.site_id,
            after=[{"change": c.id, "role": c.role.value, "ports": c.ports} for c in changes],
        )
        return [
            Settled(
                c.id,
                switch.hostname,
                c.role.value,
                "abandoned",
                False,
                tuple((str(p["label"]), "unknown") for p in c.ports),
            )
            for c in changes
        ]
