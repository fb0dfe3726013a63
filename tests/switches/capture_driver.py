"""The stock NAPALM `ios` driver answered from captures of real switches (tests/switches/
captures, where each file's source is named): everything but the transport is NAPALM's own,
so what the product reads from a real Catalyst is what it reads here."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from napalm.ios.ios import IOSDriver

CAPTURES = Path(__file__).resolve().parent / "captures"
# What IOS answers to a command it does not have (a capture folder without that command's
# file stands for a switch that refuses it).
INVALID = "                   ^\n% Invalid input detected at '^' marker.\n"
_HERE = os.path.dirname(os.path.abspath(__file__))


class _OwnTemplateMiss(logging.Filter):
    """NAPALM looks for parser templates beside each class of the driver; drop the misses."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not ("textfsmExtractorErr01" in record.getMessage() and _HERE in record.getMessage())


logging.getLogger("napalm.base.helpers").addFilter(_OwnTemplateMiss())


def capture_file(folder: Path, command: str) -> Path | None:
    """`show mac address-table` -> show_mac_address-table.txt; `show vlan brief` may be
    answered by a `show vlan` capture (its first table is the brief one)."""
    for name in (command, command.removesuffix(" brief")):
        path = folder / (name.replace(" ", "_") + ".txt")
        if path.exists():
            return path
    return None


class CaptureConnection:
    """What IOSDriver asks of netmiko, answered from files (but for the commands `without`)."""

    def __init__(self, folder: Path, without: tuple[str, ...] = ()) -> None:
        self.folder = folder
        self.without = without
        self.sent: list[str] = []

    def send_command(self, command_string: str, **_: Any) -> str:
        self.sent.append(command_string)
        path = capture_file(self.folder, command_string)
        if path is None or command_string in self.without:
            return INVALID
        return path.read_text(encoding="utf-8")


class CaptureDriver(IOSDriver):
    def __init__(self, folder: Path, without: tuple[str, ...] = ()) -> None:
        super().__init__("capture", "reader", "-", optional_args={"canonical_int": False})
        self.device = CaptureConnection(folder, without)

    def open(self) -> None:  # pragma: no cover - nothing to open
        pass
