"""Manage services: change a service's quantity from a date, list and cancel scheduled changes.

Opening the dialog first applies the changes that have fallen due (as the app does on start),
so what it lists is current, and says what it applied.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Select, Static

from voiceconsole.domain.errors import VoiceconsoleError
from voiceconsole.domain.text import parse_day
from voiceconsole.services.voice_services import (
    ChangeView,
    DueReport,
    ServiceView,
    apply_due,
    cancel_change,
    check_quantity,
    list_services,
    schedule_change,
)
from voiceconsole.tui.screens.confirm import ConfirmDialog
from voiceconsole.tui.text import day, due_report_lines, plain
from voiceconsole.tui.widgets.fields import TextInput
from voiceconsole.tui.widgets.footer import ConsoleFooter
from voiceconsole.tui.widgets.list_table import ListTable
from voiceconsole.tui.work import OneWrite, call_service

CHANGE_COLUMNS = ("Change", "Product", "QTY now", "New QTY", "From")


def change_words(now: int, new: int) -> str:
    """A scheduled change as a person says it (its id is the console's, not theirs)."""
    if new > now:
        return f"{new - now} more"
    if new < now:
        return f"{now - new} fewer"
    return "no change"


class ManageServicesDialog(ModalScreen[None]):
    CSS_PATH = "manage_services.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "schedule", "Schedule change", id="manage.schedule", priority=True),
        # f8 works from the quantity and date fields too (x or delete there are typing).
        Binding("f8", "cancel_change", "Cancel change", id="manage.cancel_change", priority=True),
        Binding("delete,x", "cancel_change", "Cancel change", show=False),
        Binding("escape", "close", "Close", id="manage.close"),
    ]

    def __init__(self, occupier: str, site: str) -> None:
        super().__init__()
        self.occupier = occupier
        self.site = site
        self.services: list[ServiceView] = []
        self.write = OneWrite()

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(
                plain(f"Manage services: {self.occupier} at {self.site}", "bold"), id="title"
            )
            yield Static(plain("Applying due changes…", "dim"), id="due")
            yield ListTable(CHANGE_COLUMNS, id="changes")
            with Horizontal(classes="form"):
                yield Label("Change")
                yield Select[str]([], prompt="service", id="product", compact=True)
                yield Label("to QTY")
                yield TextInput(
                    placeholder="qty", id="quantity", type="integer", compact=True, max_length=6
                )
                yield Label("from")
                yield TextInput(
                    "today", placeholder="today, +7, 2026-12-01", id="effective", compact=True
                )
            yield Static("", id="message")
            with Horizontal(classes="buttons"):
                yield Button("Schedule change (ctrl+s)", variant="primary", id="schedule")
                yield Button("Cancel change (f8)", id="cancel-change")
                yield Button("Close (esc)", id="close")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        app: Any = self.app

        def not_applied(err: BaseException) -> None:
            self.query_one("#due", Static).update(plain(f"Due changes not applied: {err}", "red"))
            self.reload()  # the services are worth showing whatever happened

        call_service(
            self,
            lambda: apply_due(app.db, app.actor, gateway=app.gateway),
            self._applied,
            refused=not_applied,
            failed=not_applied,
            group="apply-due",
        )

    def _applied(self, due: DueReport) -> None:
        lines = due_report_lines(due) or ["No scheduled changes were due."]
        self.query_one("#due", Static).update(plain("\n".join(lines), "italic"))
        self.reload()

    def reload(self) -> None:
        app: Any = self.app
        call_service(
            self,
            lambda: list_services(app.db, occupier=self.occupier, site=self.site),
            self._show,
            group="services",
            exclusive=True,
        )

    def _show(self, services: list[ServiceView]) -> None:
        self.services = services
        select = self.query_one("#product", Select)
        chosen = select.value
        select.set_options(
            [(plain(f"{s.product} (QTY {s.quantity})"), s.product) for s in services]
        )
        codes = [s.product for s in services]
        if chosen in codes:
            select.value = chosen
        elif codes:
            select.value = codes[0]
        rows = [
            (
                str(change.id),
                (
                    change_words(service.quantity, change.new_quantity),
                    plain(change.product),
                    str(service.quantity),
                    str(change.new_quantity),
                    day(change.effective_on),
                ),
            )
            for service in services
            for change in service.scheduled
        ]
        self.query_one("#changes", ListTable).show_rows(
            rows or [("none", (plain("no scheduled changes", "dim"), "", "", "", ""))]
        )
        if not services:
            self._say("No services here yet: add one from the occupier screen (a).", "dim")
        self.query_one("#quantity", TextInput).focus()

    def _say(self, text: str, style: str = "") -> None:
        self.query_one("#message", Static).update(Text(text, style=style))

    def _refused(self, err: VoiceconsoleError) -> None:
        self._say(f"Refused: {err}", "bold red")

    def action_schedule(self) -> None:
        product = self.query_one("#product", Select).value
        quantity = self.query_one("#quantity", TextInput).value.strip()
        effective = self.query_one("#effective", TextInput).value.strip() or "today"
        if product is Select.NULL or not quantity:
            self._say("Choose a service and type the new quantity.", "bold red")
            return
        app: Any = self.app

        async def schedule() -> ChangeView:
            return await schedule_change(
                app.db,
                app.actor,
                occupier=self.occupier,
                site=self.site,
                product=str(product),
                quantity=check_quantity(quantity, allow_zero=True),
                effective_on=parse_day(effective),
            )

        def done(change: ChangeView) -> None:
            when = (
                "now (due today)"
                if change.status == "applied"
                else f"from {day(change.effective_on)}"
            )
            self._say(f"{change.product} changes to QTY {change.new_quantity} {when}.", "green")
            self.query_one("#quantity", TextInput).value = ""
            self.reload()

        self.write.call(self, schedule, done, refused=self._refused)

    def action_cancel_change(self) -> None:
        table = self.query_one("#changes", ListTable)
        key = table.selected_key
        if key is None:
            return
        if not key or not key.isdecimal():
            self._say("There is no scheduled change to cancel.", "dim")
            return
        found = next(((s, c) for s in self.services for c in s.scheduled if str(c.id) == key), None)
        if found is None:  # gone meanwhile (applied or cancelled elsewhere)
            self._say("That change is no longer scheduled.", "dim")
            self.reload()
            return
        service, change = found
        question = (
            f"Cancel the scheduled change of {change.product} from QTY {service.quantity} to "
            f"QTY {change.new_quantity} on {day(change.effective_on)}? It will not be applied; "
            "schedule it again to bring it back."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._cancel(int(key))

        self.app.push_screen(
            ConfirmDialog("Cancel a scheduled change", question, yes="cancel it"), answered
        )

    def _cancel(self, change_id: int) -> None:
        app: Any = self.app

        def done(change: ChangeView) -> None:
            self._say(
                f"Cancelled: {change.product} QTY {change.new_quantity} from "
                f"{day(change.effective_on)}.",
                "green",
            )
            self.reload()

        self.write.call(
            self, lambda: cancel_change(app.db, app.actor, change_id), done, refused=self._refused
        )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        actions = {
            "schedule": self.action_schedule,
            "cancel-change": self.action_cancel_change,
            "close": self.action_close,
        }
        actions[str(event.button.id)]()

    def on_input_submitted(self, event: TextInput.Submitted) -> None:
        # Enter moves on to the date; Enter there (or ctrl+s) schedules.
        if event.input.id == "quantity":
            self.query_one("#effective", TextInput).focus()
        else:
            self.action_schedule()

    def action_close(self) -> None:
        self.dismiss(None)
