"""Showing data: user-entered text is shown as typed, never read as Rich markup."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from rich.text import Text

from voiceconsole.domain.phone import national
from voiceconsole.domain.words import counted

if TYPE_CHECKING:
    from voiceconsole.services.voice_services import DueReport


def plain(value: object, style: str = "") -> Text:
    """A cell or label that shows `value` literally ('[bold]' stays '[bold]')."""
    return Text("" if value is None else str(value), style=style)


def number_text(e164: str | None) -> Text:
    return plain(national(e164) if e164 else "—", "" if e164 else "dim")


def count(value: int, *, warn: bool = False) -> Text:
    return Text(f"{value:,}", style="bold red" if warn else "", justify="right")


class Said(str):
    """What an action did, in words, as a dialog hands it back when it closes, with the
    title of its toast: what happened ("Done" unless told otherwise)."""

    title: str

    def __new__(cls, text: str, title: str = "Done") -> Said:
        said = super().__new__(cls, text)
        said.title = title
        return said


def outcome_title(done: int, pending: int = 0, failed: int = 0) -> str:
    """A toast's title for work done item by item: "Done" only when all of it is."""
    if not pending and not failed:
        return "Done"
    if not done and not pending:
        return "Failed"
    if not done and not failed:
        return "Pending"
    return "Partly done"


_SEVERITY = {"Done": "information", "Failed": "error"}


def toast(node: Any, said: str) -> None:
    """Say what an action did in a toast titled by its outcome (see `Said`)."""
    title = getattr(said, "title", "Done")
    node.notify(str(said), title=title, severity=_SEVERITY.get(title, "warning"), markup=False)


def day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def moment(value: dt.datetime) -> str:
    """An audit time in UTC, to the minute: the same for colleagues in different places."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")


def styled(lines: list[tuple[str, str]]) -> Text:
    """Lines of (text, style) as one block, each line shown literally."""
    text = Text()
    for i, (line, style) in enumerate(lines):
        text.append(("\n" if i else "") + line, style=style)
    return text


def due_report_lines(due: DueReport) -> list[str]:
    """What applying due changes did, in words (empty when nothing was due)."""
    lines = [
        f"Applied: {c.product} for {c.occupier} at {c.site} is now QTY {c.new_quantity}"
        for c in due.applied
    ]
    lines += [
        f"Held back: {h['change'].product} for {h['change'].occupier} at "
        f"{h['change'].site} (QTY {h['change'].new_quantity}): {h['reason']}"
        for h in due.held_back
    ]
    if due.recycled:
        lines.append(f"{counted(len(due.recycled), 'number')} back in their pools after cooldown")
    for plan in due.moved_out:
        lines.append(f"Moved out: {plan.occupier} from {plan.site}; {plan.summary()}")
    lines += [f"Move-out held back: {h['reason']}" for h in due.move_outs_held_back]
    return lines
