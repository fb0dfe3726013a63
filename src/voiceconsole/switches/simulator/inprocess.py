"""The stock NAPALM `ios` driver over an in-process transport to a :class:`SimulatedSwitch`.

Everything but the transport is NAPALM's own `IOSDriver`: getters, merge, compare, commit,
commit-confirm and rollback send the same CLI commands as over SSH, to an :class:`IOSSession`.
Only the file transfer (SCP on a real switch) is replaced: `_xfer_file` writes into the
switch's flash.

Which switch: ``optional_args={"simulator": switch}``, or else the switch registered under the
driver's hostname with :func:`register` (so code that only knows hostnames, such as a gateway
reading its inventory, can reach simulated switches).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from typing import Any

from napalm.base.exceptions import CommandErrorException, ConnectionException
from napalm.ios.ios import IOSDriver
from scp import SCPException

from voiceconsole.switches.simulator.ios_cli import IOSSession
from voiceconsole.switches.simulator.ssh_server import SCP_REFUSED
from voiceconsole.switches.simulator.switch import SimulatedSwitch

_HERE = os.path.dirname(os.path.abspath(__file__))


class _OwnTemplateMiss(logging.Filter):
    """NAPALM looks for TextFSM templates next to each class of the driver's MRO, this module
    first, and logs an error for each miss before it finds IOSDriver's; drop those misses."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not ("textfsmExtractorErr01" in message and _HERE in message)


logging.getLogger("napalm.base.helpers").addFilter(_OwnTemplateMiss())

_registry: dict[str, SimulatedSwitch] = {}
_registry_lock = threading.Lock()


def register(switch: SimulatedSwitch, name: str | None = None) -> None:
    """Make `switch` reachable as ``SimulatedIOSDriver(name or switch.hostname, ...)``."""
    with _registry_lock:
        _registry[name or switch.hostname] = switch


def unregister(name: str) -> None:
    with _registry_lock:
        _registry.pop(name, None)


def registered(name: str) -> SimulatedSwitch | None:
    with _registry_lock:
        return _registry.get(name)


class _Transport:
    """What `IOSDriver.is_alive` asks of paramiko's transport."""

    def __init__(self, connection: InProcessConnection) -> None:
        self._connection = connection

    def is_active(self) -> bool:
        return self._connection.is_alive()


class _RemoteConn:
    def __init__(self, connection: InProcessConnection) -> None:
        self.transport = _Transport(connection)


class InProcessConnection:
    """The part of netmiko's CiscoIosSSH that IOSDriver uses, over an IOSSession."""

    def __init__(self, session: IOSSession, secret: str = "") -> None:
        self.session = session
        self.secret = secret  # netmiko's `secret`: the enable secret
        self.remote_conn = _RemoteConn(self)
        self.base_prompt = session.prompt[:-1]
        self._disconnected = False

    @property
    def switch(self) -> SimulatedSwitch:
        return self.session.switch

    def _run(self, command: str) -> str:
        if not self.is_alive():
            # What a dropped SSH channel gives; NAPALM turns it into ConnectionClosedException.
            raise EOFError("connection to the simulated switch is closed")
        return self.session.execute(command)

    # -- sending commands -------------------------------------------------------------------------

    def send_command(
        self,
        command_string: str,
        expect_string: str | None = None,
        read_timeout: float = 10.0,
        strip_prompt: bool = True,
        strip_command: bool = True,
        **_: Any,
    ) -> str:
        output = self._run(command_string)
        if not strip_prompt:
            output = f"{output}\n{self.session.prompt}" if output else self.session.prompt
        return output

    def send_command_timing(
        self,
        command_string: str,
        strip_prompt: bool = True,
        strip_command: bool = True,
        **_: Any,
    ) -> str:
        return self.send_command(command_string, strip_prompt=strip_prompt)

    def send_config_set(
        self,
        config_commands: str | list[str] | None = None,
        exit_config_mode: bool = True,
        error_pattern: str = "",
        **_: Any,
    ) -> str:
        """As netmiko: enter config mode, send each line (echoed after the prompt), `end`."""
        if config_commands is None:
            return ""
        if isinstance(config_commands, str):
            config_commands = config_commands.splitlines()
        output = self.config_mode()
        for line in config_commands:
            prompt = self.session.prompt
            result = self._run(line)
            output += f"\n{prompt}{line}" + (f"\n{result}" if result else "")
            if error_pattern and re.search(error_pattern, result):
                from netmiko.exceptions import ConfigInvalidException

                raise ConfigInvalidException(f"Invalid input: {line}\n{result}")
        if exit_config_mode:
            output += "\n" + self.exit_config_mode()
        return output

    # -- modes ------------------------------------------------------------------------------------

    def check_config_mode(self, check_string: str = ")#", pattern: str = "", **_: Any) -> bool:
        return check_string in self.session.prompt

    def config_mode(
        self, config_command: str = "configure terminal", pattern: str = "", **_: Any
    ) -> str:
        """Netmiko raises ValueError when the command did not reach config mode; NAPALM's
        commit with revert_in relies on that when the archive feature is off."""
        if self.check_config_mode():
            return ""
        output = self._run(config_command)
        if not self.check_config_mode():
            raise ValueError(f"Failed to enter configuration mode.\n{output}")
        return output

    def exit_config_mode(self, exit_config: str = "end", pattern: str = "", **_: Any) -> str:
        if not self.check_config_mode():
            return ""
        output = self._run(exit_config)
        if self.check_config_mode():
            raise ValueError("Failed to exit configuration mode")
        return output

    def check_enable_mode(self, check_string: str = "#") -> bool:
        return self.session.prompt.endswith(check_string)

    def enable(
        self,
        cmd: str = "enable",
        pattern: str = "ssword",
        enable_pattern: str | None = None,
        check_state: bool = True,
        re_flags: int = re.IGNORECASE,
    ) -> str:
        """As netmiko's: `enable`, the secret when IOS asks for a password, then ValueError
        unless the prompt ends in `#` (netmiko would wait for a prompt that never comes)."""
        if check_state and self.check_enable_mode():
            return ""
        output = self._run(cmd)
        if re.search(pattern, output + self.session.prompt, flags=re_flags):
            output += self._run(self.secret)
        if not self.check_enable_mode():
            raise ValueError(
                "Failed to enter enable mode. Please ensure you pass "
                "the 'secret' argument to ConnectHandler."
            )
        return output

    def exit_enable_mode(self, exit_command: str = "disable", **_: Any) -> str:
        if self.check_enable_mode():
            self._run(exit_command)
        return ""

    def find_prompt(self, *_: Any, **__: Any) -> str:
        self._run("")
        return self.session.prompt

    def set_base_prompt(self, *_: Any, **__: Any) -> str:
        self.base_prompt = self.find_prompt()[:-1]
        return self.base_prompt

    def save_config(self, cmd: str = "write mem", confirm: bool = False, **_: Any) -> str:
        return self._run(cmd)

    def _autodetect_fs(self, cmd: str = "dir", pattern: str = r"Directory of (.*)/") -> str:
        """As netmiko's CiscoBaseConnection: the file system `dir` lists, checked once more."""
        output = self._run(cmd)
        match = re.search(pattern, output)
        if match:
            file_system = match.group(1)
            check = self._run(f"dir {file_system}")
            if "% Invalid" not in check and "%Error:" not in check:
                return file_system
        raise ValueError(f"An error occurred in dynamically determining remote file system: {cmd}")

    # -- channel ----------------------------------------------------------------------------------

    def write_channel(self, out_data: str) -> None:
        if not self.is_alive():
            raise OSError("connection to the simulated switch is closed")

    def is_alive(self) -> bool:
        return not self._disconnected and not self.session.closed

    def disconnect(self) -> None:
        if self.is_alive():
            self.session.execute("exit")
        self._disconnected = True


class SimulatedIOSDriver(IOSDriver):
    """NAPALM's IOSDriver talking to a SimulatedSwitch in this process (calls are blocking)."""

    def __init__(
        self,
        hostname: str,
        username: str,
        password: str,
        timeout: int = 60,
        optional_args: dict[str, Any] | None = None,
    ) -> None:
        optional_args = dict(optional_args or {})
        self.simulator: SimulatedSwitch | None = optional_args.pop("simulator", None)
        super().__init__(hostname, username, password, timeout, optional_args)

    def open(self) -> None:
        switch = self.simulator or registered(self.hostname)
        if switch is None:
            raise ConnectionException(
                f"Cannot connect to {self.hostname}: no simulated switch by that name"
            )
        if not switch.check_login(self.username, self.password):
            raise ConnectionException(
                f"Authentication to {self.hostname} failed: bad username or password"
            )
        secret = self.netmiko_optional_args.get("secret", "")
        connection = InProcessConnection(IOSSession(switch, self.username), secret)
        # What netmiko's session preparation sends on a Cisco IOS login, then NAPALM's
        # `enable()` (unless force_no_enable), as `_netmiko_open` does.
        connection.send_command("terminal width 511")
        connection.send_command("terminal length 0")
        connection.set_base_prompt()
        if not self.force_no_enable:
            connection.enable()
        self._netmiko_device = connection
        self.device = connection

    def _xfer_file(
        self,
        source_file: str | None = None,
        source_config: str | None = None,
        dest_file: str | None = None,
        file_system: str | None = None,
        TransferClass: Any = None,
    ) -> tuple[bool, str]:
        """The SCP step of a real switch: the file lands in the switch's flash. Checks and
        verification go through the CLI as the stock driver's do."""
        if not source_file and not source_config:
            raise ValueError("File source not specified for transfer.")
        if not dest_file or not file_system:
            raise ValueError("Destination file or file system not specified.")
        if source_file:
            with open(source_file, encoding="utf-8", newline="") as handle:
                text = handle.read()
        else:
            text = source_config or ""
        if file_system.rstrip("/") not in ("flash:", "bootflash:"):
            return False, f"File system {file_system} is not writable on the simulated switch"
        path = f"{file_system.rstrip('/')}/{dest_file}"
        digest = hashlib.md5(text.encode()).hexdigest()
        if self._remote_md5(path) == digest:
            return True, "File already exists and has correct MD5: no SCP needed"
        command = "ip scp server enable"
        if command not in self.device.send_command(f"show running-config | inc {command}"):
            raise CommandErrorException(
                "SCP file transfers are not enabled. "
                "Configure 'ip scp server enable' on the device."
            )
        switch = self.device.switch
        if not switch.scp_allowed(self.username):
            # What the scp client raises when the SCP server refuses the login over SSH.
            raise SCPException(f"scp: {SCP_REFUSED}\n")
        with switch.lock:
            switch.flash[dest_file] = text
            switch.flash_times[dest_file] = switch.now()
        if self._remote_md5(path) == digest:
            return True, "File successfully transferred to remote device"
        return False, "File transfer to remote device failed"

    def _remote_md5(self, path: str) -> str | None:
        output = self.device.send_command(f"verify /md5 {path}")
        match = re.search(r"=\s+(\S+)", output)
        return match.group(1) if match else None
