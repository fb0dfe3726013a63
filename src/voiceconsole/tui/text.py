"""Showing data: user-entered text is shown as typed, never read as Rich markup."""

from __future__ import annotations

import datetime as dt

from rich.text import Text

from voiceconsole.domain.phone import national


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
