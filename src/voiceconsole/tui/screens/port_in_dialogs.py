"""The port-in orders' dialogs: place an order, and move one on (or close it).

Each says what the move does to the order's numbers before it is made; a refusal (a number
already in the inventory, a date in the past, a move the order's life does not allow) stays
in the dialog with its reason.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Select, Static

from voiceconsole.domain.errors import InvalidInput
from voiceconsole.domain.porting import PortingState, next_step
from voiceconsole.domain.text import parse_day
from voiceconsole.domain.words import counted
from voiceconsole.services.porting import PortInView, add_port_in, advance_port_in
from voiceconsole.services.views import OccupierAtSite
from voiceconsole.tui.screens.form_dialog import FieldsDialog
from voiceconsole.tui.screens.number_rows import occupier_options
from voiceconsole.tui.text import plain
from voiceconsole.tui.widgets.fields import TextInput

DAY_HINT = "today, +7 or 2026-12-01 (the site's calendar)"


class PortInDialog(FieldsDialog):
    CSS_PATH = "port_ins.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "confirm", "Confirm", id="port_ins.dialog.confirm", priority=True),
        Binding("escape", "cancel", "Cancel", id="port_ins.dialog.cancel"),
    ]
    box_class = "dialog-box port-in-dialog"

    def day(self, selector: str, what: str) -> Any:
        """The date typed in a field, or None after saying what is wrong."""
        text = self.value(selector)
        if not text:
            self.say(f"Give the {what}: {DAY_HINT}.", "bold red")
            return None
        try:
            return parse_day(text)
        except InvalidInput as err:
            self.say(f"{err}: {DAY_HINT}.", "bold red")
            return None


class AddPortInDialog(PortInDialog):
    """A new port-in order: its numbers are held for the occupier from now on."""

    title_text = "Place a port-in order"
    confirm_label = "Place"

    def __init__(self, site: str, occupiers: list[OccupierAtSite]) -> None:
        super().__init__()
        self.site = site
        self.occupiers = occupiers
        self.placed: PortInView | None = None

    def body(self) -> ComposeResult:
        yield Static(
            plain(
                f"Numbers an occupier of {self.site} brings from its carrier. They are held "
                "for it at once (porting in): nobody else can be given them, and adding its "
                "voice services allocates no new numbers: these are used instead."
            ),
            classes="dialog-text",
        )
        yield from self.field(
            "Occupier",
            Select[str](
                occupier_options(self.occupiers),
                prompt="choose the occupier",
                id="occupier",
                compact=True,
            ),
        )
        yield from self.field(
            "Numbers",
            TextInput(
                placeholder="e.g. 020 7946 0500..0509, 020 7946 0600", id="numbers", compact=True
            ),
        )
        yield from self.field(
            "Carrier", TextInput(placeholder="the losing carrier", id="carrier", compact=True)
        )
        yield from self.field(
            "Account",
            TextInput(placeholder="the occupier's account with it", id="account", compact=True),
        )
        yield from self.field(
            "Requested", TextInput(placeholder=DAY_HINT, id="requested", compact=True)
        )

    def on_mount(self) -> None:
        self.query_one("#occupier", Select).focus()

    def submit(self) -> Callable[[], Awaitable[Any]] | None:
        occupier = self.query_one("#occupier", Select).value
        if occupier is Select.NULL:
            self.say("Choose the occupier.", "bold red")
            return None
        numbers, carrier, account = (
            self.value("#numbers"),
            self.value("#carrier"),
            self.value("#account"),
        )
        if not numbers or not carrier or not account:
            self.say("Give the numbers, the losing carrier and the account reference.", "bold red")
            return None
        requested = self.day("#requested", "date the occupier asked for")
        if requested is None:
            return None
        app: Any = self.app

        async def place() -> PortInView:
            self.placed = await add_port_in(
                app.db,
                app.actor,
                occupier=str(occupier),
                site=self.site,
                losing_carrier=carrier,
                account_ref=account,
                requested_on=requested,
                numbers=numbers,
            )
            return self.placed

        return place

    def said(self, result: PortInView) -> str:
        return (
            f"Port-in #{result.id} placed for {result.occupier}: "
            f"{counted(result.number_count, 'number')} held, asked for "
            f"{result.requested_on.isoformat()}"
        )


_WHAT_IT_DOES = {
    PortingState.SUBMITTED: "Mark it as sent to {carrier}. Its numbers stay held.",
    PortingState.AGREED: (
        "{carrier} committed to a date (its firm order commitment). The order is due then."
    ),
    PortingState.COMPLETED: (
        "The numbers have arrived: {numbers} become {occupier}'s own, reserved, ready to "
        "be activated when its voice services are added."
    ),
    PortingState.REJECTED: (
        "{carrier} refused the order. Its {numbers} leave the inventory; the order keeps "
        "the list and the reason."
    ),
    PortingState.CANCELLED: (
        "Withdraw the order (tell {carrier} too). Its {numbers} leave the inventory; the "
        "order keeps the list and the reason."
    ),
}
_CONFIRM = {
    PortingState.SUBMITTED: "Submitted",
    PortingState.AGREED: "Agreed",
    PortingState.COMPLETED: "Completed",
    PortingState.REJECTED: "Rejected",
    PortingState.CANCELLED: "Cancel order",
}


class MovePortInDialog(PortInDialog):
    """Move an order on: to `target`, or to its next step when None."""

    def __init__(self, order: PortInView, target: PortingState | None) -> None:
        super().__init__()
        self.order = order
        self.target = target or next_step(PortingState(order.state))
        self.confirm_label = _CONFIRM[self.target]
        again = " again" if order.state == self.target.value else ""
        self.title_text = f"Port-in #{order.id}: {self.target.value}{again}"

    def body(self) -> ComposeResult:
        o = self.order
        yield Static(
            plain(
                f"{o.occupier} · {counted(o.number_count, 'number')} from {o.losing_carrier} "
                f"· {o.state}, due {o.due_on.isoformat()}"
            ),
            classes="dialog-text",
        )
        words = _WHAT_IT_DOES[self.target].format(
            carrier=o.losing_carrier,
            numbers=counted(o.number_count, "number"),
            occupier=o.occupier,
        )
        yield Static(plain(words), classes="dialog-text")
        if self.target is PortingState.AGREED:
            yield from self.field(
                "Agreed date", TextInput(placeholder=DAY_HINT, id="agreed", compact=True)
            )
        if self.target in (PortingState.REJECTED, PortingState.CANCELLED):
            yield from self.field(
                "Reason", TextInput(placeholder="why, in a few words", id="reason", compact=True)
            )

    def on_mount(self) -> None:
        fields = self.query(TextInput)
        if fields:
            fields.first().focus()
        else:
            self.query_one("#confirm").focus()

    def submit(self) -> Callable[[], Awaitable[Any]] | None:
        agreed = None
        reason = ""
        if self.target is PortingState.AGREED:
            agreed = self.day("#agreed", "date the carrier agreed")
            if agreed is None:
                return None
        if self.target in (PortingState.REJECTED, PortingState.CANCELLED):
            reason = self.value("#reason")
            if not reason:
                self.say(f"Say why the order is {self.target.value}.", "bold red")
                return None
        app: Any = self.app
        return lambda: advance_port_in(
            app.db, app.actor, self.order.id, to=self.target, agreed_on=agreed, reason=reason
        )

    def said(self, result: PortInView) -> str:
        head = f"Port-in #{result.id} {result.state}"
        match PortingState(result.state):
            case PortingState.AGREED:
                assert result.agreed_on is not None
                return f"{head} for {result.agreed_on.isoformat()}"
            case PortingState.COMPLETED:
                return f"{head}: {counted(result.number_count, 'number')} now {result.occupier}'s"
            case PortingState.REJECTED | PortingState.CANCELLED:
                return f"{head}: {counted(result.number_count, 'number')} let go"
            case _:
                return head
