"""An IOS-like command line over a :class:`SimulatedSwitch`.

One :class:`IOSSession` per login: its mode, its privilege level and the commands of an access
switch. A login lands at its account's level; below 15 the prompt is `>` (level 1) and only a
few commands exist until `enable` and the enable secret. `execute` returns what IOS prints after
the echoed command, without the prompt. Show output is in `show.py`.
"""

from __future__ import annotations

import hashlib
import re
import time

from . import keywords
from .config_state import EXEC, GLOBAL, ConfigState, Context, prompt_suffix
from .diffs import contextual_diff, incremental_diff
from .grammar import (
    AT,
    IFNAME,
    INT,
    NUMBER,
    REST,
    WORD,
    At,
    Rejection,
    Table,
    check_vocabulary,
    dispatch,
    tokenize,
)
from .show import (
    FLASH_TOTAL,
    ios_time,
    show_archive,
    show_hosts,
    show_interfaces,
    show_interfaces_status,
    show_ip_interface_brief,
    show_lldp,
    show_lldp_detail,
    show_lldp_neighbors,
    show_mac_table,
    show_power_inline,
    show_rollback_timer,
    show_running_config,
    show_startup_config,
    show_switchport,
    show_version,
    show_vlan_brief,
)
from .switch import SimulatedSwitch

ENABLE_TRIES = 3  # IOS asks for the enable secret three times, then gives up


class IOSSession:
    """One login's command line: mode, privilege, prompt, and the commands of an access switch."""

    def __init__(self, switch: SimulatedSwitch, username: str) -> None:
        self.switch = switch
        self.username = username
        self.context: Context = EXEC
        self.privilege = switch.login_privilege(username)
        self._password_tries = 0  # >0: `enable` is waiting for the secret
        self._closed = False

    @property
    def prompt(self) -> str:
        if self._password_tries:
            return "Password: "
        if self.context == EXEC:
            # Levels 2-14 show `#` too, though they have only the level-1 commands here.
            return self.switch.hostname + ("#" if self.privilege > 1 else ">")
        return self.switch.hostname + prompt_suffix(self.context)

    @property
    def echo(self) -> bool:
        """Whether typed characters are echoed (not while a password is typed)."""
        return not self._password_tries

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def in_config_mode(self) -> bool:
        return self.context != EXEC

    @property
    def privileged(self) -> bool:
        return self.privilege == 15

    def execute(self, line: str) -> str:
        """Run one line; the output without echo and prompt ('' when IOS prints nothing)."""
        stall = self.switch.take_stall(line)
        if stall:
            time.sleep(stall)
        with self.switch.lock:
            self.switch.tick()
            line = line.rstrip("\r\n")
            if self._closed:
                return ""
            if self._password_tries:
                return self._enable_attempt(line)
            if not line.strip():
                return ""
            offset = len(self.prompt)
            try:
                if self.context != EXEC:
                    return self._config_line(line)
                return self._exec_line(line)
            except Rejection as rejection:
                return rejection.render(line, offset)

    # -- privilege --------------------------------------------------------------------------------

    def _enable(self) -> str:
        if self.privileged:
            return ""
        if self.switch.config.enable_secret is None:
            return "% No password set"  # what IOS says on a vty line
        self._password_tries = ENABLE_TRIES
        return ""

    def _enable_attempt(self, secret: str) -> str:
        if self.switch.check_enable(secret):
            self._password_tries = 0
            self.privilege = 15
            return ""
        self._password_tries -= 1
        return "" if self._password_tries else "% Bad secrets\n"

    def _disable(self) -> str:
        self.privilege = min(self.privilege, 1)
        return ""

    # -- config mode ------------------------------------------------------------------------------

    def _config_line(self, line: str) -> str:
        words = line.split()
        if words[0].lower() == "do" and len(words) > 1:
            return self._exec_line(line[line.index(words[1]) :], column_shift=line.index(words[1]))
        self.context, message = self.switch.apply_config_line(self.context, line)
        return message

    # -- exec mode --------------------------------------------------------------------------------

    def _exec_line(self, line: str, column_shift: int = 0) -> str:
        command, _, pipe = line.partition(" | ")
        try:
            check_vocabulary(command, keywords.EXEC if self.privileged else keywords.USER_EXEC)
            table = self._exec_table() if self.privileged else self._user_table()
            output = dispatch(command, table, self.switch.config.resolve_interface)
        except Rejection as rejection:
            if rejection.column is not None:
                rejection.column += column_shift
            raise
        if pipe:
            output = _pipe(str(output), pipe)
        return str(output)

    def _common_table(self) -> Table:
        """What every level has: user EXEC."""
        sw = self.switch
        return [
            (("enable",), self._enable),
            (("disable",), self._disable),
            (("terminal", REST), lambda _: ""),
            (("exit",), self._logout),
            (("logout",), self._logout),
            (("quit",), self._logout),
            (("show", "version"), lambda: show_version(sw)),
            (("show", "privilege"), lambda: f"Current privilege level is {self.privilege}"),
            (("show", "hosts"), lambda: show_hosts(sw)),
            (("show", "clock"), lambda: "*" + ios_time(sw.now())),
            (("show", "ip", "interface", "brief"), lambda: show_ip_interface_brief(sw)),
            (("show", "interfaces"), lambda: show_interfaces(sw)),
            (("show", "interfaces", IFNAME), lambda i: show_interfaces(sw, i)),
        ]

    def _user_table(self) -> Table:
        return self._common_table()

    def _exec_table(self) -> Table:
        sw = self.switch
        return [
            *self._common_table(),
            (("configure",), self._configure),
            (("configure", "terminal"), self._configure),
            (("configure", "terminal", "revert", "timer", NUMBER), self._configure_revert),
            (("configure", "confirm"), lambda: sw.confirm() and ""),
            (("configure", "revert", "now"), self._revert_now),
            (("configure", "replace", WORD), lambda f: self._replace(f, "")),
            (("configure", "replace", WORD, REST), self._replace),
            (("copy", WORD, WORD), self._copy),
            (("write",), self._write),
            (("write", "memory"), self._write),
            (("dir",), lambda: self._dir("flash:")),
            (("dir", WORD), self._dir),
            (("verify", "/md5", WORD), self._verify),
            (("more", WORD), self._more),
            (("delete", WORD), self._delete),
            (("delete", "/force", WORD), self._delete),
            (("show", "interfaces", "status"), lambda: show_interfaces_status(sw)),
            (("show", "interfaces", "switchport"), lambda: show_switchport(sw)),
            (("show", "interfaces", IFNAME, "switchport"), lambda i: show_switchport(sw, i)),
            (("show", "power", AT), self._power_inline),
            (("show", "lldp"), lambda: show_lldp(sw)),
            (("show", "lldp", "neighbors"), lambda: show_lldp_neighbors(sw)),
            (("show", "lldp", "neighbors", IFNAME), lambda i: show_lldp_neighbors(sw, i)),
            (("show", "lldp", "neighbors", "detail"), lambda: show_lldp_detail(sw)),
            (("show", "lldp", "neighbors", IFNAME, "detail"), lambda i: show_lldp_detail(sw, i)),
            (("show", "mac", "address-table"), lambda: show_mac_table(sw)),
            (
                ("show", "mac", "address-table", "interface", IFNAME),
                lambda i: show_mac_table(sw, i),
            ),
            (("show", "mac", "address-table", "vlan", INT), lambda v: show_mac_table(sw, vlan=v)),
            (("show", "running-config"), lambda: show_running_config(sw)),
            (("show", "running-config", "interface", IFNAME), lambda i: show_running_config(sw, i)),
            (("show", "startup-config"), lambda: show_startup_config(sw)),
            (("show", "vlan"), lambda: show_vlan_brief(sw)),
            (("show", "vlan", "brief"), lambda: show_vlan_brief(sw)),
            (("show", "archive"), lambda: show_archive(sw)),
            (("show", "archive", "config", "rollback", "timer"), lambda: show_rollback_timer(sw)),
            (("show", "archive", "config", "incremental-diffs", WORD), self._incremental_diffs),
            (
                ("show", "archive", "config", "incremental-diffs", WORD, "ignorecase"),
                self._incremental_diffs,
            ),
            (("show", "archive", "config", "differences", WORD, WORD), self._differences),
            (
                ("show", "archive", "config", "differences", WORD, WORD, REST),
                lambda a, b, _: self._differences(a, b),
            ),
        ]

    def _power_inline(self, at: At) -> str:
        """`show power inline [interface]`: only where there is PoE, as IOS has it."""
        tokens = tokenize(at.text)
        word, column = tokens[0]
        if not self.switch.hardware.has_poe or not "inline".startswith(word.lower()):
            raise Rejection(at.column + column)
        rest = at.text[tokens[1][1] :] if len(tokens) > 1 else ""
        if not rest:
            return show_power_inline(self.switch)
        interface = self.switch.config.resolve_interface("".join(rest.split()))
        if interface is None or not self.switch.hardware.poe_max(interface):
            raise Rejection(at.column + tokens[1][1])
        return show_power_inline(self.switch, interface)

    def _logout(self) -> str:
        self._closed = True
        return ""

    def _configure(self, *_: object) -> str:
        self.context = GLOBAL
        return "Enter configuration commands, one per line.  End with CNTL/Z."

    def _configure_revert(self, minutes: int) -> str:
        if self.switch.config.archive is None:
            # Stay in exec mode: netmiko's config_mode then fails, which NAPALM relies on.
            return "%Rollback Confirmed Change requires the archive feature to be configured"
        if not 1 <= minutes <= 120:
            raise Rejection(len("configure terminal revert timer "))
        self.switch.start_revert_timer(minutes, self.username)
        return self._configure()

    def _revert_now(self) -> str:
        if not self.switch.revert_now():
            return "%No Rollback Confirmed Change pending"
        return "Rollback Done"

    # -- files ------------------------------------------------------------------------------------

    def _read(self, path: str) -> str | None:
        """Text of a readable source; None when it does not exist."""
        kind, name = resolve_path(path)
        if kind == "running":
            return self.switch.running_config()
        if kind == "startup":
            return self.switch.startup_config
        if kind == "null":
            return ""
        if kind == "flash" and name:
            return self.switch.flash.get(name)
        return None

    def _copy(self, source: str, dest: str) -> str:
        text = self._read(source)
        if text is None:
            return f"%Error opening {source} (No such file or directory)"
        kind, name = resolve_path(dest)
        if kind == "running":
            errors = self.switch.merge_text(text)
            report = [f"{line}\n{rejection.render(line)}" for line, rejection in errors]
            return "\n".join([*report, _bytes_copied(text)])
        if kind == "startup":
            self.switch.save()
            return "[OK]"
        if kind == "flash" and name:
            self.switch.flash[name] = text
            self.switch.flash_times[name] = self.switch.now()
            return _bytes_copied(text)
        raise Rejection(len("copy ") + len(source) + 1)

    def _write(self) -> str:
        self.switch.save()
        return "Building configuration...\n[OK]"

    def _dir(self, path: str) -> str:
        kind, name = resolve_path(path)
        if kind != "flash":
            return f"%Error opening {path} (No such file or directory)"
        sw = self.switch
        if name:
            if name not in sw.flash:
                return f"%Error opening flash:/{name} (No such file or directory)"
            names, header = [name], f"flash:/{name}"
        else:
            names, header = sorted(sw.flash), "flash:/"
        rows = []
        for index, file_name in enumerate(names, start=32770):
            size = len(sw.flash[file_name].encode())
            when = sw.flash_times.get(file_name, sw.now())
            stamp = f"{when:%b} {when.day} {when:%Y %H:%M:%S}"
            rows.append(f"{index:>7}  -rw-    {size:>13}  {stamp} +00:00  {file_name}")
        used = sum(len(text.encode()) for text in sw.flash.values())
        free = FLASH_TOTAL // 2 - used
        return "\n".join(
            [
                f"Directory of {header}",
                "",
                *rows,
                "",
                f"{FLASH_TOTAL} bytes total ({free} bytes free)",
            ]
        )

    def _verify(self, path: str) -> str:
        kind, name = resolve_path(path)
        text = self.switch.flash.get(name) if kind == "flash" and name else None
        if text is None:
            return f"%Error opening {path} (No such file or directory)"
        digest = hashlib.md5(text.encode()).hexdigest()
        return f"{'.' * 20}Done!\nverify /md5 ({path}) = {digest}"

    def _more(self, path: str) -> str:
        text = self._read(path)
        if text is None:
            return f"%Error opening {path} (No such file or directory)"
        return text.rstrip("\n")

    def _delete(self, *args: str) -> str:
        path = args[-1]
        kind, name = resolve_path(path)
        if kind != "flash" or not name or name not in self.switch.flash:
            return f"%Error deleting {path} (No such file or directory)"
        del self.switch.flash[name]
        self.switch.flash_times.pop(name, None)
        return ""

    # -- archive: diffs and replace ---------------------------------------------------------------

    def _incremental_diffs(self, path: str) -> str:
        text = self._read(path)
        if text is None:
            return f"%Error opening {path} (No such file or directory)"
        lines = incremental_diff(self.switch.config, text)
        if lines is None:
            return "\n".join(["!List of Commands:", "% Invalid input detected at '^' marker."])
        if not lines:
            return "!List of Commands:\nend\n!No changes were found"
        return "\n".join(["!List of Commands:", *lines, "end"])

    def _differences(self, base: str, new: str) -> str:
        base_text, new_text = self._read(base), self._read(new)
        if base_text is None or new_text is None:
            missing = base if base_text is None else new
            return f"%Error opening {missing} (No such file or directory)"
        old_state = ConfigState(self.switch.hardware)
        old_state.apply_text(base_text)
        new_state = ConfigState(self.switch.hardware)
        new_state.apply_text(new_text)
        lines = contextual_diff(old_state.render(), new_state.render())
        if not lines:
            return "!Contextual Config Diffs:\n!No changes were found"
        return "\n".join(["!Contextual Config Diffs:", *lines])

    def _replace(self, path: str, options: str) -> str:
        text = self._read(path)
        if text is None:
            return f"%Error opening {path} (No such file or directory)"
        if self.switch.config.archive is None:
            return "%Please turn config archive on before using Rollback Confirmed Change"
        words = options.lower().split()
        revert_on_error = "trigger" in words and "error" in words
        timer = re.search(r"\btimer (\d+)", options.lower())
        before = self.switch.running_config()
        if timer:
            self.switch.start_revert_timer(int(timer.group(1)), self.username)
        errors = self.switch.replace_config(text)
        if not errors:
            return "Total number of passes: 1\nRollback Done"
        report = ["The following command(s) failed:"]
        report += [f"{line}\n{rejection.render(line)}" for line, rejection in errors]
        if revert_on_error:
            self.switch.replace_config(before)
            self.switch.confirm()
            report.append("The original configuration has been successfully restored.")
        return "\n".join(report)


# -------------------------------------------------------------------------------------------------
# Paths and pipes


def resolve_path(path: str) -> tuple[str, str]:
    """('running'|'startup'|'null'|'flash'|'unknown', file name inside flash)."""
    lowered = path.lower()
    if lowered in ("running-config", "system:running-config", "system:/running-config"):
        return "running", ""
    if lowered in ("startup-config", "nvram:startup-config", "nvram:/startup-config"):
        return "startup", ""
    if lowered == "null:":
        return "null", ""
    if lowered.startswith(("flash:", "bootflash:")):
        return "flash", path.split(":", 1)[1].lstrip("/")
    return "unknown", path


def _bytes_copied(text: str) -> str:
    size = len(text.encode())
    return f"{size} bytes copied in 0.052 secs ({size * 19} bytes/sec)"


def _pipe(output: str, pipe: str) -> str:
    """`| include X`, `| exclude X`, `| begin X`, `| section X` (X is a regex, as on IOS)."""
    keyword, _, pattern = pipe.strip().partition(" ")
    pattern = pattern.strip()
    try:
        regex = re.compile(pattern)
    except re.error:
        regex = re.compile(re.escape(pattern))
    lines = output.splitlines()
    keyword = keyword.lower()
    if keyword and "include".startswith(keyword):
        return "\n".join(line for line in lines if regex.search(line))
    if keyword and "exclude".startswith(keyword):
        return "\n".join(line for line in lines if not regex.search(line))
    if keyword and "begin".startswith(keyword):
        for index, line in enumerate(lines):
            if regex.search(line):
                return "\n".join(lines[index:])
        return ""
    if keyword and "section".startswith(keyword):
        picked: list[str] = []
        taking = False
        for line in lines:
            if not line.startswith(" "):
                taking = bool(regex.search(line))
                if taking:
                    picked.append(line)
            elif taking or regex.search(line):
                picked.append(line)
        return "\n".join(picked)
    raise Rejection(message="% Invalid input detected at '^' marker.")
