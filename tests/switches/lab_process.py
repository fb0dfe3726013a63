"""A `voiceconsole lab` of a few switches for a test, run as a real process, and a copy of the
sample database for the console beside it (test_onboarding.py, test_in_flight_kill.py)."""

from __future__ import annotations

import shutil
import socket
import tomllib
from pathlib import Path
from typing import Any

import napalm

DEVICES_HEADER = "switch,interface,kind,mac,name,poe_watts,pc_behind_mac,pc_behind_name"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LabScene:
    """The lab's files in `tmp_path` (an inventory, what is plugged in, no phones) and the
    console's database; `lab_args` are the options that serve them."""

    def __init__(
        self,
        tmp_path: Path,
        seeded_template: Path,
        *,
        inventory: str = "[]\n",
        devices: list[str] = (),  # type: ignore[assignment]
        spares: str | None = None,
        port: int,
    ) -> None:
        self.tmp = tmp_path
        self.port = port  # the switch's SSH port (the one switch the scene is about)
        self.db = str(tmp_path / "console.db")
        shutil.copy(seeded_template, self.db)
        (tmp_path / "inventory.yaml").write_text(inventory, encoding="utf-8")
        rows = [DEVICES_HEADER, *devices]
        (tmp_path / "devices.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        (tmp_path / "handsets.csv").write_text("sip_address\n", encoding="utf-8")
        self.spares = spares
        if spares is not None:
            (tmp_path / "spares.yaml").write_text(spares, encoding="utf-8")

    def lab_args(self, *more: str) -> list[str]:
        spares = ["--spares", str(self.tmp / "spares.yaml")] if self.spares else ["--no-spares"]
        return [
            "--switches", str(self.tmp / "inventory.yaml"),
            "--devices", str(self.tmp / "devices.csv"),
            "--handsets", str(self.tmp / "handsets.csv"),
            "--host-keys", str(self.tmp / "host-keys"),
            *spares,
            *more,
        ]  # fmt: skip

    @property
    def credentials_file(self) -> Path:
        """Where the lab (run with HOME in tmp_path) keeps its login."""
        return self.tmp / "config" / "voiceconsole" / "switch-credentials.toml"

    def login(self) -> dict[str, Any]:
        return tomllib.loads(self.credentials_file.read_text(encoding="utf-8"))["lab"]

    def on_switch(self, command: str = "dir flash:", *config: str) -> str:
        """What an engineer on the switch's own CLI does: type config lines, then a command."""
        login = self.login()
        driver = napalm.get_network_driver("ios")(
            "127.0.0.1", login["username"], login["password"],
            optional_args={"port": self.port, "conn_timeout": 5},
        )  # fmt: skip
        driver.open()
        try:
            if config:
                driver.device.send_config_set(list(config))
            return str(driver.cli([command])[command])
        finally:
            driver.close()
