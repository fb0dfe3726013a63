"""The export dialog of the occupier screen: what (numbers, handsets, floor ports, all),
which sites (this one or every site where the occupier has anything), CSV or JSON, and where.

The file name is proposed from those choices and the day (`services/exports.default_name`),
in the console's working directory, and follows the choices until the user types another.
CSV of every kind is three files: the name is then a directory (made if need be). The file is
written in a worker; a refusal (a path that cannot be written) stays in the dialog.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Label, Select, Static

from voiceconsole.services.exports import (
    ALL,
    ExportFormat,
    ExportResult,
    default_name,
    export_day,
    export_to_files,
)
from voiceconsole.tui.screens.form_dialog import FieldsDialog
from voiceconsole.tui.text import plain
from voiceconsole.tui.widgets.fields import TextInput

KINDS = [
    ("Numbers", "numbers"),
    ("Handsets", "handsets"),
    ("Floor ports", "ports"),
    ("All three", ALL),
]
FORMATS = [("CSV (a spreadsheet)", "csv"), ("JSON", "json")]
EVERY_SITE = "\x00every"


class ExportDialog(FieldsDialog):
    """Export an occupier's numbers, handsets or floor ports to a file."""

    CSS_PATH = "export_dialog.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "confirm", "Export", id="export.dialog.confirm", priority=True),
        Binding("escape", "cancel", "Cancel", id="export.dialog.cancel"),
    ]
    title_text = "Export"
    confirm_label = "Export"
    box_class = "dialog-box export-dialog"
    unsure_text = "It failed midway (see the error): no file was left behind."

    def __init__(self, occupier: str, site: str) -> None:
        super().__init__()
        self.occupier = occupier
        self.site = site
        self.day = export_day()
        self.proposed = ""

    def body(self) -> ComposeResult:
        yield Static(plain(f"{self.occupier}, for billing or handover"), classes="dialog-text")
        yield from self.field(
            "What", Select[str](KINDS, value="numbers", allow_blank=False, id="kind", compact=True)
        )
        sites = [(f"{self.site} only", self.site), ("Every site it is at", EVERY_SITE)]
        yield from self.field(
            "Sites",
            Select[str](sites, value=self.site, allow_blank=False, id="sites", compact=True),
        )
        yield from self.field(
            "Format",
            Select[str](FORMATS, value="csv", allow_blank=False, id="format", compact=True),
        )
        with Horizontal(classes="dialog-field"):
            yield Label("File", classes="dialog-label", id="path-label")
            yield TextInput(id="path", compact=True)
        yield Static("", id="path-note", classes="dialog-text")

    def on_mount(self) -> None:
        self._propose()
        self.query_one("#kind", Select).focus()

    def _choice(self, selector: str) -> str:
        return str(self.query_one(selector, Select).value)

    def _site(self) -> str | None:
        chosen = self._choice("#sites")
        return None if chosen == EVERY_SITE else chosen

    def _directory(self) -> bool:
        return self._choice("#kind") == ALL and self._choice("#format") == ExportFormat.CSV

    def _propose(self) -> None:
        """The name for the choices made, unless the user typed another."""
        kind, fmt = self._choice("#kind"), self._choice("#format")
        if self._directory():
            name = default_name(self.occupier, self._site(), "x", "csv", self.day)
            name = name.replace("-x-", "-").removesuffix(".csv")
        else:
            name = default_name(self.occupier, self._site(), kind, fmt, self.day)
        field = self.query_one("#path", TextInput)
        if field.value in ("", self.proposed):
            field.value = name
        self.proposed = name
        self.query_one("#path-label", Label).update("Directory" if self._directory() else "File")
        self.query_one("#path-note", Static).update(
            plain(
                "Three CSV files, one per kind, go into this directory (made if need be)."
                if self._directory()
                else "A name without a folder goes where the console was started.",
                "dim",
            )
        )

    def on_select_changed(self) -> None:
        if self.is_mounted:
            self._propose()

    def submit(self) -> Callable[[], Awaitable[Any]] | None:
        path = self.value("#path")
        if not path:
            self.say("Name the file to write.", "bold red")
            return None
        app: Any = self.app
        kind, fmt, site = self._choice("#kind"), self._choice("#format"), self._site()
        return lambda: export_to_files(
            app.db, self.occupier, site=site, kind=kind, fmt=fmt, out=Path(path)
        )

    def said(self, result: ExportResult) -> str:
        text = result.sentence()
        return text[:1].upper() + text[1:]
