"""Calling the service layer from the console: always in a worker, never blocking the event
loop, and every failure turned into words for the user.

- A refusal (`VoiceconsoleError`: bad input, a rule, a conflict) goes to `refused`, or to a
  notification; it is the user's to fix.
- Anything else (the database went away, a bug, also in a callback) opens the error dialog
  (one at a time) and is logged with its traceback, then `failed` runs so the screen can
  recover (enable its buttons again); the console stays usable.
- A worker cancelled midway through an aiosqlite call (a newer page of the same list, the
  console quitting) leaves SQLAlchemy closing that connection in a task of its own; once the
  database is closed that close never ends, and the process never exits.
  `finish_service_calls` waits for those closes before the database is closed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from textual.dom import DOMNode
from textual.worker import Worker

from voiceconsole.domain.errors import VoiceconsoleError
from voiceconsole.services.startup import describe_failure

T = TypeVar("T")
log = logging.getLogger("voiceconsole.tui")


async def finish_service_calls(timeout: float = 5.0) -> None:
    """Wait until the connections of cancelled service calls are closed (see above)."""
    closing = [
        task
        for task in asyncio.all_tasks()
        if getattr(task.get_coro(), "__name__", "") == "_terminate_graceful_close"
    ]
    if closing:
        await asyncio.wait(closing, timeout=timeout)


def report_failure(node: DOMNode, err: BaseException) -> None:
    """Log `err` with its traceback and show it in words, without stacking dialogs."""
    from voiceconsole.tui.screens.error import ErrorDialog

    log.error("service call failed", exc_info=err)
    if not isinstance(node.app.screen, ErrorDialog):
        node.app.push_screen(ErrorDialog(describe_failure(err)))


def call_service(
    node: DOMNode,
    make: Callable[[], Awaitable[T]],
    done: Callable[[T], Any] | None = None,
    *,
    refused: Callable[[VoiceconsoleError], Any] | None = None,
    failed: Callable[[BaseException], Any] | None = None,
    group: str = "service",
    exclusive: bool = False,
) -> Worker[None]:
    """Run `make()` in a worker on `node`; hand the result to `done` on the event loop."""

    def refuse(err: VoiceconsoleError) -> None:
        if refused is not None:
            refused(err)
        else:
            node.app.notify(str(err), title="Refused", severity="error", markup=False)

    async def job() -> None:
        try:
            try:
                result = await make()
            except VoiceconsoleError as err:
                refuse(err)
                return
            if done is not None:
                done(result)
        except Exception as err:  # shown, logged, and the console carries on
            report_failure(node, err)
            if failed is not None:
                try:
                    failed(err)
                except Exception as again:
                    log.error("recovering from a failure failed", exc_info=again)

    # The function, not a coroutine made now: a worker cancelled before it starts (a newer
    # page of the same list) then leaves no coroutine that was never awaited.
    return node.run_worker(job, group=group, exclusive=exclusive, exit_on_error=False)


class OneWrite:
    """At most one write in flight from a form: a second Enter or ctrl+s while the first is
    running rings the bell instead of writing twice."""

    def __init__(self) -> None:
        self.busy = False

    def call(
        self,
        node: DOMNode,
        make: Callable[[], Awaitable[T]],
        done: Callable[[T], Any] | None = None,
        *,
        refused: Callable[[VoiceconsoleError], Any] | None = None,
        failed: Callable[[BaseException], Any] | None = None,
    ) -> bool:
        """Start the write; False (and the bell) if one is already running."""
        if self.busy:
            node.app.bell()
            return False
        self.busy = True

        def finished(then: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
            def run(value: Any) -> Any:
                self.busy = False
                return then(value) if then is not None else None

            return run

        def refuse(err: VoiceconsoleError) -> None:
            self.busy = False
            if refused is not None:
                refused(err)
            else:
                node.app.notify(str(err), title="Refused", severity="error", markup=False)

        call_service(
            node, make, finished(done), refused=refuse, failed=finished(failed), group="write"
        )
        return True
