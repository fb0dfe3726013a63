"""Set the switch-port role of floor ports: pick a role, see each switch's own diff, confirm,
watch each switch commit (or roll back), then the result per port.

Nothing reaches a switch's running config before Confirm: the preview loads the change as a
candidate, takes the switch's diff and discards it. Cancel before Confirm changes nothing.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from voiceconsole.domain.errors import VoiceconsoleError
from voiceconsole.domain.port_roles import ROLE_SUMMARY, SwitchPortRole
from voiceconsole.domain.words import counted
from voiceconsole.services.floor_ports import FloorPortView
from voiceconsole.services.switch_ports import (
    ApplyResult,
    RoleOutcome,
    RolePlan,
    SwitchPlan,
    apply_role_change,
    plan_role_change,
)
from voiceconsole.tui.screens.form_buttons import ConfirmOrCancel
from voiceconsole.tui.screens.port_dialogs import UNSURE, port_list
from voiceconsole.tui.text import Said, outcome_title, plain
from voiceconsole.tui.widgets.footer import ConsoleFooter
from voiceconsole.tui.work import OneWrite, call_service


def diff_text(diff: str) -> Text:
    """A switch's diff, literally; added lines green, removed lines red."""
    text = Text()
    for i, line in enumerate(diff.rstrip("\n").split("\n")):
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else ""
        text.append(("\n" if i else "") + line, style=style)
    return text


def plan_text(plan: RolePlan) -> Text:
    """Per switch: its ports and its diff (or why it cannot be previewed); then refusals."""
    text = Text()
    for switch in plan.switches:
        labels = " ".join(p.label for p in switch.ports)
        text.append(f"{switch.target.hostname}", style="bold")
        text.append(f"  {counted(len(switch.ports), 'port')}: {labels}\n")
        if switch.error:
            text.append(f"  cannot be changed: {switch.error}\n", style="bold red")
        elif switch.diff.strip():
            text.append_text(diff_text(switch.diff))
            text.append("\n")
        else:
            text.append("  no change: the switch already has this\n", style="dim")
        text.append("\n")
    if plan.refused:
        text.append("Not in this change:\n", style="bold yellow")
        for label, why in plan.refused:
            text.append(f"  {label}: {why}\n", style="yellow")
    return text


def outcome_text(outcome: RoleOutcome) -> Text:
    text = Text()
    for port in outcome.ports:
        where = f"{port.label:<8} {port.hostname} {port.interface}"
        if port.done:
            text.append("✓ ", style="bold green")
            text.append(f"{where}  done\n")
        else:
            text.append("✗ ", style="bold red")
            text.append(f"{where}  not changed: {port.reason}\n", style="red")
    return text


class SetRoleDialog(ConfirmOrCancel, ModalScreen[str | None]):
    """Role -> preview (per-switch diff) -> confirm -> progress per switch -> result per port."""

    CSS_PATH = "port_dialogs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "confirm", "Confirm", id="floor_ports.role.confirm", priority=True),
        Binding("escape", "cancel", "Cancel", id="floor_ports.role.cancel"),
    ]

    def __init__(self, ports: list[FloorPortView]) -> None:
        super().__init__()
        self.ports = ports
        self.plan: RolePlan | None = None
        self.outcome: RoleOutcome | None = None
        self.progress: dict[str, Text] = {}  # hostname -> what it is doing, in plan order
        self.write = OneWrite()
        self.unsure = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box port-dialog role-dialog"):
            yield Static(self._title(), classes="dialog-title", id="role-title")
            options = []
            for role in SwitchPortRole:
                prompt = Text()
                prompt.append(f"{role.value:<13}", style="bold")
                prompt.append(ROLE_SUMMARY[role])
                options.append(Option(prompt, id=role.value))
            yield OptionList(*options, id="roles")
            with VerticalScroll(id="plan-box"):
                yield Static(
                    plain("Enter on a role shows each switch's diff; nothing changes yet.", "dim"),
                    id="plan",
                )
            yield Static("", id="dialog-status", classes="-empty")
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    "Confirm (ctrl+s)", variant="primary", id="confirm", compact=True, disabled=True
                )
                yield Button("Cancel (esc)", id="cancel", compact=True)
        yield ConsoleFooter()

    def _title(self, role: str | None = None, result: str | None = None) -> Text:
        """One line: the role (or what became of it), then the ports."""
        text = Text()
        text.append(f"Set role: {result or role}" if role or result else "Set role", style="bold")
        text.append(f" · {counted(len(self.ports), 'floor port')}: {port_list(self.ports)}")
        return text

    def on_mount(self) -> None:
        roles = self.query_one("#roles", OptionList)
        common = {p.role for p in self.ports}
        if len(common) == 1 and (role := common.pop()):
            roles.highlighted = roles.get_option_index(role)
        roles.focus()

    def say(self, text: str, style: str = "") -> None:
        status = self.query_one("#dialog-status", Static)
        status.update(plain(text, style))
        status.set_class(not text, "-empty")

    def show(self, text: Text) -> None:
        self.query_one("#plan", Static).update(text)

    # --- preview -------------------------------------------------------------------------

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if self.write.busy or self.outcome is not None:
            self.app.bell()
            return
        self.preview(str(event.option.id))

    def preview(self, role: str) -> None:
        app: Any = self.app
        ids = [p.id for p in self.ports]
        self.plan = None
        self.query_one("#confirm", Button).disabled = True
        self.query_one("#role-title", Static).update(self._title(role))
        self.show(plain(f"Asking the switches for their diff for {role}…", "italic"))
        self.say("")

        def shown(plan: RolePlan) -> None:
            self.plan = plan
            self.show(plan_text(plan))
            ready = bool(plan.ready)
            self.query_one("#confirm", Button).disabled = not ready
            if ready:
                self.say(
                    f"ctrl+s commits on {counted(len(plan.ready), 'switch', 'switches')}; "
                    "one that fails rolls back.",
                    "italic",
                )
            else:
                self.say("No switch in this change can be reached: nothing to confirm.", "bold red")

        def refused(err: VoiceconsoleError) -> None:
            self.show(plain(""))
            self.say(f"Refused: {err}", "bold red")

        call_service(
            self,
            lambda: plan_role_change(app.db, app.gateway, ids, role, actor=app.actor),
            shown,
            refused=refused,
            group="plan",
            exclusive=True,
        )

    # --- commit --------------------------------------------------------------------------

    def action_confirm(self) -> None:
        plan = self.plan
        if self.write.busy or self.outcome is not None or plan is None or not plan.ready:
            self.app.bell()
            return
        app: Any = self.app
        self.progress = {s.target.hostname: plain("committing…", "italic") for s in plan.ready}
        self._show_progress()
        if self.write.call(
            self,
            lambda: apply_role_change(
                app.db, app.gateway, app.actor, plan, progress=self._switch_done
            ),
            self._done,
            refused=self._refused,
            failed=self._failed,
        ):
            self.query_one("#confirm", Button).disabled = True
            self.query_one("#roles", OptionList).disabled = True
            self.say(f"Committing on {counted(len(plan.ready), 'switch', 'switches')}…", "italic")

    def _switch_done(self, switch: SwitchPlan, result: ApplyResult) -> None:
        """One switch has answered (called on the event loop as each finishes)."""
        if result.committed:
            self.progress[switch.target.hostname] = plain(
                f"done {counted(len(switch.ports), 'port')}", "green"
            )
        else:
            self.progress[switch.target.hostname] = plain(
                f"not changed: {result.error}", "bold red"
            )
        self._show_progress()

    def _show_progress(self) -> None:
        text = Text()
        for hostname, doing in self.progress.items():
            text.append(f"{hostname}: ", style="bold")
            text.append_text(doing)
            text.append("\n")
        self.show(text)

    def _done(self, outcome: RoleOutcome) -> None:
        self.outcome = outcome
        text = Text()
        failed = f", {outcome.failed} not changed" if outcome.failed else ""
        title = f"{outcome.role.value}: {counted(outcome.done, 'port')} done{failed}"
        self.query_one("#role-title", Static).update(self._title(result=title))
        text.append_text(outcome_text(outcome))
        self.show(text)
        self.say("")
        self.query_one("#confirm", Button).display = False
        close = self.query_one("#cancel", Button)
        close.label = "Close (esc)"
        close.focus()

    def _refused(self, err: VoiceconsoleError) -> None:
        self.query_one("#roles", OptionList).disabled = False
        self.query_one("#confirm", Button).disabled = False
        if self.plan is not None:
            self.show(plan_text(self.plan))
        self.say(f"Refused, nothing changed: {err}", "bold red")

    def _failed(self, err: BaseException) -> None:
        self.unsure = True
        self.plan = None  # what the switches have now is unknown: preview again first
        self.query_one("#roles", OptionList).disabled = False
        self.say(UNSURE, "bold red")

    def action_cancel(self) -> None:
        if self.write.busy:
            self.app.bell()  # at work: each switch's result comes next
            return
        outcome = self.outcome
        if outcome is None:
            self.dismiss(None)
            return
        failed = f"; {outcome.failed} not changed" if outcome.failed else ""
        self.dismiss(
            Said(
                f"{counted(outcome.done, 'floor port')} set to {outcome.role.value}{failed}",
                outcome_title(outcome.done, failed=outcome.failed),
            )
        )
