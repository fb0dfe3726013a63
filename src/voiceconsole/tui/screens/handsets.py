"""The handset panel: one occupier's handsets at one site, and logging numbers in and out.

One row per line in use (a handset without lines has one row): the handset, its model, how it
logs in ("remote", or "manual: log in on the phone"), its floor port, line keys used, then
the line's key, number and status. Below, the highlighted handset in full. `l` logs numbers
in to the highlighted handset, `b` logs every active number on no handset in to the
occupier's handsets in order, `o` logs the highlighted line out, `d` records a manual login
the engineer has done, `y` asks the highlighted phone to fetch its files again (a line still
pending, or after the phone was away).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from voiceconsole.domain.handsets import LineStatus
from voiceconsole.domain.phone import national
from voiceconsole.domain.words import counted
from voiceconsole.services.changes import Change
from voiceconsole.services.handsets import (
    HandsetView,
    confirm_manual_login,
    list_handsets,
    manual_steps_by_model,
)
from voiceconsole.services.numbers import list_numbers
from voiceconsole.services.permissions import Permission
from voiceconsole.tui.live import touching
from voiceconsole.tui.permitted import Guarded
from voiceconsole.tui.screens.handset_dialogs import BulkLoginDialog, LoginDialog, LogoutDialog
from voiceconsole.tui.screens.handset_resync import ask_to_resync
from voiceconsole.tui.screens.handset_rows import (
    HANDSET_COLUMNS,
    detail_text,
    handset_rows,
    parse_row_key,
)
from voiceconsole.tui.screens.returning import Revisited
from voiceconsole.tui.text import plain, toast
from voiceconsole.tui.widgets.footer import ConsoleFooter
from voiceconsole.tui.widgets.header import ConsoleHeader
from voiceconsole.tui.widgets.list_table import ListTable
from voiceconsole.tui.work import call_service


@dataclass(frozen=True)
class PanelData:
    handsets: list[HandsetView]
    active: list[str]  # the occupier's active numbers here that are not main numbers
    steps: dict[str, str]  # device model code -> what to type on a manual model


class HandsetsScreen(Guarded, Revisited):
    HELP_TITLE = "Handsets"
    PURPOSE = (
        "The handsets of an occupier (or a site) and the numbers logged in to their line "
        "keys. Log numbers in and out; models that cannot be logged in remotely get the steps"
        " for the engineer."
    )
    WORDS = ("handset", "line key", "re-sync", "main number", "active")
    CSS_PATH = ["lists.tcss", "handsets.tcss"]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("l", "login", "Log in", id="handsets.login"),
        Binding("o", "logout", "Log out", id="handsets.logout"),
        Binding("d", "manual_done", "Manual done", id="handsets.manual_done"),
        Binding("b", "bulk_login", "Bulk login", id="handsets.bulk_login"),
        Binding("y", "resync", "Re-sync", id="handsets.resync"),
        Binding("f5,ctrl+r", "refresh", "Refresh", id="handsets.refresh", show=False),
        Binding("escape", "app.pop_screen", "Back", id="handsets.back"),
    ]
    NEEDS: ClassVar[dict[str, Permission]] = {
        "login": Permission.HANDSETS,
        "logout": Permission.HANDSETS,
        "manual_done": Permission.HANDSETS,
        "bulk_login": Permission.HANDSETS,
        "resync": Permission.HANDSETS,
    }

    def __init__(self, occupier: str, site: str, *, handset: str | None = None) -> None:
        """`handset`: the MAC of the handset the cursor goes to (the palette's jump)."""
        super().__init__()
        self.occupier = occupier
        self.site = site
        self.go_to = handset
        self.data = PanelData([], [], {})
        self.by_id: dict[int, HandsetView] = {}

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        yield Static(self._title(), classes="screen-title", id="title")
        yield ListTable(HANDSET_COLUMNS, id="handsets")
        yield Static("", id="detail")
        yield Static(
            plain(
                "l log in · o log out a line · d manual login done · b bulk login · "
                "y ask the phone to re-sync",
                "dim",
            ),
            id="status",
        )
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.refill()

    def visit(self, occupier: str, site: str, *, handset: str | None = None) -> None:
        """Another occupier's handsets: nothing of the last one's stays on screen. (A re-sync
        or manual login asked for on the last visit may still report when it ends.)"""
        self.occupier, self.site, self.go_to = occupier, site, handset
        self.data, self.by_id = PanelData([], [], {}), {}
        self.table.show_rows([])
        self.query_one("#title", Static).update(self._title())
        self.query_one("#detail", Static).update("")
        self.refill()

    def refill(self) -> None:
        self.app.set_current_site(self.site)  # type: ignore[attr-defined]
        self.reload()
        self.table.focus()

    def _title(self, counts: str = "") -> Text:
        return plain(f"Handsets of {self.occupier} at {self.site}{counts}", "bold")

    def on_screen_resume(self) -> None:
        self.app.set_current_site(self.site)  # type: ignore[attr-defined]

    def changes_arrived(self, changes: list[Change]) -> None:
        if touching(changes, self.site, self.occupier):
            self.table.refresh_window()  # the next rows shown flash where they changed
            self.reload()

    @property
    def table(self) -> ListTable:
        return self.query_one("#handsets", ListTable)

    # --- what is shown -------------------------------------------------------------------

    def reload(self) -> None:
        app: Any = self.app

        async def read() -> PanelData:
            handsets = await list_handsets(app.db, site=self.site, occupier=self.occupier)
            numbers = await list_numbers(
                app.db, site=self.site, occupier=self.occupier, state="active"
            )
            steps = await manual_steps_by_model(app.db)
            return PanelData(handsets, [n.e164 for n in numbers if not n.is_main], steps)

        call_service(self, read, self._show, group="panel", exclusive=True)

    def _show(self, data: PanelData) -> None:
        self.data = data
        self.by_id = {h.id: h for h in data.handsets}
        table = self.table
        keep = self.selected_key()
        if self.go_to is not None:
            wanted = [h.id for h in data.handsets if h.mac == self.go_to]
            keep = f"{wanted[0]}:" if wanted else keep  # its first row (_put_cursor)
            self.go_to = None
        rows = [row for handset in data.handsets for row in handset_rows(handset)]
        if not rows:
            empty = plain(f"{self.occupier} has no handsets at {self.site}", "dim")
            rows = [("none", (empty, *("" for _ in HANDSET_COLUMNS[1:])))]
        table.show_rows(rows)
        if keep is not None:
            self._put_cursor(keep)
        used = sum(len(h.lines) for h in data.handsets)
        keys = sum(h.line_keys for h in data.handsets)
        loose = len(self.unplaced())
        self.query_one("#title", Static).update(
            self._title(
                f" · {counted(len(data.handsets), 'handset')} · "
                f"{used} of {counted(keys, 'line key')} used · "
                f"{counted(loose, 'active number')} on no handset"
            )
        )
        self._show_detail()

    def _put_cursor(self, key: str) -> None:
        """Back on the same row, else on the same handset's first row."""
        table = self.table
        keys = table.keys
        if key not in keys:
            handset = key.partition(":")[0] + ":"
            key = next((k for k in keys if k and k.startswith(handset)), "")
        if key in keys:
            table.move_cursor(row=keys.index(key))

    def selected_key(self) -> str | None:
        return self.table.selected_key

    def highlighted(self) -> tuple[HandsetView | None, int | None]:
        key = self.selected_key()
        if not key or key == "none":
            return None, None
        handset_id, line = parse_row_key(key)
        return self.by_id.get(handset_id), line

    def _show_detail(self) -> None:
        handset, line = self.highlighted()
        detail = self.query_one("#detail", Static)
        if handset is None:
            detail.update(plain("No handset is highlighted.", "dim"))
            return
        detail.update(detail_text(handset, line, self.data.steps.get(handset.model, "")))

    def on_list_table_row_highlighted(self) -> None:
        self._show_detail()

    def unplaced(self) -> list[str]:
        """The occupier's active numbers (not main) on no handset, in number order."""
        on = {e164 for h in self.data.handsets for _, e164, _ in h.lines}
        return [e for e in self.data.active if e not in on]

    # --- actions -------------------------------------------------------------------------

    def _dialog_closed(self, said: str | None) -> None:
        if said:
            toast(self, said)
        self.reload()

    def _refuse(self, text: str) -> None:
        self.notify(text, title="Refused", severity="error", markup=False)

    def action_refresh(self) -> None:
        self.reload()

    def action_login(self) -> None:
        handset, _ = self.highlighted()
        if handset is None:
            self._refuse("No handset is highlighted.")
            return
        where = {e164: h.name for h in self.data.handsets for _, e164, _ in h.lines}
        mine = {e164 for _, e164, _ in handset.lines}
        candidates = [(e, where.get(e)) for e in self.data.active if e not in mine]
        self.app.push_screen(LoginDialog(handset, candidates, self.data.steps), self._dialog_closed)

    def action_bulk_login(self) -> None:
        self.app.push_screen(
            BulkLoginDialog(self.occupier, self.data.handsets, self.unplaced(), self.data.steps),
            self._dialog_closed,
        )

    def _line(self, what: str) -> tuple[HandsetView, int, str, str] | None:
        handset, key = self.highlighted()
        line = next((ln for ln in handset.lines if ln[0] == key), None) if handset else None
        if handset is None or line is None:
            self._refuse(f"Highlight a line of a handset to {what}.")
            return None
        return handset, line[0], line[1], line[2]

    def action_logout(self) -> None:
        if found := self._line("log it out"):
            handset, key, e164, _ = found
            self.app.push_screen(LogoutDialog(handset, e164, key), self._dialog_closed)

    def action_manual_done(self) -> None:
        found = self._line("record its manual login")
        if found is None:
            return
        handset, _, e164, status = found
        if status != LineStatus.MANUAL_PENDING.value:
            self._refuse(f"{national(e164)} on {handset.name} is not waiting for the engineer.")
            return
        app: Any = self.app

        def done(view: HandsetView) -> None:
            self._dialog_closed(f"{national(e164)} is logged in by hand on {view.name}")

        call_service(
            self,
            lambda: confirm_manual_login(app.db, app.actor, number=e164),
            done,
            group="manual",
        )

    def action_resync(self) -> None:
        handset, _ = self.highlighted()
        if handset is None:
            self._refuse("No handset is highlighted.")
            return
        ask_to_resync(self, handset, self.reload)
