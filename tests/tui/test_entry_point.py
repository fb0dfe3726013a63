"""`voiceconsole` in a terminal opens the console on the embedded default, seeded on first
start (a real process on a pseudo-terminal, as a new user would run it)."""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path


def _read_until(fd: int, wanted: bytes, timeout: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while wanted not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
    return seen


def test_voiceconsole_in_a_terminal_opens_the_sites_screen(tmp_path: Path) -> None:
    exe = shutil.which("voiceconsole", path=str(Path(sys.executable).parent))
    command = [exe] if exe else [sys.executable, "-m", "voiceconsole"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOICECONSOLE_")}
    env |= {
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "TERM": "xterm-256color",
        "COLUMNS": "100",
        "LINES": "30",
    }
    main, terminal = pty.openpty()
    process = subprocess.Popen(
        command, stdin=terminal, stdout=terminal, stderr=terminal, env=env, close_fds=True
    )
    os.close(terminal)
    try:
        shown = _read_until(main, b"SFO1", timeout=60)
        assert b"First start" in shown and b"loaded the sample data" in shown
        assert b"Northwind" in shown and b"LON1" in shown and b"SFO1" in shown
        os.write(main, b"\x11")  # ctrl+q
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(main)
    assert (tmp_path / "data" / "voiceconsole" / "voiceconsole.db").exists()
