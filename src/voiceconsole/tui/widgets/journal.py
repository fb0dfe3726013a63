"""Rows of the audit journal, newest first, shared by the activity screen and occupier tab."""

from __future__ import annotations

from typing import Any

from voiceconsole.services.audit import list_audit
from voiceconsole.tui.text import moment, plain
from voiceconsole.tui.widgets.list_table import Row

# What happened comes before whom it concerns. When the view is narrow, Sites and Occupiers
# are left out first (the line under the list and the entry view show them), then What
# narrows down to 30, then Actor and Action; Enter shows the entry in full
# (tui/screens/journal_entry.py).
JOURNAL_COLUMNS = (
    "When (UTC)",
    ("Actor", 6, 1),
    ("Action", 12, 1),
    ("What", 30, 2),
    ("Sites", 0, 3),
    ("Occupiers", 0, 3),
)


async def journal_rows(db: Any, after: str | None, limit: int, **filters: str | None) -> list[Row]:
    """A page of entries older than the entry `after` (an id), matching `filters`."""
    entries = await list_audit(
        db,
        before_id=int(after) if after else None,
        limit=limit,
        **{k: v for k, v in filters.items() if v},
    )
    return [
        (
            str(e.id),
            (
                moment(e.at),
                plain(e.actor),
                plain(e.action),
                plain(e.summary),
                plain(", ".join(e.sites)),
                plain(", ".join(e.occupiers)),
            ),
        )
        for e in entries
    ]


def open_entry(app: Any, key: str | None) -> None:
    """Enter on a journal row: the entry in full."""
    from voiceconsole.tui.screens.journal_entry import JournalEntryScreen

    if key:
        app.push_screen(JournalEntryScreen(int(key)))
