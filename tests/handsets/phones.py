"""What the handset tests share: sipp playing a phone, free ports, the sample phones, and
the provisioning server run in the test's own event loop.

sipp comes from Debian's `sip-tester` package; `.ci/run` installs it. Without it the tests
that need it skip, saying why, unless CI or VOICECONSOLE_REQUIRE_SIPP is set: then they fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from voiceconsole.config import ProvisioningSettings, provisioning_settings
from voiceconsole.db.database import Database
from voiceconsole.db.models import Handset, HandsetLine, LineCredentials, PhoneNumber
from voiceconsole.handsets.phone_simulator import PhoneLogin
from voiceconsole.services.provisioning import staging
from voiceconsole.services.provisioning_server import run_provisioning_server

ACME_DESK_1 = "02:cc:01:01:00:01"  # yealink-t54w, acme-analytics (sample data)
ACME_DESK_2 = "02:cc:01:01:00:03"  # yealink-t33g, acme-analytics
BRIGHTWATER_RECEPTION = "02:cc:01:01:00:05"  # poly-vvx450, brightwater-legal
SIPP = shutil.which("sipp")
REQUIRED = bool(os.environ.get("CI") or os.environ.get("VOICECONSOLE_REQUIRE_SIPP"))
needs_sipp = pytest.mark.skipif(
    SIPP is None and not REQUIRED, reason="sipp is not installed (Debian package sip-tester)"
)


def free_tcp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


HERE = Path(__file__).parent
ACME_DESK_1 = "02:cc:01:01:00:01"  # yealink-t54w (sample data)
BRIGHTWATER_RECEPTION = "02:cc:01:01:00:05"  # poly-vvx450
SIPP = shutil.which("sipp")
REQUIRED = bool(os.environ.get("CI") or os.environ.get("VOICECONSOLE_REQUIRE_SIPP"))

if SIPP is None and not REQUIRED:
    pytest.skip("sipp is not installed (Debian package sip-tester)", allow_module_level=True)


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Phone:
    """sipp on loopback playing one side of one exchange, logging what it got: by default a
    phone answering a NOTIFY with 200 OK (another scenario: a registrar answering OPTIONS)."""

    def __init__(self, tmp_path: Path, scenario: str = "phone_uas.xml") -> None:
        assert SIPP is not None, "sipp is required here (Debian package sip-tester)"
        self.port = free_udp_port()
        self.log = tmp_path / f"sipp-{scenario}.log"
        self.process = subprocess.Popen(
            [
                SIPP,
                "-sf",
                str(HERE / scenario),
                "-i",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-m",
                "1",
                "-nostdin",
                "-trace_msg",
                "-message_file",
                str(self.log),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
        )
        self._wait_listening()

    def _wait_listening(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                try:
                    probe.bind(("127.0.0.1", self.port))
                except OSError:
                    return  # taken: sipp is listening
            if self.process.poll() is not None:
                raise AssertionError(f"sipp stopped: {self.process.stderr.read()!r}")  # type: ignore[union-attr]
            time.sleep(0.05)
        raise AssertionError("sipp did not start listening")

    def received(self) -> str:
        self.process.wait(timeout=10)  # -m 1: it ends after the one exchange
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def phone(tmp_path: Path) -> Iterator[Phone]:
    made = Phone(tmp_path)
    yield made
    made.stop()


@pytest.fixture
def db(seeded: Database) -> Database:
    return seeded


async def set_address(db: Database, mac: str, address: str) -> None:
    async with db.write() as session:
        await session.execute(update(Handset).where(Handset.mac == mac).values(sip_address=address))
        await session.commit()


async def secret_of(db: Database, e164: str) -> str:
    async with db.read() as session:
        return (
            await session.execute(
                select(LineCredentials.secret)
                .join(PhoneNumber, PhoneNumber.id == LineCredentials.number_id)
                .where(PhoneNumber.e164 == e164)
            )
        ).scalar_one()


async def line_status(db: Database, e164: str) -> str:
    async with db.read() as session:
        return (
            await session.execute(
                select(HandsetLine.status)
                .join(PhoneNumber, PhoneNumber.id == HandsetLine.number_id)
                .where(PhoneNumber.e164 == e164)
            )
        ).scalar_one()


async def wait_for_status(db: Database, e164: str, status: str, timeout: float = 15.0) -> str:
    """The line's status once it is `status`, or the last one seen after `timeout`."""
    deadline = time.monotonic() + timeout
    seen = await line_status(db, e164)
    while seen != status and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        seen = await line_status(db, e164)
    return seen


async def phone_login(db: Database, mac: str, settings: ProvisioningSettings) -> PhoneLogin:
    """The phone's provisioning login, as it was staged."""
    staged = await staging(db, mac, settings)
    return PhoneLogin(staged.url, staged.user, staged.password)


@contextlib.asynccontextmanager
async def provisioning_server(
    db: Database, **changes: object
) -> AsyncIterator[ProvisioningSettings]:
    """The provisioning server in this event loop, on a free port, until the block ends."""
    settings = dataclasses.replace(
        provisioning_settings(), listen=f"127.0.0.1:{free_tcp_port()}", **changes
    )
    stop, up = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        run_provisioning_server(db, settings, stop, ready=lambda _: up.set(), retries=False)
    )
    await asyncio.wait_for(up.wait(), 10)
    try:
        yield settings
    finally:
        stop.set()
        await task
