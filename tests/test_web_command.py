"""`voiceconsole web`: the options, the command each browser session runs, and a real start
on a free port that a browser's WebSocket reaches, then a clean stop."""

from __future__ import annotations

import asyncio
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.engine import make_url

from voiceconsole.cli.main import build_parser, main
from voiceconsole.cli.web_command import (
    cookie_name,
    guard,
    origin_of,
    public_url,
    served_command,
    session_environment,
)


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


def test_each_session_runs_this_console_as_the_same_actor_with_no_database_url() -> None:
    assert shlex.split(served_command("o'brien")) == [
        sys.executable,
        "-m",
        "voiceconsole",
        "--actor",
        "o'brien",
    ]


def test_the_database_reaches_sessions_through_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("VOICECONSOLE_DB", raising=False)
    session_environment(None)  # without --db, sessions find what this process found
    assert "VOICECONSOLE_DB" not in os.environ
    session_environment("postgresql://noc:pw@db.example/voice")
    assert os.environ["VOICECONSOLE_DB"] == "postgresql://noc:pw@db.example/voice"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """`voiceconsole web` in a process of its own, and the address it printed."""

    def __init__(self, tmp_path: Path, db: str, *, db_in_env: bool = False) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("VOICECONSOLE_", "TEXTUAL"))
        }
        for name in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
            env[name] = str(tmp_path / name.lower())
        command = [sys.executable, "-m", "voiceconsole", "--actor", "qa"]
        if db_in_env:
            env["VOICECONSOLE_DB"] = db
        else:
            command += ["--db", db]
        self.process = subprocess.Popen(
            [*command, "web", "--port", str(self.port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.process.stderr is not None
        self.said = b""
        while b"/?token=" not in self.said:
            line = self.process.stderr.readline()
            assert line, f"web stopped: {self.said.decode()}"
            self.said += line
        self.address = self.said.decode().split("Open ")[-1].strip()
        self.secret = self.address.split("token=")[1]
        self.cookie = {f"voiceconsole_web_{self.port}": self.secret}

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGTERM)
        out, err = self.process.communicate(timeout=60)
        return self.process.returncode, (self.said + out + err).decode()


async def _get(url: str, deadline: float, **options: object) -> tuple[int, str, dict[str, str]]:
    """Status, body and cookies set, once the server answers."""
    async with aiohttp.ClientSession(**options) as session:  # type: ignore[arg-type]
        while True:
            try:
                async with session.get(url, allow_redirects=False) as response:
                    cookies = {k: v.value for k, v in response.cookies.items()}
                    return response.status, await response.text(), cookies
            except aiohttp.ClientConnectionError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)


async def _screen(
    url: str,
    wanted: bytes,
    deadline: float,
    *,
    cookies: dict[str, str],
    origin: str,
    meanwhile: Callable[[], None] = lambda: None,
) -> bytes:
    """What a browser's WebSocket receives until `wanted` shows (the console's output);
    `meanwhile` runs while the session is still open."""
    seen = b""
    async with (
        aiohttp.ClientSession(cookies=cookies) as session,
        session.ws_connect(url, origin=origin) as ws,
    ):
        while wanted not in seen and time.monotonic() < deadline:
            try:
                message = await ws.receive(timeout=1)
            except TimeoutError:
                continue
            if message.type == aiohttp.WSMsgType.BINARY:
                seen += message.data
            elif message.type != aiohttp.WSMsgType.TEXT:
                break
        meanwhile()
    return seen


async def _refused_websocket(url: str, *, cookies: dict[str, str], origin: str) -> int:
    async with aiohttp.ClientSession(cookies=cookies) as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(url, origin=origin)
    return refused.value.status


def _make_site(db: str) -> None:
    site = ["sites", "add", "--code", "WEB1", "--name", "Served", "--country", "GB"]
    assert (
        main([*site, "--timezone", "Europe/London", "--db", db, "--create", "--actor", "qa"]) == 0
    )


@pytest.mark.slow
def test_web_serves_the_console_to_a_browser_with_the_secret_and_stops_cleanly(
    tmp_path: Path,
) -> None:
    database = str(tmp_path / "web.db")
    _make_site(database)
    served = Served(tmp_path, database)
    try:
        deadline = time.monotonic() + 120
        # The printed address sets the cookie and sends the browser to the bare address.
        status, _, cookies = asyncio.run(_get(served.address, deadline))
        assert status == 302 and cookies == served.cookie
        status, page, _ = asyncio.run(_get(f"{served.base}/", deadline, cookies=cookies))
        assert status == 200 and f"ws://127.0.0.1:{served.port}/ws" in page
        session = f"ws://127.0.0.1:{served.port}/ws?width=80&height=24"
        shown = asyncio.run(
            _screen(session, b"WEB1", deadline, cookies=cookies, origin=served.base)
        )
        # The console (not the command help that a pipe gets), on the same database.
        assert b"Sites" in shown and b"WEB1" in shown
    finally:
        code, said = served.stop()
    assert code == 0, said
    assert "no accounts of its own" in said
    assert "acts as 'qa'" in said and f"http://127.0.0.1:{served.port}" in said


@pytest.mark.slow
def test_web_refuses_other_origins_and_anyone_without_the_secret(tmp_path: Path) -> None:
    database = str(tmp_path / "web.db")
    _make_site(database)
    served = Served(tmp_path, database)
    ws = f"ws://127.0.0.1:{served.port}/ws?width=80&height=24"
    try:
        deadline = time.monotonic() + 60
        assert asyncio.run(_get(f"{served.base}/", deadline))[0] == 403
        assert asyncio.run(_get(f"{served.base}/?token=guess", deadline))[0] == 403
        cookie = {f"voiceconsole_web_{served.port}": "guess"}
        assert asyncio.run(_get(f"{served.base}/", deadline, cookies=cookie))[0] == 403
        # A page elsewhere that the operator visits opens a WebSocket: its Origin gives it
        # away, even with the cookie (a browser sends it on a WebSocket to this host).
        for origin in ("http://evil.example", f"http://localhost.evil.example:{served.port}"):
            refused = _refused_websocket(ws, cookies=served.cookie, origin=origin)
            assert asyncio.run(refused) == 403
        # The right Origin without the cookie (DNS rebinding, another user on the machine).
        assert asyncio.run(_refused_websocket(ws, cookies={}, origin=served.base)) == 403
        # The downloads of a session need the cookie too.
        assert asyncio.run(_get(f"{served.base}/download/x", deadline))[0] == 403
        # The page's own scripts stay public files.
        assert asyncio.run(_get(f"{served.base}/static/js/textual.js", deadline))[0] == 200
    finally:
        code, said = served.stop()
    assert code == 0, said


def _command_lines() -> list[str]:
    lines = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            lines.append(cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            continue  # gone meanwhile
    return lines


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc to list `ps`")
def test_the_database_password_is_in_no_output_and_no_command_line(
    tmp_path: Path, postgres_url: str
) -> None:
    password = "pw-" + secrets.token_hex(8)
    url = make_url(postgres_url).set(password=password).render_as_string(hide_password=False)
    _make_site(url)
    served = Served(tmp_path, url, db_in_env=True)
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 120
        cookies = asyncio.run(_get(served.address, deadline))[2]
        session = f"ws://127.0.0.1:{served.port}/ws?width=80&height=24"
        shown = asyncio.run(
            _screen(
                session,
                b"WEB1",
                deadline,
                cookies=cookies,
                origin=served.base,
                meanwhile=lambda: seen.extend(_command_lines()),
            )
        )
        assert b"WEB1" in shown  # the session's console is up, on PostgreSQL
    finally:
        code, said = served.stop()
    assert code == 0, said
    assert any("voiceconsole" in line and "--actor qa" in line for line in seen)
    assert not [line for line in seen if password in line]
    assert password not in said and password not in shown.decode(errors="replace")


def test_origins_are_compared_as_browsers_send_them() -> None:
    assert origin_of("https://Noc.Example:443/console") == "https://noc.example"
    assert origin_of("http://127.0.0.1:8000") == "http://127.0.0.1:8000"
    assert origin_of("http://[::1]:80/") == "http://[::1]"
    assert cookie_name("http://127.0.0.1:8000") == "voiceconsole_web_8000"
    assert cookie_name("https://noc.example/console") == "voiceconsole_web__console"


async def test_behind_a_proxy_the_cookie_is_the_consoles_path_only_and_secure() -> None:
    from aiohttp import web
    from aiohttp.test_utils import TestClient, TestServer

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="console")

    app = web.Application(middlewares=[guard("https://noc.example/console", "s3cret")])
    app.router.add_get("/", page)
    async with TestClient(TestServer(app)) as client:
        answer = await client.get("/?token=s3cret", allow_redirects=False)
        assert answer.status == 302 and answer.headers["Location"] == "./"
        morsel = answer.cookies["voiceconsole_web__console"]
        assert morsel.value == "s3cret" and morsel["path"] == "/console/"
        assert morsel["secure"] and morsel["httponly"] and morsel["samesite"] == "Lax"
        assert (await client.get("/?token=guess", allow_redirects=False)).status == 403
