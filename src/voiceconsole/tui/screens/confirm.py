"""A yes/no question before an action that cannot be taken back (cancelling a scheduled
change): what will happen, in words, with "No" the default."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from voiceconsole.tui.text import plain
from voiceconsole.tui.widgets.footer import ConsoleFooter


class ConfirmDialog(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]
    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; }
    ConfirmDialog > Vertical {
        width: 64; max-width: 100%; height: auto;
        border: thick $warning; background: $surface; padding: 0 1;
    }
    ConfirmDialog #question { margin-bottom: 1; }
    ConfirmDialog Horizontal { height: auto; }
    ConfirmDialog Button { margin-right: 1; }
    """

    def __init__(self, title: str, question: str, *, yes: str = "do it") -> None:
        """`yes`: what "yes" does, in a few words ("cancel it")."""
        super().__init__()
        self.title_text = title
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(plain(self.title_text, "bold"))
            yield Static(plain(self.question), id="question")
            with Horizontal():
                yield Button(f"Yes, {self.yes} (y)", variant="warning", id="yes", compact=True)
                yield Button("No (n, esc)", id="no", compact=True)
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()  # Enter alone does not do it

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
