"""The add-services wizard: product and quantity, a live preview of exactly what will happen,
then one commit through the same service call as `voiceconsole services add`.

The preview is a dry run of that call (same code, rolled back), so what it shows is what a
commit does unless a colleague takes numbers in between; the result screen then shows what
really happened.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Label, Select, Static

from voiceconsole.domain.errors import PoolShort, VoiceconsoleError
from voiceconsole.domain.phone import national
from voiceconsole.services.changes import Change
from voiceconsole.services.products import list_products
from voiceconsole.services.voice_services import (
    AddServicesResult,
    add_services,
    check_quantity,
)
from voiceconsole.tui.live import touching
from voiceconsole.tui.screens.form_buttons import CloseButton, ConfirmOrCancel
from voiceconsole.tui.text import plain, styled
from voiceconsole.tui.widgets.fields import TextInput
from voiceconsole.tui.widgets.footer import ConsoleFooter
from voiceconsole.tui.widgets.header import ConsoleHeader
from voiceconsole.tui.work import OneWrite, call_service


def preview_lines(result: AddServicesResult) -> list[tuple[str, str]]:
    """The preview (or the result) in words, as (text, style) lines."""
    done = not result.dry_run
    if result.automation == "skipped":
        return [
            (
                "Automation " + ("did not run" if done else "will not run") + f": {result.reason}.",
                "bold",
            ),
            (
                f"{result.product} QTY {result.quantity} "
                + ("was" if done else "will be")
                + " recorded; no numbers "
                + ("were" if done else "are")
                + " allocated.",
                "",
            ),
        ]
    lines = [
        ("Automation " + ("ran" if done else "will run") + ": first voice service here.", "bold"),
        (result.arithmetic or "", ""),
        ("", ""),
        (("Allocated" if done else "To be allocated") + f" ({len(result.allocated)}):", "bold"),
    ]
    if result.main_number:
        lines.append(
            (f"  {national(result.main_number)}  main number (active, uses no service)", "green")
        )
    lines += [(f"  {national(n)}  activated", "") for n in result.activated]
    lines += [(f"  {national(n)}  spare (reserved)", "dim") for n in result.spare]
    return lines


class AddServicesWizard(ConfirmOrCancel, Screen[AddServicesResult | None]):
    HELP_TITLE = "Add services"
    PURPOSE = (
        "Give an occupier a voice service at this site. The preview shows exactly what "
        "confirming will do: on a first-time service, the numbers allocated and activated "
        "(and the main number); otherwise why nothing is automated."
    )
    WORDS = ("first time", "QTY", "batch of 5", "main number", "spare", "pool")
    CSS_PATH = "add_services.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "confirm", "Confirm", id="wizard.confirm", priority=True),
        Binding("escape", "cancel", "Cancel", id="wizard.cancel"),
    ]

    def __init__(self, occupier: str, site: str) -> None:
        super().__init__()
        self.occupier = occupier
        self.site = site
        self.preview: AddServicesResult | None = None
        self.write = OneWrite()

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        yield Static(
            plain(f"Add services: {self.occupier} at {self.site}", "bold"), classes="screen-title"
        )
        with Vertical(id="form"):
            with Horizontal(classes="field"):
                yield Label("Product", classes="label")
                yield Select[str]([], prompt="choose a product", id="product", compact=True)
            with Horizontal(classes="field"):
                yield Label("Quantity", classes="label")
                yield TextInput(
                    placeholder="how many voice services",
                    id="quantity",
                    type="integer",
                    max_length=6,
                    compact=True,
                )
        with VerticalScroll(id="preview-box"):
            yield Static(plain("Choose a product and a quantity.", "dim"), id="preview")
        with Horizontal(classes="buttons"):
            yield Button("Confirm (ctrl+s)", variant="primary", id="confirm", disabled=True)
            yield Button("Cancel (esc)", id="cancel")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        app: Any = self.app
        app.set_current_site(self.site)
        self.query_one("#preview-box").border_title = "Preview"
        call_service(self, lambda: list_products(app.db), self._show_products)

    def _show_products(self, products: list[Any]) -> None:
        select = self.query_one("#product", Select)
        options = [
            (plain(f"{p.name} ({p.code})"), p.code) for p in products if p.category == "voice"
        ]
        select.set_options(options)
        # No product is preselected: the choice decides what the occupier pays for.
        select.focus()

    def _add(self, product: str, quantity: int, **how: Any) -> Awaitable[AddServicesResult]:
        """The one service call behind the preview (dry run) and the commit."""
        app: Any = self.app
        return add_services(
            app.db,
            app.actor,
            occupier=self.occupier,
            site=self.site,
            product=product,
            quantity=quantity,
            **how,
        )

    def _choice(self) -> tuple[str, str] | None:
        product = self.query_one("#product", Select).value
        quantity = self.query_one("#quantity", TextInput).value.strip()
        if product is Select.NULL or not quantity:
            return None
        return str(product), quantity

    @on(Select.Changed)
    @on(TextInput.Changed)
    def _choice_changed(self) -> None:
        self.update_preview()

    def update_preview(self, note: str | None = None) -> None:
        """A dry run of exactly what Confirm would do; `note` goes above it."""
        self.preview = None
        self.query_one("#confirm", Button).disabled = True
        choice = self._choice()
        if choice is None:
            self._say([("Choose a product and a quantity.", "dim")])
            return
        product, quantity = choice
        call_service(
            self,
            lambda: self._add(product, check_quantity(quantity), dry_run=True),
            lambda result: self._show_preview(result, choice, note),
            refused=self._blocked,
            group="preview",
            exclusive=True,
        )

    def _show_preview(
        self, result: AddServicesResult, asked: tuple[str, str], note: str | None
    ) -> None:
        if self._choice() != asked:
            return  # the user has typed on since
        self.preview = result
        above = [(note, "bold yellow"), ("", "")] if note else []
        self._say(
            [
                *above,
                *preview_lines(result),
                ("", ""),
                ("Nothing is written until you confirm.", "italic"),
            ]
        )
        self.query_one("#confirm", Button).disabled = False

    def changes_arrived(self, changes: list[Change]) -> None:
        """A colleague changed this site (its pool, most often): the preview is read again
        before the user confirms, and says why it changed."""
        if self.write.busy or self._choice() is None or not touching(changes, self.site):
            return
        who = sorted({c.actor for c in changes if c.concerns(site=self.site)})
        self.update_preview(note=f"Read again: {', '.join(who)} changed {self.site} just now.")

    def _blocked(self, err: VoiceconsoleError) -> None:
        if isinstance(err, PoolShort):
            advice = (
                "Try again in a moment: it may succeed if theirs do not."
                if err.may_succeed_later
                else "Add numbers to the pool first."
            )
            text = f"Blocked: the {self.site} pool is short: {err.figures}. {advice}"
        else:
            text = f"Blocked: {err}"
        self._say([(text, "bold red")])

    def _say(self, lines: list[tuple[str, str]]) -> None:
        self.query_one("#preview", Static).update(styled(lines))

    def action_confirm(self) -> None:
        if self.preview is None:
            self.app.bell()
            return
        p = self.preview
        self.query_one("#confirm", Button).disabled = True

        def failed(_: BaseException) -> None:
            self._say(
                [
                    (
                        "The commit failed (see the message); it may not have been written. "
                        "Check the occupier's numbers before trying again.",
                        "bold red",
                    )
                ]
            )

        self.write.call(
            self,
            # exactly what the user saw, or nothing
            lambda: self._add(p.product, p.quantity, expect=p.allocated),
            self._done,
            refused=self._commit_refused,
            failed=failed,
        )

    def _commit_refused(self, err: VoiceconsoleError) -> None:
        """Refused at commit (a colleague changed the pool, say): show a fresh preview with
        the reason above it, so the user confirms again knowingly."""
        self.update_preview(note=f"Not added: {err}.")

    def _done(self, result: AddServicesResult) -> None:
        self.app.push_screen(AddServicesResultScreen(result), lambda _: self.dismiss(result))

    def action_cancel(self) -> None:
        if self.write.busy:
            self.app.bell()  # the commit is under way: its result screen comes next
            return
        self.dismiss(None)


class AddServicesResultScreen(CloseButton, Screen[None]):
    """What adding the service did, after the commit."""

    HELP_TITLE = "Services added"
    PURPOSE = "What adding the service did, as committed."
    WORDS = ("QTY", "main number", "spare")
    CSS_PATH = "add_services.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "close", "Close", id="wizard.result.close"),
    ]

    def __init__(self, result: AddServicesResult) -> None:
        super().__init__()
        self.result = result

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        yield Static(
            plain(
                f"Done: {self.result.product} QTY {self.result.quantity} for "
                f"{self.result.occupier} at {self.result.site}",
                "bold",
            ),
            classes="screen-title",
        )
        lines = preview_lines(self.result)
        with VerticalScroll(id="preview-box"):
            yield Static(styled(lines), id="result")
        with Horizontal(classes="buttons"):
            yield Button("Close (enter)", variant="primary", id="close")
        yield ConsoleFooter()
