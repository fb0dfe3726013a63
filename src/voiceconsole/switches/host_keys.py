"""SSH host keys of switches: fetched once, pinned in the inventory, checked on every login.

A key is kept as one OpenSSH line (`ssh-ed25519 AAAA...`) on the switch's inventory row, so
every colleague's console on a shared database checks the same key. A session hands netmiko a
known_hosts file holding only that key and rejects any other (`ssh_strict`); when the login
fails, the key the switch now offers is fetched again to tell a changed key from other faults.
"""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class HostKeyError(Exception):
    """The switch's key could not be fetched, or is not the pinned one (said for people)."""


def fingerprint(key_line: str) -> str:
    """`SHA256:...` as `ssh-keygen -l` and OpenSSH's first-connection prompt print it."""
    blob = base64.b64decode(key_line.split()[1])
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return f"SHA256:{digest}"


def fetch_host_key(address: str, port: int, timeout: float) -> str:
    """The key a switch offers, as one OpenSSH line; no login is attempted."""
    import paramiko

    try:
        sock = socket.create_connection((address, port), timeout=timeout)
    except OSError as err:
        reason = "refused the connection" if isinstance(err, ConnectionRefusedError) else err
        raise HostKeyError(f"could not be reached: {reason}") from None
    transport = paramiko.Transport(sock)
    try:
        transport.banner_timeout = timeout
        transport.start_client(timeout=timeout)
        key = transport.get_remote_server_key()
        return f"{key.get_name()} {key.get_base64()}"
    except (paramiko.SSHException, OSError, EOFError) as err:
        raise HostKeyError(f"did not complete an SSH handshake: {err}") from None
    finally:
        transport.close()


def known_hosts_name(address: str, port: int) -> str:
    return address if port == 22 else f"[{address}]:{port}"


@contextmanager
def known_hosts_file(address: str, port: int, key_line: str) -> Iterator[Path]:
    """A private known_hosts file holding just the pinned key, removed afterwards."""
    folder = tempfile.mkdtemp(prefix="voiceconsole-known-hosts-")
    path = Path(folder) / "known_hosts"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(f"{known_hosts_name(address, port)} {key_line}\n")
        yield path
    finally:
        path.unlink(missing_ok=True)
        os.rmdir(folder)
