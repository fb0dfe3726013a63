"""SSH access to simulated switches: an IOS-like shell and SCP into flash, on loopback.

One asyncssh listener per switch, all on one event loop in a daemon thread, so sync code
(tests, the lab command) can start and stop a fleet. asyncssh rather than fakenos because it
serves SCP (`scp -t flash:/x`, what netmiko's FileTransfer sends) through an SFTPServer
subclass, which maps `flash:` onto the switch's in-memory `flash` dict.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import threading
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import asyncssh
from asyncssh.sftp import (
    FILEXFER_TYPE_DIRECTORY,
    FILEXFER_TYPE_REGULAR,
    FXF_TRUNC,
    FXF_WRITE,
)

if TYPE_CHECKING:
    from .model import SimulatedSwitch

log = logging.getLogger(__name__)

# What IOS's SCP server answers: without `ip scp server enable`, and to a login it will not
# let copy (no AAA exec authorization, or a login below privilege 15).
SCP_DISABLED = "Administratively disabled."
SCP_REFUSED = "Privilege denied."


class Session(Protocol):
    """What the shell needs of an ios_cli.IOSSession."""

    @property
    def prompt(self) -> str: ...

    @property
    def closed(self) -> bool: ...

    @property
    def echo(self) -> bool: ...

    def execute(self, line: str) -> str: ...


SessionFactory = Callable[["SimulatedSwitch", str], Session]


class PortInUseError(OSError):
    """A switch's listening address is taken (another lab, a real sshd)."""


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


# --- the interactive shell ---------------------------------------------------------------

_BACKSPACES = "\x08\x7f"


async def _run_shell(
    switch: SimulatedSwitch, factory: SessionFactory, process: asyncssh.SSHServerProcess
) -> None:
    """One login: echo input like IOS, run each line in a thread, print output and prompt.

    Lines end in "\\r", "\\n" or "\\r\\n" (netmiko sends "\\n"; a terminal "\\r").
    """
    loop = asyncio.get_running_loop()
    username = process.get_extra_info("username") or ""
    session = factory(switch, username)
    write = process.stdout.write

    async def run(line: str) -> str:
        # In a thread: a command may wait for the switch lock held by another session.
        try:
            return await loop.run_in_executor(None, session.execute, line)
        except Exception:  # a simulator bug must not kill the server; say so on the CLI
            log.exception("simulator: %r failed on %s", line, switch.hostname)
            return "% Simulator error (see the log)\n"

    if process.command:  # `ssh switch "show version"`: one command, no prompt
        output = await run(process.command)
        write(_crlf(output if output.endswith("\n") or not output else output + "\n"))
        process.exit(0)
        return

    write(f"\r\n{session.prompt}")
    line = ""
    after_cr = False
    try:
        while not session.closed:
            try:
                data = await process.stdin.read(4096)
            except (asyncssh.BreakReceived, asyncssh.SignalReceived, asyncssh.TerminalSizeChanged):
                continue  # delivered as exceptions on stdin; none matters to the CLI
            if not data:  # EOF: the client went away
                break
            echo = ""
            for char in data:
                if char in "\r\n":
                    if char == "\n" and after_cr:  # the "\n" of a "\r\n"
                        after_cr = False
                        continue
                    after_cr = char == "\r"
                    write(echo + "\r\n")
                    echo = ""
                    # An empty line is nothing to IOS, except as a (wrong) password.
                    output = await run(line) if line.strip() or not session.echo else ""
                    line = ""
                    if output and not output.endswith("\n"):
                        output += "\n"
                    if session.closed:
                        write(_crlf(output))
                        break
                    write(_crlf(output) + session.prompt)
                    continue
                after_cr = False
                if char in _BACKSPACES:
                    if line:
                        line = line[:-1]
                        echo += "\b \b" if session.echo else ""
                elif char.isprintable():
                    line += char
                    echo += char if session.echo else ""  # a password is not echoed
                # other control characters (netmiko's is_alive NUL, ^C) are ignored
            if session.closed:
                break
            write(echo)
    except asyncssh.DisconnectError:
        return
    process.exit(0)


# --- SCP / SFTP into flash ---------------------------------------------------------------


def flash_name(path: bytes) -> str:
    """A path SCP or SFTP sends -> the flash file name: flash:/x, flash:x, /x, x -> x.

    The directory itself (flash:, flash:/) -> "".
    """
    text = path.decode("utf-8", "replace")
    if ":" in text:
        fs, _, text = text.partition(":")
        if fs != "flash":
            raise asyncssh.SFTPNoSuchPath(f"{fs}: no such file system")
    text = text.strip("/")
    if text in ("", "."):
        return ""
    if "/" in text:  # the simulator's flash has no subdirectories
        raise asyncssh.SFTPNoSuchPath(f"flash:/{text}: no such directory")
    return text


@dataclass
class _FlashFile:
    name: str
    writing: bool
    data: bytearray = field(default_factory=bytearray)


class FlashSFTPServer(asyncssh.SFTPServer):
    """The switch's flash as a one-directory file system; nothing else is reachable.

    map_path is the chokepoint of every inherited (local file system) method, so refusing
    it keeps the host's files out of reach; the methods SCP and simple SFTP need are here.
    """

    def __init__(self, chan: asyncssh.SSHServerChannel, switch: SimulatedSwitch):
        super().__init__(chan)
        self._switch = switch
        self._username = chan.get_extra_info("username") or ""

    def map_path(self, path: bytes) -> bytes:
        raise asyncssh.SFTPPermissionDenied("not supported on this device")

    def _authorize(self) -> None:
        """Like IOS: the SCP server answers only with `ip scp server enable`, AAA exec
        authorization and a login at privilege 15 (switch.scp_allowed)."""
        with self._switch.lock:
            if not self._switch.config.scp_server:
                raise asyncssh.SFTPPermissionDenied(SCP_DISABLED)
            if not self._switch.scp_allowed(self._username):
                raise asyncssh.SFTPPermissionDenied(SCP_REFUSED)

    def _read(self, name: str) -> bytes | None:
        with self._switch.lock:
            text = self._switch.flash.get(name)
        return None if text is None else text.encode()

    def stat(self, path: bytes) -> asyncssh.SFTPAttrs:
        self._authorize()
        name = flash_name(path)
        if not name:
            return asyncssh.SFTPAttrs(type=FILEXFER_TYPE_DIRECTORY, permissions=0o40755)
        data = self._read(name)
        if data is None:
            raise asyncssh.SFTPNoSuchFile(f"flash:/{name}: no such file")
        return asyncssh.SFTPAttrs(type=FILEXFER_TYPE_REGULAR, permissions=0o100644, size=len(data))

    lstat = stat

    def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs) -> _FlashFile:
        self._authorize()
        name = flash_name(path)
        if not name:
            raise asyncssh.SFTPFailure("flash:/ is a directory")
        existing = self._read(name)
        if not pflags & FXF_WRITE:
            if existing is None:
                raise asyncssh.SFTPNoSuchFile(f"flash:/{name}: no such file")
            return _FlashFile(name, writing=False, data=bytearray(existing))
        keep = b"" if existing is None or pflags & FXF_TRUNC else existing
        return _FlashFile(name, writing=True, data=bytearray(keep))

    def read(self, file_obj: _FlashFile, offset: int, size: int) -> bytes:
        return bytes(file_obj.data[offset : offset + size])

    def write(self, file_obj: _FlashFile, offset: int, data: bytes) -> int:
        end = offset + len(data)
        if len(file_obj.data) < offset:
            file_obj.data.extend(b"\0" * (offset - len(file_obj.data)))
        file_obj.data[offset:end] = data
        return len(data)

    def close(self, file_obj: _FlashFile) -> None:
        # The file appears in flash once complete, as on a switch after the copy.
        if file_obj.writing:
            text = file_obj.data.decode("utf-8", "replace")
            with self._switch.lock:
                self._switch.flash[file_obj.name] = text

    def fstat(self, file_obj: _FlashFile) -> asyncssh.SFTPAttrs:
        return asyncssh.SFTPAttrs(
            type=FILEXFER_TYPE_REGULAR, permissions=0o100644, size=len(file_obj.data)
        )

    def setstat(self, path: bytes, attrs: asyncssh.SFTPAttrs) -> None:
        self.stat(path)  # modes and times (scp -p) are not kept

    def fsetstat(self, file_obj: _FlashFile, attrs: asyncssh.SFTPAttrs) -> None:
        pass

    def fsync(self, file_obj: _FlashFile) -> None:
        pass

    async def scandir(self, path: bytes) -> AsyncIterator[asyncssh.SFTPName]:
        self._authorize()
        if flash_name(path):
            raise asyncssh.SFTPNoSuchPath("not a directory")
        with self._switch.lock:
            files = {name: len(text.encode()) for name, text in self._switch.flash.items()}
        for name, size in sorted(files.items()):
            attrs = asyncssh.SFTPAttrs(type=FILEXFER_TYPE_REGULAR, permissions=0o100644, size=size)
            yield asyncssh.SFTPName(name.encode(), attrs=attrs)

    def remove(self, path: bytes) -> None:
        self._authorize()
        name = flash_name(path)
        with self._switch.lock:
            if self._switch.flash.pop(name, None) is None:
                raise asyncssh.SFTPNoSuchFile(f"flash:/{name}: no such file")

    def realpath(self, path: bytes) -> bytes:
        return f"flash:/{flash_name(path)}".encode()


# --- the server --------------------------------------------------------------------------


class _SwitchSSHServer(asyncssh.SSHServer):
    """Password logins checked by the switch."""

    def __init__(self, switch: SimulatedSwitch, live: set[asyncssh.SSHServerConnection]):
        self._switch = switch
        self._live = live  # the server's open connections, closed on stop
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self._live.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        self._live.discard(self._conn)  # type: ignore[arg-type]

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    async def validate_password(self, username: str, password: str) -> bool:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self._switch.check_login, username, password)


def fingerprint(key: asyncssh.SSHKey) -> str:
    """`SHA256:...`, as `ssh` prints a host key's fingerprint."""
    return str(key.get_fingerprint("sha256"))


class SimulatorServer:
    """SSH listeners for simulated switches, on an event loop of their own.

    `switches` holds (switch, host, port); port 0 picks a free one. `start()` returns the
    ports bound, in order. `session_factory(switch, username)` makes the CLI session of a
    login; it defaults to ios_cli.IOSSession. `host_keys` are the switches' SSH host keys by
    hostname (a lab keeps them across restarts); a switch without one gets a new ed25519 key,
    and `host_keys` afterwards holds every switch's key.
    """

    def __init__(
        self,
        switches: list[tuple[SimulatedSwitch, str, int]],
        *,
        session_factory: SessionFactory | None = None,
        host_keys: Mapping[str, asyncssh.SSHKey] | None = None,
    ):
        self._switches = list(switches)
        self._factory = session_factory
        self.host_keys: dict[str, asyncssh.SSHKey] = dict(host_keys or {})
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._acceptors: list[asyncssh.SSHAcceptor] = []
        self._live: set[asyncssh.SSHServerConnection] = set()
        self.ports: list[int] = []

    def start(self) -> list[int]:
        if self._loop is not None:
            raise RuntimeError("simulator server already started")
        factory = self._factory
        if factory is None:
            from .ios_cli import IOSSession

            factory = IOSSession
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="switch-simulator-ssh", daemon=True
        )
        self._thread.start()
        try:
            self.ports = self._call(self._listen(factory))
        except BaseException:
            self.stop()
            raise
        return self.ports

    def _call(self, coro: Any) -> Any:
        assert self._loop is not None
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(timeout=30)

    async def _listen(self, factory: SessionFactory) -> list[int]:
        ports = []
        for switch, host, port in self._switches:
            host_key = self.host_keys.get(switch.hostname)
            if host_key is None:  # a switch of its own: a key of its own, in memory only
                host_key = asyncssh.generate_private_key("ssh-ed25519")
                self.host_keys[switch.hostname] = host_key
            try:
                acceptor = await asyncssh.create_server(
                    lambda sw=switch: _SwitchSSHServer(sw, self._live),
                    host,
                    port,
                    server_host_keys=[host_key],
                    process_factory=lambda proc, sw=switch: _run_shell(sw, factory, proc),
                    sftp_factory=lambda chan, sw=switch: FlashSFTPServer(chan, sw),
                    allow_scp=True,
                    line_editor=False,  # the shell echoes like IOS itself
                    encoding="utf-8",
                )
            except OSError as err:
                if err.errno == errno.EADDRINUSE:
                    raise PortInUseError(
                        err.errno,
                        f"{switch.hostname}: {host}:{port} is already in use",
                    ) from err
                raise
            self._acceptors.append(acceptor)
            ports.append(acceptor.get_port())
        return ports

    async def _close(self) -> None:
        for acceptor in self._acceptors:
            acceptor.close()
        for conn in list(self._live):
            conn.close()
        closing = [acceptor.wait_closed() for acceptor in self._acceptors]
        closing += [conn.wait_closed() for conn in list(self._live)]
        await asyncio.wait_for(asyncio.gather(*closing, return_exceptions=True), timeout=5)
        self._acceptors.clear()

    def stop(self) -> None:
        if self._loop is None:
            return
        try:
            self._call(self._close())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            if self._thread is not None:
                self._thread.join(timeout=10)
            self._loop.close()
            self._loop = None
            self._thread = None

    def __enter__(self) -> SimulatorServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
