"""Dialogs of the handset inventory: add a handset, edit it, move it to another occupier (or
back to stock), mark it faulty, retired or back in stock, import many from a CSV file.

Each is a form over one service call (form_dialog.py); a refusal stays in the dialog. Those
that log lines out say which numbers before anything is done. The import takes two steps: a
dry run with a report per row, then, on a second ctrl+s, the import of exactly the rows that
were checked, if the file is still the same (a changed file is checked again instead).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Button, Select, Static

from voiceconsole.domain.errors import VoiceconsoleError
from voiceconsole.domain.handsets import HandsetState
from voiceconsole.domain.phone import national
from voiceconsole.domain.words import counted
from voiceconsole.services.handsets import (
    IMPORT_COLUMNS,
    UNSET,
    HandsetImportRefused,
    HandsetImportReport,
    HandsetView,
    InventoryResult,
    add_handset,
    edit_handset,
    handset_csv_rows,
    import_handsets,
    move_handset,
    set_handset_state,
)
from voiceconsole.services.views import OccupierAtSite
from voiceconsole.tui.csv_file import load_text
from voiceconsole.tui.screens.form_dialog import FieldsDialog
from voiceconsole.tui.screens.handset_rows import STATE_WORDS, method_words
from voiceconsole.tui.screens.number_rows import occupier_options
from voiceconsole.tui.text import Said, plain
from voiceconsole.tui.widgets.fields import TextInput

STOCK = "\x00stock"  # the occupier Select's "no occupier": in stock

# A handset file is a few thousand rows at most; bigger files are refused before reading.
MAX_FILE_BYTES = 5_000_000
# A report of a big file is long; the first rows and the refused ones tell the story.
SHOWN_ROWS = 200


class InventoryDialog(FieldsDialog):
    CSS_PATH = "handset_inventory.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s", "confirm", "Confirm", id="handset_inventory.dialog.confirm", priority=True
        ),
        Binding("escape", "cancel", "Cancel", id="handset_inventory.dialog.cancel"),
    ]
    box_class = "dialog-box inventory-dialog"


def lines_text(handset: HandsetView) -> str:
    """Its lines, by number and key, in words."""
    return ", ".join(f"{national(e164)} (line {key})" for key, e164, _ in handset.lines)


def logged_out_warning(handset: HandsetView) -> Text:
    """What the change does to the handset's lines, said before it is done."""
    if not handset.lines:
        return plain("It has no lines logged in.", "dim")
    lines = len(handset.lines)
    said = "Its line is" if lines == 1 else f"Its {lines} lines are"
    text = plain(f"{said} logged out: ", "bold yellow")
    text.append(lines_text(handset))
    text.append(".")
    return text


def phone_told(result: InventoryResult) -> str:
    """What the phone was told of its lines' going, for the closing sentence."""
    if not result.logged_out:
        return ""
    numbers = ", ".join(national(e) for e in result.logged_out)
    out = f"; {counted(len(result.logged_out), 'line')} logged out ({numbers})"
    if result.resync is None:
        return f"{out}: a manual model, log them out on the phone itself"
    if result.resync.resynced:
        return f"{out}: the phone was told"
    return f"{out}: {result.resync.reason}"


def inventory_said(text: str, result: InventoryResult) -> Said:
    """The closing sentence, titled "Partly done" when the phone was not told of its lines'
    going (the handset's record changed; the phone still has them)."""
    told = result.resync is None or result.resync.resynced or not result.logged_out
    return Said(text, "Done" if told else "Partly done")


def holder_words(handset: HandsetView) -> str:
    return f"with {handset.occupier}" if handset.occupier else "in stock"


def about(handset: HandsetView) -> str:
    """One handset in a few words: name, MAC, model, where it is."""
    mac = f", MAC {handset.mac}" if handset.label else ""
    return (
        f"{handset.name}{mac} ({handset.model}, {method_words(handset.login_method)}) is "
        f"{STATE_WORDS.get(handset.state, handset.state)}"
        + (f", {holder_words(handset)}" if handset.occupier else "")
    )


def model_options(steps: dict[str, str]) -> list[tuple[Text, str]]:
    """The device models by code, each saying how it logs in (steps: manual models')."""
    return [
        (plain(f"{code}  {'manual login' if steps[code] else 'remote'}"), code)
        for code in sorted(steps)
    ]


class AddHandsetDialog(InventoryDialog):
    """A new handset at the site: for an occupier (deployed) or into stock."""

    title_text = "Add a handset"
    confirm_label = "Add"

    def __init__(self, site: str, steps: dict[str, str], occupiers: list[OccupierAtSite]) -> None:
        super().__init__()
        self.site = site
        self.steps = steps  # device model code -> what to type on a manual model ("")
        self.occupiers = occupiers
        self.added: HandsetView | None = None

    def body(self) -> ComposeResult:
        yield Static(
            plain(
                f"At {self.site}. Without an occupier it goes into stock; given to an "
                "occupier it is deployed, ready for its numbers to be logged in."
            ),
            classes="dialog-text",
        )
        yield from self.field(
            "MAC", TextInput(placeholder="e.g. 02:cc:01:01:00:11", id="mac", compact=True)
        )
        yield from self.field(
            "Model",
            Select[str](
                model_options(self.steps), prompt="choose a model", id="model", compact=True
            ),
        )
        options = [(plain("in stock (no occupier)"), STOCK), *occupier_options(self.occupiers)]
        yield from self.field(
            "Occupier",
            Select[str](options, value=STOCK, allow_blank=False, id="occupier", compact=True),
        )
        yield from self.field(
            "Floor port",
            TextInput(placeholder="e.g. 1F-011; empty: not known", id="floor-port", compact=True),
        )
        yield from self.field(
            "Label", TextInput(placeholder="e.g. Acme desk 3", id="label", compact=True)
        )
        yield from self.field(
            "SIP address",
            TextInput(
                placeholder="host[:port] it is told to re-sync at; empty: none",
                id="sip-address",
                compact=True,
            ),
        )

    def on_mount(self) -> None:
        self.query_one("#mac", TextInput).focus()

    def submit(self) -> Callable[[], Awaitable[Any]] | None:
        mac = self.value("#mac")
        model = self.query_one("#model", Select).value
        if not mac or model is Select.NULL:
            self.say("Give the handset's MAC and choose its model.", "bold red")
            return None
        occupier = self.query_one("#occupier", Select).value
        app: Any = self.app
        form = {
            "mac": mac,
            "model": str(model),
            "site": self.site,
            "occupier": None if occupier in (STOCK, Select.NULL) else str(occupier),
            "floor_port": self.value("#floor-port") or None,
            "label": self.value("#label"),
            "sip_address": self.value("#sip-address") or None,
        }
        return lambda: add_handset(app.db, app.actor, **form)

    def said(self, result: HandsetView) -> str:
        self.added = result
        where = f"for {result.occupier}" if result.occupier else "in stock"
        return f"Added {result.name} ({result.mac}, {result.model}) {where} at {result.site}"


class EditHandsetDialog(InventoryDialog):
    """What is known of a handset: its label, floor port and SIP address."""

    title_text = "Edit a handset"
    confirm_label = "Save"

    def __init__(self, handset: HandsetView) -> None:
        super().__init__()
        self.handset = handset

    def body(self) -> ComposeResult:
        h = self.handset
        yield Static(plain(f"{about(h)}."), classes="dialog-text")
        yield from self.field(
            "Label",
            TextInput(value=h.label, placeholder="empty: its MAC", id="label", compact=True),
        )
        yield from self.field(
            "Floor port",
            TextInput(
                value=h.floor_port or "",
                placeholder="e.g. 1F-011; empty: not known",
                id="floor-port",
                compact=True,
            ),
        )
        yield from self.field(
            "SIP address",
            TextInput(
                value=h.sip_address or "",
                placeholder="host[:port] it is told to re-sync at; empty: none",
                id="sip-address",
                compact=True,
            ),
        )

    def on_mount(self) -> None:
        self.query_one("#label", TextInput).focus()

    def changes(self) -> dict[str, Any]:
        """Only what was changed: a field left as it was is not sent."""
        h, found = self.handset, {}
        label, port, address = (
            self.value("#label"),
            self.value("#floor-port"),
            self.value("#sip-address"),
        )
        if label != h.label:
            found["label"] = label
        if port.upper() != (h.floor_port or "").upper():
            found["floor_port"] = port or None
        if address != (h.sip_address or ""):
            found["sip_address"] = address or None
        return found

    def submit(self) -> Callable[[], Awaitable[Any]] | None:
        changes = self.changes()
        if not changes:
            self.say("Nothing is changed: change a field, or esc.", "bold red")
            return None
        app: Any = self.app
        fields = {"floor_port": UNSET, "sip_address": UNSET, **changes}
        return lambda: edit_handset(app.db, app.actor, handset=self.handset.id, **fields)

    def said(self, result: HandsetView) -> str:
        words = {"label": "label", "floor_port": "floor port", "sip_address": "SIP address"}
        changed = ", ".join(words[k] for k in self.changes())
        return f"Changed {result.name}: {changed}"


class MoveHandsetDialog(InventoryDialog):
    """Give a handset to another occupier of the site, or back to stock; its lines go."""

    title_text = "Move a handset"
    confirm_label = "Move"

    def __init__(self, handset: HandsetView, occupiers: list[OccupierAtSite]) -> None:
        super().__init__()
        self.handset = handset
        self.occupiers = occupiers

    def body(self) -> ComposeResult:
        h = self.handset
        yield Static(plain(f"{about(h)}."), classes="dialog-text")
        options = [] if h.occupier is None else [(plain("back to stock (no occupier)"), STOCK)]
        options += occupier_options([o for o in self.occupiers if o.code != h.occupier])
        yield from self.field(
            "To", Select[str](options, prompt="choose where it goes", id="to", compact=True)
        )
        warning = logged_out_warning(h)
        if h.lines:
            owner = h.occupier or "its occupier"
            warning.append(f" The numbers are {owner}'s: they stay with {owner}, on no handset.")
        yield Static(warning, classes="dialog-text", id="lines-out")

    def on_mount(self) -> None:
        self.query_one("#to", Select).focus()

    def submit(self) -> Callable[[], Awaitable[Any]] | None:
        to = self.query_one("#to", Select).value
        if to is Select.NULL:
            self.say("Choose the occupier it goes to, or back to stock.", "bold red")
            return None
        occupier = None if to == STOCK else str(to)
        app: Any = self.app
        return lambda: move_handset(app.db, app.actor, handset=self.handset.id, occupier=occupier)

    def said(self, result: InventoryResult) -> str:
        view = result.handset
        to = f"to {view.occupier}" if view.occupier else "back to stock"
        return inventory_said(f"Moved {view.name} {to}{phone_told(result)}", result)


MARKS = {
    HandsetState.FAULTY.value: ("Mark a handset faulty", "Mark faulty", "e.g. no dial tone"),
    HandsetState.RETIRED.value: ("Retire a handset", "Retire", "e.g. screen cracked, scrapped"),
    HandsetState.IN_STOCK.value: (
        "Put a handset back in stock",
        "Back in stock",
        "e.g. repaired; returned by the occupier",
    ),
}


class MarkHandsetDialog(InventoryDialog):
    """Mark a handset faulty or retired (its lines logged out), or back in stock."""

    def __init__(self, handset: HandsetView, state: str) -> None:
        super().__init__()
        self.handset = handset
        self.to_state = state
        self.title_text, self.confirm_label, self.hint = MARKS[state]

    def what_happens(self) -> Text:
        h, state = self.handset, self.to_state
        text = plain(f"{about(h)}. ")
        if state == HandsetState.FAULTY.value:
            text.append(
                "Marked faulty it cannot be given out; once repaired, s puts it back in stock."
            )
        elif state == HandsetState.RETIRED.value:
            text.append("Retired is final: ", style="bold red")
            text.append("it can never be given out or put back in stock again.")
        elif h.state == HandsetState.FAULTY.value:
            text.append("Repaired, it goes back to stock, ready to be given out.")
        elif h.occupier:
            text.append(f"It leaves {h.occupier} and goes back to stock.")
        if state != HandsetState.IN_STOCK.value or h.occupier or h.lines:
            text.append("\n")
            text.append_text(logged_out_warning(h))
        return text

    def body(self) -> ComposeResult:
        yield Static(self.what_happens(), classes="dialog-text", id="what-happens")
        yield from self.field(
            "Reason",
            TextInput(placeholder=f"for the journal, {self.hint}", id="reason", compact=True),
        )

    def on_mount(self) -> None:
        self.query_one("#reason", TextInput).focus()

    def submit(self) -> Callable[[], Awaitable[Any]]:
        app: Any = self.app
        reason = self.value("#reason")
        return lambda: set_handset_state(
            app.db, app.actor, handset=self.handset.id, state=self.to_state, reason=reason
        )

    def said(self, result: InventoryResult) -> str:
        word = STATE_WORDS.get(self.to_state, self.to_state)
        verb = "put back" if self.to_state == HandsetState.IN_STOCK.value else "marked"
        return inventory_said(f"{result.handset.name} {verb} {word}{phone_told(result)}", result)


# --- the CSV import --------------------------------------------------------------------------


def report_text(report: HandsetImportReport, rows: list[dict[str, str]]) -> Text:
    """The per-row report: each handset the row adds and where, or why it is refused."""
    text = Text()
    bad = [r for r in report.rows if not r.ok]
    shown = report.rows if len(report.rows) <= SHOWN_ROWS else bad[:SHOWN_ROWS]
    for row in shown:
        given = rows[row.line - 2] if 0 <= row.line - 2 < len(rows) else {}
        if row.ok:
            text.append("ok   ", style="bold green")
            where = (given.get("occupier") or "").strip() or "in stock"
            label = (given.get("label") or "").strip()
            model = (given.get("model") or "").strip()
            text.append(f"line {row.line}: {row.mac} {model}, {where}")
            if label:
                text.append(f", {label!r}")
        else:
            text.append("ERR  ", style="bold red")
            text.append(f"line {row.line}: {row.mac or '(no MAC)'}: {row.message}")
        text.append("\n")
    if len(shown) < len(report.rows):
        text.append(
            f"({counted(len(report.rows) - len(shown), 'more row')} not shown)\n", style="dim"
        )
    if report.ok:
        verb = "Would import" if report.dry_run else "Imported"
        text.append(
            f"{verb} {counted(len(report.rows), 'handset')} to {report.site}.", style="bold"
        )
    else:
        text.append(
            f"{len(bad)} of {counted(len(report.rows), 'row')} refused: nothing can be imported.",
            style="bold red",
        )
    return text


@dataclass(frozen=True)
class Checked:
    """A file whose dry run passed: its path, its text then, and the rows that were checked."""

    path: str
    text: str
    rows: list[dict[str, str]]
    report: HandsetImportReport


@dataclass(frozen=True)
class Imported:
    report: HandsetImportReport


class ImportHandsetsDialog(InventoryDialog):
    """Handsets from a CSV file: ctrl+s runs a dry run and shows a report per row; a second
    ctrl+s imports exactly those rows if the dry run passed and the file is unchanged."""

    title_text = "Import handsets from a CSV file"
    confirm_label = "Dry run"

    def __init__(self, site: str) -> None:
        super().__init__()
        self.site = site
        self.checked: Checked | None = None
        self._rows: list[dict[str, str]] = []  # the rows last checked, for a refusal's report

    def body(self) -> ComposeResult:
        yield Static(
            plain(
                f"To {self.site}. The first line names the columns: "
                f"{', '.join(IMPORT_COLUMNS)} (a site column may be there). A row without an "
                "occupier goes into stock. All rows or none are imported."
            ),
            classes="dialog-text",
        )
        yield from self.field(
            "CSV file", TextInput(placeholder="path of the file", id="path", compact=True)
        )
        with VerticalScroll(id="import-report-box"):
            yield Static(
                plain(
                    "ctrl+s checks the file (a dry run: nothing is written) and shows what "
                    "each row would add; ctrl+s again then imports it.",
                    "dim",
                ),
                id="import-report",
            )

    def on_mount(self) -> None:
        self.query_one("#path", TextInput).focus()

    def on_input_changed(self) -> None:
        # Another path: another file, to check before importing.
        if self.checked is not None:
            self.checked = None
            self._label("Dry run")

    def on_input_submitted(self, event: TextInput.Submitted) -> None:
        event.prevent_default()  # not the base class's: it would confirm, so import
        if self.checked is not None:
            self.app.bell()  # Enter never imports: ctrl+s does
            return
        self.action_confirm()

    def _label(self, word: str) -> None:
        self.confirm_label = word
        self.query_one("#confirm", Button).label = f"{word} (ctrl+s)"
        self.refresh_bindings()  # the footer names the key as the button does

    def _report(self, text: Text) -> None:
        self.query_one("#import-report", Static).update(text)

    def submit(self) -> Callable[[], Awaitable[Any]] | None:
        path = self.value("#path")
        if not path:
            self.say("Type the path of a CSV file.", "bold red")
            return None
        checked = self.checked
        if checked is not None and checked.path == path:
            return lambda: self._import_if_unchanged(checked)
        return lambda: self._dry_run(path)

    async def _dry_run(self, path: str, text: str | None = None) -> Checked:
        if text is None:
            text = await asyncio.to_thread(load_text, path, MAX_FILE_BYTES)
        rows = handset_csv_rows(text, self.site)
        self._rows = rows  # for the report of a refusal
        app: Any = self.app
        report = await import_handsets(app.db, app.actor, rows, site=self.site, dry_run=True)
        return Checked(path, text, rows, report)

    async def _import_if_unchanged(self, checked: Checked) -> Checked | Imported:
        text = await asyncio.to_thread(load_text, checked.path, MAX_FILE_BYTES)
        if text != checked.text:
            return await self._dry_run(checked.path, text)  # changed since: check it again
        app: Any = self.app
        report = await import_handsets(app.db, app.actor, checked.rows, site=self.site)
        return Imported(report)

    def _done(self, result: Checked | Imported) -> None:
        if isinstance(result, Imported):
            self.dismiss(self.said(result.report))
            return
        again = self.checked is not None
        self.checked = result
        self._report(report_text(result.report, result.rows))
        self.query_one("#confirm", Button).disabled = False
        self._label("Import")
        if again:
            self.say(
                "The file changed since the dry run: this is a new one. ctrl+s imports it.",
                "bold yellow",
            )
        else:
            self.say("Dry run passed: nothing is written until ctrl+s.", "italic")

    def _refused(self, err: VoiceconsoleError) -> None:
        self.checked = None
        self._label("Dry run")
        self.query_one("#confirm", Button).disabled = False
        if isinstance(err, HandsetImportRefused):
            self._report(report_text(err.report, self._rows))
            self.say("Fix the refused rows in the file, then ctrl+s checks it again.", "bold red")
        else:
            self._report(plain(""))
            self.say(f"Refused: {err}", "bold red")

    def said(self, result: HandsetImportReport) -> str:
        return f"Imported {counted(len(result.rows), 'handset')} to {result.site}"
