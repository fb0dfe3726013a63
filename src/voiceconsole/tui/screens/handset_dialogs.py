"""Dialogs of the handset panel: log numbers in to a handset, bulk login, log a line out.

Logging in is one `login_number` call per number, in order: the dialog shows each number
waiting, being logged in, then its result (done / pending re-sync with the reason / waiting
for the engineer with what to type on the phone / refused with the reason). A refusal of one
number does not stop the others; each call is its own transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.segment import Segment
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.strip import Strip
from textual.widgets import Button, SelectionList, Static
from textual.widgets.option_list import OptionDoesNotExist
from textual.widgets.selection_list import Selection

from voiceconsole.domain.errors import VoiceconsoleError
from voiceconsole.domain.phone import national
from voiceconsole.domain.words import counted
from voiceconsole.services.handsets import HandsetView, login_number, logout_number
from voiceconsole.tui.screens.form_buttons import ConfirmOrCancel
from voiceconsole.tui.screens.form_dialog import FormDialog
from voiceconsole.tui.screens.handset_rows import (
    Outcome,
    method_words,
    outcome_of,
    outcomes_text,
    refused,
    summary,
)
from voiceconsole.tui.text import Said, outcome_title, plain
from voiceconsole.tui.widgets.footer import ConsoleFooter
from voiceconsole.tui.work import OneWrite

UNSURE = (
    "It failed midway (see the error): the number being logged in may or may not be. "
    "esc closes this and shows the handsets as they are now."
)


class MarkList(SelectionList[str]):
    """Numbers to pick: space marks (or unmarks) the one under the cursor, which stays, as in
    the port grid and the telephony list."""

    def render_line(self, y: int) -> Strip:
        # Textual draws the same X in every box, ticked or not, told apart by colour only
        # (lost under the ansi themes): an unticked box is drawn empty.
        strip = super().render_line(y)
        segments = list(strip)
        try:
            option = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return strip
        if len(segments) > 1 and option.value not in self.selected:
            segments[1] = Segment(" " * len(segments[1].text), segments[1].style)
            return Strip(segments, strip.cell_length)
        return strip


@dataclass(frozen=True)
class Step:
    """One login to make: a number on a handset (moving it from another if `move`)."""

    handset_id: int
    handset: str
    e164: str
    moved_from: str | None = None  # the handset it is on now: a login moves it (hot-desk)


class LoginWork(ConfirmOrCancel, ModalScreen[str | None]):
    """Logs in a list of numbers, one call each, with progress and a result per number.

    Subclasses give `body()` and `plan()` (the steps, or None after saying why not yet).
    """

    CSS_PATH = "handsets.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "confirm", "Log in", id="handsets.dialog.confirm", priority=True),
        Binding("escape", "cancel", "Cancel", id="handsets.dialog.cancel"),
    ]
    title_text = "Log in"
    confirm_label = "Log in"

    def __init__(self, steps: dict[str, str]) -> None:
        super().__init__()
        self.model_steps = steps  # device model code -> what to type on a manual model
        self.write = OneWrite()
        self.outcomes: list[Outcome] = []
        self.waiting: list[str] = []
        self.running: str | None = None
        self.finished = False
        self.unsure = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="handset-dialog login-dialog"):
            yield Static(plain(self.title_text, "bold"), classes="dialog-title", id="login-title")
            yield from self.body()
            with VerticalScroll(id="results-box"):
                yield Static(self.before_text(), id="results")
            yield Static("", id="dialog-status", classes="-empty")
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    f"{self.confirm_label} (ctrl+s)", variant="primary", id="confirm", compact=True
                )
                yield Button("Cancel (esc)", id="cancel", compact=True)
        yield ConsoleFooter()

    def body(self) -> ComposeResult:
        yield from ()

    def before_text(self) -> Text:
        return plain("")

    def plan(self) -> list[Step] | None:
        raise NotImplementedError

    def say(self, text: str, style: str = "") -> None:
        status = self.query_one("#dialog-status", Static)
        status.update(plain(text, style))
        status.set_class(not text, "-empty")

    def _show(self) -> None:
        self.query_one("#results", Static).update(
            outcomes_text(self.outcomes, self.waiting, self.running)
        )

    def action_confirm(self) -> None:
        if self.finished or self.write.busy:
            self.app.bell()
            return
        steps = self.plan()
        if not steps:
            return
        app: Any = self.app
        self.waiting = [s.e164 for s in steps]

        async def work() -> list[Outcome]:
            for step in steps:
                self.running = step.e164
                self._show()
                try:
                    result = await login_number(
                        app.db,
                        app.actor,
                        handset=step.handset_id,
                        number=step.e164,
                        move=step.moved_from is not None,
                    )
                except VoiceconsoleError as err:
                    outcome = refused(step.e164, step.handset, str(err))
                else:
                    steps_text = self.model_steps.get(result.handset.model, "")
                    outcome = outcome_of(step.e164, result, steps_text, step.moved_from)
                    self.logged_in(result.handset)
                self.outcomes.append(outcome)
                self.waiting.remove(step.e164)
                self.running = None
                self._show()
            return self.outcomes

        if self.write.call(self, work, self._done, failed=self._failed):
            self.started()
            self.query_one("#confirm", Button).disabled = True
            self.say(f"Logging in {counted(len(steps), 'number')}, one at a time…", "italic")
            self._show()

    def started(self) -> None:
        """The run has begun (a subclass hides its choices)."""

    def logged_in(self, handset: HandsetView) -> None:
        """A number is on `handset` now: a subclass shows its counters as they are."""

    def _finish(self) -> None:
        self.finished = True
        self.query_one("#confirm", Button).display = False
        close = self.query_one("#cancel", Button)
        close.label = "Close (esc)"
        close.focus()

    def _done(self, outcomes: list[Outcome]) -> None:
        title = Text()
        title.append(f"{self.title_text}: {summary(outcomes)}", style="bold")
        self.query_one("#login-title", Static).update(title)
        self.say("")
        self._finish()

    def _failed(self, err: BaseException) -> None:
        self.unsure = True
        self.say(UNSURE, "bold red")
        self._finish()

    def action_cancel(self) -> None:
        if self.write.busy:
            self.app.bell()  # at work: each number's result comes next
            return
        if not self.outcomes:
            self.dismiss(None)
            return
        states = [o.state for o in self.outcomes]
        title = outcome_title(
            states.count("done"), states.count("pending"), states.count("refused")
        )
        self.dismiss(Said(f"{self.title_text}: {summary(self.outcomes)}", title))


class LoginDialog(LoginWork):
    """Pick numbers (space marks several) and log them in to one handset, in number order.

    The list holds the occupier's active numbers that are not main numbers and not on this
    handset, in number order; one on another handset says so, and a login moves it here
    (hot-desking) after a second ctrl+s confirms the move.
    """

    def __init__(
        self,
        handset: HandsetView,
        candidates: list[tuple[str, str | None]],  # (E.164, the handset it is on, or None)
        steps: dict[str, str],
    ) -> None:
        super().__init__(steps)
        self.handset = handset
        self.candidates = candidates
        self.on_handset = dict(candidates)
        self.move_confirmed = False
        self.title_text = f"Log in to {handset.name}"

    def keys_text(self) -> Text:
        h = self.handset
        free = h.line_keys - len(h.lines)
        return plain(
            f"{h.model} · {method_words(h.login_method)} · "
            f"{free} of {counted(h.line_keys, 'line key')} free"
        )

    def body(self) -> ComposeResult:
        yield Static(self.keys_text(), classes="dialog-text", id="keys-free")
        options = []
        for e164, elsewhere in self.candidates:
            prompt = Text(f"{national(e164):<14}")
            if elsewhere:
                prompt.append(f"  on {elsewhere}: moves here", style="yellow")
            options.append(Selection(prompt, e164))
        yield MarkList(*options, id="numbers")
        if not options:
            yield Static(
                plain(
                    "No active number to log in: each is a main number or on this handset.", "dim"
                ),
                classes="dialog-text",
            )

    def before_text(self) -> Text:
        return plain("space marks numbers; ctrl+s logs them in, in this order.", "dim")

    def on_mount(self) -> None:
        numbers = self.query_one("#numbers", SelectionList)
        if numbers.option_count:
            numbers.highlighted = 0
        numbers.focus()

    def on_selection_list_selected_changed(self) -> None:
        self.move_confirmed = False
        self.say("")

    def plan(self) -> list[Step] | None:
        chosen = set(self.query_one("#numbers", SelectionList).selected)
        picked = [e164 for e164, _ in self.candidates if e164 in chosen]
        if not picked:
            self.say("Mark the numbers to log in with space first.", "bold red")
            return None
        moves = [e for e in picked if self.on_handset.get(e)]
        if moves and not self.move_confirmed:
            self.move_confirmed = True
            which = "; ".join(f"{national(e)} from {self.on_handset[e]}" for e in moves)
            self.say(
                f"Move {counted(len(moves), 'number')} here (hot-desk): {which}. "
                "ctrl+s again moves them.",
                "bold yellow",
            )
            return None
        name = self.handset.name
        return [Step(self.handset.id, name, e, self.on_handset.get(e)) for e in picked]

    def started(self) -> None:
        self.query_one("#numbers", SelectionList).display = False

    def logged_in(self, handset: HandsetView) -> None:
        self.handset = handset
        self.query_one("#keys-free", Static).update(self.keys_text())


def bulk_plan(handsets: list[HandsetView], numbers: list[str]) -> tuple[list[Step], list[str]]:
    """Fill each handset's free line keys with the numbers, in order, handsets in label order;
    also the numbers left over."""
    steps: list[Step] = []
    left = list(numbers)
    for h in sorted(handsets, key=lambda h: (h.label or "\uffff", h.mac)):
        free = h.line_keys - len(h.lines)
        for e164 in left[:free]:
            steps.append(Step(h.id, h.name, e164))
        left = left[max(free, 0) :]
    return steps, left


class BulkLoginDialog(LoginWork):
    """Log the occupier's active numbers that are on no handset in to its handsets, in order."""

    title_text = "Bulk login"

    def __init__(
        self, occupier: str, handsets: list[HandsetView], numbers: list[str], steps: dict[str, str]
    ) -> None:
        super().__init__(steps)
        self.occupier = occupier
        self.planned, self.left = bulk_plan(handsets, numbers)
        self.numbers = numbers
        self.handsets = handsets
        self.placed = 0  # numbers logged in so far

    def loose_text(self) -> Text:
        loose = len(self.numbers) - self.placed
        return plain(
            f"{counted(loose, 'active number')} of {self.occupier} "
            f"{'is' if loose == 1 else 'are'} on no handset. "
            "Each handset's free line keys are filled in turn, handsets in label order:"
        )

    def body(self) -> ComposeResult:
        yield Static(self.loose_text(), classes="dialog-text", id="loose")

    def before_text(self) -> Text:
        text = Text()
        by_handset: dict[str, list[str]] = {}
        for step in self.planned:
            by_handset.setdefault(step.handset, []).append(step.e164)
        for h in sorted(self.handsets, key=lambda h: (h.label or "\uffff", h.mac)):
            free = h.line_keys - len(h.lines)
            text.append(f"{h.name}", style="bold")
            text.append(f" ({method_words(h.login_method)}, {free} free): ")
            got = by_handset.get(h.name, [])
            text.append(
                ", ".join(national(e) for e in got) or "nothing", style="" if got else "dim"
            )
            text.append("\n")
        if self.left:
            text.append("No free line key left for: ", style="bold yellow")
            text.append(", ".join(national(e) for e in self.left), style="yellow")
            text.append("\n")
        if not self.handsets:
            text.append(f"{self.occupier} has no handsets here.", style="dim")
        elif not self.numbers:
            text.append("Nothing to do: every active number is on a handset.", style="dim")
        return text

    def on_mount(self) -> None:
        if not self.planned:
            self.query_one("#confirm", Button).disabled = True
            self.query_one("#cancel", Button).focus()

    def plan(self) -> list[Step] | None:
        return list(self.planned)

    def started(self) -> None:
        # The plan stays above the progress: it is what is being done.
        self.query_one("#results-box").add_class("-running")

    def logged_in(self, handset: HandsetView) -> None:
        self.placed += 1
        self.query_one("#loose", Static).update(self.loose_text())


class LogoutDialog(FormDialog):
    """Log one line out of its handset, after saying what that does."""

    CSS_PATH = "handsets.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "confirm", "Log out", id="handsets.logout.confirm", priority=True),
        Binding("escape", "cancel", "Cancel", id="handsets.logout.cancel"),
    ]
    box_class = "handset-dialog"
    title_text = "Log out"
    confirm_label = "Log out"
    unsure_text = UNSURE

    def __init__(self, handset: HandsetView, e164: str, line_key: int) -> None:
        super().__init__()
        self.handset = handset
        self.e164 = e164
        self.line_key = line_key

    def body(self) -> ComposeResult:
        h = self.handset
        after = (
            "Its provisioning file is written again without the line and the phone is asked "
            "to re-sync."
            if h.login_method == "remote"
            else "Log it out on the phone too: the console cannot reach a manual model."
        )
        yield Static(
            plain(f"Log {national(self.e164)} out of {h.name} (line {self.line_key})? {after}"),
            classes="dialog-text",
        )

    def on_mount(self) -> None:
        self.query_one("#confirm", Button).focus()

    def submit(self) -> Callable[[], Awaitable[Any]]:
        app: Any = self.app
        return lambda: logout_number(app.db, app.actor, number=self.e164)

    def said(self, result: str) -> str:
        return f"Logged {national(self.e164)} out of {result}"
