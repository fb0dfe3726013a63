"""One site: its occupiers (voice quantity, active numbers, main number) and its floor ports."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static, TabbedContent, TabPane

from voiceconsole.services.changes import Change
from voiceconsole.services.forecast import PoolForecast, pool_forecast
from voiceconsole.services.occupiers import list_occupiers_at
from voiceconsole.services.sites import get_site
from voiceconsole.tui.live import touching
from voiceconsole.tui.screens.returning import RefreshOnReturn, Revisited
from voiceconsole.tui.text import count, number_text, plain
from voiceconsole.tui.widgets.fields import FilterInput
from voiceconsole.tui.widgets.floor_port_rows import FLOOR_PORT_COLUMNS, floor_port_rows
from voiceconsole.tui.widgets.footer import ConsoleFooter
from voiceconsole.tui.widgets.header import ConsoleHeader
from voiceconsole.tui.widgets.list_table import ListTable, Row
from voiceconsole.tui.widgets.pool_chart import pool_chart
from voiceconsole.tui.widgets.row_detail import RowDetail
from voiceconsole.tui.work import call_service

# The figures and the main number before the name, so that 80 columns show them.
OCCUPIER_COLUMNS = ("Occupier", "QTY", "Active", "Spare", "Main number", "Name")


def moved_out_name(occupier: Any) -> Text:
    """Its name, and when it moved out if it did (its port-out numbers are still listed)."""
    name = plain(occupier.name)
    if occupier.moved_out_on:
        name.append(f" · moved out {occupier.moved_out_on.isoformat()}", style="dim")
    return name


class SiteScreen(RefreshOnReturn, Revisited):
    HELP_TITLE = "Site"
    PURPOSE = (
        "One site: its occupiers with their voice services and numbers, and its floor ports. "
        "The line under the title charts the pool: its available numbers over the last 12 "
        "weeks (from the journal), then the forecast for the next 12 (dim); the numbers taken "
        "a week (over the last 90 days) and when it is forecast LOW."
    )
    WORDS = ("site", "occupier", "pool", "QTY", "floor port", "forecast")
    CSS_PATH = "lists.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "telephony", "Telephony", id="site.telephony"),
        Binding("v", "activity", "Activity", id="site.activity"),
        Binding("slash", "focus_filter", "Filter", id="site.filter"),
        # The tab not shown (check_action hides the key of the one shown).
        Binding("o", "show_tab('occupiers')", "Occupiers", id="site.occupiers"),
        Binding("p", "show_tab('ports')", "Floor ports", id="site.floor_ports"),
        Binding("g", "port_grid", "Port grid", id="site.port_grid"),
        Binding("R", "reconcile", "Reconcile", id="site.reconcile"),
        Binding("w", "switches", "Switches", id="site.switches"),
        Binding("h", "handsets", "Handsets", id="site.handsets"),
        Binding("i", "port_ins", "Port-ins", id="site.port_ins"),
        Binding("escape", "app.pop_screen", "Back", id="site.back"),
    ]

    def __init__(self, site: str, *, floor_port: str | None = None) -> None:
        super().__init__()
        self.site = site
        self.floor_port = floor_port

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        yield Static(plain(self.site, "bold"), classes="screen-title", id="site-title")
        yield Static("", classes="screen-title", id="pool-chart")
        with TabbedContent(id="tabs"):
            with TabPane("Occupiers", id="occupiers-tab"):
                yield FilterInput("Filter occupiers by name or code", id="occupier-filter")
                yield ListTable(OCCUPIER_COLUMNS, self.load_occupiers, opens=True, id="occupiers")
                yield RowDetail("occupiers")
            with TabPane("Floor ports", id="ports-tab"):
                yield FilterInput("Filter floor ports by label", id="port-filter")
                yield ListTable(FLOOR_PORT_COLUMNS, self.load_ports, id="ports")
                yield RowDetail("ports")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.refill()

    def visit(self, site: str, *, floor_port: str | None = None) -> None:
        self.site = site
        self.floor_port = floor_port
        self.refill()

    def refill(self) -> None:
        """Show `self.site` from the start: its title, both lists, no filter."""
        app: Any = self.app
        app.set_current_site(self.site)
        self.query_one("#site-title", Static).update(plain(self.site, "bold"))
        call_service(self, lambda: get_site(app.db, self.site), self._show_site, group="site")
        self.query_one("#pool-chart", Static).update("")
        self._load_forecast()
        with self.prevent(FilterInput.Changed):
            self.query_one("#occupier-filter", FilterInput).value = ""
            # Opened from the palette on a floor port: show it in the ports list.
            self.query_one("#port-filter", FilterInput).value = self.floor_port or ""
        tab = "ports" if self.floor_port else "occupiers"
        self.query_one("#tabs", TabbedContent).active = f"{tab}-tab"
        self.query_one("#occupiers", ListTable).reload()
        self.query_one("#ports", ListTable).reload()
        self.query_one(f"#{tab}", ListTable).focus()

    def on_screen_resume(self) -> None:
        self.app.set_current_site(self.site)  # type: ignore[attr-defined]
        super().on_screen_resume()

    def changes_arrived(self, changes: list[Change]) -> None:
        if touching(changes, self.site):
            for table in self.query(ListTable):
                table.refresh_window()
            self._load_forecast()

    def refresh_on_return(self) -> None:
        self.query_one("#occupiers", ListTable).reload(keep_cursor=True)
        self._load_forecast()  # services added or numbers moved meanwhile change the pool

    def _load_forecast(self) -> None:
        app: Any = self.app
        call_service(
            self,
            lambda: pool_forecast(app.db, self.site),
            self._show_forecast,
            refused=lambda err: None,  # a site gone is said once, by the title's own read
            group="site",
        )

    def _show_site(self, site: Any) -> None:
        policy = (
            "main numbers automatic"
            if site.main_number_policy == "auto"
            else "main numbers nominated by hand"
        )
        self.query_one("#site-title", Static).update(
            plain(f"{site.code}  {site.name}  ·  {site.country}  ·  {site.timezone}  ·  {policy}")
        )

    def _show_forecast(self, forecast: PoolForecast) -> None:
        self.query_one("#pool-chart", Static).update(pool_chart(forecast))

    async def load_occupiers(self, after: str | None, limit: int) -> list[Row]:
        app: Any = self.app
        search = self.query_one("#occupier-filter", FilterInput).value.strip() or None
        found = await list_occupiers_at(
            app.db, self.site, search=search, after=after, limit=limit, moved_out=True
        )
        return [
            (
                o.code,
                (
                    plain(o.code),
                    count(o.voice_quantity),
                    count(o.active_numbers),
                    count(o.spare_numbers),
                    number_text(o.main_number),
                    moved_out_name(o),
                ),
            )
            for o in found
        ]

    async def load_ports(self, after: str | None, limit: int) -> list[Row]:
        app: Any = self.app
        search = self.query_one("#port-filter", FilterInput).value.strip() or None
        return await floor_port_rows(app.db, after, limit, site=self.site, search=search)

    def on_input_changed(self, event: FilterInput.Changed) -> None:
        table = "#ports" if event.input.id == "port-filter" else "#occupiers"
        self.query_one(table, ListTable).reload()

    def on_input_submitted(self, event: FilterInput.Submitted) -> None:
        table = "#ports" if event.input.id == "port-filter" else "#occupiers"
        self.query_one(table, ListTable).focus()

    def on_list_table_row_selected(self, event: ListTable.RowSelected) -> None:
        if event.table.id == "occupiers":
            self.action_open_occupier()

    def action_open_occupier(self) -> None:
        from voiceconsole.tui.screens.occupier import OccupierScreen

        if code := self.query_one("#occupiers", ListTable).selected_key:
            self.app.open_screen(OccupierScreen, code, self.site)  # type: ignore[attr-defined]

    def action_telephony(self) -> None:
        from voiceconsole.tui.screens.telephony import TelephonyScreen

        self.app.open_screen(TelephonyScreen, self.site)  # type: ignore[attr-defined]

    def action_port_grid(self) -> None:
        from voiceconsole.tui.screens.floor_ports import FloorPortsScreen

        self.app.push_screen(FloorPortsScreen(self.site))

    def action_switches(self) -> None:
        from voiceconsole.tui.screens.switches import SwitchesScreen

        self.app.push_screen(SwitchesScreen(self.site))

    def action_handsets(self) -> None:
        from voiceconsole.tui.screens.handset_inventory import HandsetInventoryScreen

        self.app.push_screen(HandsetInventoryScreen(self.site))

    def action_port_ins(self) -> None:
        from voiceconsole.tui.screens.port_ins import PortInsScreen

        self.app.push_screen(PortInsScreen(self.site))

    def action_reconcile(self) -> None:
        from voiceconsole.tui.screens.reconcile import ReconcileScreen

        self.app.push_screen(ReconcileScreen(self.site))

    def action_activity(self) -> None:
        self.app.action_open_activity(site=self.site)  # type: ignore[attr-defined]

    def action_show_tab(self, name: str) -> None:
        self.query_one("#tabs", TabbedContent).active = f"{name}-tab"
        self.query_one(f"#{name}", ListTable).focus()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "show_tab" and self.is_mounted:
            return self.query_one("#tabs", TabbedContent).active != f"{parameters[0]}-tab"
        return True

    def on_tabbed_content_tab_activated(self) -> None:
        self.refresh_bindings()

    def action_focus_filter(self) -> None:
        tab = self.query_one("#tabs", TabbedContent).active
        # set_focus at once (not .focus(), which waits): keys typed ahead land in the filter
        self.set_focus(self.query_one("#port-filter" if tab == "ports-tab" else "#occupier-filter"))
