"""A site's switches: model, platform, ports patched, the SSH key pinned, ready or what is
missing (with the IOS lines that fix it). From here a switch is added (connect, pin, discover,
check), checked again, re-trusted after a key change, mapped to floor ports, or removed."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from voiceconsole.domain.words import counted
from voiceconsole.services.permissions import Permission
from voiceconsole.services.switch_inventory import SwitchCheck, SwitchView, list_switches
from voiceconsole.tui.permitted import Guarded
from voiceconsole.tui.screens.returning import SiteList
from voiceconsole.tui.text import plain, toast
from voiceconsole.tui.widgets.footer import ConsoleFooter
from voiceconsole.tui.widgets.header import ConsoleHeader
from voiceconsole.tui.widgets.list_table import ListTable
from voiceconsole.tui.widgets.row_detail import RowDetail
from voiceconsole.tui.work import call_service

# What fits 80 columns; the highlighted switch's key, login and findings are below the table.
SWITCH_COLUMNS = (
    ("Switch", 18),
    ("Status", 16),
    ("Model", 13),
    ("Patched", 7),
    "Address",
)
STATUS_STYLE = {
    "ready": "green",
    "not ready": "bold yellow",
    "not checked": "dim",
    "change in flight": "bold red",
}


def detail(switch: SwitchView | None) -> Text:
    """The highlighted switch in full: platform, key, and each finding with its fix."""
    text = Text()
    if switch is None:
        text.append("No switch at this site yet: a adds one.", style="dim")
        return text
    text.append(switch.hostname, style="bold")
    text.append(f" · {switch.model or 'model not known'} · {switch.profile or 'no profile'}")
    text.append(f" · {switch.ports} ports · login {switch.credentials_ref!r}\n")
    if switch.fingerprint:
        text.append(f"SSH host key {switch.fingerprint}\n")
    elif switch.simulated:
        text.append("Simulated: no SSH key until reached over SSH (--lab)\n", style="dim")
    else:
        text.append("SSH key not pinned yet: pinned on first use\n", style="yellow")
    if switch.in_flight:
        text.append(
            "A role change is in flight on this switch; if its console is gone, c settles it.\n",
            style="bold red",
        )
    if switch.findings is None:
        text.append("Not checked yet: c checks it.", style="dim")
    elif not switch.findings:
        text.append(
            "Ready: archive, SCP, privilege 15, LLDP and the role VLANs are there.", style="green"
        )
    for finding in switch.findings or ():
        text.append(f"• {finding.problem}\n", style="yellow")
        for line in finding.fix:
            text.append(f"    {line}\n", style="bold")
    return text


class SwitchesScreen(Guarded, SiteList):
    HELP_TITLE = "Switches"
    PURPOSE = (
        "The switches of a site: add one, check it, trust its host key, map its interfaces to"
        " floor ports, remove it."
    )
    WORDS = ("floor port", "role")
    CSS_PATH = ["lists.tcss", "switches.tcss"]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add switch", id="switches.add"),
        Binding("c", "check", "Check", id="switches.check"),
        Binding("t", "trust", "Trust key", id="switches.trust"),
        Binding("m", "map", "Map ports", id="switches.map"),
        Binding("x", "remove", "Remove", id="switches.remove"),
        Binding("f5,ctrl+r", "refresh", "Refresh", id="switches.refresh", show=False),
        Binding("escape", "app.pop_screen", "Back", id="switches.back"),
    ]
    NEEDS: ClassVar[dict[str, Permission]] = {
        "add": Permission.SWITCHES,
        "check": Permission.SWITCHES,
        "trust": Permission.SWITCHES,
        "map": Permission.SWITCHES,
        "remove": Permission.SWITCHES,
    }

    LIST_ID = "switches"

    def __init__(self, site: str) -> None:
        super().__init__(site)
        self.found: dict[str, SwitchView] = {}

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        yield Static(plain(f"Switches of {self.site}", "bold"), classes="screen-title", id="title")
        yield ListTable(SWITCH_COLUMNS, id="switches")
        yield RowDetail("switches")
        # A switch with much missing has more lines of fixes than 80x24 shows: tab to scroll.
        with VerticalScroll(id="detail-box"):
            yield Static("", id="switch-detail")
        yield ConsoleFooter()

    def load(self) -> Awaitable[list[SwitchView]]:
        app: Any = self.app
        return list_switches(app.db, site=self.site)

    def _show(self, found: list[SwitchView]) -> None:
        self.found = {s.hostname: s for s in found}
        rows = [
            (
                s.hostname,
                (
                    plain(s.hostname),
                    plain(s.status, STATUS_STYLE[s.status]),
                    plain(s.model or "-"),
                    plain(f"{s.patched}/{s.ports}"),
                    plain(f"{s.address}:{s.port}"),
                ),
            )
            for s in found
        ]
        self.query_one("#switches", ListTable).show_rows(rows)
        ready = sum(s.status == "ready" for s in found)
        self.query_one("#title", Static).update(
            plain(
                f"Switches of {self.site} · {counted(len(found), 'switch', 'switches')} · "
                f"{ready} ready",
                "bold",
            )
        )
        self._show_detail()

    def selected(self) -> SwitchView | None:
        return self.found.get(self.query_one("#switches", ListTable).selected_key or "")

    def on_list_table_row_highlighted(self, event: ListTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        self.query_one("#switch-detail", Static).update(detail(self.selected()))

    # -- actions -----------------------------------------------------------------------------

    def _then_refresh(self, said: str | None) -> None:
        if said:
            toast(self, said)
        self.action_refresh()

    def action_add(self) -> None:
        from voiceconsole.tui.screens.switch_dialogs import AddSwitchDialog

        self.app.push_screen(AddSwitchDialog(self.site), self._then_refresh)

    def action_check(self) -> None:
        from voiceconsole.services.switch_inventory import check_switches

        switch = self.selected()
        if switch is None:
            self.app.bell()
            return
        app: Any = self.app
        self.query_one("#switch-detail", Static).update(
            plain(f"Checking {switch.hostname}…", "italic")
        )
        call_service(
            self,
            lambda: check_switches(app.db, app.gateway, app.actor, hostname=switch.hostname),
            self._checked,
            group="switch-check",
        )

    def _checked(self, results: list[SwitchCheck]) -> None:
        for result in results:
            for settled in result.settled:
                self.notify(settled.sentence(), markup=False)
            if result.error:
                self.notify(result.error, title="Cannot check", severity="error", markup=False)
        self.action_refresh()

    def action_trust(self) -> None:
        from voiceconsole.tui.screens.switch_dialogs import TrustKeyDialog

        if (switch := self.selected()) is None:
            self.app.bell()
            return
        self.app.push_screen(TrustKeyDialog(switch), self._then_refresh)

    def action_map(self) -> None:
        from voiceconsole.tui.screens.switch_dialogs import MapPortsDialog

        if (switch := self.selected()) is None:
            self.app.bell()
            return
        self.app.push_screen(MapPortsDialog(switch), self._then_refresh)

    def action_remove(self) -> None:
        from voiceconsole.tui.screens.switch_dialogs import RemoveSwitchDialog

        if (switch := self.selected()) is None:
            self.app.bell()
            return
        self.app.push_screen(RemoveSwitchDialog(switch), self._then_refresh)
