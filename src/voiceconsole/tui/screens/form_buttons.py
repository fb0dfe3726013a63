"""The buttons of forms and result screens do what their keys do, written once."""

from __future__ import annotations

from typing import Any

from textual.widgets import Button


class ConfirmOrCancel:
    """A form with a "confirm" button and a cancel button; `action_confirm` and
    `action_cancel` are the form's own (bound to keys too)."""

    def on_button_pressed(self, event: Button.Pressed) -> None:
        form: Any = self
        if event.button.id == "confirm":
            form.action_confirm()
        else:
            form.action_cancel()


class CloseButton:
    """A screen that shows a result with one "close" button, focused, that dismisses it."""

    def on_mount(self) -> None:
        screen: Any = self
        screen.query_one("#close", Button).focus()

    def on_button_pressed(self) -> None:
        self.action_close()

    def action_close(self) -> None:
        screen: Any = self
        screen.dismiss(None)
