"""`voiceconsole lab` as a user runs it: a real process serving the sample switches and the
bench's spares on SSH, with host keys kept across restarts."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncssh
import napalm

SSH_LINE = re.compile(r"^(\S+): ssh -p (\d+) (\S+)@(\S+)  \((.*); host key (SHA256:\S+)\)$")


def lab_env(tmp_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    return {k: v for k, v in env.items() if not k.startswith("VOICECONSOLE_")}


@contextmanager
def running_lab(tmp_path: Path, *args: str) -> Iterator[list[str]]:
    """`voiceconsole lab ARGS` until its ready line; yields what it said so far."""
    lab = subprocess.Popen(
        [sys.executable, "-m", "voiceconsole", "lab", *args],
        env=lab_env(tmp_path),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert lab.stderr is not None
        said = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = lab.stderr.readline()
            said.append(line)
            if "Ctrl-C stops the lab" in line or not line:
                break
        yield said
    finally:
        lab.send_signal(signal.SIGINT)
        try:
            lab.wait(timeout=15)
        except subprocess.TimeoutExpired:
            lab.kill()
            raise
    assert lab.returncode in (0, 130)


def ssh_lines(said: list[str]) -> dict[str, re.Match[str]]:
    found = (SSH_LINE.match(line.rstrip("\n")) for line in said)
    return {m.group(1): m for m in found if m}


def ios_driver(login: dict[str, str], port: int) -> napalm.base.NetworkDriver:
    return napalm.get_network_driver("ios")(
        "127.0.0.1",
        login["username"],
        login["password"],
        optional_args={"port": port, "conn_timeout": 5},
    )


def test_lab_serves_the_sample_switches_and_spares_to_the_stock_driver(tmp_path: Path) -> None:
    with running_lab(tmp_path) as said:
        lines = ssh_lines(said)
        assert lines["lon1-1f-sw1"].group(2, 3, 4) == ("22101", "admin", "127.0.0.1"), said
        assert lines["lon1-1f-sw1"].group(5) == "C9200L-24P-4G"
        spares = {name: m for name, m in lines.items() if "spare on the bench" in m.group(5)}
        assert sorted(int(m.group(2)) for m in spares.values()) == list(range(22111, 22117))
        # The login was made on this machine, into an owner-only file, not the repository.
        secrets_file = tmp_path / "config" / "voiceconsole" / "switch-credentials.toml"
        assert secrets_file.stat().st_mode & 0o777 == 0o600
        login = tomllib.loads(secrets_file.read_text())["lab"]
        driver = ios_driver(login, 22101)
        driver.open()
        try:
            assert driver.get_facts()["hostname"] == "lon1-1f-sw1"
            assert driver.get_lldp_neighbors()  # site-ready: LLDP runs
        finally:
            driver.close()
        # A spare on the bench: its own model, factory defaults (no LLDP, no archive).
        spare = ios_driver(login, 22113)
        spare.open()
        try:
            facts = spare.get_facts()
            assert (facts["hostname"], facts["model"]) == ("bench-c9300-48uxm", "C9300-48UXM")
            assert spare.get_lldp_neighbors() == {}
            assert "archive" not in spare.get_config(retrieve="running")["running"]
        finally:
            spare.close()
        # Each switch's host key is in the user data directory, owner-only, and the
        # fingerprint printed is that key's.
        keys = tmp_path / "data" / "voiceconsole" / "lab-host-keys"
        for name, line in lines.items():
            path = keys / f"{name}.key"
            assert path.stat().st_mode & 0o777 == 0o600
            key = asyncssh.read_private_key(path)
            assert key.get_fingerprint("sha256") == line.group(6)
        # The sample phones answer re-sync requests, as a remote login sends them.
        from voiceconsole.handsets.sip import send_check_sync

        assert send_check_sync("127.0.0.1:25061", "442079460001", timeout=3).answered
    # The lab stages its phones from the console's database (the embedded one here).
    assert [p.name for p in (tmp_path / "data").rglob("*.db")] == ["voiceconsole.db"]


def voiceconsole(tmp_path: Path, *args: str) -> Any:
    """A console command against the same (embedded) database as the lab's, as JSON."""
    done = subprocess.run(
        [sys.executable, "-m", "voiceconsole", "--json", *args],
        env=lab_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_remote_login_in_the_lab_ends_with_the_phone_fetching_its_file(tmp_path: Path) -> None:
    with running_lab(tmp_path, "--no-spares") as said:
        assert any("the phones fetch their files from http://127.0.0.1:8089" in s for s in said)
        done = voiceconsole(
            tmp_path, "handsets", "login", "020 7946 0001", "--handset", "02:cc:01:01:00:01"
        )
        assert done["resync"]["resynced"], done
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            (desk,) = [
                h
                for h in voiceconsole(tmp_path, "handsets", "list", "--site", "LON1")
                if h["mac"] == "02:cc:01:01:00:01"
            ]
            if desk["lines"][0]["status"] == "file_fetched":
                break
            time.sleep(0.2)
        assert desk["lines"] == [{"key": 1, "number": "+442079460001", "status": "file_fetched"}]
        fetches = voiceconsole(tmp_path, "provisioning", "fetches", "--handset", "02cc01010001")
        # Like a Yealink: the common file (the lab has none), then its own, with its login.
        assert [(f["file"], f["status"]) for f in reversed(fetches)] == [
            ("y000000000000.cfg", 404),
            ("02cc01010001.cfg", 200),
        ]
        assert {f["address"] for f in fetches} == {"127.0.0.1"}


def test_host_keys_are_kept_across_restarts_and_renewed_on_request(tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    with running_lab(tmp_path, "--host-keys", str(folder)) as said:
        first = {name: m.group(6) for name, m in ssh_lines(said).items()}
    assert len(first) == 12 and len(set(first.values())) == 12  # a key per switch
    assert {p.name for p in folder.iterdir()} == {f"{name}.key" for name in first}
    with running_lab(tmp_path, "--host-keys", str(folder)) as said:
        again = {name: m.group(6) for name, m in ssh_lines(said).items()}
    assert again == first
    with running_lab(
        tmp_path, "--host-keys", str(folder), "--new-host-keys", "--no-spares"
    ) as said:
        renewed = {name: m.group(6) for name, m in ssh_lines(said).items()}
    assert sorted(renewed) == sorted(n for n in first if not n.startswith("bench-"))
    assert all(renewed[name] != first[name] for name in renewed)


def test_spares_from_a_file_of_ones_own(tmp_path: Path) -> None:
    spares = tmp_path / "spares.yaml"
    spares.write_text(
        "- {hostname: bench-x, model: WS-C3560X-24P-S, mgmt_address: 127.0.0.1,"
        " mgmt_port: 22121, devices: [{interface: Gi0/1, kind: pc, mac: 02cc.0b3f.0001,"
        " name: PC-X}]}\n",
        encoding="utf-8",
    )
    with running_lab(tmp_path, "--spares", str(spares)) as said:
        lines = ssh_lines(said)
        assert [n for n in lines if n.startswith("bench-")] == ["bench-x"]
        assert lines["bench-x"].group(2) == "22121"
