"""Calling the service layer from the console: always in a worker, never on the event loop's
critical path, and every failure turned into words for the user.

- A refusal (`VoiceconsoleError`: bad input, a rule, a conflict) goes to `refused`, or to a
  notification; it is the user's to fix.
- Anything else (the database went away, a bug) opens the error dialog and is logged with
  its traceback; the screen stays usable.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from textual.dom import DOMNode
from textual.worker import Worker

from voiceconsole.domain.errors import VoiceconsoleError
from voiceconsole.services.startup import describe_failure

T = TypeVar("T")
log = logging.getLogger("voiceconsole.tui")


def call_service(
    node: DOMNode,
    make: Callable[[], Awaitable[T]],
    done: Callable[[T], Any] | None = None,
    *,
    refused: Callable[[VoiceconsoleError], Any] | None = None,
    group: str = "service",
    exclusive: bool = False,
) -> Worker[None]:
    """Run `make()` in a worker on `node`; hand the result to `done` on the event loop."""

    async def job() -> None:
        try:
            result = await make()
        except VoiceconsoleError as err:
            if refused is not None:
                refused(err)
            else:
                node.app.notify(str(err), title="Refused", severity="error", markup=False)
            return
        except Exception as err:  # shown, logged, and the console carries on
            log.exception("service call failed")
            from voiceconsole.tui.screens.error import ErrorDialog

            node.app.push_screen(ErrorDialog(describe_failure(err)))
            return
        if done is not None:
            done(result)

    return node.run_worker(job(), group=group, exclusive=exclusive, exit_on_error=False)
