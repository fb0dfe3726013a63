"""Dialogs of the floor-port grid: allocate ports, patch a port, power-cycle a phone.

Each makes one service call. A refusal stays in the dialog, in words, so the user can change
the choice or cancel; success closes it with a sentence the grid shows as a notification.
(The role change, with its preview and progress, is in role_dialog.py.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button, Label, Select, Static

from voiceconsole.domain.errors import VoiceconsoleError
from voiceconsole.domain.words import counted
from voiceconsole.services.floor_ports import FloorPortView, allocate_floor_ports, patch_floor_port
from voiceconsole.services.occupiers import list_occupiers_at
from voiceconsole.services.switch_ports import power_cycle
from voiceconsole.services.switch_work import SwitchPortFailure
from voiceconsole.services.views import OccupierAtSite
from voiceconsole.tui.screens.form_dialog import FormDialog
from voiceconsole.tui.screens.number_rows import occupier_options
from voiceconsole.tui.text import plain
from voiceconsole.tui.widgets.fields import TextInput
from voiceconsole.tui.work import call_service

# Seconds the PoE stays off: long enough for a phone to lose power and restart.
POWER_CYCLE_PAUSE = 3.0

UNSURE = (
    "It failed midway (see the error): it may or may not have been done. Check the grid "
    "before trying again: esc closes this and shows the ports as they are now."
)

# The holder choices that are not an occupier.
OPERATOR = "\x00operator"
NOBODY = "\x00nobody"


def port_list(ports: list[FloorPortView], most: int = 8) -> str:
    labels = [p.label for p in ports]
    shown = ", ".join(labels[:most])
    return shown + (f" and {len(labels) - most} more" if len(labels) > most else "")


class PortDialog(FormDialog):
    """A dialog of the grid (form_dialog.py)."""

    CSS_PATH = "port_dialogs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "confirm", "Confirm", id="floor_ports.dialog.confirm", priority=True),
        Binding("escape", "cancel", "Cancel", id="floor_ports.dialog.cancel"),
    ]
    box_class = "dialog-box port-dialog"
    unsure_text = UNSURE

    def refusal_word(self, err: VoiceconsoleError) -> str:
        # A switch that failed part-way did change: that is not a refusal.
        return "Failed" if isinstance(err, SwitchPortFailure) else "Refused"


class AllocatePortsDialog(PortDialog):
    """Give floor ports to one of the site's occupiers, to the operator, or to nobody."""

    title_text = "Allocate floor ports"
    confirm_label = "Allocate"

    def __init__(self, site: str, ports: list[FloorPortView]) -> None:
        super().__init__()
        self.site = site
        self.ports = ports
        self.to = ""

    def body(self) -> ComposeResult:
        yield Static(
            plain(f"{counted(len(self.ports), 'floor port')}: {port_list(self.ports)}"),
            classes="dialog-text",
        )
        with Horizontal(classes="dialog-field"):
            yield Label("Give them to", classes="dialog-label")
            yield Select[str]([], prompt="choose who has them", id="holder", compact=True)
        yield Static(
            plain(
                "Only the grid's record changes; the switch ports keep their roles (r sets them).",
                "dim",
            ),
            classes="dialog-text",
        )

    def on_mount(self) -> None:
        app: Any = self.app
        call_service(self, lambda: list_occupiers_at(app.db, self.site), self._show_occupiers)

    def _show_occupiers(self, found: list[OccupierAtSite]) -> None:
        select = self.query_one("#holder", Select)
        options = [
            (plain("the operator (its own use: reception, meeting rooms)"), OPERATOR),
            (plain("nobody (not allocated)"), NOBODY),
            *occupier_options(found),
        ]
        select.set_options(options)
        holders = {p.occupier for p in self.ports}
        if len(holders) == 1 and (code := holders.pop()) in {o.code for o in found}:
            select.value = code
        select.focus()

    def submit(self) -> Callable[[], Awaitable[Any]] | None:
        holder = self.query_one("#holder", Select).value
        if holder is Select.NULL:
            self.say("Choose who has them first.", "bold red")
            return None
        app: Any = self.app
        ids = [p.id for p in self.ports]
        occupier = None if holder in (OPERATOR, NOBODY) else str(holder)
        operator = holder == OPERATOR
        self.to = occupier or ("the operator" if operator else "nobody")
        return lambda: allocate_floor_ports(
            app.db, app.actor, ids, occupier=occupier, operator=operator
        )

    def said(self, result: int) -> str:
        return f"Allocated {counted(result, 'floor port')} to {self.to}: {port_list(self.ports)}"


class PatchPortDialog(PortDialog):
    """Record that a floor port is now patched to another switch interface."""

    title_text = "Patch a floor port"
    confirm_label = "Patch"

    def __init__(self, port: FloorPortView) -> None:
        super().__init__()
        self.port = port
        self.to = ""

    def body(self) -> ComposeResult:
        p = self.port
        now = f"{p.switch} {p.interface}" if p.switch else "no switch interface"
        yield Static(plain(f"{p.label} is patched to {now}."), classes="dialog-text")
        with Horizontal(classes="dialog-field"):
            yield Label("Switch", classes="dialog-label")
            yield TextInput(value=p.switch or "", placeholder="hostname", id="switch", compact=True)
        with Horizontal(classes="dialog-field"):
            yield Label("Interface", classes="dialog-label")
            yield TextInput(
                value=p.interface or "",
                placeholder="e.g. GigabitEthernet1/0/7",
                id="interface",
                compact=True,
            )
        yield Static(
            plain(
                "Say where the cable now goes; nothing changes on the switch. Set the "
                "role afterwards (r) if the new interface needs one.",
                "dim",
            ),
            classes="dialog-text",
        )

    def on_mount(self) -> None:
        self.query_one("#interface", TextInput).focus()

    def on_input_submitted(self) -> None:
        self.action_confirm()

    def submit(self) -> Callable[[], Awaitable[Any]] | None:
        switch = self.query_one("#switch", TextInput).value.strip()
        interface = self.query_one("#interface", TextInput).value.strip()
        if not switch or not interface:
            self.say("Give both the switch and the interface.", "bold red")
            return None
        app: Any = self.app
        self.to = f"{switch} {interface}"
        return lambda: patch_floor_port(
            app.db, app.actor, self.port.id, switch=switch, interface=interface
        )

    def said(self, result: None) -> str:
        return f"{self.port.label} is now patched to {self.to}"


class PowerCycleDialog(PortDialog):
    """Turn the PoE of a port off and on again, after saying what that does."""

    title_text = "Power-cycle a port"
    confirm_label = "Power-cycle"

    def __init__(self, port: FloorPortView) -> None:
        super().__init__()
        self.port = port

    def body(self) -> ComposeResult:
        p = self.port
        device = p.device or "whatever is plugged in"
        yield Static(
            plain(
                f"{p.label}: PoE off on {p.switch} {p.interface} for {POWER_CYCLE_PAUSE:g} s, "
                f"then on again. {device} loses power and restarts; a call on it drops."
            ),
            classes="dialog-text",
        )

    def on_mount(self) -> None:
        self.query_one("#confirm", Button).focus()

    def submit(self) -> Callable[[], Awaitable[Any]]:
        app: Any = self.app
        return lambda: power_cycle(
            app.db, app.gateway, app.actor, self.port.id, pause=POWER_CYCLE_PAUSE
        )

    def said(self, result: str) -> str:
        return result
