"""Notifications of what matters to this user, picked from colleagues' changes."""

from __future__ import annotations

from collections.abc import Iterable

from voiceconsole.services.changes import Change


def notices(changes: Iterable[Change], user: str) -> list[tuple[str, str]]:
    """(title, text) of each change this user would want to hear about."""
    return []
