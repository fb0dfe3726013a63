"""A site's port-in orders by due date, the late ones first among the open, with what is late.

From here an order is placed (`a`), moved on to its next state (`n`: submitted, agreed with
the carrier's date, completed), given a new agreed date (`d`), marked rejected by the carrier
(`r`) or cancelled (`x`), each in a dialog that says what it does to the order's numbers.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from voiceconsole.domain.porting import PortingState
from voiceconsole.domain.words import counted
from voiceconsole.services.occupiers import list_occupiers_at
from voiceconsole.services.permissions import Permission
from voiceconsole.services.porting import PortInView, list_port_ins
from voiceconsole.tui.permitted import Guarded
from voiceconsole.tui.screens.returning import SiteList
from voiceconsole.tui.text import plain, toast
from voiceconsole.tui.widgets.footer import ConsoleFooter
from voiceconsole.tui.widgets.header import ConsoleHeader
from voiceconsole.tui.widgets.list_table import ListTable
from voiceconsole.tui.work import call_service

# Due and state first: what a NOC desk scans for; the carrier gives way first.
PORT_IN_COLUMNS = (
    ("#", 4),
    ("Due", 10),
    ("State", 9),
    ("Occupier", 12, 1),
    ("Nos", 4),
    ("Carrier", 10, 2),
    ("Note", 11, 1),
)
STATE_STYLE = {
    "requested": "",
    "submitted": "cyan",
    "agreed": "green",
    "completed": "dim",
    "rejected": "dim red",
    "cancelled": "dim",
}


def detail(order: PortInView | None) -> Text:
    """The highlighted order in full (so the list needs no line of cut cells)."""
    if order is None:
        return plain("No port-in order at this site: a places one.", "dim")
    text = Text()
    text.append(f"#{order.id} ", style="bold")
    text.append(f"{order.occupier_name} · {order.losing_carrier}, account {order.account_ref}\n")
    text.append(f"{counted(order.number_count, 'number')}: {order.numbers_text}\n")
    dates = f"asked for {order.requested_on.isoformat()}"
    if order.agreed_on:
        dates += f" · agreed for {order.agreed_on.isoformat()}"
    text.append(dates + f" · placed by {order.created_by}\n")
    if order.late:
        text.append(order.late.capitalize(), style="bold red")
    elif order.reason:
        text.append(f"{order.state.capitalize()}: {order.reason}", style="dim")
    return text


class PortInsScreen(Guarded, SiteList):
    HELP_TITLE = "Port-in orders"
    PURPOSE = (
        "The port-in orders of a site, open ones by due date (late ones say so), then the "
        "closed ones. Place an order, move it on as the carrier answers, or close it."
    )
    WORDS = ("port-in order", "porting in", "occupier")
    CSS_PATH = ["lists.tcss", "port_ins.tcss"]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add order", id="port_ins.add"),
        Binding("n", "next", "Next step", id="port_ins.next"),
        Binding("d", "agreed_date", "Agreed date", id="port_ins.agreed_date"),
        Binding("r", "reject", "Rejected", id="port_ins.reject"),
        Binding("x", "cancel_order", "Cancel order", id="port_ins.cancel"),
        Binding("f5,ctrl+r", "refresh", "Refresh", id="port_ins.refresh", show=False),
        Binding("escape", "app.pop_screen", "Back", id="port_ins.back"),
    ]
    NEEDS: ClassVar[dict[str, Permission]] = {
        "add": Permission.PORTING,
        "next": Permission.PORTING,
        "agreed_date": Permission.PORTING,
        "reject": Permission.PORTING,
        "cancel_order": Permission.PORTING,
    }

    LIST_ID = "orders"

    def __init__(self, site: str) -> None:
        super().__init__(site)
        self.found: dict[str, PortInView] = {}
        self._go_to: str | None = None

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        yield Static(plain(f"Port-in orders at {self.site}", "bold"), id="title")
        yield ListTable(PORT_IN_COLUMNS, id="orders")
        yield Static("", id="order-detail")
        yield ConsoleFooter()

    def load(self) -> Awaitable[list[PortInView]]:
        app: Any = self.app
        return list_port_ins(app.db, site=self.site)

    def _show(self, found: list[PortInView]) -> None:
        self.found = {str(o.id): o for o in found}
        rows = [
            (
                str(o.id),
                (
                    plain(o.id),
                    plain(o.due_on.isoformat(), "bold red" if o.late else ""),
                    plain(o.state, STATE_STYLE[o.state]),
                    plain(o.occupier),
                    plain(o.number_count),
                    plain(o.losing_carrier),
                    # "7 days late"; what is late about it is in the detail below.
                    plain(o.late.split(":")[0], "bold red") if o.late else plain(o.reason, "dim"),
                ),
            )
            for o in found
        ]
        table = self.query_one("#orders", ListTable)
        table.show_rows(rows)
        if self._go_to in self.found:
            table.move_cursor(row=table.get_row_index(self._go_to))
        self._go_to = None
        opened = sum(o.is_open for o in found)
        late = sum(bool(o.late) for o in found)
        self.query_one("#title", Static).update(
            plain(
                f"Port-in orders at {self.site} · {opened} open"
                + (f" · {late} late" if late else ""),
                "bold",
            )
        )
        self._show_detail()

    def selected(self) -> PortInView | None:
        return self.found.get(self.query_one("#orders", ListTable).selected_key or "")

    def on_list_table_row_highlighted(self, event: ListTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        self.query_one("#order-detail", Static).update(detail(self.selected()))

    # -- actions -----------------------------------------------------------------------------

    def _then_refresh(self, said: str | None) -> None:
        if said:
            toast(self, said)
        self.action_refresh()

    def action_add(self) -> None:
        from voiceconsole.tui.screens.port_in_dialogs import AddPortInDialog

        app: Any = self.app

        def ask(occupiers: Any) -> None:
            dialog = AddPortInDialog(self.site, occupiers)

            def closed(said: str | None) -> None:
                if dialog.placed is not None:
                    self._go_to = str(dialog.placed.id)
                self._then_refresh(said)

            self.app.push_screen(dialog, closed)

        call_service(self, lambda: list_occupiers_at(app.db, self.site), ask, group="port-in-add")

    def _move(self, target: PortingState | None) -> None:
        from voiceconsole.tui.screens.port_in_dialogs import MovePortInDialog

        order = self.selected()
        if order is None or not order.is_open:
            self.app.bell()
            if order is not None:
                self.notify(
                    f"Order #{order.id} is {order.state}; nothing more happens to it.",
                    title="Closed",
                    severity="warning",
                    markup=False,
                )
            return
        self.app.push_screen(MovePortInDialog(order, target), self._then_refresh)

    def action_next(self) -> None:
        self._move(None)

    def action_agreed_date(self) -> None:
        self._move(PortingState.AGREED)

    def action_reject(self) -> None:
        self._move(PortingState.REJECTED)

    def action_cancel_order(self) -> None:
        self._move(PortingState.CANCELLED)
