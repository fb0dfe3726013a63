"""Hostile text from a real SSH session never reaches the terminal through the command line:
a phone on lon1-1f-sw1 (served by `voiceconsole lab`, read with NAPALM over SSH) advertises
an LLDP system name carrying an OSC title sequence, a screen wipe, a C1 CSI and a newline;
`ports refresh` and `ports list` write none of it, and show it with visible control pictures.
`--json` carries the same visible form."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_in_flight_kill import HOSTNAME, Scene
from test_lab_command import running_lab

HOSTILE = "SEP\x1b]0;pwned\x07\x1b[2J\x1b[31mRED\x9b1m\u202eevil\nnext"
SEQUENCES = (b"\x1b]0;pwned", b"\x07", b"\x1b[2J", b"\x1b[31mRED", "\x9b".encode(), b"\nnext")


class HostileScene(Scene):
    """The sample's lon1-1f-sw1 with the phone on Gi1/0/1 renamed."""

    def __init__(self, tmp_path: Path, seeded_template: Path) -> None:
        super().__init__(tmp_path, seeded_template)
        devices = self.tmp / "devices.csv"
        rows = list(csv.reader(io.StringIO(devices.read_text(encoding="utf-8"))))
        for row in rows:
            if row[:2] == [HOSTNAME, "GigabitEthernet1/0/1"]:
                row[4] = HOSTILE
        with devices.open("w", encoding="utf-8", newline="") as out:
            csv.writer(out).writerows(rows)

    def run(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        command = [sys.executable, "-m", "voiceconsole", "--db", self.db, "--actor", "noc1"]
        return subprocess.run([*command, *args], env=self.env, capture_output=True, timeout=180)


@pytest.mark.slow
def test_an_lldp_name_with_escape_sequences_never_reaches_the_terminal(
    tmp_path: Path, seeded_template: Path
) -> None:
    scene = HostileScene(tmp_path, seeded_template)
    with running_lab(scene.tmp, *scene.lab_args()):
        refreshed = scene.run("ports", "refresh", "--site", "LON1", "--floor", "1F")
        listed = scene.run("ports", "list", "--site", "LON1", "--floor", "1F")
        as_json = scene.run("ports", "list", "--site", "LON1", "--floor", "1F", "--json")
    assert refreshed.returncode == 0, refreshed.stderr.decode()
    assert listed.returncode == 0, listed.stderr.decode()
    for done in (refreshed, listed):
        written = done.stdout + done.stderr
        for sequence in SEQUENCES:
            assert sequence not in written
    # The switch ends the field at the newline: the rest is not part of the name.
    shown = "SEP␛]0;pwned␇␛[2J␛[31mRED<U+009B>1m<U+202E>evil"
    assert f"phone {shown}  ".encode() in listed.stdout
    port = next(p for p in json.loads(as_json.stdout) if p["label"] == "1F-001")
    assert port["live"]["neighbour"] == shown
