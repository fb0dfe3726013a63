"""Dialogs of the telephony screen: the actions menu, allocate, the state moves, main number.

Each dialog makes one service call (one transaction). A refusal stays in the dialog, in words,
so the user can change the choice or cancel; success closes it with a sentence saying what
was done, which the screen shows as a notification.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from voiceconsole.domain.phone import national
from voiceconsole.services import numbers as svc
from voiceconsole.services.occupiers import list_occupiers_at
from voiceconsole.services.views import NumberView, OccupierAtSite
from voiceconsole.tui.screens.form_dialog import FormDialog
from voiceconsole.tui.screens.number_rows import Chosen, numbers_text, occupier_options
from voiceconsole.tui.text import plain
from voiceconsole.tui.widgets.footer import ConsoleFooter
from voiceconsole.tui.work import call_service

# After a failure that was not a refusal (the error dialog said what), the write may or may
# not have reached the database.
UNSURE = (
    "It failed midway (see the error): it may or may not have been done. Check the list "
    "before trying again: esc closes this and shows the numbers as they are now."
)


class NumberDialog(FormDialog):
    """A telephony dialog (form_dialog.py); success closes it with a sentence the screen
    shows as a notification."""

    CSS_PATH = "telephony.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "confirm", "Confirm", id="telephony.dialog.confirm", priority=True),
        Binding("escape", "cancel", "Cancel", id="telephony.dialog.cancel"),
    ]
    unsure_text = UNSURE


class ActionsMenu(ModalScreen[str | None]):
    """Every action of the screen, with its key; enter runs the highlighted one. An action
    the chosen numbers do not allow is greyed, with why, and cannot be chosen."""

    CSS_PATH = "telephony.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close", id="telephony.menu.close"),
    ]

    def __init__(self, about: str, actions: list[tuple[str, str, str, str | None]]) -> None:
        """`actions`: (action name, words, key, why it is not allowed or None) in menu
        order."""
        super().__init__()
        self.about = about
        self.actions = actions

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog menu"):
            title = Text()
            title.append("Actions", style="bold")
            title.append("   enter runs one · esc closes", style="dim")
            yield Static(title, classes="dialog-title")
            yield Static(plain(self.about), id="menu-about")
            options = []
            for name, words, key, why in self.actions:
                prompt = Text(f"{words:<34}")
                prompt.append(key, style="bold")
                if why:
                    prompt.append(f"\n  not now: {why}", style="italic")
                options.append(Option(prompt, id=name, disabled=bool(why)))
            yield OptionList(*options, id="menu")
        yield ConsoleFooter()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class AllocateDialog(NumberDialog):
    title_text = "Allocate numbers to an occupier"
    confirm_label = "Allocate"

    def __init__(self, site: str, chosen: Chosen, occupier: str | None = None) -> None:
        super().__init__()
        self.site = site
        self.chosen = chosen
        self.occupier = occupier

    def body(self) -> ComposeResult:
        yield Static(plain(self.chosen.summary()), classes="dialog-text")
        with Horizontal(classes="dialog-field"):
            yield Label("Occupier", classes="dialog-label")
            yield Select[str]([], prompt="choose an occupier", id="occupier", compact=True)
        yield Static(
            plain(
                "They are reserved for the occupier (special numbers, a chosen range) and "
                "put in service with Activate.",
                "dim",
            ),
            classes="dialog-text",
        )

    def on_mount(self) -> None:
        app: Any = self.app
        call_service(self, lambda: list_occupiers_at(app.db, self.site), self._show_occupiers)

    def _show_occupiers(self, found: list[OccupierAtSite]) -> None:
        select = self.query_one("#occupier", Select)
        select.set_options(occupier_options(found))
        if self.occupier in {o.code for o in found}:
            select.value = self.occupier
        select.focus()

    def submit(self) -> Callable[[], Awaitable[Any]] | None:
        occupier = self.query_one("#occupier", Select).value
        if occupier is Select.NULL:
            self.say("Choose the occupier first.", "bold red")
            return None
        app: Any = self.app
        self.occupier = str(occupier)
        return lambda: svc.allocate_numbers(
            app.db, app.actor, self.chosen.numbers, occupier=str(occupier), site=self.site
        )

    def said(self, result: svc.NumbersChanged) -> str:
        return f"Allocated to {self.occupier}: {_listed(result)}"


# action -> (title, confirm, what it means, the service, past tense)
MOVES: dict[str, tuple[str, str, str, Any, str]] = {
    "activate": (
        "Activate numbers",
        "Activate",
        "They go in service; each uses one of its occupier's voice services "
        "(a main number uses none).",
        svc.activate_numbers,
        "Activated",
    ),
    "deactivate": (
        "Deactivate numbers",
        "Deactivate",
        "They go out of service and stay with their occupier as spares.",
        svc.deactivate_numbers,
        "Deactivated",
    ),
    "release": (
        "Release numbers",
        "Release",
        "Pool numbers cool down for {cooldown} days with their settings wiped, then return "
        "to the pool; ported and custom numbers are held for port-out.",
        svc.release_numbers,
        "Released",
    ),
}


class MoveDialog(NumberDialog):
    """Activate, deactivate or release the chosen numbers."""

    def __init__(self, move: str, site: str, chosen: Chosen, *, cooldown_days: int = 90) -> None:
        super().__init__()
        self.move = move
        self.site = site
        self.chosen = chosen
        self.title_text, self.confirm_label, meaning, self.service, self.past = MOVES[move]
        self.meaning = meaning.format(cooldown=cooldown_days)

    def body(self) -> ComposeResult:
        yield Static(plain(self.chosen.summary()), classes="dialog-text")
        yield Static(plain(self.meaning, "dim"), classes="dialog-text")

    def on_mount(self) -> None:
        self.query_one("#confirm", Button).focus()

    def submit(self) -> Callable[[], Awaitable[Any]]:
        app: Any = self.app
        return lambda: self.service(app.db, app.actor, self.chosen.numbers, site=self.site)

    def said(self, result: svc.NumbersChanged) -> str:
        return f"{self.past}: {_listed(result)}"


class MainNumberDialog(NumberDialog):
    """Make one number its occupier's main number (the inbound reception number)."""

    title_text = "Make the main number"
    confirm_label = "Make main"

    def __init__(self, number: NumberView, current_main: str | None) -> None:
        super().__init__()
        self.number = number
        self.current_main = current_main
        # Already the main number: nothing to do, and no Confirm to press.
        self.offers_confirm = not (number.is_main or current_main == number.e164)

    def body(self) -> ComposeResult:
        n = self.number
        if not self.offers_confirm:
            yield Static(
                plain(
                    f"{national(n.e164)} is already the main number of {n.occupier} at "
                    f"{n.site}: nothing to do. To make another number the main one, choose "
                    "that number."
                ),
                classes="dialog-text",
            )
            return
        yield Static(
            plain(f"{national(n.e164)} becomes the main number of {n.occupier} at {n.site}."),
            classes="dialog-text",
        )
        if self.current_main:
            before = f"Its main number now, {national(self.current_main)}, becomes a spare."
        else:
            before = f"{n.occupier} has no main number at {n.site} yet."
        yield Static(
            plain(
                before + " A main number is active, uses no voice service and is never "
                "logged in to a handset.",
                "dim",
            ),
            classes="dialog-text",
        )

    def on_mount(self) -> None:
        self.query_one("#confirm" if self.offers_confirm else "#cancel", Button).focus()

    def submit(self) -> Callable[[], Awaitable[Any]]:
        app: Any = self.app
        occupier = self.number.occupier or ""
        return lambda: svc.nominate_main(app.db, app.actor, self.number.e164, occupier=occupier)

    def said(self, result: svc.NumbersChanged) -> str:
        text = f"{national(self.number.e164)} is now the main number of {self.number.occupier}"
        previous = [n for n in result.numbers if n.e164 != self.number.e164]
        return text + "".join(f"; {p.national} is now a spare" for p in previous)


def _listed(result: svc.NumbersChanged) -> str:
    found = result.numbers
    size = len(found)
    return numbers_text(n.e164 for n in found) + (f" ({size:,} numbers)" if size > 1 else "")
