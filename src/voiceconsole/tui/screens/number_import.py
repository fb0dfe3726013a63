"""Import numbers to a site: a range typed in, or a CSV file, with a live dry run.

The preview is the import itself run as a dry run (same checks, rolled back): a per-row report
of what would be added and of every row that is refused and why. It runs once the user pauses
typing. Import is offered only when the dry run of exactly what is on screen passed, and it
writes exactly the rows that dry run checked (a file changed since is not read again); the
import is one transaction, all or nothing. Only ctrl+s or the Import button import, once.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Label, Select, Static

from voiceconsole.domain.errors import VoiceconsoleError
from voiceconsole.domain.states import Origin
from voiceconsole.services.number_import import (
    ImportRefused,
    ImportReport,
    ImportRow,
    import_numbers,
    read_csv,
)
from voiceconsole.services.occupiers import list_occupiers_at
from voiceconsole.services.views import OccupierAtSite
from voiceconsole.tui.csv_file import load_text
from voiceconsole.tui.screens.form_buttons import ConfirmOrCancel
from voiceconsole.tui.screens.number_rows import occupier_options
from voiceconsole.tui.text import plain
from voiceconsole.tui.widgets.fields import TextInput
from voiceconsole.tui.widgets.footer import ConsoleFooter
from voiceconsole.tui.widgets.header import ConsoleHeader
from voiceconsole.tui.work import OneWrite, call_service

# A report of a big file is long; the first rows and the refused ones tell the story.
SHOWN_ROWS = 200
# Bigger files are refused before they are read (a few hundred thousand rows at most).
MAX_FILE_BYTES = 20_000_000
# The dry run waits for a pause in typing this long (seconds): not one per keystroke.
PREVIEW_DELAY = 0.25

UNSURE = (
    "The import failed midway (see the error): it may or may not have been written. Check "
    "the list before importing again: esc closes this and shows the numbers as they are now."
)


@dataclass(frozen=True)
class Form:
    """What is on the form; a preview is of one form, and is stale once it changes."""

    mode: str  # "range" or "file"
    first: str
    last: str
    file: str
    note: str
    origin: str
    occupier: str | None

    @property
    def from_file(self) -> bool:
        return self.mode == "file"

    def missing(self) -> str | None:
        """What must be typed before there is anything to check."""
        if self.from_file:
            return None if self.file else "the path of a CSV file"
        return None if self.first else "the first number of the range"


@dataclass(frozen=True)
class Checked:
    """A form whose dry run passed, with the very rows that were checked."""

    form: Form
    rows: list[ImportRow]
    report: ImportReport


def load_rows(path_text: str) -> list[ImportRow]:
    """The rows of a CSV file, or a refusal saying why it cannot be read (blocking: file and
    CPU; run it in a thread)."""
    return read_csv(load_text(path_text, MAX_FILE_BYTES))


async def read_rows(path_text: str) -> list[ImportRow]:
    """`load_rows` off the event loop."""
    return await asyncio.to_thread(load_rows, path_text)


def report_text(report: ImportReport, *, from_file: bool) -> Text:
    """The per-row report: what each row adds, or why it is refused."""
    text = Text()
    bad = [r for r in report.rows if not r.ok]
    shown = report.rows if report.row_count <= SHOWN_ROWS else bad[:SHOWN_ROWS]
    for row in shown:
        where = f"line {row.line}" if from_file else "range"
        if row.ok:
            text.append("ok   ", style="bold green")
            text.append(f"{where}: {row.text}: {row.size:,} number{'s' if row.size > 1 else ''}")
        else:
            text.append("ERR  ", style="bold red")
            text.append(f"{where}: {row.text}: {row.message}")
        text.append("\n")
    if len(shown) < report.row_count:
        text.append(f"({report.row_count - len(shown):,} more rows not shown)\n", style="dim")
    verb = "Would import" if report.dry_run else "Imported"
    to = f" to {report.site}" + (f" for {report.occupier}" if report.occupier else "")
    if report.ok:
        text.append(f"{verb} {report.total:,} {report.origin} numbers{to}.", style="bold")
        if report.dry_run:
            text.append("  Nothing is written until you press ctrl+s.", style="italic")
    elif report.row_count:
        text.append(
            f"{report.refused:,} of {report.row_count:,} rows refused: nothing can be imported.",
            style="bold red",
        )
    else:
        text.append("The file holds no numbers.", style="bold red")
    return text


class ImportNumbersScreen(ConfirmOrCancel, Screen[str | None]):
    HELP_TITLE = "Import numbers"
    PURPOSE = (
        "Add numbers to a site's pool (or an occupier's ported or custom numbers) from a "
        "range or a CSV file. A dry run checks every row first; nothing is written until you "
        "confirm."
    )
    WORDS = ("pool", "origin", "available")
    CSS_PATH = ["lists.tcss", "telephony.tcss"]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "confirm", "Import", id="telephony.import.confirm", priority=True),
        Binding("escape", "cancel", "Cancel", id="telephony.import.cancel"),
    ]

    def __init__(self, site: str) -> None:
        super().__init__()
        self.site = site
        self.checked: Checked | None = None  # the form whose dry run passed, and its rows
        self.write = OneWrite()
        self.unsure = False  # an import failed midway: the screen below reads numbers again

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        yield Static(plain(f"Import numbers to {self.site}", "bold"), classes="screen-title")
        with Vertical(id="import-form"):
            yield self._row(
                "Import",
                Select(
                    [("a range of numbers", "range"), ("a CSV file", "file")],
                    value="range",
                    allow_blank=False,
                    id="mode",
                    compact=True,
                ),
            )
            yield self._row(
                "First", TextInput(placeholder="first number, e.g. 020 7946 0600", id="first")
            )
            yield self._row("Last", TextInput(placeholder="last number; empty: one", id="last"))
            yield self._row(
                "File", TextInput(placeholder="CSV: first,last,main_candidate,note", id="file")
            )
            yield self._row(
                "Origin",
                Select(
                    [(o.value, o.value) for o in Origin],
                    value="pool",
                    allow_blank=False,
                    id="origin",
                    compact=True,
                ),
            )
            yield self._row(
                "Occupier",
                Select[str]([], prompt="none: into the site pool", id="occupier", compact=True),
            )
            yield self._row("Note", TextInput(placeholder="e.g. ported from BT", id="note"))
        yield Static(plain("Dry run", "bold"), classes="import-section")
        with VerticalScroll(id="import-report-box"):
            yield Static(plain("Type a range, or choose a CSV file.", "dim"), id="import-report")
        with Horizontal(classes="dialog-buttons"):
            yield Button(
                "Import (ctrl+s)", variant="primary", id="confirm", disabled=True, compact=True
            )
            yield Button("Cancel (esc)", id="cancel", compact=True)
        yield ConsoleFooter()

    @staticmethod
    def _row(label: str, field: Any) -> Horizontal:
        if isinstance(field, TextInput):
            field.compact = True
        return Horizontal(
            Label(label, classes="dialog-label"),
            field,
            classes="dialog-field",
            id=f"row-{field.id}",
        )

    def on_mount(self) -> None:
        app: Any = self.app
        self._show_mode()
        call_service(self, lambda: list_occupiers_at(app.db, self.site), self._show_occupiers)
        self.query_one("#first", TextInput).focus()

    def _show_occupiers(self, found: list[OccupierAtSite]) -> None:
        self.query_one("#occupier", Select).set_options(occupier_options(found))

    def form(self) -> Form:
        def text(name: str) -> str:
            return self.query_one(f"#{name}", TextInput).value.strip()

        occupier = self.query_one("#occupier", Select).value
        return Form(
            mode=str(self.query_one("#mode", Select).value),
            first=text("first"),
            last=text("last"),
            file=text("file"),
            note=text("note"),
            origin=str(self.query_one("#origin", Select).value),
            occupier=None if occupier is Select.NULL else str(occupier),
        )

    def _show_mode(self) -> None:
        from_file = self.query_one("#mode", Select).value == "file"
        for name in ("first", "last", "note"):
            self.query_one(f"#row-{name}").display = not from_file
        self.query_one("#row-file").display = from_file

    @on(Select.Changed, "#mode")
    def mode_changed(self) -> None:
        self._show_mode()

    @on(Select.Changed)
    @on(TextInput.Changed)
    def preview(self) -> None:
        """The form changed: check it again once the user pauses (each change starts over)."""
        self.checked = None
        self.query_one("#confirm", Button).disabled = True
        form = self.form()
        if what := form.missing():
            self.workers.cancel_group(self, "preview")
            self._say(plain(f"Type {what}.", "dim"))
            return
        call_service(
            self,
            lambda: self._dry_run(form),
            lambda found: self._previewed(form, *found),
            refused=lambda err: self._refused(form, err),
            group="preview",
            exclusive=True,  # a newer change cancels this one, also while it waits
        )

    async def _dry_run(self, form: Form) -> tuple[list[ImportRow], ImportReport]:
        await asyncio.sleep(PREVIEW_DELAY)
        if form.from_file:
            rows = await read_rows(form.file)
        else:
            rows = [ImportRow(1, form.first, form.last, "", form.note)]
        return rows, await self._import(form, rows, dry_run=True)

    async def _import(self, form: Form, rows: list[ImportRow], *, dry_run: bool) -> ImportReport:
        app: Any = self.app
        return await import_numbers(
            app.db,
            app.actor,
            rows,
            site=self.site,
            origin=form.origin,
            occupier=form.occupier,
            dry_run=dry_run,
        )

    def _previewed(self, form: Form, rows: list[ImportRow], report: ImportReport) -> None:
        if form != self.form():
            return  # the user has typed on since
        self._say(report_text(report, from_file=form.from_file))
        self.checked = Checked(form, rows, report)
        self.query_one("#confirm", Button).disabled = False

    def _refused(self, form: Form, err: VoiceconsoleError) -> None:
        if form != self.form():
            return
        self.checked = None
        self.query_one("#confirm", Button).disabled = True
        if isinstance(err, ImportRefused):
            self._say(report_text(err.report, from_file=form.from_file))
        else:
            self._say(plain(f"Refused: {err}", "bold red"))

    def _say(self, text: Text) -> None:
        self.query_one("#import-report", Static).update(text)

    def action_confirm(self) -> None:
        """Import exactly the rows whose dry run is on screen; never twice at once."""
        checked = self.checked
        if self.write.busy or checked is None or checked.form != self.form():
            self.app.bell()
            return

        def failed(err: BaseException) -> None:
            self.unsure = True
            if self.checked is not checked:  # typed on since: that preview is on screen
                self.notify(UNSURE, severity="error", markup=False)
                return
            report = report_text(checked.report, from_file=checked.form.from_file)
            self._say(report.append("\n").append(UNSURE, style="bold red"))
            self.query_one("#confirm", Button).disabled = False

        started = self.write.call(
            self,
            lambda: self._import(checked.form, checked.rows, dry_run=False),
            self._imported,
            refused=lambda err: self._refused(checked.form, err),
            failed=failed,
        )
        if started:
            self.query_one("#confirm", Button).disabled = True

    def _imported(self, report: ImportReport) -> None:
        to = f" for {report.occupier}" if report.occupier else ""
        rows = report.row_count
        self.dismiss(
            f"Imported {report.total:,} {report.origin} numbers to {report.site}{to} "
            f"({rows} row{'s' if rows > 1 else ''})"
        )

    def action_cancel(self) -> None:
        if self.write.busy:
            self.app.bell()  # closing now would hide whether it was done
            return
        self.dismiss(None)
