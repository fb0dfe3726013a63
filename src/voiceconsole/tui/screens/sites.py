"""Sites: every building with its occupiers, numbers by state, pool stock and ports."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from voiceconsole.services.changes import Change
from voiceconsole.services.sites import list_sites
from voiceconsole.tui.screens.returning import RefreshOnReturn
from voiceconsole.tui.text import count, plain
from voiceconsole.tui.widgets.fields import FilterInput
from voiceconsole.tui.widgets.footer import ConsoleFooter
from voiceconsole.tui.widgets.header import ConsoleHeader
from voiceconsole.tui.widgets.list_table import ListTable, Row
from voiceconsole.tui.widgets.row_detail import RowDetail

# The figures first, so that an 80-column terminal shows them; the name is cut to fit.
COLUMNS = (
    "Site",
    ("Name", 22),
    "Pool",
    "Available",
    "Reserved",
    "Active",
    "Cooldown",
    "Occupiers",
    "Ports",
    "Country",
)


# Said when the database holds no site at all: a new database, or the wrong one (over SSH,
# an empty estate must not look like one whose sites all vanished).
NO_SITES = plain(
    "This database has no sites. If you expected some, check which database this is "
    "(--db, $VOICECONSOLE_DB); to start one, add a site: voiceconsole sites add, or load "
    "the sample data: voiceconsole demo load.",
    "bold",
)


def _pool(low: bool, low_in_days: int | None) -> Text:
    """LOW now; `low 12d` when forecast LOW within the site's warning days; else ok."""
    if low:
        return plain("LOW", "bold red")
    if low_in_days is not None:
        return plain(f"low {low_in_days}d", "bold yellow")
    return plain("ok", "green")


class SitesScreen(RefreshOnReturn):
    HELP_TITLE = "Sites"
    PURPOSE = (
        "Every site with its pool of numbers by state and its occupiers. LOW: the pool is "
        "under its threshold or a UK batch of five; low 12d: forecast LOW in 12 days."
    )
    WORDS = (
        "site",
        "pool",
        "available",
        "reserved",
        "active",
        "cooldown",
        "batch of 5",
        "forecast",
    )
    CSS_PATH = "lists.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "telephony", "Telephony", id="sites.telephony"),
        Binding("slash", "focus_filter", "Filter", id="sites.filter"),
        Binding("r", "reload", "Refresh", id="sites.refresh", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        yield Static(plain("Sites", "bold"), classes="screen-title")
        yield FilterInput(id="filter")
        yield Static(NO_SITES, id="no-sites")
        yield ListTable(COLUMNS, self.load, page_size=25, opens=True, id="sites")
        yield RowDetail("sites")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.app.set_current_site(None)  # type: ignore[attr-defined]
        self.query_one(ListTable).reload()
        self.query_one(ListTable).focus()

    def on_screen_resume(self) -> None:
        self.app.set_current_site(None)  # type: ignore[attr-defined]
        super().on_screen_resume()

    def changes_arrived(self, changes: list[Change]) -> None:
        """A colleague's change at a site: its figures read again in place."""
        if any(c.sites for c in changes):
            self.query_one(ListTable).refresh_window()

    def refresh_on_return(self) -> None:
        # Back from a site or an occupier: the figures may have changed there.
        self.query_one(ListTable).reload(keep_cursor=True)

    async def load(self, after: str | None, limit: int) -> list[Row]:
        app: Any = self.app
        search = self.query_one(FilterInput).value.strip() or None
        rows = []
        for s in await list_sites(app.db, search, after=after, limit=limit):
            n = s.numbers
            rows.append(
                (
                    s.site.code,
                    (
                        plain(s.site.code, "bold"),
                        plain(s.site.name),
                        _pool(s.low_stock, s.low_in_days),
                        count(n["available"], warn=s.low_stock),
                        count(n["reserved"]),
                        count(n["active"]),
                        count(n["cooldown"]),
                        count(s.occupiers),
                        count(s.floor_ports),
                        s.site.country,
                    ),
                )
            )
        return rows

    def on_input_changed(self, event: FilterInput.Changed) -> None:
        self.query_one(ListTable).reload()

    def on_list_table_loaded(self) -> None:
        table, filtered = self.query_one(ListTable), bool(self.query_one(FilterInput).value.strip())
        self.query_one("#no-sites").set_class(table.row_count == 0 and not filtered, "shown")

    def on_input_submitted(self) -> None:
        self.query_one(ListTable).focus()

    def on_list_table_row_selected(self, event: ListTable.RowSelected) -> None:
        self.action_open_site()

    def _site(self) -> str | None:
        return self.query_one(ListTable).selected_key

    def action_open_site(self) -> None:
        from voiceconsole.tui.screens.site import SiteScreen

        if site := self._site():
            self.app.open_screen(SiteScreen, site)  # type: ignore[attr-defined]

    def action_telephony(self) -> None:
        from voiceconsole.tui.screens.telephony import TelephonyScreen

        if site := self._site():
            self.app.open_screen(TelephonyScreen, site)  # type: ignore[attr-defined]

    def action_focus_filter(self) -> None:
        self.set_focus(self.query_one(FilterInput))  # at once: typed-ahead keys land in it

    def action_reload(self) -> None:
        self.query_one(ListTable).reload()
