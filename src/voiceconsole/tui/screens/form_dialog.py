"""The dialog every one-call form is built on: a title, a body, a line for refusals, and
Confirm / Cancel buttons.

Subclasses give `body()`, `submit()` (the service call) and `said()` (the sentence the
dialog closes with). One write at a time: while it runs, Confirm is disabled and esc only
rings the bell. A refusal stays in the dialog, in words, so the user can change the choice or
cancel. `unsure` is set when a write failed midway, for the screen to read its rows again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from voiceconsole.domain.errors import VoiceconsoleError
from voiceconsole.tui.screens.form_buttons import ConfirmOrCancel
from voiceconsole.tui.text import plain
from voiceconsole.tui.widgets.fields import TextInput
from voiceconsole.tui.widgets.footer import ConsoleFooter
from voiceconsole.tui.work import OneWrite


class FormDialog(ConfirmOrCancel, ModalScreen[str | None]):
    title_text = ""
    confirm_label = "Confirm"
    offers_confirm = True  # False: there is nothing to do, the dialog only tells why
    # The classes of the box: "dialog-box" takes the shared box styles (app.tcss), a class of
    # its own the screen's styles.
    box_class = "dialog"
    # What a failure midway may have left, and what to do about it (each screen says its own).
    unsure_text = "It failed midway (see the error): it may or may not have been done."

    def __init__(self) -> None:
        super().__init__()
        self.write = OneWrite()
        self.unsure = False

    def compose(self) -> ComposeResult:
        with Vertical(classes=self.box_class):
            yield Static(plain(self.title_text, "bold"), classes="dialog-title")
            yield from self.body()
            yield Static("", id="dialog-status", classes="-empty")
            with Horizontal(classes="dialog-buttons"):
                if self.offers_confirm:
                    yield Button(
                        f"{self.confirm_label} (ctrl+s)",
                        variant="primary",
                        id="confirm",
                        compact=True,
                    )
                    yield Button("Cancel (esc)", id="cancel", compact=True)
                else:
                    yield Button("Close (esc)", id="cancel", compact=True)
        yield ConsoleFooter()

    def body(self) -> ComposeResult:
        yield from ()

    def submit(self) -> Callable[[], Awaitable[Any]] | None:
        """The service call to make, or None (after saying why) when the form is not ready."""
        raise NotImplementedError

    def said(self, result: Any) -> str:
        raise NotImplementedError

    def refusal_word(self, err: VoiceconsoleError) -> str:
        return "Refused"

    def say(self, text: str | Text, style: str = "") -> None:
        status = self.query_one("#dialog-status", Static)
        status.update(text if isinstance(text, Text) else plain(text, style))
        status.set_class(not text, "-empty")

    def action_confirm(self) -> None:
        if not self.offers_confirm:
            self.app.bell()
            return
        if self.write.busy:
            self.app.bell()  # already at work
            return
        call = self.submit()
        if call is None:
            return
        if self.write.call(self, call, self._done, refused=self._refused, failed=self._failed):
            self.query_one("#confirm", Button).disabled = True
            self.say("Working…", "italic")

    def _done(self, result: Any) -> None:
        self.dismiss(self.said(result))

    def _refused(self, err: VoiceconsoleError) -> None:
        self.query_one("#confirm", Button).disabled = False
        self.say(f"{self.refusal_word(err)}: {err}", "bold red")

    def _failed(self, err: BaseException) -> None:
        self.unsure = True
        self.query_one("#confirm", Button).disabled = False
        self.say(self.unsure_text, "bold red")

    def action_cancel(self) -> None:
        if self.write.busy:
            self.app.bell()  # at work: closing now would hide whether it was done
            return
        self.dismiss(None)


class FieldsDialog(FormDialog):
    """A form of labelled fields, one per line; Enter in a field confirms, as ctrl+s does."""

    def field(self, label: str, widget: Any) -> ComposeResult:
        with Horizontal(classes="dialog-field"):
            yield Label(label, classes="dialog-label")
            yield widget

    def value(self, selector: str) -> str:
        return self.query_one(selector, TextInput).value.strip()

    def on_input_submitted(self) -> None:
        self.action_confirm()
