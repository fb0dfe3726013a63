"""The error dialog: a failure the user did not cause, in words, never a traceback."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from voiceconsole.tui.text import plain
from voiceconsole.tui.widgets.footer import ConsoleFooter


class ErrorDialog(ModalScreen[None]):
    CSS_PATH = "error.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "dismiss", "Close", id="error.close"),
    ]

    def __init__(self, message: str, title: str = "Error") -> None:
        super().__init__()
        self.message = message
        self.error_title = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(plain(self.error_title), classes="title")
            yield Static(plain(self.message), id="error-message")
            yield Static(plain("Details are in the log file; the console carries on.", "dim"))
            yield Button("Close", variant="error", id="close")
        yield ConsoleFooter()

    def on_button_pressed(self) -> None:
        self.dismiss()
