"""One journal entry in full: who, when, what, whom it concerns (each a jump away), and its
data before and after as a readable diff (domain/journal_diff.py)."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from voiceconsole.domain.journal_diff import describe
from voiceconsole.services.audit import JournalEntry, journal_entry
from voiceconsole.tui.text import moment, plain
from voiceconsole.tui.widgets.footer import ConsoleFooter
from voiceconsole.tui.widgets.header import ConsoleHeader
from voiceconsole.tui.work import call_service

# How each kind of diff line reads: a word or a sign, not colour only.
LOOK = {"group": "bold", "changed": "", "set": "green", "removed": "red"}


class JournalEntryScreen(Screen[None]):
    HELP_TITLE = "Journal entry"
    PURPOSE = (
        "One entry of the audit journal in full: who did it, when, what it says, the sites "
        "and occupiers it concerns (Enter on one opens it), and what its data was before and "
        "after: each field that changed as before → after, numbers that changed alike once."
    )
    WORDS = ("journal", "site", "occupier")
    DEFAULT_CSS = """
    JournalEntryScreen #entry-facts { padding: 0 1; height: auto; }
    JournalEntryScreen #subjects { height: auto; max-height: 6; margin: 1 0 0 0; padding: 0 1; }
    JournalEntryScreen #changes-box { height: 1fr; padding: 0 1; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="journal_entry.back"),
    ]

    def __init__(self, entry_id: int) -> None:
        super().__init__()
        self.entry_id = entry_id
        self.subjects: dict[str, tuple[str, str, str | None]] = {}  # option id -> jump

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        yield Static(plain(f"Journal entry {self.entry_id}", "bold"), classes="screen-title")
        yield Static(plain("Reading…", "dim"), id="entry-facts")
        yield OptionList(id="subjects", compact=True)
        with VerticalScroll(id="changes-box"):
            yield Static("", id="changes")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        app: Any = self.app
        call_service(self, lambda: journal_entry(app.db, self.entry_id), self.show, group="entry")

    def show(self, found: JournalEntry) -> None:
        entry = found.entry
        # A grid, so that a long summary wraps under itself, not under the labels.
        facts = Table.grid(padding=(0, 2))
        facts.add_column(style="bold", no_wrap=True)
        facts.add_column()
        for label, value in (
            ("When", f"{moment(entry.at)} UTC"),
            ("Who", entry.actor),
            ("Action", entry.action),
            ("What", entry.summary),
        ):
            facts.add_row(label, plain(value))
        self.query_one("#entry-facts", Static).update(facts)
        options = []
        for code, name in found.sites:
            self.subjects[f"site-{code}"] = ("site", code, code)
            options.append(Option(plain(f"Site      {code}  {name}"), id=f"site-{code}"))
        for code, name, site in found.occupiers:
            key = f"occupier-{code}-{site}"
            self.subjects[key] = ("occupier", code, site)
            where = f" at {site}" if site else ""
            options.append(Option(plain(f"Occupier  {code}  {name}{where}"), id=key))
        subjects = self.query_one("#subjects", OptionList)
        subjects.set_options(options)
        subjects.display = bool(options)
        subjects.highlighted = 0 if options else None
        self.query_one("#changes", Static).update(changes_text(found))
        (subjects if options else self.query_one("#changes-box")).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        from voiceconsole.tui.screens.occupier import OccupierScreen
        from voiceconsole.tui.screens.site import SiteScreen

        kind, code, site = self.subjects[str(event.option.id)]
        app: Any = self.app
        if kind == "site":
            app.open_screen(SiteScreen, code)
        elif site:
            app.open_screen(OccupierScreen, code, site)
        else:
            self.notify(f"{code} is at no site now.", title="Not opened", markup=False)


def changes_text(found: JournalEntry) -> Text:
    entry = found.entry
    lines = describe(entry.before, entry.after, found.occupier_codes)
    text = Text()
    text.append("Before → after\n", style="bold underline")
    if not lines:
        text.append("No data recorded beside the summary.", style="dim")
        return text
    for line in lines:
        text.append("  " * line.depth)
        text.append(f"{line.text}\n", style=LOOK[line.kind])
    text.rstrip()
    return text
