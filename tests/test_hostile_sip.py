"""A SIP reply from outside never steers the terminal: a "phone" on loopback answers the
console's re-sync NOTIFY with a reason phrase carrying an OSC title sequence, a screen wipe
and a C1 CSI; `handsets resync` (a real process, a real UDP exchange) writes none of it and
shows the reason with visible control pictures."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from voiceconsole.db.database import Database
from voiceconsole.services.handsets import login_number

ACME_DESK_1 = "02:cc:01:01:00:01"  # a Yealink of the sample data
REASON = "Busy\x1b]0;pwned\x07\x1b[2J\x9b31mHere\u202e"
SEQUENCES = (b"\x1b]0;pwned", b"\x07", b"\x1b[2J", "\x9b".encode())


@pytest.fixture
def hostile_phone() -> Iterator[int]:
    """A UDP port that answers every SIP request 486 with the hostile reason phrase."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    stop = threading.Event()

    def answer() -> None:
        while not stop.is_set():
            try:
                data, peer = sock.recvfrom(65535)
            except TimeoutError:
                continue
            lines = data.decode("utf-8", "replace").split("\r\n")
            echoed = [line for line in lines if line.split(":", 1)[0] in _ECHOED]
            reply = [f"SIP/2.0 486 {REASON}", *echoed, "Content-Length: 0", "", ""]
            sock.sendto("\r\n".join(reply).encode("utf-8"), peer)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        yield int(sock.getsockname()[1])
    finally:
        stop.set()
        thread.join()
        sock.close()


_ECHOED = ("Via", "From", "To", "Call-ID", "CSeq")


async def test_a_hostile_reason_phrase_is_shown_not_obeyed(
    seeded: Database, hostile_phone: int, tmp_path: Path
) -> None:
    command = [sys.executable, "-m", "voiceconsole", "--db", seeded.url, "--actor", "qa"]
    address = f"127.0.0.1:{hostile_phone}"
    edit = [*command, "handsets", "edit", ACME_DESK_1, "--sip-address", address]
    assert subprocess.run(edit, capture_output=True, timeout=60).returncode == 0
    await login_number(seeded, "qa", handset=ACME_DESK_1, number="020 7946 0001")
    done = subprocess.run(
        [*command, "handsets", "resync", "--handset", ACME_DESK_1],
        capture_output=True,
        timeout=120,
    )
    written = done.stdout + done.stderr
    assert done.returncode == 3, written.decode()  # the phone did not take it
    for sequence in SEQUENCES:
        assert sequence not in written
    assert "486 Busy␛]0;pwned␇␛[2J<U+009B>31mHere<U+202E>".encode() in written
