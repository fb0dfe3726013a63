"""What a move-out does, did or would do: the plan the preview shows and the commit
carries out (services/move_outs.py), in words for people and as JSON."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from voiceconsole.domain.phone import national
from voiceconsole.domain.states import NumberState
from voiceconsole.domain.words import counted
from voiceconsole.services.switch_ports import (
    PortOutcome,
)
from voiceconsole.services.transaction import jsonable
from voiceconsole.services.views import View


@dataclass(frozen=True)
class EndingService(View):
    product: str
    quantity: int
    pending_changes: int  # scheduled changes of it that are removed with it


@dataclass(frozen=True)
class LeavingNumber(View):
    e164: str
    origin: str
    was: str  # its state before: active or reserved
    main: bool
    to: str  # cooldown or port_out
    cooldown_until: dt.date | None = None
    reference: str | None = None  # port-out: the porting order (or the range's note)


@dataclass(frozen=True)
class LoggedOutHandset(View):
    handset: str  # label, else MAC
    numbers: tuple[str, ...]  # E.164


@dataclass(frozen=True)
class FreedPort(View):
    label: str
    switch: str | None  # hostname; None: not patched to a switch
    interface: str | None
    role: str | None  # the role it has now
    to: str  # the site's default role


@dataclass(frozen=True)
class SwitchDiff(View):
    hostname: str
    ports: tuple[str, ...]
    diff: str
    error: str = ""


@dataclass(frozen=True)
class MoveOutPlan(View):
    """What a move-out does (did, or would do if it ran today, when scheduled)."""

    occupier: str
    occupier_name: str
    site: str
    effective_on: dt.date
    today: dt.date
    status: str  # preview, applied, pending (scheduled), cancelled
    default_role: str
    services: tuple[EndingService, ...] = ()
    numbers: tuple[LeavingNumber, ...] = ()
    handsets_logged_out: tuple[LoggedOutHandset, ...] = ()
    handsets_returned: tuple[str, ...] = ()  # handsets back in the operator's stock
    floor_ports: tuple[FreedPort, ...] = ()
    spaces: tuple[str, ...] = ()
    move_out_id: int | None = None
    dry_run: bool = False
    # The switch part: the diff per switch (a preview with a gateway) and, once applied,
    # how each port ended and those left for a retry.
    switches: tuple[SwitchDiff, ...] = ()
    port_outcomes: tuple[PortOutcome, ...] = ()
    ports_left: tuple[str, ...] = ()

    @property
    def scheduled(self) -> bool:
        return self.effective_on > self.today

    @property
    def cooldown(self) -> tuple[LeavingNumber, ...]:
        return tuple(n for n in self.numbers if n.to == NumberState.COOLDOWN.value)

    @property
    def port_out(self) -> tuple[LeavingNumber, ...]:
        return tuple(n for n in self.numbers if n.to == NumberState.PORT_OUT.value)

    @property
    def fingerprint(self) -> str:
        """The database part, for `expect`: what the user confirmed."""
        keep = {
            k: v
            for k, v in jsonable(asdict(self)).items()
            if k in ("occupier", "site", "effective_on", "services", "numbers", "spaces")
            or k in ("handsets_logged_out", "handsets_returned", "floor_ports")
        }
        return hashlib.sha256(json.dumps(keep, sort_keys=True).encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        return {**jsonable(asdict(self)), "fingerprint": self.fingerprint}

    def summary(self) -> str:
        """The scope in one line (and, once applied, how the switch part ended)."""
        switches = len({p.switch for p in self.floor_ports if p.switch})
        said = (
            f"{counted(len(self.services), 'service')} ending, "
            f"{counted(len(self.cooldown), 'number')} to cooldown, {len(self.port_out)} to "
            f"port out, {counted(len(self.handsets_logged_out), 'handset')} logged out, "
            f"{counted(len(self.floor_ports), 'floor port')} to {self.default_role}"
            + (f" on {counted(switches, 'switch', 'switches')}" if switches else "")
        )
        if self.status == "applied" and self.move_out_id is not None:
            done = sum(p.done for p in self.port_outcomes)
            said += f"; switches: {done} set, {counted(len(self.ports_left), 'port')} left"
        return said

    def lines(self) -> list[str]:
        """What happens, in words, section by section (national numbers)."""
        when = self.effective_on.isoformat()
        verb = "moved" if self.status == "applied" else "moves"
        head = f"{self.occupier_name} {verb} out of {self.site} on {when}"
        if self.status == "pending":
            head += " (scheduled; recomputed when due)"
        elif self.status == "preview" and self.scheduled:
            head += " (as if it ran today; recomputed when due)"
        out = [head, self.summary()]

        def section(title: str, items: list[str]) -> None:
            out.append(f"{title}: none" if not items else f"{title}:")
            out.extend(f"  {item}" for item in items)

        section(
            "Services ending",
            [
                f"{s.product} QTY {s.quantity}"
                + (
                    f" ({counted(s.pending_changes, 'scheduled change')} removed)"
                    if s.pending_changes
                    else ""
                )
                for s in self.services
            ],
        )
        section(
            "Numbers to cooldown",
            [
                f"{national(n.e164)}{' (main)' if n.main else ''} until "
                f"{n.cooldown_until.isoformat() if n.cooldown_until else '?'}"
                for n in self.cooldown
            ],
        )
        section(
            "Numbers to port out (they leave with the occupier)",
            [
                f"{national(n.e164)}{' (main)' if n.main else ''} {n.origin}: {n.reference}"
                for n in self.port_out
            ],
        )
        section(
            "Handsets logged out (provisioning files rewritten)",
            [
                f"{h.handset}: {', '.join(national(e) for e in h.numbers)}"
                for h in self.handsets_logged_out
            ],
        )
        section("Handsets back to the operator's stock", list(self.handsets_returned))
        section(
            f"Floor ports set to {self.default_role}",
            [
                f"{p.label} "
                + (f"on {p.switch} {p.interface}" if p.switch else "(not patched)")
                + f": {p.role or 'no role'} -> {p.to}"
                for p in sorted(self.floor_ports, key=lambda p: (p.switch or "", p.label))
            ],
        )
        section("Spaces no longer let", list(self.spaces))
        out.append(f"Occupancy ends on {when}")
        for switch in self.switches:
            out.append(f"--- {switch.hostname}")
            out.extend((switch.error or switch.diff or "(no change)").splitlines())
        # How the switch part ended comes first, under the summary: it is what to act on.
        ended = [
            f"{port.label} ({port.hostname} {port.interface}): "
            + ("done" if port.done else f"failed: {port.reason}")
            for port in self.port_outcomes
        ]
        if self.ports_left:
            ended.append(
                f"{counted(len(self.ports_left), 'floor port')} left to retry: "
                + ", ".join(self.ports_left)
            )
        return out[:2] + ended + out[2:]


@dataclass(frozen=True)
class MoveOutState(View):
    """An occupier's move-out from a site as it stands: pending, or applied with ports left."""

    move_out_id: int
    status: str
    effective_on: dt.date
    ports_left: tuple[str, ...]
