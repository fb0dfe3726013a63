"""Showing data: user-entered text is shown as typed, never read as Rich markup."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from rich.text import Text

from voiceconsole.domain.phone import national

if TYPE_CHECKING:
    from voiceconsole.services.voice_services import DueReport


def plain(value: object, style: str = "") -> Text:
    """A cell or label that shows `value` literally ('[bold]' stays '[bold]')."""
    return Text("" if value is None else str(value), style=style)


def number_text(e164: str | None) -> Text:
    return plain(national(e164) if e164 else "—", "" if e164 else "dim")


def count(value: int, *, warn: bool = False) -> Text:
    return Text(f"{value:,}", style="bold red" if warn else "", justify="right")


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
        lines.append(f"{len(due.recycled)} number(s) back in their pools after cooldown")
    return lines
