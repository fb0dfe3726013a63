"""The floor-port grid: one site's floor ports, a floor at a time, with what their switches say.

Each row is a wall socket: who has it, the role its switch port is set to (and what the switch
really shows, `≠` when they differ), link, PoE, the device plugged in, and what looks wrong.
`space` marks rows; actions apply to the marked rows or else to the highlighted one. The role
change (`r` / enter) previews each switch's diff before anything commits. `f5` reads the
floor's switches, all at once in the background; rows change in place as each switch answers,
and typing goes on meanwhile.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

from voiceconsole.domain.words import counted
from voiceconsole.services.changes import Change
from voiceconsole.services.floor_ports import FloorPortView, floor_names, list_floor_ports
from voiceconsole.services.permissions import Permission
from voiceconsole.services.port_readings import SwitchReading, refresh_live_state
from voiceconsole.tui.live import touching
from voiceconsole.tui.permitted import Guarded
from voiceconsole.tui.screens.marking import MarkingKeys
from voiceconsole.tui.screens.port_cells import COLUMNS, MARK, cells, detail, mark_cell
from voiceconsole.tui.screens.port_dialogs import (
    AllocatePortsDialog,
    PatchPortDialog,
    PortDialog,
    PowerCycleDialog,
)
from voiceconsole.tui.screens.role_dialog import SetRoleDialog
from voiceconsole.tui.text import plain, toast
from voiceconsole.tui.widgets.fields import FilterInput
from voiceconsole.tui.widgets.footer import ConsoleFooter
from voiceconsole.tui.widgets.header import ConsoleHeader
from voiceconsole.tui.widgets.list_table import ListTable, Row
from voiceconsole.tui.work import call_service


class PortTable(ListTable):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Set role", id="floor_ports.enter", show=False),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, opens=True, **kwargs)  # Enter opens the role dialog


class FloorPortsScreen(Guarded, MarkingKeys, Screen[None]):
    HELP_TITLE = "Floor ports"
    PURPOSE = (
        "The floor ports of a site, floor by floor, with the switch port role of each and "
        "what the switch shows (link, PoE, the device by LLDP). Mark ports and set their role"
        " on the switches; each switch's change is shown before it is made."
    )
    WORDS = ("floor port", "role", "drift", "LLDP", "occupier", "marked")
    CSS_PATH = ["lists.tcss", "floor_ports.tcss"]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "set_role", "Set role", id="floor_ports.set_role"),
        Binding("space", "toggle_mark", "Mark", id="floor_ports.mark"),
        Binding("a", "allocate", "Allocate", id="floor_ports.allocate"),
        Binding("f5,ctrl+r", "refresh", "Read", id="floor_ports.refresh"),
        Binding("escape", "back", "Back", id="floor_ports.back"),
        Binding("shift+down", "extend_marks", "Mark down", id="floor_ports.extend", show=False),
        Binding("ctrl+a", "mark_shown", "Mark all shown", id="floor_ports.mark_shown", show=False),
        Binding("slash", "focus_filter", "Filter", id="floor_ports.filter", show=False),
        Binding("c", "patch", "Patch", id="floor_ports.patch", show=False),
        Binding("w", "power_cycle", "Power-cycle", id="floor_ports.power_cycle", show=False),
        Binding("p", "toggle_problems", "Problems only", id="floor_ports.problems", show=False),
        Binding("u", "clear_marks", "Clear marks", id="floor_ports.clear_marks", show=False),
        Binding(
            "right_square_bracket",
            "floor(1)",
            "Next floor",
            id="floor_ports.next_floor",
            show=False,
        ),
        Binding(
            "left_square_bracket",
            "floor(-1)",
            "Previous floor",
            id="floor_ports.previous_floor",
            show=False,
        ),
    ]
    NEEDS: ClassVar[dict[str, Permission]] = {
        "set_role": Permission.SWITCH_WORK,
        "allocate": Permission.FLOOR_PORTS,
        "patch": Permission.FLOOR_PORTS,
        "power_cycle": Permission.SWITCH_WORK,
    }

    def __init__(self, site: str, floor: str | None = None, *, port: str | None = None) -> None:
        """`port`: the cursor goes to this floor port (the palette's jump) once it is loaded."""
        super().__init__()
        self.site = site.strip().upper()
        self.floor = floor
        self.go_to = port
        self.floors: list[str] = []
        self.problems_only = False
        self.ports: dict[str, FloorPortView] = {}  # row key (label) -> the port as shown
        self.marked: dict[str, FloorPortView] = {}  # label -> port, in marking order
        self.reading: str = ""  # what the last or running read of the switches says
        self._read_running = False
        self._read_on_sight: set[str | None] = set()  # floors read automatically once

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        yield Static(plain(f"{self.site} floor ports", "bold"), classes="screen-title", id="title")
        yield FilterInput("Filter by port, occupier or switch", id="port-filter")
        yield PortTable(COLUMNS, self.load, id="ports")
        yield Static("", id="detail")
        yield Static("", id="status")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        app: Any = self.app
        app.set_current_site(self.site)
        call_service(self, lambda: floor_names(app.db, self.site), self._show_floors)
        self.table.focus()

    def on_screen_resume(self) -> None:
        self.app.set_current_site(self.site)  # type: ignore[attr-defined]

    @property
    def table(self) -> PortTable:
        return self.query_one(PortTable)

    # --- what is shown -------------------------------------------------------------------

    def _show_floors(self, floors: list[str]) -> None:
        self.floors = floors
        if self.floor not in floors:
            self.floor = floors[0] if floors else None  # a site without floors: all its ports
        self._show_title()
        self.table.reload()

    def _show_title(self) -> None:
        text = Text()
        text.append(
            f"{self.site} floor {self.floor} ports" if self.floor else f"{self.site} floor ports",
            style="bold",
        )
        if self.floor and len(self.floors) > 1:
            where = self.floors.index(self.floor) + 1
            text.append(f"  ({where} of {len(self.floors)}; [ ] other floors)", style="dim")
        if self.problems_only:
            text.append("  problems only (p: all)", style="bold yellow")
        self.query_one("#title", Static).update(text)

    async def load(self, after: str | None, limit: int) -> list[Row]:
        """A page of the floor's ports in label order.

        With "problems only" the loader reads on past ports without problems until it has a
        page of ones with problems (or the floor ends), so paging stays right; the checks are
        worked out per port as it is read, not in the query.
        """
        app: Any = self.app
        search = self.query_one("#port-filter", FilterInput).value.strip() or None
        found: list[FloorPortView] = []
        cursor = after
        # Opened on one port: the first page reaches down to it, for the cursor to go there.
        reach = self.go_to if after is None else None
        while True:
            page = await list_floor_ports(
                app.db, site=self.site, floor=self.floor, search=search, after=cursor, limit=limit
            )
            found += [p for p in page if p.mismatches or not self.problems_only]
            short_of_port = reach is not None and all(p.label != reach for p in found)
            if len(page) < limit or (len(found) >= limit and not short_of_port):
                break
            cursor = page[-1].label
        if reach is None:
            found = found[:limit]
        if after is None:
            self.ports = {}
        self.ports.update((p.label, p) for p in found)
        return [(p.label, cells(p, p.label in self.marked)) for p in found]

    def highlighted(self) -> FloorPortView | None:
        key = self.table.selected_key
        return self.ports.get(key) if key else None

    def _show_detail(self) -> None:
        port = self.highlighted()
        text = detail(port) if port else plain("No floor ports match.\n", "dim")
        self.query_one("#detail", Static).update(text)
        self._show_status()

    def _show_status(self) -> None:
        text = Text()
        if self.reading:
            text.append(self.reading, style="bold" if self._read_running else "")
            text.append(" · ")
        if self.marked:
            labels = " ".join(self.marked)
            text.append(f"Marked {len(self.marked)} (esc clears): {labels}", style="bold")
        else:
            text.append(
                "space marks · r role · a allocate · c patch · w power-cycle · p problems",
                style="dim",
            )
        self.query_one("#status", Static).update(text)
        self.query_one(ConsoleHeader).show_marks(len(self.marked))

    def on_list_table_row_highlighted(self) -> None:
        self._show_detail()

    def on_list_table_loaded(self) -> None:
        if self.go_to in self.ports:
            self.table.move_cursor(row=self.table.get_row_index(self.go_to))
        self.go_to = None
        self._show_detail()
        # A floor nobody has read yet is read once on sight, in the background: the grid is
        # about live state. After that its readings are shown with their time, f5 reads again.
        patched = [p for p in self.ports.values() if p.switch]
        if (
            self.floor not in self._read_on_sight
            and patched
            and all(p.checked_at is None for p in patched)
        ):
            self._read_on_sight.add(self.floor)
            self.action_refresh()

    def show_ports(self, found: list[FloorPortView]) -> None:
        """Put fresh readings of ports into their rows, in place (cursor and scroll stay)."""
        table = self.table
        for port in found:
            if port.label not in self.ports:
                continue  # not loaded (another page, or filtered out since)
            self.ports[port.label] = port
            table.update_row(port.label, cells(port, port.label in self.marked))  # if still shown
        self._show_detail()

    def reread(self, switch: str | None = None) -> None:
        """Read the loaded rows again (only those on `switch`, if given) and show them."""
        app: Any = self.app
        shown = set(self.ports)

        async def read() -> list[FloorPortView]:
            found = await list_floor_ports(app.db, site=self.site, floor=self.floor)
            return [p for p in found if p.label in shown and (switch is None or p.switch == switch)]

        call_service(self, read, self.show_ports, group="reread")

    def reload(self) -> None:
        self.table.reload(keep_cursor=True)

    def changes_arrived(self, changes: list[Change]) -> None:
        if touching(changes, self.site):
            self.table.refresh_window()

    # --- floors and filters --------------------------------------------------------------

    def action_floor(self, step: int) -> None:
        if len(self.floors) < 2 or self.floor is None:
            self.app.bell()
            return
        index = (self.floors.index(self.floor) + step) % len(self.floors)
        self.floor = self.floors[index]
        self._show_title()
        self.table.reload()

    def action_toggle_problems(self) -> None:
        self.problems_only = not self.problems_only
        self._show_title()
        self.table.reload()

    def on_input_changed(self, event: FilterInput.Changed) -> None:
        self.table.reload()

    def on_input_submitted(self) -> None:
        self.table.focus()

    def action_focus_filter(self) -> None:
        self.set_focus(self.query_one("#port-filter", FilterInput))  # at once: typed-ahead keys

    # --- marks ---------------------------------------------------------------------------

    def row_item(self, key: str) -> FloorPortView | None:
        return self.ports.get(key)

    def is_marked(self, item: FloorPortView) -> bool:
        return item.label in self.marked

    def set_mark(self, item: FloorPortView, on: bool) -> bool:
        if on:
            self.marked[item.label] = item
        else:
            self.marked.pop(item.label, None)
        self.table.update_cell(item.label, MARK, mark_cell(on))
        return True

    def marks_changed(self) -> None:
        self._show_status()

    def action_clear_marks(self) -> None:
        self.marked.clear()
        for key in self.table.keys:
            self.table.update_cell(key, MARK, mark_cell(False))
        self._show_status()

    # --- actions -------------------------------------------------------------------------

    def chosen(self) -> list[FloorPortView]:
        """The marked ports, else the highlighted one (empty, after saying so, if none)."""
        if self.marked:
            return sorted(self.marked.values(), key=lambda p: p.label)
        port = self.highlighted()
        if port is None:
            self.notify("No floor port is highlighted.", severity="warning", markup=False)
            return []
        return [port]

    def one(self, what: str) -> FloorPortView | None:
        ports = self.chosen()
        if len(ports) > 1:
            self.notify(
                f"{what} takes one floor port; {len(ports)} are marked. Press esc to clear "
                "the marks.",
                title="Refused",
                severity="error",
                markup=False,
            )
            return None
        return ports[0] if ports else None

    def open_dialog(self, dialog: PortDialog | SetRoleDialog, *, keep_marks: bool = False) -> None:
        def closed(said: str | None) -> None:
            if said is None:
                if dialog.unsure:
                    self.reload()
                return
            toast(self, said)
            if not keep_marks:
                self.marked.clear()
            self.reload()

        self.app.push_screen(dialog, closed)

    def on_list_table_row_selected(self) -> None:
        self.action_set_role()

    def action_set_role(self) -> None:
        if self.say_refused("set_role"):  # enter on a row comes here without the key's check
            return
        if ports := self.chosen():
            self.open_dialog(SetRoleDialog(ports))

    def action_allocate(self) -> None:
        if ports := self.chosen():
            self.open_dialog(AllocatePortsDialog(self.site, ports))

    def action_patch(self) -> None:
        if port := self.one("Patching"):
            self.open_dialog(PatchPortDialog(port), keep_marks=True)

    def action_power_cycle(self) -> None:
        port = self.one("Power-cycling")
        if port is None:
            return
        if not port.switch:
            self.notify(
                f"{port.label} is not patched to a switch interface: press c to patch it.",
                title="Refused",
                severity="error",
                markup=False,
            )
            return
        self.open_dialog(PowerCycleDialog(port), keep_marks=True)

    def action_refresh(self) -> None:
        """Read this floor's switches, all at once; each switch's rows change as it answers."""
        if self._read_running:
            self.app.bell()  # one read at a time; the one running shows its progress
            return
        app: Any = self.app
        site, floor = self.site, self.floor
        self._read_running = True

        async def read() -> list[SwitchReading]:
            answered: list[SwitchReading] = []
            switches: list[str] = []

            def started(hostnames: list[str]) -> None:
                switches.extend(hostnames)
                self._say_reading(answered, len(switches))

            def progress(reading: SwitchReading) -> None:
                answered.append(reading)
                self._say_reading(answered, len(switches))
                if floor == self.floor:
                    self.reread(reading.hostname)

            return await refresh_live_state(
                app.db,
                app.gateway,
                site=site,
                floor=floor,
                progress=progress,
                started=started,
                actor=app.actor,
            )

        def done(readings: list[SwitchReading]) -> None:
            self._read_running = False
            failed = [r for r in readings if r.error]
            ports = sum(r.ports for r in readings)
            text = f"Read {counted(len(readings), 'switch', 'switches')}, {counted(ports, 'port')}"
            if failed:
                text += f"; {len(failed)} did not answer: " + "; ".join(
                    f"{r.hostname}: {r.error}" for r in failed
                )
            self.reading = text
            self._show_status()

        def stopped(_: BaseException) -> None:
            self._read_running = False
            self.reading = "Reading the switches failed (see the error)."
            self._show_status()

        call_service(self, read, done, refused=self._read_refused, failed=stopped, group="read")

    def _read_refused(self, err: Exception) -> None:
        self._read_running = False
        self.reading = ""
        self._show_status()
        self.notify(str(err), title="Refused", severity="error", markup=False)

    def _say_reading(self, answered: list[SwitchReading], total: int) -> None:
        failed = sum(1 for r in answered if r.error)
        self.reading = (
            f"Reading {counted(total, 'switch', 'switches')}… {len(answered)} of {total} answered"
        ) + (f", {failed} failed" if failed else "")
        self._show_status()
