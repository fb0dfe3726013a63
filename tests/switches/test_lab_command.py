"""`voiceconsole lab` as a user runs it: a real process serving the sample switches on SSH."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import napalm


def test_lab_serves_the_sample_switches_to_the_stock_driver(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    env = {k: v for k, v in env.items() if not k.startswith("VOICECONSOLE_")}
    lab = subprocess.Popen(
        [sys.executable, "-m", "voiceconsole", "lab"],
        env=env,
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
        assert "lon1-1f-sw1: ssh -p 22101 admin@127.0.0.1\n" in said, said
        # The login was made on this machine, into an owner-only file, not the repository.
        secrets_file = tmp_path / "config" / "voiceconsole" / "switch-credentials.toml"
        assert secrets_file.stat().st_mode & 0o777 == 0o600
        login = tomllib.loads(secrets_file.read_text())["lab"]
        driver = napalm.get_network_driver("ios")(
            "127.0.0.1",
            login["username"],
            login["password"],
            optional_args={"port": 22101, "conn_timeout": 5},
        )
        driver.open()
        try:
            assert driver.get_facts()["hostname"] == "lon1-1f-sw1"
        finally:
            driver.close()
        # The sample phones answer re-sync requests, as a remote login sends them.
        from voiceconsole.handsets.sip import send_check_sync

        assert send_check_sync("127.0.0.1:25061", timeout=3).answered
        # The lab needs no database: none was created.
        assert not (tmp_path / "data").exists()
    finally:
        lab.send_signal(signal.SIGINT)
        try:
            lab.wait(timeout=15)
        except subprocess.TimeoutExpired:
            lab.kill()
            raise
    assert lab.returncode in (0, 130)
