"""`voiceconsole web`: the options, the command each browser session runs, and a real start
on a free port that a browser's WebSocket reaches, then a clean stop."""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from voiceconsole.cli.main import build_parser, main
from voiceconsole.cli.web_command import public_url, served_command


def test_web_listens_on_this_machine_only_by_default() -> None:
    args = build_parser().parse_args(["web"])
    assert (args.host, args.port, args.public_url) == ("127.0.0.1", 8000, None)
    assert args.handler.__name__ == "web_serve"


def test_web_takes_host_port_and_public_url_and_the_database_options() -> None:
    options = ["--host", "0.0.0.0", "--port", "8123", "--actor", "noc"]
    proxied = ["--public-url", "https://noc.example/console/"]
    args = build_parser().parse_args(["--db", "shared.db", "web", *options, *proxied])
    assert (args.host, args.port, args.db, args.actor) == ("0.0.0.0", 8123, "shared.db", "noc")
    assert public_url(args.host, args.port, args.public_url) == "https://noc.example/console"
    assert public_url("127.0.0.1", 8123, None) == "http://127.0.0.1:8123"
    assert public_url("::1", 8123, None) == "http://[::1]:8123"


@pytest.mark.parametrize("port", ["0", "65536", "http"])
def test_web_refuses_a_port_that_is_none(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        build_parser().parse_args(["web", "--port", port])
    assert exit.value.code == 2
    assert "port number" in capsys.readouterr().err


def test_each_session_runs_this_console_on_the_same_database_as_the_same_actor() -> None:
    command = served_command("/srv/voice console/o'brien.db", "o'brien")
    assert shlex.split(command) == [
        sys.executable,
        "-m",
        "voiceconsole",
        "--db",
        "/srv/voice console/o'brien.db",
        "--actor",
        "o'brien",
    ]
    # Without --db the session finds $VOICECONSOLE_DB or the embedded default, as we did.
    assert shlex.split(served_command(None, "noc")) == [
        sys.executable,
        "-m",
        "voiceconsole",
        "--actor",
        "noc",
    ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _get(url: str, deadline: float) -> str:
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(url) as response:
                    return await response.text()
            except aiohttp.ClientConnectionError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)


async def _screen(url: str, wanted: bytes, deadline: float) -> bytes:
    """What a browser's WebSocket receives until `wanted` shows (the console's output)."""
    seen = b""
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        while wanted not in seen and time.monotonic() < deadline:
            try:
                message = await ws.receive(timeout=1)
            except TimeoutError:
                continue
            if message.type == aiohttp.WSMsgType.BINARY:
                seen += message.data
            elif message.type != aiohttp.WSMsgType.TEXT:
                break
    return seen


@pytest.mark.slow
def test_web_serves_the_console_to_a_browser_and_stops_cleanly(tmp_path: Path) -> None:
    database = str(tmp_path / "web.db")
    site = ["sites", "add", "--code", "WEB1", "--name", "Served", "--country", "GB"]
    assert main([*site, "--timezone", "Europe/London", "--db", database, "--actor", "qa"]) == 0
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VOICECONSOLE_", "TEXTUAL"))}
    for name in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        env[name] = str(tmp_path / name.lower())
    command = [sys.executable, "-m", "voiceconsole", "--db", database, "--actor", "qa"]
    server = subprocess.Popen(
        [*command, "web", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        page = asyncio.run(_get(f"http://127.0.0.1:{port}/", deadline))
        assert f"ws://127.0.0.1:{port}/ws" in page
        session = f"ws://127.0.0.1:{port}/ws?width=80&height=24"
        shown = asyncio.run(_screen(session, b"WEB1", deadline))
        # The console (not the command help that a pipe gets), on the same database.
        assert b"Sites" in shown and b"WEB1" in shown
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=30)
    assert server.returncode == 0, err.decode()
    warning = err.decode()
    assert "no authentication of its own" in warning
    assert "acts as 'qa'" in warning and f"http://127.0.0.1:{port}" in warning
