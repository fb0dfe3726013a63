"""Reconciliation: per occupier at a site, the voice quantity beside the active numbers, the
numbers logged in, the handsets and the voice-role floor ports; clean, or how many things to
look at. Below, the highlighted occupier's findings, each with its kind in words."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

from voiceconsole.domain.phone import national
from voiceconsole.domain.words import counted
from voiceconsole.services.reconcile import KINDS, Finding, Reconciliation, reconcile
from voiceconsole.tui.text import count, plain
from voiceconsole.tui.widgets.footer import ConsoleFooter
from voiceconsole.tui.widgets.header import ConsoleHeader
from voiceconsole.tui.widgets.list_table import ListTable
from voiceconsole.tui.widgets.row_detail import RowDetail
from voiceconsole.tui.work import call_service

RECONCILE_COLUMNS = (
    ("Occupier", 22),
    "QTY",
    "Active",
    "Logged in",
    "Handsets",
    "Voice ports",
    # A fixed width: "12 to look at" fits, and the header never waits for the rows' measure.
    ("State", 14),
)
FINDING_COLUMNS = ("What", "Detail")


def state_text(r: Reconciliation) -> Text:
    if r.clean:
        return plain("clean", "green")
    return plain(f"{len(r.findings)} to look at", "bold yellow")


class ReconcileScreen(Screen[None]):
    HELP_TITLE = "Reconciliation"
    PURPOSE = (
        "For each occupier: voice quantity against active numbers, logins, handsets and voice"
        " ports, with what does not add up."
    )
    WORDS = ("QTY", "active", "main number", "handset", "floor port", "role")
    CSS_PATH = ["lists.tcss", "reconcile.tcss"]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5,ctrl+r", "refresh", "Refresh", id="reconcile.refresh"),
        Binding("escape", "app.pop_screen", "Back", id="reconcile.back"),
    ]

    def __init__(self, site: str, occupier: str | None = None) -> None:
        super().__init__()
        self.site = site
        self.occupier = occupier
        self.found: dict[str, Reconciliation] = {}

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        yield Static(plain(self._where(), "bold"), classes="screen-title", id="title")
        yield ListTable(RECONCILE_COLUMNS, id="occupiers")
        yield RowDetail("occupiers")
        yield Static("", id="findings-title")
        yield ListTable(FINDING_COLUMNS, id="findings", opens=True)
        yield ConsoleFooter()

    def _where(self) -> str:
        who = f"{self.occupier} at " if self.occupier else ""
        return f"Reconciliation of {who}{self.site}"

    def on_mount(self) -> None:
        self.app.set_current_site(self.site)  # type: ignore[attr-defined]
        self.action_refresh()
        self.query_one("#occupiers", ListTable).focus()

    def on_screen_resume(self) -> None:
        self.app.set_current_site(self.site)  # type: ignore[attr-defined]

    def action_refresh(self) -> None:
        app: Any = self.app
        call_service(
            self,
            lambda: reconcile(app.db, site=self.site, occupier=self.occupier),
            self._show,
            group="reconcile",
            exclusive=True,
        )

    def _show(self, found: list[Reconciliation]) -> None:
        self.found = {r.occupier: r for r in found}
        rows = [
            (
                r.occupier,
                (
                    plain(r.occupier),
                    count(r.voice_quantity),
                    count(r.active_numbers, warn=r.active_numbers > r.voice_quantity),
                    count(r.logged_in, warn=r.logged_in < r.active_numbers),
                    count(r.handsets),
                    count(r.voice_ports),
                    state_text(r),
                ),
            )
            for r in found
        ]
        self.query_one("#occupiers", ListTable).show_rows(rows)
        clean = sum(r.clean for r in found)
        findings = sum(len(r.findings) for r in found)
        self.query_one("#title", Static).update(
            plain(
                f"{self._where()} · {counted(len(found), 'occupier')} · {clean} clean · "
                f"{counted(findings, 'finding')}",
                "bold",
            )
        )
        self._show_findings()

    def _selected(self) -> str | None:
        return self.query_one("#occupiers", ListTable).selected_key

    def on_list_table_row_highlighted(self, event: ListTable.RowHighlighted) -> None:
        if event.table.id == "occupiers":
            self._show_findings()

    def _show_findings(self) -> None:
        table = self.query_one("#findings", ListTable)
        table.clear()
        r = self.found.get(self._selected() or "")
        title = self.query_one("#findings-title", Static)
        if r is None:
            title.update(plain("No occupier here.", "dim"))
            return
        if r.clean:
            title.update(plain(f"{r.occupier}: clean, nothing to look at", "green"))
            return
        title.update(plain(f"{r.occupier}: {len(r.findings)} to look at", "bold"))
        table.show_rows(
            (str(i), (plain(KINDS.get(f.kind, f.kind)), plain(f.text)))
            for i, f in enumerate(r.findings)
        )

    def on_list_table_row_selected(self, event: ListTable.RowSelected) -> None:
        r = self.found.get(self._selected() or "")
        if event.table.id == "findings" and r is not None and event.key is not None:
            open_finding(self.app, r, r.findings[int(event.key)])


def open_finding(app: Any, r: Reconciliation, finding: Finding) -> None:
    """Enter on a finding: what it names. A number in the site's numbers, a login waiting
    for its phone in the occupier's handsets, a handset on the wrong port at that port in
    the grid, too many active numbers at the occupier's services."""
    from voiceconsole.tui.screens.floor_ports import FloorPortsScreen
    from voiceconsole.tui.screens.handsets import HandsetsScreen
    from voiceconsole.tui.screens.occupier import OccupierScreen
    from voiceconsole.tui.screens.telephony import TelephonyScreen

    if finding.kind == "handset_on_data_port" and finding.port:
        app.push_screen(FloorPortsScreen(r.site, finding.floor, port=finding.port))
    elif finding.kind == "line_not_confirmed":
        app.open_screen(HandsetsScreen, r.occupier, r.site, handset=finding.mac)
    elif finding.kind == "over_entitlement":
        app.open_screen(OccupierScreen, r.occupier, r.site)
    else:
        app.open_screen(TelephonyScreen, r.site, search=national(finding.subject))
