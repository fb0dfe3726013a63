"""What the floor-port grid shows of a port: its cells, and the port in full below the grid."""

from __future__ import annotations

from rich.text import Text

from voiceconsole.domain.interfaces import short_name
from voiceconsole.domain.port_checks import MISMATCH_TEXT, Mismatch
from voiceconsole.services.floor_ports import FloorPortView
from voiceconsole.tui.text import moment, plain

# Most important first: at 80 columns the grid shows the port up to its device, at 120 its
# problems too; the rest is a scroll to the right away (and always in the lines below the grid).
COLUMNS = (
    ("", 1),
    "Port",
    ("Occupier", 16),
    "Role",
    ("Link", 4),
    ("PoE", 5),
    ("Device", 21),
    "Problems",
    "Space",
    "Switch",
    "Interface",
)
MARK = 0  # the column of the mark

# The grid's words for the mismatch checks; MISMATCH_TEXT says each in full below the grid.
PROBLEM_WORDS = {
    Mismatch.DRIFT: "drift",
    Mismatch.PHONE_WITHOUT_VOICE: "phone, no voice",
    Mismatch.VOICE_PORT_EMPTY: "voice, empty",
    Mismatch.OTHER_OCCUPIERS_SPACE: "other's space",
}
DRIFT_MARK = "≠"


def holder(port: FloorPortView) -> Text:
    if port.occupier:
        return plain(port.occupier)
    return plain("operator", "italic") if port.operator_use else plain("—", "dim")


def role_cell(port: FloorPortView) -> Text:
    """The role set here; when the switch shows another, `set≠seen` (`?`: matches no role)."""
    if port.drift:
        return plain(f"{port.role}{DRIFT_MARK}{port.observed_role or '?'}", "bold red")
    if port.role:
        return plain(port.role)
    if port.observed_role:
        return plain(f"({port.observed_role})", "dim")  # seen on the switch, never set here
    return plain("not set", "dim")


def link_cell(port: FloorPortView) -> Text:
    link = port.link
    return plain(link, "green" if link == "up" else "dim")


def device_cell(port: FloorPortView) -> Text:
    live = port.live
    if live is not None and live.neighbour_is_phone:
        # ☎ rather than a word: a phone's LLDP name (SEP + MAC) fills the column by itself.
        text = Text("☎ ", style="bold")
        text.append(live.neighbour)
        return text
    return plain(port.device)


def problems_cell(port: FloorPortView) -> Text:
    return plain(", ".join(PROBLEM_WORDS[m] for m in port.mismatches), "yellow")


def cells(port: FloorPortView, marked: bool) -> tuple[Text, ...]:
    return (
        mark_cell(marked),
        plain(port.label),
        holder(port),
        role_cell(port),
        link_cell(port),
        plain(port.poe),
        device_cell(port),
        problems_cell(port),
        plain(port.space or ""),
        plain(port.switch or "—", "" if port.switch else "dim"),
        plain(short_name(port.interface or "")),
    )


def mark_cell(marked: bool) -> Text:
    return plain("●" if marked else "", "bold")


def detail(port: FloorPortView) -> Text:
    """Two lines: its role (and what the switch shows), who has it, where it goes; then its
    problems in full. What 80 columns cut off is in the grid's columns."""
    text = Text()
    text.append(port.label, style="bold")
    text.append(f" · role {port.role or 'not set'}")
    if port.observed_role != port.role and port.observed_role:
        text.append(f", switch shows {port.observed_role}", style="bold red" if port.drift else "")
    elif port.drift:
        text.append(", switch shows no known role", style="bold red")
    who = port.occupier or ("the operator" if port.operator_use else "nobody")
    text.append(f" · {who}")
    if port.space:
        text.append(f" · space {port.space}")
    if port.switch:
        text.append(f" · {port.switch} {port.interface}")
    else:
        text.append(" · not patched to a switch", style="dim")
    if port.mac_vlans:
        # Where the switch learnt its devices: a phone with the voice role shows the voice VLAN.
        text.append(f" · seen in VLAN {port.mac_vlans}")
    if port.checked_at:
        text.append(f" · read {moment(port.checked_at)}", style="dim")
    text.append("\n")
    if port.last_error:
        text.append(f"Last error from the switch: {port.last_error}", style="bold red")
    elif port.mismatches:
        text.append("; ".join(MISMATCH_TEXT[m] for m in port.mismatches), style="yellow")
    elif port.checked_at is None and port.switch:
        text.append("Never read from the switch: f5 reads this floor's switches.", style="dim")
    else:
        text.append("No problems seen.", style="dim")
    return text
