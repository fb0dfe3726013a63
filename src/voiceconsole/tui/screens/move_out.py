"""The move-out wizard: a date, a live preview of exactly what moving the occupier out of the
site does, then one commit through the same service call as `voiceconsole occupiers move-out`.

The preview is the plan the commit carries out (services/move_outs.py): the commit passes the
preview's fingerprint and is refused if the database changed meanwhile. The switch part comes
after the commit; its per-port results replace the preview, and ports a switch did not take
can be retried from here (f5). A scheduled move-out can be cancelled (f8).
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Label, Static

from voiceconsole.domain.errors import VoiceconsoleError
from voiceconsole.domain.text import parse_day
from voiceconsole.services.move_outs import (
    MoveOutPlan,
    MoveOutState,
    cancel_move_out,
    move_out,
    move_out_state,
    retry_move_out_ports,
)
from voiceconsole.tui.screens.confirm import ConfirmDialog
from voiceconsole.tui.text import day, plain, styled
from voiceconsole.tui.widgets.fields import TextInput
from voiceconsole.tui.widgets.footer import ConsoleFooter
from voiceconsole.tui.widgets.header import ConsoleHeader
from voiceconsole.tui.work import OneWrite, call_service


def plan_lines(plan: MoveOutPlan) -> list[tuple[str, str]]:
    """The plan in words, section titles bold, failures red."""
    out = []
    for line in plan.lines():
        if line.startswith("  ") or line.startswith(("+", "-", " ")):
            style = "green" if line.startswith("+") else ("red" if line.startswith("-") else "")
        elif ": failed:" in line:
            style = "bold red"
        elif line.endswith(": done"):
            style = "green"
        else:
            style = "bold"
        out.append((line, style))
    return out


class MoveOutWizard(Screen[MoveOutPlan | None]):
    HELP_TITLE = "Move out"
    PURPOSE = (
        "Move an occupier out of this site, today or on a later date. The preview shows "
        "exactly what confirming does: services that end, numbers to cooldown or port-out, "
        "handsets logged out, floor ports set to the site's default role on each switch."
    )
    WORDS = ("move-out", "cooldown", "port out", "floor port", "default port role")
    CSS_PATH = "move_out.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "confirm", "Move out", id="move_out.confirm", priority=True),
        Binding("f8", "cancel_scheduled", "Cancel move-out", id="move_out.cancel", priority=True),
        Binding("f5", "retry", "Retry ports", id="move_out.retry", priority=True),
        Binding("escape", "close", "Close", id="move_out.close"),
    ]

    def __init__(self, occupier: str, site: str) -> None:
        super().__init__()
        self.occupier = occupier
        self.site = site
        self.preview: MoveOutPlan | None = None
        self.state: MoveOutState | None = None
        self.write = OneWrite()

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        yield Static(
            plain(f"Move out: {self.occupier} from {self.site}", "bold"),
            classes="screen-title",
            id="title",
        )
        with Vertical(id="form"), Horizontal(classes="field"):
            yield Label("Move out on", classes="label")
            yield TextInput(
                "today", placeholder="today, +7, 2026-12-01", id="effective", compact=True
            )
        yield Static("", id="state")  # shown when a move-out is scheduled or has ports left
        with VerticalScroll(id="preview-box"):
            yield Static(plain("Reading…", "dim"), id="preview")
        with Horizontal(classes="buttons"):
            yield Button("Move out (ctrl+s)", variant="error", id="confirm", disabled=True)
            yield Button("Close (esc)", id="close")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        app: Any = self.app
        app.set_current_site(self.site)
        self.query_one("#preview-box").border_title = "Preview"
        self.query_one("#effective", TextInput).focus()
        self.read_state()
        self.update_preview()

    def read_state(self) -> None:
        app: Any = self.app
        call_service(
            self,
            lambda: move_out_state(app.db, occupier=self.occupier, site=self.site),
            self._show_state,
            group="state",
            exclusive=True,
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer only what can be done now: confirm with a preview shown, cancel with a
        move-out scheduled, retry with ports left."""
        if action == "confirm":
            return self.preview is not None
        if action == "cancel_scheduled":
            return self.state is not None and self.state.status == "pending"
        if action == "retry":
            return self.state is not None and bool(self.state.ports_left)
        return True

    def _show_state(self, state: MoveOutState | None) -> None:
        self.state = state
        self.refresh_bindings()
        text, style = "", ""
        if state is not None and state.status == "pending":
            text = f"Scheduled for {day(state.effective_on)}: f8 cancels it."
            style = "bold yellow"
        elif state is not None and state.ports_left:
            text = (
                f"Moved out on {day(state.effective_on)}; floor ports left to set: "
                f"{', '.join(state.ports_left)}. f5 retries them."
            )
            style = "bold red"
        box = self.query_one("#state", Static)
        box.update(plain(text, style))
        box.display = bool(text)

    def _plan(self, **how: Any) -> Any:
        app: Any = self.app
        when = self.query_one("#effective", TextInput).value.strip() or "today"
        return move_out(
            app.db,
            app.actor,
            occupier=self.occupier,
            site=self.site,
            effective_on=parse_day(when),
            gateway=app.gateway,
            **how,
        )

    @on(TextInput.Changed)
    def _date_changed(self) -> None:
        self.update_preview()

    def update_preview(self, note: str | None = None) -> None:
        self.preview = None
        self.query_one("#confirm", Button).disabled = True
        self.refresh_bindings()
        asked = self.query_one("#effective", TextInput).value

        def show(plan: MoveOutPlan) -> None:
            if self.query_one("#effective", TextInput).value != asked:
                return  # typed on since
            self.preview = plan
            self.refresh_bindings()
            above = [(note, "bold yellow"), ("", "")] if note else []
            self._say(
                [
                    *above,
                    *plan_lines(plan),
                    ("", ""),
                    ("Nothing is written until you confirm.", "italic"),
                ]
            )
            self.query_one("#confirm", Button).disabled = False

        call_service(
            self,
            lambda: self._plan(dry_run=True),
            show,
            refused=lambda err: self._say([(f"Blocked: {err}", "bold red")]),
            group="preview",
            exclusive=True,
        )

    def _say(self, lines: list[tuple[str, str]]) -> None:
        self.query_one("#preview", Static).update(styled(lines))

    def action_confirm(self) -> None:
        if self.preview is None:
            self.app.bell()
            return
        p = self.preview
        when = "today" if not p.scheduled else f"on {day(p.effective_on)}"
        question = (
            f"Move {p.occupier_name} out of {p.site} {when}? Its services end, "
            f"{len(p.numbers)} numbers are released and "
            f"{len(p.floor_ports)} floor ports are set to {p.default_role}."
            if not p.scheduled
            else f"Schedule the move-out of {p.occupier_name} from {p.site} {when}? "
            "It is recomputed and applied when due, and can be cancelled before then."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._commit(p)

        self.app.push_screen(
            ConfirmDialog("Move out", question, yes="move out" if not p.scheduled else "schedule"),
            answered,
        )

    def _commit(self, p: MoveOutPlan) -> None:
        self.query_one("#confirm", Button).disabled = True
        self.write.call(
            self,
            lambda: self._plan(expect=p.fingerprint),
            self._done,
            refused=lambda err: self.update_preview(note=f"Not moved out: {err}."),
        )

    def _done(self, plan: MoveOutPlan) -> None:
        self.preview = None
        self.refresh_bindings()
        box = self.query_one("#preview-box")
        box.border_title = "Scheduled" if plan.status == "pending" else "Done"
        self._say(plan_lines(plan))
        self.read_state()

    def action_cancel_scheduled(self) -> None:
        if self.state is None or self.state.status != "pending":
            self._say([("No move-out is scheduled here.", "dim")])
            return
        app: Any = self.app

        def done(plan: MoveOutPlan) -> None:
            self._say([(f"Cancelled the move-out on {day(plan.effective_on)}.", "green")])
            self.read_state()

        self.write.call(
            self,
            lambda: cancel_move_out(app.db, app.actor, occupier=self.occupier, site=self.site),
            done,
            refused=self._refused,
        )

    def action_retry(self) -> None:
        if self.state is None or not self.state.ports_left:
            self._say([("No floor ports are left to set.", "dim")])
            return
        app: Any = self.app
        self.write.call(
            self,
            lambda: retry_move_out_ports(
                app.db, app.gateway, app.actor, occupier=self.occupier, site=self.site
            ),
            self._done,
            refused=self._refused,
        )

    def _refused(self, err: VoiceconsoleError) -> None:
        self._say([(f"Refused: {err}", "bold red")])

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "confirm":
            self.action_confirm()
        else:
            self.action_close()

    def action_close(self) -> None:
        if self.write.busy:
            self.app.bell()
            return
        self.dismiss(None)
