"""Rows of the audit journal, newest first, shared by the activity screen and occupier tab."""

from __future__ import annotations

from typing import Any

from voiceconsole.services.audit import list_audit
from voiceconsole.tui.text import moment, plain
from voiceconsole.tui.widgets.list_table import Row

# What happened comes before whom it concerns, so that 80 columns show it.
JOURNAL_COLUMNS = (
    "When (UTC)",
    ("Actor", 12),
    ("Action", 20),
    ("What", 60),
    "Sites",
    "Occupiers",
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
