"""`y` on the handset panel and the inventory: ask the highlighted phone to fetch its files
again, and say what it answered (or why it was not reached)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.screen import Screen

from voiceconsole.domain.handsets import LoginMethod
from voiceconsole.services.handsets import HandsetView
from voiceconsole.services.provisioning import ResyncOutcome, resync
from voiceconsole.tui.work import call_service


def ask_to_resync(screen: Screen[Any], handset: HandsetView, then: Callable[[], None]) -> None:
    if handset.login_method != LoginMethod.REMOTE.value:
        screen.notify(
            f"{handset.name} is logged in by hand: there is nothing to re-sync.",
            title="Refused",
            severity="error",
            markup=False,
        )
        return
    app: Any = screen.app

    def done(outcomes: list[ResyncOutcome]) -> None:
        for outcome in outcomes:
            if outcome.resynced:
                screen.notify(
                    f"{outcome.handset} answered: it fetches its file now",
                    title="Re-sync",
                    markup=False,
                )
            else:
                screen.notify(
                    f"{outcome.handset}: {outcome.reason}",
                    title="Re-sync",
                    severity="warning",
                    markup=False,
                )
        then()

    call_service(
        screen, lambda: resync(app.db, app.actor, handset=handset.id), done, group="resync"
    )
