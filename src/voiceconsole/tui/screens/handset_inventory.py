"""A site's handset inventory: every handset of the site in any state (in stock, deployed,
faulty, retired), who has it, its lines in use of its line keys, its floor port and model.
Below, the highlighted handset in full.

From here a handset is added (to an occupier or into stock), edited (label, floor port, SIP
address), moved to another occupier of the site or back to stock, marked faulty, retired, put
back in stock once repaired, or many are imported from a CSV file (a dry run first). Moving,
marking faulty or retired and putting back in stock log the handset's lines out; each dialog
says which before anything is done.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

from voiceconsole.domain.handsets import HandsetState
from voiceconsole.domain.words import counted
from voiceconsole.services.changes import Change
from voiceconsole.services.handsets import HandsetView, list_handsets, manual_steps_by_model
from voiceconsole.services.occupiers import list_occupiers_at
from voiceconsole.services.permissions import Permission
from voiceconsole.services.views import OccupierAtSite
from voiceconsole.tui.live import touching
from voiceconsole.tui.permitted import Guarded
from voiceconsole.tui.screens.handset_rows import detail_text, state_text
from voiceconsole.tui.text import plain, toast
from voiceconsole.tui.widgets.footer import ConsoleFooter
from voiceconsole.tui.widgets.header import ConsoleHeader
from voiceconsole.tui.widgets.list_table import ListTable
from voiceconsole.tui.work import call_service

# The handset, its state and holder first, so that 80 columns show them; the model last.
INVENTORY_COLUMNS = (
    ("Handset", 22),
    ("State", 8),
    ("Occupier", 17),
    ("Lines", 5),
    ("Port", 7),
    "Model",
)
STATES = (
    HandsetState.DEPLOYED.value,
    HandsetState.IN_STOCK.value,
    HandsetState.FAULTY.value,
    HandsetState.RETIRED.value,
)
KEYS_HINT = "a add · e edit · m move · f faulty · x retire · s back in stock · i import · y re-sync"


@dataclass(frozen=True)
class Inventory:
    handsets: list[HandsetView] = field(default_factory=list)
    steps: dict[str, str] = field(default_factory=dict)  # model code -> manual steps ("")
    occupiers: list[OccupierAtSite] = field(default_factory=list)


def title_text(site: str, handsets: list[HandsetView]) -> Text:
    states = Counter(h.state for h in handsets)
    # Lines are in use on handsets that can hold them: a retired phone's keys are no offer.
    live = [h for h in handsets if h.state != HandsetState.RETIRED.value]
    used = sum(len(h.lines) for h in live)
    keys = sum(h.line_keys for h in live)
    counts = ", ".join(f"{states[s]} {s.replace('_', ' ')}" for s in STATES if states[s])
    return plain(
        f"Handsets of {site} · {counted(len(handsets), 'handset')}"
        + (f": {counts}" if counts else "")
        + f" · {used}/{keys} line keys used",
        "bold",
    )


def inventory_row(handset: HandsetView) -> tuple[str, tuple[Text, ...]]:
    return (
        str(handset.id),
        (
            plain(handset.name),
            state_text(handset.state),
            plain(handset.occupier or "—", "" if handset.occupier else "dim"),
            plain(f"{len(handset.lines)}/{handset.line_keys}"),
            plain(handset.floor_port or "—", "" if handset.floor_port else "dim"),
            plain(handset.model),
        ),
    )


def inventory_detail(handset: HandsetView | None, steps: str, site: str) -> Text:
    """The highlighted handset in full (handset_rows.detail_text), then who has it and where
    it is told to re-sync."""
    if handset is None:
        return plain(f"No handset at {site} yet: a adds one, i imports a CSV file.", "dim")
    text = detail_text(handset, None, steps)
    text.append("\n  ")
    if handset.occupier:
        text.append(f"with {handset.occupier}")
    else:
        text.append("no occupier", style="dim")
    text.append(" · ")
    if handset.sip_address:
        text.append(f"SIP address {handset.sip_address}")
    else:
        text.append("no SIP address: a re-sync cannot be asked for", style="dim")
    return text


class HandsetInventoryScreen(Guarded, Screen[None]):
    HELP_TITLE = "Handsets of a site"
    PURPOSE = (
        "Every handset at a site: add, edit, move, mark faulty, retire, and import from a CSV file."
    )
    WORDS = ("handset", "line key", "occupier", "floor port")
    CSS_PATH = ["lists.tcss", "handset_inventory.tcss"]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add", id="handset_inventory.add"),
        Binding("e", "edit", "Edit", id="handset_inventory.edit"),
        Binding("m", "move", "Move", id="handset_inventory.move"),
        Binding("i", "import_csv", "Import", id="handset_inventory.import"),
        # Not in the footer (no room at 80 columns): the line of keys, the palette and f1.
        Binding("f", "mark('faulty')", "Faulty", id="handset_inventory.faulty", show=False),
        Binding("x", "mark('retired')", "Retire", id="handset_inventory.retire", show=False),
        Binding("s", "mark('in_stock')", "Back in stock", id="handset_inventory.stock", show=False),
        Binding("y", "resync", "Re-sync", id="handset_inventory.resync", show=False),
        Binding("f5,ctrl+r", "refresh", "Refresh", id="handset_inventory.refresh", show=False),
        Binding("escape", "app.pop_screen", "Back", id="handset_inventory.back"),
    ]
    NEEDS: ClassVar[dict[str, Permission]] = {
        "add": Permission.HANDSETS,
        "edit": Permission.HANDSETS,
        "move": Permission.HANDSETS,
        "import_csv": Permission.HANDSETS,
        "mark": Permission.HANDSETS,
        "resync": Permission.HANDSETS,
    }

    def __init__(self, site: str, *, handset: str | None = None) -> None:
        """`handset`: the MAC of the handset the cursor goes to (the palette's jump)."""
        super().__init__()
        self.site = site
        self.data = Inventory()
        self.by_key: dict[str, HandsetView] = {}
        self._go_to: str | None = None  # a handset just added: the cursor goes to it
        self._go_to_mac = handset

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        yield Static(plain(f"Handsets of {self.site}", "bold"), classes="screen-title", id="title")
        yield ListTable(INVENTORY_COLUMNS, id="inventory")
        yield Static("", id="inventory-detail")
        yield Static(plain(KEYS_HINT, "dim"), id="inventory-keys")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        table = self.query_one("#inventory", ListTable)
        self.app.set_current_site(self.site)  # type: ignore[attr-defined]
        self.action_refresh()
        table.focus()

    def on_screen_resume(self) -> None:
        self.app.set_current_site(self.site)  # type: ignore[attr-defined]

    def changes_arrived(self, changes: list[Change]) -> None:
        if touching(changes, self.site):
            self.query_one("#inventory", ListTable).refresh_window()  # flash what changes
            self.action_refresh()

    # --- what is shown -------------------------------------------------------------------

    def action_refresh(self) -> None:
        app: Any = self.app

        async def read() -> Inventory:
            handsets = await list_handsets(app.db, site=self.site)
            steps = await manual_steps_by_model(app.db)
            occupiers = await list_occupiers_at(app.db, self.site)
            return Inventory(handsets, steps, occupiers)

        call_service(self, read, self._show, group="inventory", exclusive=True)

    def _show(self, data: Inventory) -> None:
        self.data = data
        self.by_key = {str(h.id): h for h in data.handsets}
        if self._go_to_mac is not None:
            macs = {h.mac: key for key, h in self.by_key.items()}
            self._go_to, self._go_to_mac = macs.get(self._go_to_mac), None
        table = self.query_one("#inventory", ListTable)
        table.show_rows(inventory_row(h) for h in data.handsets)
        if self._go_to in self.by_key:
            table.move_cursor(row=table.get_row_index(self._go_to))
        self._go_to = None
        self.query_one("#title", Static).update(title_text(self.site, data.handsets))
        self._show_detail()

    def selected(self) -> HandsetView | None:
        return self.by_key.get(self.query_one("#inventory", ListTable).selected_key or "")

    def on_list_table_row_highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        handset = self.selected()
        steps = self.data.steps.get(handset.model, "") if handset else ""
        self.query_one("#inventory-detail", Static).update(
            inventory_detail(handset, steps, self.site)
        )

    # --- actions -------------------------------------------------------------------------

    def _then_refresh(self, said: str | None) -> None:
        if said:
            toast(self, said)
        self.action_refresh()

    def _highlighted(self, what: str) -> HandsetView | None:
        handset = self.selected()
        if handset is None:
            self.notify(
                f"No handset is highlighted: highlight the one to {what}.",
                title="Refused",
                severity="error",
                markup=False,
            )
        return handset

    def action_add(self) -> None:
        from voiceconsole.tui.screens.handset_inventory_dialogs import AddHandsetDialog

        dialog = AddHandsetDialog(self.site, self.data.steps, self.data.occupiers)

        def closed(said: str | None) -> None:
            if dialog.added is not None:
                self._go_to = str(dialog.added.id)
            self._then_refresh(said)

        self.app.push_screen(dialog, closed)

    def action_edit(self) -> None:
        from voiceconsole.tui.screens.handset_inventory_dialogs import EditHandsetDialog

        if handset := self._highlighted("edit"):
            self.app.push_screen(EditHandsetDialog(handset), self._then_refresh)

    def action_move(self) -> None:
        from voiceconsole.tui.screens.handset_inventory_dialogs import MoveHandsetDialog

        if handset := self._highlighted("move"):
            self.app.push_screen(
                MoveHandsetDialog(handset, self.data.occupiers), self._then_refresh
            )

    def action_mark(self, state: str) -> None:
        from voiceconsole.tui.screens.handset_inventory_dialogs import MarkHandsetDialog

        what = {
            HandsetState.FAULTY.value: "mark faulty",
            HandsetState.RETIRED.value: "retire",
            HandsetState.IN_STOCK.value: "put back in stock",
        }[state]
        if handset := self._highlighted(what):
            self.app.push_screen(MarkHandsetDialog(handset, state), self._then_refresh)

    def action_import_csv(self) -> None:
        from voiceconsole.tui.screens.handset_inventory_dialogs import ImportHandsetsDialog

        self.app.push_screen(ImportHandsetsDialog(self.site), self._then_refresh)

    def action_resync(self) -> None:
        from voiceconsole.tui.screens.handset_resync import ask_to_resync

        if handset := self._highlighted("ask to re-sync"):
            ask_to_resync(self, handset, self.action_refresh)
