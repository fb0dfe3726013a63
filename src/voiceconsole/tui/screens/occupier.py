"""One occupier at one site: its services, numbers, floor ports and activity."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static, TabbedContent, TabPane

from voiceconsole.services.changes import Change
from voiceconsole.services.numbers import list_numbers
from voiceconsole.services.occupiers import list_occupiers_at
from voiceconsole.services.permissions import Permission
from voiceconsole.services.voice_services import list_services
from voiceconsole.tui.live import touching
from voiceconsole.tui.permitted import Guarded
from voiceconsole.tui.screens.number_rows import features
from voiceconsole.tui.screens.returning import Revisited
from voiceconsole.tui.text import day, number_text, plain, toast
from voiceconsole.tui.widgets.floor_port_rows import FLOOR_PORT_COLUMNS, floor_port_rows
from voiceconsole.tui.widgets.footer import ConsoleFooter
from voiceconsole.tui.widgets.header import ConsoleHeader
from voiceconsole.tui.widgets.journal import JOURNAL_COLUMNS, journal_rows, open_entry
from voiceconsole.tui.widgets.list_table import ListTable, Row
from voiceconsole.tui.widgets.row_detail import RowDetail
from voiceconsole.tui.work import call_service

SERVICE_COLUMNS = ("Product", "Name", "QTY", "Since", "Scheduled changes")
NUMBER_COLUMNS = ("Number", "State", "Main", "Origin", "Label", "Features")


class OccupierScreen(Guarded, Revisited):
    HELP_TITLE = "Occupier"
    PURPOSE = "One occupier at one site: its voice services, numbers, floor ports and activity."
    WORDS = ("occupier", "QTY", "main number", "spare", "scheduled change", "floor port", "export")
    CSS_PATH = "lists.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add_services", "Add services", id="occupier.add_services"),
        Binding("m", "manage_services", "Manage services", id="occupier.manage_services"),
        Binding("t", "telephony", "Telephony", id="occupier.telephony"),
        Binding("h", "handsets", "Handsets", id="occupier.handsets"),
        Binding("r", "reconcile", "Reconcile", id="occupier.reconcile", show=False),
        Binding("e", "export", "Export", id="occupier.export", show=False),
        Binding("M", "move_out", "Move out", id="occupier.move_out", show=False),
        Binding("escape", "app.pop_screen", "Back", id="occupier.back"),
        Binding("1", "show_tab('services')", "Services", id="occupier.services", show=False),
        Binding("2", "show_tab('numbers')", "Numbers", id="occupier.numbers", show=False),
        Binding("3", "show_tab('ports')", "Floor ports", id="occupier.floor_ports", show=False),
        Binding("4", "show_tab('activity')", "Activity", id="occupier.activity", show=False),
    ]
    NEEDS: ClassVar[dict[str, Permission]] = {
        "add_services": Permission.SERVICES,
        "manage_services": Permission.SERVICES,
        "move_out": Permission.SERVICES,
    }

    def __init__(self, occupier: str, site: str) -> None:
        super().__init__()
        self.occupier = occupier
        self.site = site

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        yield Static(plain(self.occupier, "bold"), classes="screen-title", id="occupier-title")
        with TabbedContent(id="tabs"):
            with TabPane("1 Services", id="services-tab"):
                yield ListTable(SERVICE_COLUMNS, id="services")
                yield RowDetail("services")
            with TabPane("2 Numbers", id="numbers-tab"):
                yield ListTable(NUMBER_COLUMNS, self.load_numbers, id="numbers")
                yield RowDetail("numbers")
            with TabPane("3 Floor ports", id="ports-tab"):
                yield ListTable(FLOOR_PORT_COLUMNS, self.load_ports, id="ports")
                yield RowDetail("ports")
            with TabPane("4 Activity", id="activity-tab"):
                yield ListTable(JOURNAL_COLUMNS, self.load_activity, id="activity", opens=True)
                yield RowDetail("activity")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.refill()

    def visit(self, occupier: str, site: str) -> None:
        self.occupier = occupier
        self.site = site
        self.refill()

    def refill(self) -> None:
        """Show `self.occupier` from the start, on the services tab."""
        self.app.set_current_site(self.site)  # type: ignore[attr-defined]
        self.query_one("#occupier-title", Static).update(plain(self.occupier, "bold"))
        self.query_one("#tabs", TabbedContent).active = "services-tab"
        self.refresh_data()
        self.query_one("#services", ListTable).focus()

    def on_screen_resume(self) -> None:
        self.app.set_current_site(self.site)  # type: ignore[attr-defined]

    def refresh_data(self) -> None:
        """Read everything again (after an action on this occupier)."""
        self._read_title_and_services()
        for table in self.query(ListTable):
            table.reload()

    def changes_arrived(self, changes: list[Change]) -> None:
        """A colleague's change to this occupier or its site: read again in place."""
        if touching(changes, self.site, self.occupier):
            for table in self.query(ListTable):
                table.refresh_window()
            self._read_title_and_services()

    def _read_title_and_services(self) -> None:
        app: Any = self.app
        call_service(
            self,
            lambda: list_occupiers_at(app.db, self.site, search=self.occupier, moved_out=True),
            self._show_title,
            group="title",
            exclusive=True,
        )
        call_service(
            self,
            lambda: list_services(app.db, occupier=self.occupier, site=self.site),
            self._show_services,
            group="services",
            exclusive=True,
        )

    def _show_title(self, found: list[Any]) -> None:
        for o in found:
            if o.code == self.occupier:
                main = number_text(o.main_number).plain
                title = plain(
                    f"{o.name} at {self.site} · QTY {o.voice_quantity} · "
                    f"{o.active_numbers} active · {o.spare_numbers} spare · main {main}"
                )
                if o.moved_out_on:
                    # Nothing new is given to it here; its port-out numbers are still its own.
                    title = plain(
                        f"{o.name} moved out of {self.site} on {o.moved_out_on.isoformat()}",
                        "bold yellow",
                    )
                self.query_one("#occupier-title", Static).update(title)

    def _show_services(self, services: list[Any]) -> None:
        rows: list[Row] = [
            (
                s.product,
                (
                    plain(s.product),
                    plain(s.product_name),
                    str(s.quantity),
                    day(s.start_date),
                    plain(
                        "; ".join(
                            f"QTY {c.new_quantity} on {day(c.effective_on)}" for c in s.scheduled
                        )
                        or "—"
                    ),
                ),
            )
            for s in services
        ]
        self.query_one("#services", ListTable).show_rows(
            rows or [("none", (plain("no services yet: press a to add", "dim"), "", "", "", ""))]
        )

    async def load_numbers(self, after: str | None, limit: int) -> list[Row]:
        app: Any = self.app
        found = await list_numbers(
            app.db, site=self.site, occupier=self.occupier, after=after, limit=limit
        )
        return [
            (
                n.e164,
                (
                    number_text(n.e164),
                    n.state,
                    "main" if n.is_main else "",
                    n.origin,
                    plain(n.label),
                    plain(features(n)),
                ),
            )
            for n in found
        ]

    async def load_ports(self, after: str | None, limit: int) -> list[Row]:
        app: Any = self.app
        return await floor_port_rows(app.db, after, limit, site=self.site, occupier=self.occupier)

    def on_list_table_row_selected(self, event: ListTable.RowSelected) -> None:
        if event.table.id == "activity":
            open_entry(self.app, event.key)

    async def load_activity(self, after: str | None, limit: int) -> list[Row]:
        app: Any = self.app
        return await journal_rows(app.db, after, limit, site=self.site, occupier=self.occupier)

    def action_show_tab(self, name: str) -> None:
        self.query_one("#tabs", TabbedContent).active = f"{name}-tab"
        self.query_one(f"#{name}").focus()

    def action_add_services(self) -> None:
        from voiceconsole.tui.screens.add_services import AddServicesWizard

        self.app.push_screen(
            AddServicesWizard(self.occupier, self.site), lambda _: self.refresh_data()
        )

    def action_manage_services(self) -> None:
        from voiceconsole.tui.screens.manage_services import ManageServicesDialog

        self.app.push_screen(
            ManageServicesDialog(self.occupier, self.site), lambda _: self.refresh_data()
        )

    def action_move_out(self) -> None:
        from voiceconsole.tui.screens.move_out import MoveOutWizard

        self.app.push_screen(MoveOutWizard(self.occupier, self.site), lambda _: self.refresh_data())

    def action_telephony(self) -> None:
        from voiceconsole.tui.screens.telephony import TelephonyScreen

        self.app.open_screen(TelephonyScreen, self.site, occupier=self.occupier)  # type: ignore[attr-defined]

    def action_handsets(self) -> None:
        from voiceconsole.tui.screens.handsets import HandsetsScreen

        self.app.open_screen(HandsetsScreen, self.occupier, self.site)  # type: ignore[attr-defined]

    def action_reconcile(self) -> None:
        from voiceconsole.tui.screens.reconcile import ReconcileScreen

        self.app.push_screen(ReconcileScreen(self.site, occupier=self.occupier))

    def action_export(self) -> None:
        from voiceconsole.tui.screens.export_dialog import ExportDialog

        self.app.push_screen(ExportDialog(self.occupier, self.site), self._exported)

    def _exported(self, said: str | None) -> None:
        if said:
            toast(self, said)
