"""The lab's SSH host keys, one ed25519 key per switch in a folder, kept across restarts.

A client that has seen a switch before (known_hosts, the console's pinned keys) then sees the
same key next time; `renew` makes new keys, which is what a replaced switch looks like.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import asyncssh


def key_path(directory: Path, hostname: str) -> Path:
    return directory / f"{hostname}.key"


def load_host_keys(
    directory: Path, hostnames: Iterable[str], *, renew: bool = False
) -> dict[str, asyncssh.SSHKey]:
    """Each switch's key from `directory`, made (mode 0600, in a 0700 folder) when missing
    or when `renew`."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    keys: dict[str, asyncssh.SSHKey] = {}
    for hostname in hostnames:
        path = key_path(directory, hostname)
        if path.exists() and not renew:
            keys[hostname] = asyncssh.read_private_key(path)
            continue
        key = asyncssh.generate_private_key("ssh-ed25519")
        _write_private(path, key.export_private_key())
        keys[hostname] = key
    return keys


def _write_private(path: Path, data: bytes) -> None:
    """Owner-only from the start (never briefly world-readable), then renamed into place."""
    temp = path.with_name(f".{path.name}.new")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(temp, 0o600)  # exactly 0600, whatever the umask took off
    os.replace(temp, path)
