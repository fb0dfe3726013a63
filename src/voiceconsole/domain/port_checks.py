"""Mismatch checks on floor ports: what an engineer should look at, and why."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from voiceconsole.domain.port_roles import SwitchPortRole
from voiceconsole.domain.port_state import PortState


class Mismatch(StrEnum):
    PHONE_WITHOUT_VOICE = "phone_without_voice"
    VOICE_PORT_EMPTY = "voice_port_empty"
    OTHER_OCCUPIERS_SPACE = "other_occupiers_space"
    DRIFT = "drift"


MISMATCH_TEXT = {
    Mismatch.PHONE_WITHOUT_VOICE: "a phone is plugged in, but the port has no voice role",
    Mismatch.VOICE_PORT_EMPTY: "voice role, but nothing is connected",
    Mismatch.OTHER_OCCUPIERS_SPACE: "allocated to one occupier, in another occupier's space",
    Mismatch.DRIFT: "the switch has another role than the one set here",
}


@dataclass(frozen=True)
class PortFacts:
    """What the database knows about one floor port, as the checks need it."""

    role: SwitchPortRole | None
    observed_role: SwitchPortRole | None
    drift: bool
    live: PortState | None  # None if never read
    occupier_id: int | None
    space_occupier_id: int | None


def mismatches(port: PortFacts) -> list[Mismatch]:
    found = []
    if port.drift:
        found.append(Mismatch.DRIFT)
    if port.live is not None:
        voice = port.observed_role is SwitchPortRole.VOICE
        if port.live.neighbour_is_phone and not voice:
            found.append(Mismatch.PHONE_WITHOUT_VOICE)
        if voice and not port.live.link_up and not port.live.macs:
            found.append(Mismatch.VOICE_PORT_EMPTY)
    if (
        port.occupier_id is not None
        and port.space_occupier_id is not None
        and port.occupier_id != port.space_occupier_id
    ):
        found.append(Mismatch.OTHER_OCCUPIERS_SPACE)
    return found
