"""Activity: the audit journal, newest first, paged, filtered by site, occupier, actor, action."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Static

from voiceconsole.services.changes import Change
from voiceconsole.tui.screens.returning import Revisited
from voiceconsole.tui.text import plain
from voiceconsole.tui.widgets.fields import FilterInput, TextInput
from voiceconsole.tui.widgets.footer import ConsoleFooter
from voiceconsole.tui.widgets.header import ConsoleHeader
from voiceconsole.tui.widgets.journal import JOURNAL_COLUMNS, journal_rows, open_entry
from voiceconsole.tui.widgets.list_table import ListTable, Row
from voiceconsole.tui.widgets.row_detail import RowDetail

FILTERS = ("site", "occupier", "actor", "action")
EXACT_FILTERS = {"f-site", "f-occupier"}
PLACEHOLDERS = {
    "site": "site code, Enter",
    "occupier": "occupier code, Enter",
    "actor": "actor",
    "action": "action, e.g. numbers.",
}


class ActivityScreen(Revisited):
    HELP_TITLE = "Activity"
    PURPOSE = (
        "The audit journal, newest first: who did what, when, to which sites and occupiers. "
        "Enter opens an entry with its data before and after."
    )
    WORDS = ("journal", "site", "occupier")
    CSS_PATH = "lists.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_filter('action')", "Filter action", id="activity.filter"),
        Binding("s", "focus_filter('site')", "Site", id="activity.site"),
        Binding("o", "focus_filter('occupier')", "Occupier", id="activity.occupier"),
        Binding("a", "focus_filter('actor')", "Actor", id="activity.actor"),
        Binding("escape", "app.pop_screen", "Back", id="activity.back"),
    ]

    def __init__(self, *, site: str | None = None, occupier: str | None = None) -> None:
        super().__init__()
        self.initial = {"site": site or "", "occupier": occupier or ""}

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        yield Static(
            plain("Activity: the audit journal, newest first", "bold"), classes="screen-title"
        )
        with Horizontal(id="filters"):
            for name in FILTERS:
                # Actor and action narrow as you type; a site or an occupier on Enter.
                field = TextInput if f"f-{name}" in EXACT_FILTERS else FilterInput
                yield field(
                    value=self.initial.get(name, ""), placeholder=PLACEHOLDERS[name], id=f"f-{name}"
                )
        yield ListTable(JOURNAL_COLUMNS, self.load, id="journal", opens=True)
        yield RowDetail("journal")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.query_one(ListTable).reload()
        self.query_one(ListTable).focus()

    def visit(self, *, site: str | None = None, occupier: str | None = None) -> None:
        """Start again with these filters (the others empty)."""
        self.initial = {"site": site or "", "occupier": occupier or ""}
        with self.prevent(TextInput.Changed):
            for name in FILTERS:
                self.query_one(f"#f-{name}", TextInput).value = self.initial.get(name, "")
        self.query_one(ListTable).reload()
        self.query_one(ListTable).focus()

    def changes_arrived(self, changes: list[Change]) -> None:
        """New entries in the journal: read again in place, the new ones flashed."""
        self.query_one(ListTable).refresh_window()

    def filters(self) -> dict[str, str | None]:
        return {n: self.query_one(f"#f-{n}", TextInput).value.strip() or None for n in FILTERS}

    async def load(self, after: str | None, limit: int) -> list[Row]:
        app: Any = self.app
        return await journal_rows(app.db, after, limit, **self.filters())

    def on_input_changed(self, event: TextInput.Changed) -> None:
        # Actor and action narrow as you type. A site or occupier is a code that must exist,
        # so those apply on Enter: half-typed codes would only be refused, key by key.
        if event.input.id not in EXACT_FILTERS:
            self.query_one(ListTable).reload()

    def on_input_submitted(self, event: TextInput.Submitted) -> None:
        if event.input.id in EXACT_FILTERS:
            self.query_one(ListTable).reload()
        self.query_one(ListTable).focus()

    def action_focus_filter(self, name: str) -> None:
        self.set_focus(self.query_one(f"#f-{name}", TextInput))  # at once, for typed-ahead keys

    def on_list_table_row_selected(self, event: ListTable.RowSelected) -> None:
        open_entry(self.app, event.key)
