"""Import numbers to a site: a range typed in, or a CSV file, with a live dry run.

The preview is the import itself run as a dry run (same checks, rolled back): a per-row report
of what would be added and of every row that is refused and why. Import is offered only when
the dry run of exactly what is on screen passed; the import is one transaction, all or nothing.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Label, Select, Static

from voiceconsole.domain.errors import InvalidInput, VoiceconsoleError
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
from voiceconsole.tui.text import plain
from voiceconsole.tui.widgets.fields import TextInput
from voiceconsole.tui.work import call_service

# A report of a big file is long; the first rows and the refused ones tell the story.
SHOWN_ROWS = 200

Form = tuple[str, str, str, str, str, str, str | None]  # what the preview was made of


async def read_rows(path_text: str) -> list[ImportRow]:
    """The rows of a CSV file, or a refusal saying why it cannot be read."""
    path = Path(path_text.strip()).expanduser()
    try:
        raw = await asyncio.to_thread(path.read_bytes)
        text = raw.decode("utf-8-sig")
    except OSError as err:
        raise InvalidInput(f"cannot read {path}: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not UTF-8 text; save the CSV as UTF-8") from None
    return read_csv(text)


def report_text(report: ImportReport, *, from_file: bool) -> Text:
    """The per-row report: what each row adds, or why it is refused."""
    text = Text()
    bad = [r for r in report.rows if not r.ok]
    shown = report.rows if len(report.rows) <= SHOWN_ROWS else bad[:SHOWN_ROWS]
    for row in shown:
        where = f"line {row.line}" if from_file else "range"
        if row.ok:
            text.append("ok   ", style="bold green")
            text.append(f"{where}: {row.text}: {row.size:,} number{'s' if row.size > 1 else ''}")
        else:
            text.append("ERR  ", style="bold red")
            text.append(f"{where}: {row.text}: {row.message}")
        text.append("\n")
    if len(shown) < len(report.rows):
        text.append(f"({len(report.rows) - len(shown):,} more rows not shown)\n", style="dim")
    verb = "Would import" if report.dry_run else "Imported"
    to = f" to {report.site}" + (f" for {report.occupier}" if report.occupier else "")
    if report.ok:
        text.append(f"{verb} {report.total:,} {report.origin} numbers{to}.", style="bold")
        if report.dry_run:
            text.append("  Nothing is written until you press ctrl+s.", style="italic")
    elif report.rows:
        text.append(
            f"{len(bad)} of {len(report.rows)} rows refused: nothing can be imported.",
            style="bold red",
        )
    else:
        text.append("The file holds no numbers.", style="bold red")
    return text


class ImportNumbersScreen(Screen[str | None]):
    CSS_PATH = ["lists.tcss", "telephony.tcss"]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "confirm", "Import", id="telephony.import.confirm", priority=True),
        Binding("escape", "cancel", "Cancel", id="telephony.import.cancel"),
    ]

    def __init__(self, site: str) -> None:
        super().__init__()
        self.site = site
        self.checked: Form | None = None  # the form whose dry run passed
        self.importing = False

    def compose(self) -> ComposeResult:
        yield Header(icon="☎")
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
        yield Footer(compact=True)

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
        select = self.query_one("#occupier", Select)
        select.set_options([(plain(f"{o.code}  {o.name}"), o.code) for o in found])

    def form(self) -> Form:
        def text(name: str) -> str:
            return self.query_one(f"#{name}", TextInput).value.strip()

        occupier = self.query_one("#occupier", Select).value
        return (
            str(self.query_one("#mode", Select).value),
            text("first"),
            text("last"),
            text("file"),
            text("note"),
            str(self.query_one("#origin", Select).value),
            None if occupier is Select.NULL else str(occupier),
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
        self.checked = None
        self.query_one("#confirm", Button).disabled = True
        form = self.form()
        mode, first, _, file, *_ = form
        if (mode == "range" and not first) or (mode == "file" and not file):
            what = "the first number of the range" if mode == "range" else "the path of a CSV file"
            self._say(plain(f"Type {what}.", "dim"))
            return
        call_service(
            self,
            lambda: self._import(form, dry_run=True),
            lambda report: self._previewed(form, report),
            refused=lambda err: self._refused(form, err),
            group="preview",
            exclusive=True,
        )

    async def _import(self, form: Form, *, dry_run: bool) -> ImportReport:
        mode, first, last, file, note, origin, occupier = form
        if mode == "file":
            rows = await read_rows(file)
        else:
            rows = [ImportRow(1, first, last, "", note)]
        app: Any = self.app
        return await import_numbers(
            app.db,
            app.actor,
            rows,
            site=self.site,
            origin=origin,
            occupier=occupier,
            dry_run=dry_run,
        )

    def _previewed(self, form: Form, report: ImportReport) -> None:
        if form != self.form():
            return  # the user has typed on since
        self._say(report_text(report, from_file=form[0] == "file"))
        self.checked = form
        self.query_one("#confirm", Button).disabled = False

    def _refused(self, form: Form, err: VoiceconsoleError) -> None:
        if form != self.form():
            return
        self.query_one("#confirm", Button).disabled = True
        if isinstance(err, ImportRefused):
            self._say(report_text(err.report, from_file=form[0] == "file"))
        else:
            self._say(plain(f"Refused: {err}", "bold red"))

    def _say(self, text: Text) -> None:
        self.query_one("#import-report", Static).update(text)

    def on_input_submitted(self) -> None:
        self.action_confirm()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "confirm":
            self.action_confirm()
        else:
            self.action_cancel()

    def action_confirm(self) -> None:
        form = self.checked
        if form is None or form != self.form():
            self.app.bell()
            return
        self.query_one("#confirm", Button).disabled = True
        self.importing = True

        def refused(err: VoiceconsoleError) -> None:
            self.importing = False
            self._refused(form, err)

        call_service(
            self,
            lambda: self._import(form, dry_run=False),
            self._imported,
            refused=refused,
            group="commit",
        )

    def _imported(self, report: ImportReport) -> None:
        to = f" for {report.occupier}" if report.occupier else ""
        rows = len(report.rows)
        self.dismiss(
            f"Imported {report.total:,} {report.origin} numbers to {report.site}{to} "
            f"({rows} row{'s' if rows > 1 else ''})"
        )

    def action_cancel(self) -> None:
        if self.importing:
            self.app.bell()  # closing now would hide whether it was done
            return
        self.dismiss(None)
