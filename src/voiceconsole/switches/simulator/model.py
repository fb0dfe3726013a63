"""The state of a simulated Cisco-IOS-like access switch.

The running configuration is the source of truth for configuration: a :class:`ConfigState` is
built only by applying config lines as IOS does, and rendered back as ``show running-config``
text. What is plugged into the ports (:class:`Device`) is physical state next to it; link, LLDP,
MAC table and PoE are derived from both on every read.
"""

from __future__ import annotations

import copy
import hashlib
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

DEFAULT_USERS = {"admin": "admin"}
IOS_VERSION = "17.9.4a"
DEFAULT_VLAN = 1
# Lines of `show running-config` that are not configuration (IOS prints them, NAPALM strips them).
_HEADER_RE = re.compile(r"^(Building configuration|Current configuration :)")


@dataclass
class Device:
    """Something plugged into a port."""

    kind: str  # "phone", "pc", "printer", "access_point"
    mac: str  # Cisco dotted form "aabb.cc00.0101"; any common notation is normalised
    name: str  # LLDP system name
    poe_watts: float = 0.0  # >0: powered by the port, so the link needs power
    lldp: bool = True
    pc_behind: Device | None = None  # a PC daisy-chained through a phone's PC port
    platform: str = ""  # LLDP system description / PoE device label; a default per kind

    def __post_init__(self) -> None:
        self.mac = normalise_mac(self.mac)
        if not self.platform:
            self.platform = {
                "phone": "Cisco IP Phone 8865",
                "access_point": "Cisco AIR-AP2802I-E-K9",
                "printer": "HP LaserJet M507",
            }.get(self.kind, "")


def normalise_mac(mac: str) -> str:
    digits = re.sub(r"[^0-9a-fA-F]", "", mac).lower()
    if len(digits) != 12:
        raise ValueError(f"not a MAC address: {mac!r}")
    return f"{digits[0:4]}.{digits[4:8]}.{digits[8:12]}"


_IF_RE = re.compile(r"^(?:gi?|gig|giga|gigabit|gigabitethernet)(\d+/\d+/\d+)$", re.IGNORECASE)
_IF_TYPE_RE = re.compile(r"^(?:gi?|gig|giga|gigabit|gigabitethernet)$", re.IGNORECASE)


def canonical_interface(name: str) -> str | None:
    """'Gi1/0/5', 'gig 1/0/5' -> 'GigabitEthernet1/0/5'; None if it is no Gigabit port name."""
    m = _IF_RE.match(name.replace(" ", ""))
    return f"GigabitEthernet{m.group(1)}" if m else None


def short_interface(name: str) -> str:
    return name.replace("GigabitEthernet", "Gi")


def parse_vlan_list(text: str) -> list[int] | None:
    """'10,20-22' -> [10, 20, 21, 22]; None when malformed or out of 1-4094."""
    vlans: set[int] = set()
    for part in text.split(","):
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            return None
        low, high = int(m.group(1)), int(m.group(2) or m.group(1))
        if not 1 <= low <= high <= 4094:
            return None
        vlans.update(range(low, high + 1))
    return sorted(vlans)


def format_vlan_list(vlans: list[int]) -> str:
    """[10, 20, 21, 22] -> '10,20-22' as IOS prints it."""
    parts: list[str] = []
    run: list[int] = []
    for vlan in sorted(vlans):
        if run and vlan == run[-1] + 1:
            run.append(vlan)
            continue
        if run:
            parts.append(_run_text(run))
        run = [vlan]
    if run:
        parts.append(_run_text(run))
    return ",".join(parts)


def _run_text(run: list[int]) -> str:
    if len(run) == 1:
        return str(run[0])
    if len(run) == 2:
        return f"{run[0]},{run[1]}"
    return f"{run[0]}-{run[-1]}"


# ---------------------------------------------------------------------------------------------
# Config grammar: a line is matched against patterns of keywords (any prefix of two or more
# letters, as IOS abbreviations) and placeholders. The failure that got furthest decides where
# the '^' marker points, as on IOS.

INT = "<vlan-id>"
WORD = "<word>"
REST = "<text>"
VLIST = "<vlan-list>"
IFNAME = "<interface>"
NUMBER = "<number>"


@dataclass
class Rejection(Exception):
    """A config or exec line IOS would not accept."""

    column: int | None = None  # where the '^' goes; None for "% Incomplete command."
    message: str | None = None  # overrides the standard text (fail_next seam, IOS messages)

    def render(self, line: str, offset: int = 0) -> str:
        if self.message is not None:
            return self.message
        if self.column is None:
            return "% Incomplete command."
        return " " * (offset + self.column) + "^\n% Invalid input detected at '^' marker."


def tokenize(line: str) -> list[tuple[str, int]]:
    return [(m.group(0), m.start()) for m in re.finditer(r"\S+", line)]


def keyword_matches(token: str, keyword: str) -> bool:
    token = token.lower()
    return bool(token) and keyword.startswith(token)


def match(line: str, tokens: list[tuple[str, int]], pattern: tuple) -> tuple[list, int]:
    """Captures of `pattern` in `tokens`, or raise Rejection; second value: tokens matched."""
    caps: list = []
    i = 0
    for element in pattern:
        if i >= len(tokens):
            raise _Partial(i, Rejection(None))
        text, col = tokens[i]
        if element == REST:
            caps.append(line[col:].rstrip())
            i = len(tokens)
            continue
        if element == IFNAME:
            name = canonical_interface(text)
            if name is None and _IF_TYPE_RE.match(text) and i + 1 < len(tokens):
                name = canonical_interface(text + tokens[i + 1][0])
                if name is not None:
                    i += 1
            if name is None:
                raise _Partial(i, Rejection(col))
            caps.append(name)
        elif element in (INT, NUMBER):
            if not text.isdigit() or (element == INT and not 1 <= int(text) <= 4094):
                raise _Partial(i, Rejection(col))
            caps.append(int(text))
        elif element == VLIST:
            vlans = parse_vlan_list(text)
            if vlans is None:
                raise _Partial(i, Rejection(col))
            caps.append(vlans)
        elif element == WORD:
            caps.append(text)
        elif isinstance(element, tuple):
            found = next((k for k in element if keyword_matches(text, k)), None)
            if found is None:
                raise _Partial(i, Rejection(col))
            caps.append(found)
        elif not keyword_matches(text, element):
            raise _Partial(i, Rejection(col))
        i += 1
    if i < len(tokens):
        raise _Partial(i, Rejection(tokens[i][1]))
    return caps, i


@dataclass
class _Partial(Exception):
    progress: int
    rejection: Rejection


def dispatch(line: str, table: list[tuple[tuple, Callable]]) -> object:
    """Run the handler of the first pattern that matches `line`; raise the furthest failure."""
    tokens = tokenize(line)
    best: _Partial | None = None
    for pattern, handler in table:
        try:
            caps, _ = match(line, tokens, pattern)
        except _Partial as failure:
            if best is None or failure.progress > best.progress:
                best = failure
            continue
        return handler(*caps)
    raise (best.rejection if best else Rejection(0))


# ---------------------------------------------------------------------------------------------


@dataclass
class PortConfig:
    description: str | None = None
    mode: str | None = None  # None: IOS default "dynamic auto" (behaves as access here)
    access_vlan: int = DEFAULT_VLAN
    voice_vlan: int | None = None
    native_vlan: int | None = None
    allowed_vlans: list[int] | None = None  # None: all
    shutdown: bool = False
    portfast: bool = False
    poe_never: bool = False

    def render(self) -> list[str]:
        """Interface sub-commands in IOS's canonical order."""
        lines = []
        if self.description is not None:
            lines.append(f" description {self.description}")
        if self.access_vlan != DEFAULT_VLAN:
            lines.append(f" switchport access vlan {self.access_vlan}")
        if self.native_vlan is not None and self.native_vlan != DEFAULT_VLAN:
            lines.append(f" switchport trunk native vlan {self.native_vlan}")
        if self.allowed_vlans is not None:
            allowed = format_vlan_list(self.allowed_vlans) if self.allowed_vlans else "none"
            lines.append(f" switchport trunk allowed vlan {allowed}")
        if self.mode is not None:
            lines.append(f" switchport mode {self.mode}")
        if self.voice_vlan is not None:
            lines.append(f" switchport voice vlan {self.voice_vlan}")
        if self.poe_never:
            lines.append(" power inline never")
        if self.shutdown:
            lines.append(" shutdown")
        if self.portfast:
            lines.append(" spanning-tree portfast")
        return lines


# Global lines kept as text: accepted, rendered back, but not modelled further.
_GENERIC_GLOBAL = (
    ("service", REST),
    ("no", "service", REST),
    ("spanning-tree", "mode", ("rapid-pvst", "pvst", "mst")),
    ("spanning-tree", "extend", "system-id"),
    ("lldp", "run"),
    ("aaa", "new-model"),
    ("no", "aaa", "new-model"),
    ("boot-start-marker",),
    ("boot-end-marker",),
    ("enable", "secret", REST),
    ("username", REST),
    ("ntp", "server", REST),
    ("logging", ("host", "buffered", "console", "trap"), REST),
    ("clock", "timezone", REST),
    ("ip", "ssh", REST),
    ("ip", "name-server", REST),
    ("ip", "default-gateway", REST),
    ("snmp-server", REST),
    ("vtp", "mode", REST),
)
_NEGATED_GENERIC = {" ".join(p) for p in _GENERIC_GLOBAL if p[0] == "no" and REST not in p}
_LINE_CHILDREN = (
    ("login", REST),
    ("login",),
    ("transport", REST),
    ("exec-timeout", REST),
    ("logging", "synchronous"),
    ("password", REST),
    ("privilege", REST),
    ("stopbits", NUMBER),
    ("length", NUMBER),
)
_ARCHIVE_CHILDREN = (
    ("path", REST),
    ("maximum", NUMBER),
    ("write-memory",),
    ("time-period", NUMBER),
)

Context = tuple[str, object]  # ("global", None), ("interface", name), ("vlan", 110), ...
GLOBAL: Context = ("global", None)
EXEC: Context = ("exec", None)


@dataclass
class ConfigState:
    """Everything `show running-config` shows, and the IOS config grammar over it."""

    port_names: list[str]
    hostname: str = "Switch"
    domain: str | None = None
    file_prompt_quiet: bool = False
    scp_server: bool = False
    archive: list[str] | None = None  # children of `archive`; None: archive is off
    generic: list[str] = field(default_factory=list)
    lines: dict[str, list[str]] = field(default_factory=dict)  # "vty 0 4" -> children
    vlans: dict[int, str | None] = field(default_factory=dict)  # besides VLAN 1
    ports: dict[str, PortConfig] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in self.port_names:
            self.ports.setdefault(name, PortConfig())

    @classmethod
    def blank(cls, port_count: int) -> ConfigState:
        return cls([f"GigabitEthernet1/0/{n}" for n in range(1, port_count + 1)])

    def copy(self) -> ConfigState:
        return copy.deepcopy(self)

    # -- rendering ----------------------------------------------------------------------------

    def render(self) -> str:
        out = ["!", "version 17.9"]
        out += [g for g in self.generic if g.startswith(("service", "no service"))]
        out += ["!", f"hostname {self.hostname}", "!"]
        if self.file_prompt_quiet:
            out += ["file prompt quiet", "!"]
        rest = [g for g in self.generic if not g.startswith(("service", "no service"))]
        out += rest
        if self.domain:
            out.append(f"ip domain name {self.domain}")
        if rest or self.domain:
            out.append("!")
        if self.archive is not None:
            out += ["archive", *[f" {c}" for c in self.archive], "!"]
        for vlan_id in sorted(self.vlans):
            out.append(f"vlan {vlan_id}")
            if self.vlans[vlan_id]:
                out.append(f" name {self.vlans[vlan_id]}")
            out.append("!")
        for name in self.port_names:
            out += [f"interface {name}", *self.ports[name].render(), "!"]
        if self.scp_server:
            out += ["ip scp server enable", "!"]
        for line_name, children in self.lines.items():
            out += [f"line {line_name}", *[f" {c}" for c in children]]
        if self.lines:
            out.append("!")
        out.append("end")
        return "\n".join(out) + "\n"

    # -- applying -----------------------------------------------------------------------------

    def apply(self, context: Context, line: str) -> tuple[Context, str]:
        """Apply one config line in `context`; returns the new context and any IOS message.

        Raises Rejection for what IOS rejects. As on IOS, a line a sub-mode does not know is
        tried at global level (and leaves the sub-mode when it is a global command).
        """
        stripped = line.strip()
        if not stripped or stripped.startswith("!"):
            return context, ""
        try:
            return self._apply_stripped(context, stripped)
        except Rejection as rejection:
            if rejection.column is not None:  # point into the line as it was given
                rejection.column += len(line) - len(line.lstrip())
            raise

    def _apply_stripped(self, context: Context, stripped: str) -> tuple[Context, str]:
        tokens = tokenize(stripped)
        first = tokens[0][0].lower()
        if first == "end":
            return EXEC, ""
        if first == "exit" and len(tokens) == 1:
            return (EXEC if context == GLOBAL else GLOBAL), ""
        if context != GLOBAL:
            try:
                return context, self._apply_sub(context, stripped)
            except Rejection as sub_failure:
                try:
                    return self._apply_global(stripped)
                except Rejection as global_failure:
                    raise _furthest(sub_failure, global_failure) from None
        return self._apply_global(stripped)

    def _apply_sub(self, context: Context, line: str) -> str:
        kind, key = context
        if kind == "interface":
            return self._apply_interface(self.ports[key], line)  # type: ignore[index]
        if kind == "vlan":
            return dispatch(line, self._vlan_table(key))  # type: ignore[arg-type,return-value]
        if kind == "archive" and self.archive is not None:
            return _apply_child(self.archive, _ARCHIVE_CHILDREN, line)
        if kind == "line":
            return _apply_child(self.lines[key], _LINE_CHILDREN, line)  # type: ignore[index]
        raise Rejection(0)

    def _apply_global(self, line: str) -> tuple[Context, str]:
        def set_attr(name: str, value: object) -> Callable[..., tuple[Context, str]]:
            def handler(*_: object) -> tuple[Context, str]:
                setattr(self, name, value)
                return GLOBAL, ""

            return handler

        def hostname(name: str) -> tuple[Context, str]:
            self.hostname = name
            return GLOBAL, ""

        def domain(name: str) -> tuple[Context, str]:
            self.domain = name
            return GLOBAL, ""

        def interface(name: str) -> tuple[Context, str]:
            if name not in self.ports:
                raise Rejection(len("interface "))
            return ("interface", name), ""

        def vlan(vlan_id: int) -> tuple[Context, str]:
            if vlan_id != DEFAULT_VLAN:
                self.vlans.setdefault(vlan_id, None)
            return ("vlan", vlan_id), ""

        def no_vlan(vlan_id: int) -> tuple[Context, str]:
            if vlan_id == DEFAULT_VLAN:
                raise Rejection(message="%Default VLAN 1 may not be deleted.")
            self.vlans.pop(vlan_id, None)
            return GLOBAL, ""

        def archive() -> tuple[Context, str]:
            if self.archive is None:
                self.archive = []
            return ("archive", None), ""

        def line_block(kind: str, rest: str) -> tuple[Context, str]:
            name = f"{kind} {rest}"
            self.lines.setdefault(name, [])
            return ("line", name), ""

        def generic(*_: object) -> tuple[Context, str]:
            text = " ".join(line.split())
            negated = text.startswith("no ")
            positive = text[3:] if negated else text
            # A line replaces its negation (`aaa new-model` / `no aaa new-model`).
            self.generic = [
                g
                for g in self.generic
                if g not in (positive, f"no {positive}")
                and not (negated and g.startswith(f"{positive} "))
            ]
            if not negated or text in _NEGATED_GENERIC:
                self.generic.append(text)
            return GLOBAL, ""

        table: list[tuple[tuple, Callable]] = [
            (("hostname", WORD), hostname),
            (("version", REST), lambda _: (GLOBAL, "")),
            (("interface", IFNAME), interface),
            (("vlan", INT), vlan),
            (("no", "vlan", INT), no_vlan),
            (("archive",), archive),
            (("no", "archive"), set_attr("archive", None)),
            (("ip", "scp", "server", "enable"), set_attr("scp_server", True)),
            (("no", "ip", "scp", "server", "enable"), set_attr("scp_server", False)),
            (("file", "prompt", "quiet"), set_attr("file_prompt_quiet", True)),
            (("no", "file", "prompt", "quiet"), set_attr("file_prompt_quiet", False)),
            (("ip", "domain", "name", WORD), domain),
            (("ip", "domain-name", WORD), domain),
            (("no", "ip", "domain", "name"), set_attr("domain", None)),
            (("no", "ip", "domain", "name", WORD), set_attr("domain", None)),
            (("line", ("con", "vty"), REST), line_block),
            *[(pattern, generic) for pattern in _GENERIC_GLOBAL],
            *[(("no", p[0], REST), generic) for p in _GENERIC_GLOBAL if p[0] != "no"],
            *[(("no", p[0]), generic) for p in _GENERIC_GLOBAL if len(p) == 1],
        ]
        return dispatch(line, table)  # type: ignore[return-value]

    def _vlan_table(self, vlan_id: int) -> list[tuple[tuple, Callable]]:
        def name(text: str | None) -> str:
            if vlan_id != DEFAULT_VLAN:
                self.vlans[vlan_id] = text
            return ""

        return [(("name", WORD), name), (("no", "name"), lambda: name(None))]

    def _apply_interface(self, port: PortConfig, line: str) -> str:
        message = ""

        def setter(**values: object) -> Callable[..., str]:
            def handler(*_: object) -> str:
                for key, value in values.items():
                    setattr(port, key, value)
                return ""

            return handler

        def description(text: str) -> str:
            port.description = text
            return ""

        def access_vlan(vlan_id: int) -> str:
            nonlocal message
            port.access_vlan = vlan_id
            if vlan_id != DEFAULT_VLAN and vlan_id not in self.vlans:
                # IOS creates the VLAN for an access port (VTP transparent mode).
                self.vlans[vlan_id] = None
                message = f"% Access VLAN does not exist. Creating vlan {vlan_id}"
            return ""

        def mode(value: str) -> str:
            port.mode = value
            return ""

        def voice_vlan(vlan_id: int) -> str:
            port.voice_vlan = vlan_id
            return ""

        def native(vlan_id: int) -> str:
            port.native_vlan = vlan_id
            return ""

        def allowed(vlans: list[int]) -> str:
            port.allowed_vlans = vlans
            return ""

        def allowed_word(word: str) -> str:
            port.allowed_vlans = None if word == "all" else []
            return ""

        def allowed_change(op: str, vlans: list[int]) -> str:
            current = set(port.allowed_vlans if port.allowed_vlans is not None else range(1, 4095))
            current = current | set(vlans) if op == "add" else current - set(vlans)
            port.allowed_vlans = None if len(current) == 4094 else sorted(current)
            return ""

        def poe(value: str) -> str:
            port.poe_never = value == "never"
            return ""

        table: list[tuple[tuple, Callable]] = [
            (("description", REST), description),
            (("no", "description"), setter(description=None)),
            (("no", "description", REST), setter(description=None)),
            (("switchport",), lambda: ""),
            (("switchport", "access", "vlan", INT), access_vlan),
            (("no", "switchport", "access", "vlan"), setter(access_vlan=DEFAULT_VLAN)),
            (("no", "switchport", "access", "vlan", INT), setter(access_vlan=DEFAULT_VLAN)),
            (("switchport", "mode", ("access", "trunk")), mode),
            (("no", "switchport", "mode"), setter(mode=None)),
            (("no", "switchport", "mode", ("access", "trunk")), setter(mode=None)),
            (("switchport", "voice", "vlan", INT), voice_vlan),
            (("no", "switchport", "voice", "vlan"), setter(voice_vlan=None)),
            (("no", "switchport", "voice", "vlan", INT), setter(voice_vlan=None)),
            (("switchport", "trunk", "native", "vlan", INT), native),
            (("no", "switchport", "trunk", "native", "vlan"), setter(native_vlan=None)),
            (("no", "switchport", "trunk", "native", "vlan", INT), setter(native_vlan=None)),
            (("switchport", "trunk", "allowed", "vlan", VLIST), allowed),
            (("switchport", "trunk", "allowed", "vlan", ("all", "none")), allowed_word),
            (("switchport", "trunk", "allowed", "vlan", ("add", "remove"), VLIST), allowed_change),
            (("no", "switchport", "trunk", "allowed", "vlan"), setter(allowed_vlans=None)),
            (("shutdown",), setter(shutdown=True)),
            (("no", "shutdown"), setter(shutdown=False)),
            (("spanning-tree", "portfast"), setter(portfast=True)),
            (("spanning-tree", "portfast", "edge"), setter(portfast=True)),
            (("no", "spanning-tree", "portfast"), setter(portfast=False)),
            (("power", "inline", ("auto", "never")), poe),
            (("no", "power", "inline"), setter(poe_never=False)),
        ]
        dispatch(line, table)
        return message

    def apply_text(
        self,
        text: str,
        apply: Callable[[Context, str], tuple[Context, str]] | None = None,
    ) -> list[tuple[str, Rejection]]:
        """Apply a whole config text as `copy <file> running-config` does: a bad line is
        reported and skipped, the lines before and after it stay applied. `apply` takes one
        line (default: this state's own `apply`)."""
        apply = apply or self.apply
        context = GLOBAL
        errors: list[tuple[str, Rejection]] = []
        for line in text.splitlines():
            if _HEADER_RE.match(line):
                continue
            try:
                context, _ = apply(context, line)
            except Rejection as rejection:
                errors.append((line, rejection))
            if context == EXEC:
                break
        return errors


def _apply_child(children: list[str], patterns: tuple, line: str) -> str:
    """A sub-command of `archive` or `line`: kept as text, one value per keyword."""
    negated = tokenize(line)[0][0].lower() == "no"
    table: list[tuple[tuple, Callable]] = []
    for pattern in patterns:
        keyword = pattern[0]
        table.append((pattern, lambda *_, k=keyword: k))
        table.append((("no", keyword), lambda *_, k=keyword: k))
        table.append((("no", keyword, REST), lambda *_, k=keyword: k))
    keyword = dispatch(line, table)
    words = line.split()[2 if negated else 1 :]
    children[:] = [c for c in children if c.split()[0] != keyword]
    if not negated:
        children.append(" ".join([keyword, *words]))  # type: ignore[list-item]
    return ""


def _furthest(a: Rejection, b: Rejection) -> Rejection:
    if a.message is not None:
        return a
    if b.message is not None:
        return b

    def reach(r: Rejection) -> int:
        return 10**6 if r.column is None else r.column  # incomplete: every word was understood

    return a if reach(a) >= reach(b) else b


def default_config(hostname: str, port_count: int) -> ConfigState:
    """What a freshly installed access switch runs: archive and the SCP server are on."""
    state = ConfigState.blank(port_count)
    text = f"""\
service timestamps debug datetime msec
service timestamps log datetime msec
hostname {hostname}
no aaa new-model
archive
 path flash:archive
 maximum 5
spanning-tree mode rapid-pvst
spanning-tree extend system-id
lldp run
ip scp server enable
line con 0
 stopbits 1
line vty 0 4
 login local
 transport input ssh
"""
    errors = state.apply_text(text)
    assert not errors, errors
    return state


# ---------------------------------------------------------------------------------------------


@dataclass
class PendingRevert:
    """A `configure terminal revert timer N` window awaiting `configure confirm`."""

    snapshot: str
    deadline: float
    minutes: int
    user: str
    configured: datetime


@dataclass(frozen=True)
class PortStatus:
    name: str
    config: PortConfig
    device: Device | None
    admin_up: bool
    oper_up: bool
    poe_on: bool
    poe_watts: float


@dataclass(frozen=True)
class MacEntry:
    vlan: int
    mac: str
    interface: str


class SimulatedSwitch:
    """One access switch: config, flash, plugged devices, timers. Thread-safe by one lock."""

    def __init__(
        self,
        hostname: str,
        *,
        model: str = "C9200L-24P-4G",
        port_count: int = 24,
        users: dict[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        startup_config: str | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.model = model
        self.port_count = port_count
        self.users = dict(DEFAULT_USERS if users is None else users)
        self.clock = clock
        self.flash: dict[str, str] = {}
        self.flash_times: dict[str, datetime] = {}  # for `dir`; files without one: now
        self.devices: dict[str, Device] = {}
        self.pending_revert: PendingRevert | None = None
        self._failures: list[tuple[re.Pattern[str], str]] = []
        self._booted = clock()
        self._booted_wall = datetime.now(UTC).replace(microsecond=0)
        seed = hashlib.md5(hostname.encode()).hexdigest()
        self.serial = "JAE" + str(int(seed[:8], 16))[:8].rjust(8, "0")
        self.base_mac = f"00{seed[8:10]}.{seed[10:14]}.{seed[14:16]}00"  # unicast, global
        if startup_config is None:
            self.config = default_config(hostname, port_count)
        else:
            self.config = ConfigState.blank(port_count)
            self.config.hostname = hostname
            self.config.apply_text(startup_config)
        self.startup_config = self.config.render()
        self.last_change = self._booted_wall

    @classmethod
    def from_config(cls, text: str, **kwargs: object) -> SimulatedSwitch:
        """Rebuild a switch from saved running-config text (hostname taken from the text)."""
        m = re.search(r"^hostname (\S+)", text, flags=re.MULTILINE)
        return cls(m.group(1) if m else "Switch", startup_config=text, **kwargs)  # type: ignore[arg-type]

    # -- identity and time ----------------------------------------------------------------------

    @property
    def hostname(self) -> str:
        return self.config.hostname

    def now(self) -> datetime:
        """Wall time as the switch sees it: boot time plus `clock` seconds since boot."""
        return self._booted_wall + timedelta(seconds=self.clock() - self._booted)

    def uptime_seconds(self) -> float:
        return self.clock() - self._booted

    # -- config ---------------------------------------------------------------------------------

    def running_config(self) -> str:
        """The running config as text (no "Building configuration" header); feeding it to
        ``SimulatedSwitch(..., startup_config=text)`` or ``from_config`` rebuilds the state."""
        with self.lock:
            self.tick()
            return self.config.render()

    def apply_config_line(self, context: Context, line: str) -> tuple[Context, str]:
        """One line typed in config mode (or read from a file being merged)."""
        with self.lock:
            for i, (pattern, message) in enumerate(self._failures):
                if line.strip() and pattern.search(line):
                    del self._failures[i]
                    raise Rejection(message=message)
            result = self.config.apply(context, line)
            self.last_change = self.now()
            return result

    def merge_text(self, text: str) -> list[tuple[str, Rejection]]:
        """`copy <file> running-config`: bad lines are reported, the others stay applied."""
        with self.lock:
            return self.config.apply_text(text, apply=self.apply_config_line)

    def replace_config(self, text: str) -> list[tuple[str, Rejection]]:
        """`configure replace`: the running config becomes exactly `text` (errors reported)."""
        with self.lock:
            state = ConfigState.blank(self.port_count)
            errors = state.apply_text(text)
            self.config = state
            self.last_change = self.now()
            return errors

    def fail_next(self, pattern: str, message: str) -> None:
        """Test seam: the next config line matching `pattern` is rejected with `message`."""
        with self.lock:
            self._failures.append((re.compile(pattern), message))

    def save(self) -> None:
        """`write memory`."""
        with self.lock:
            self.startup_config = self.config.render()

    # -- commit-confirm (archive revert timer) ----------------------------------------------------

    def start_revert_timer(self, minutes: int, user: str) -> None:
        with self.lock:
            self.pending_revert = PendingRevert(
                snapshot=self.config.render(),
                deadline=self.clock() + minutes * 60,
                minutes=minutes,
                user=user,
                configured=self.now(),
            )

    def confirm(self) -> bool:
        with self.lock:
            had = self.pending_revert is not None
            self.pending_revert = None
            return had

    def revert_now(self) -> bool:
        with self.lock:
            pending, self.pending_revert = self.pending_revert, None
            if pending is None:
                return False
            self.replace_config(pending.snapshot)
            return True

    def tick(self) -> None:
        """Fire a due revert timer. Every CLI command calls it, so no thread is needed."""
        with self.lock:
            if self.pending_revert is not None and self.clock() >= self.pending_revert.deadline:
                self.revert_now()

    # -- logins -----------------------------------------------------------------------------------

    def check_login(self, username: str, password: str) -> bool:
        with self.lock:
            return username in self.users and self.users[username] == password

    # -- physical state ---------------------------------------------------------------------------

    def connect(self, interface: str, device: Device | None) -> None:
        """Plug `device` into `interface`, or unplug what is there (None)."""
        name = canonical_interface(interface)
        with self.lock:
            if name is None or name not in self.config.ports:
                raise KeyError(f"no interface {interface} on {self.hostname}")
            if device is None:
                self.devices.pop(name, None)
            else:
                self.devices[name] = device

    def port_names(self) -> list[str]:
        return list(self.config.port_names)

    def port(self, interface: str) -> PortStatus:
        name = canonical_interface(interface)
        with self.lock:
            self.tick()
            if name is None or name not in self.config.ports:
                raise KeyError(f"no interface {interface} on {self.hostname}")
            config = self.config.ports[name]
            device = self.devices.get(name)
            admin_up = not config.shutdown
            powered_device = device is not None and device.poe_watts > 0
            poe_on = admin_up and powered_device and not config.poe_never
            oper_up = admin_up and device is not None and (poe_on or not powered_device)
            return PortStatus(
                name=name,
                config=copy.deepcopy(config),
                device=device,
                admin_up=admin_up,
                oper_up=oper_up,
                poe_on=poe_on,
                poe_watts=device.poe_watts if poe_on and device else 0.0,
            )

    def ports(self) -> list[PortStatus]:
        with self.lock:
            self.tick()
            return [self.port(name) for name in self.config.port_names]

    def port_mac(self, interface: str) -> str:
        """The switch port's own MAC (base MAC plus port number)."""
        index = self.config.port_names.index(interface) + 1
        digits = self.base_mac.replace(".", "")
        value = (int(digits, 16) + index) % (1 << 48)
        return normalise_mac(f"{value:012x}")

    def mac_table(self) -> list[MacEntry]:
        """Dynamic entries learnt on the ports that are up, sorted as IOS prints them."""
        entries: list[MacEntry] = []
        with self.lock:
            for status in self.ports():
                device = status.device
                if not status.oper_up or device is None:
                    continue
                config = status.config
                if config.mode == "trunk":
                    vlan = config.native_vlan or DEFAULT_VLAN
                    entries.append(MacEntry(vlan, device.mac, status.name))
                    if device.pc_behind is not None:
                        entries.append(MacEntry(vlan, device.pc_behind.mac, status.name))
                    continue
                if device.kind == "phone" and config.voice_vlan is not None:
                    entries.append(MacEntry(config.voice_vlan, device.mac, status.name))
                else:
                    entries.append(MacEntry(config.access_vlan, device.mac, status.name))
                if device.pc_behind is not None:
                    entries.append(MacEntry(config.access_vlan, device.pc_behind.mac, status.name))
        return sorted(entries, key=lambda e: (e.vlan, e.mac))

    def lldp_neighbors(self) -> list[tuple[str, Device]]:
        with self.lock:
            return [
                (s.name, s.device)
                for s in self.ports()
                if s.oper_up and s.device is not None and s.device.lldp
            ]
