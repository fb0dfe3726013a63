"""`voiceconsole provisioning serve`: the provisioning server with its two timers.

Besides serving the phones' files (handsets/http_server.py), the server is the long-running
process that retries the re-sync of phones that did not answer (when each is due, waiting
longer each time) and, for sites that enable it, checks whether fetched lines registered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Callable

from aiohttp import web

from voiceconsole.config import ProvisioningSettings
from voiceconsole.db.database import Database
from voiceconsole.domain.errors import InvalidInput
from voiceconsole.handsets.http_server import ProvisioningServer
from voiceconsole.handsets.provisioning import (
    FileAccess,
    provisioning_folder,
    remove_stale_temporaries,
)
from voiceconsole.handsets.sip import parse_address
from voiceconsole.services.provisioning import DatabaseStore, check_registrations, due_resyncs

log = logging.getLogger(__name__)

RETRY_CHECK_EVERY = 5.0  # seconds between looks for re-syncs that are due


def _ssl_context(settings: ProvisioningSettings) -> ssl.SSLContext | None:
    if settings.certificate is None or settings.private_key is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(settings.certificate, settings.private_key)
    except (OSError, ssl.SSLError) as err:
        raise InvalidInput(
            f"cannot use the certificate {settings.certificate} with its key: {err}"
        ) from None
    return context


async def _every(seconds: float, job: Callable[[], object]) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await job()  # type: ignore[misc]
        except Exception:  # a timer must outlive one bad round; the log says why
            log.exception("provisioning timer")


async def run_provisioning_server(
    db: Database,
    settings: ProvisioningSettings,
    stop: asyncio.Event,
    *,
    ready: Callable[[str], None] | None = None,
    retries: bool = True,
) -> None:
    """Serve until `stop` is set; `ready(url)` once phones can fetch."""
    server = ProvisioningServer(DatabaseStore(db, settings), settings.directory)
    provisioning_folder(settings.directory, FileAccess(settings.file_mode, settings.file_group))
    remove_stale_temporaries(settings.directory)
    runner = web.AppRunner(server.app(), access_log=None)
    await runner.setup()
    try:
        host, port = parse_address(settings.listen)
    except ValueError:
        raise InvalidInput(f"{settings.listen!r} is not host:port to listen on") from None
    try:
        site = web.TCPSite(runner, host, port, ssl_context=_ssl_context(settings))
        await site.start()
    except OSError as err:
        await runner.cleanup()
        raise InvalidInput(
            f"the provisioning server cannot listen on {settings.listen}: {err.strerror or err}"
        ) from None
    timers = []
    if retries:
        timers = [
            asyncio.create_task(_every(RETRY_CHECK_EVERY, lambda: due_resyncs(db, settings))),
            asyncio.create_task(
                _every(settings.registration_interval, lambda: check_registrations(db, settings))
            ),
        ]
    try:
        if ready is not None:
            ready(settings.base_url)
        await stop.wait()
    finally:
        for timer in timers:
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer
        await runner.cleanup()
