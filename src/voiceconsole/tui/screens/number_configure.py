"""Configure one number: label, caller-ID override, forwarding, voicemail, DND, PIN reset.

Only the fields the user changed are sent, so the journal records exactly what changed. A new
PIN is shown once, in a dialog of its own, and never kept anywhere in clear.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from voiceconsole.domain.phone import national, read_from
from voiceconsole.services import numbers as svc
from voiceconsole.services.views import NumberView
from voiceconsole.tui.screens.form_buttons import CloseButton
from voiceconsole.tui.screens.number_dialogs import NumberDialog
from voiceconsole.tui.text import plain
from voiceconsole.tui.widgets.fields import TextInput, TickBox
from voiceconsole.tui.widgets.footer import ConsoleFooter

# field id -> (label, placeholder)
TEXT_FIELDS = {
    "label": ("Label", "e.g. Reception"),
    "caller_id_override": ("Caller ID", "present another of their numbers"),
    "forward_always": ("Forward always", "number; empty: off"),
    "forward_busy": ("Forward if busy", "number; empty: off"),
    "forward_no_answer": ("Forward no answer", "number; empty: off"),
    "voicemail_email": ("Voicemail to", "e-mail address; empty: none"),
}
SWITCHES = {
    "voicemail": "Voicemail",
    "dnd": "Do not disturb",
}
TEXT_ORDER = ("label", "caller_id_override", "forward_always", "forward_busy", "forward_no_answer")


def shown_number(target: str | None, own: str) -> str:
    """A stored number as the user would type it: national if of the same country."""
    return read_from(target, own) if target else ""


class ConfigureDialog(NumberDialog):
    confirm_label = "Save"

    def __init__(self, number: NumberView) -> None:
        super().__init__()
        self.number = number
        self.title_text = f"Configure {national(number.e164)}"
        self.initial = self._initial(number)

    @staticmethod
    def _initial(n: NumberView) -> dict[str, Any]:
        return {
            "label": n.label,
            "caller_id_override": shown_number(n.caller_id_override, n.e164),
            "forward_always": shown_number(n.forward_always, n.e164),
            "forward_busy": shown_number(n.forward_busy, n.e164),
            "forward_no_answer": shown_number(n.forward_no_answer, n.e164),
            "voicemail": n.voicemail,
            "voicemail_email": n.voicemail_email or "",
            "dnd": n.dnd,
        }

    def body(self) -> ComposeResult:
        n = self.number
        yield Static(
            plain(f"{n.state} · {n.occupier or 'site pool'} · {n.origin}", "dim"),
            classes="dialog-text",
        )
        with Vertical(id="configure-fields"):
            for key in TEXT_ORDER:
                yield self._text_field(key)
            with Horizontal(classes="dialog-field"):
                yield Label("Voicemail", classes="dialog-label")
                yield TickBox(
                    "", self.initial["voicemail"], says=("off", "on"), id="voicemail", compact=True
                )
            yield self._text_field("voicemail_email")
            with Horizontal(classes="dialog-field"):
                yield Label("Do not disturb", classes="dialog-label")
                yield TickBox("", self.initial["dnd"], says=("off", "on"), id="dnd", compact=True)
            with Horizontal(classes="dialog-field"):
                yield Label("PIN", classes="dialog-label")
                yield TickBox("reset: a new PIN, shown once", id="reset_pin", compact=True)

    def _text_field(self, key: str) -> Horizontal:
        label, placeholder = TEXT_FIELDS[key]
        return Horizontal(
            Label(label, classes="dialog-label"),
            TextInput(self.initial[key], placeholder=placeholder, id=key, compact=True),
            classes="dialog-field",
        )

    def on_mount(self) -> None:
        self.query_one("#label", TextInput).focus()

    def on_input_submitted(self) -> None:
        self.action_confirm()

    def changes(self) -> dict[str, Any]:
        """The settings the user changed, as `configure_number` takes them."""
        found: dict[str, Any] = {}
        for key in TEXT_FIELDS:
            value = self.query_one(f"#{key}", TextInput).value
            if value.strip() != str(self.initial[key]).strip():
                found[key] = value.strip()
        for key in SWITCHES:
            value = self.query_one(f"#{key}", TickBox).value
            if value != self.initial[key]:
                found[key] = value
        if self.query_one("#reset_pin", TickBox).value:
            found["reset_pin"] = True
        return found

    def submit(self) -> Callable[[], Awaitable[Any]] | None:
        changes = self.changes()
        if not changes:
            self.say("Nothing changed: change a setting, or press esc.", "bold red")
            return None
        app: Any = self.app
        return lambda: svc.configure_number(app.db, app.actor, self.number.e164, **changes)

    def _done(self, result: svc.ConfigureResult) -> None:
        if result.new_pin:
            # The PIN first, then the screen hears what was done.
            self.app.push_screen(
                PinDialog(self.number.e164, result.new_pin),
                lambda _: self.dismiss(self.said(result)),
            )
        else:
            self.dismiss(self.said(result))

    def said(self, result: svc.ConfigureResult) -> str:
        names = {k: v[0] for k, v in TEXT_FIELDS.items()} | SWITCHES | {"reset_pin": "PIN reset"}
        what = ", ".join(names[k] for k in self.changes()).lower()
        return f"Configured {national(self.number.e164)}: {what}"


class PinDialog(CloseButton, ModalScreen[None]):
    """The new voicemail PIN, this once."""

    CSS_PATH = "telephony.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "close", "Close", id="telephony.pin.close"),
    ]

    def __init__(self, e164: str, pin: str) -> None:
        super().__init__()
        self.e164 = e164
        self.pin = pin

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                plain(f"New PIN for {national(self.e164)}", "bold"), classes="dialog-title"
            )
            yield Static(plain(self.pin, "bold"), id="pin")
            yield Static(
                plain(
                    "Give it to the user now: it is shown this once and kept only as a hash. "
                    "The handset asks for it at login and for voicemail.",
                    "dim",
                ),
                classes="dialog-text",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close (enter)", variant="primary", id="close", compact=True)
        yield ConsoleFooter()
