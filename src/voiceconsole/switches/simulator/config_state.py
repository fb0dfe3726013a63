"""The configuration of a simulated switch: what `show running-config` shows, and IOS's config
grammar over it.

A :class:`ConfigState` is built only by applying config lines as IOS does, and rendered back as
running-config text. The VLAN database lives here too: in VTP server mode (the factory default)
it is not part of the running config, as on a real Catalyst, where it is kept in vlan.dat.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from . import keywords
from .grammar import (
    AT,
    IFNAME,
    INT,
    NUMBER,
    REST,
    VLIST,
    WORD,
    At,
    Rejection,
    Table,
    check_vocabulary,
    dispatch,
    format_vlan_list,
    furthest,
    tokenize,
)
from .hardware import DEFAULT_MODEL, Hardware, hardware_for
from .passwords import type9_hash
from .port_names import expand_range, interface_resolver

DEFAULT_VLAN = 1
RESERVED_VLANS = (1002, 1003, 1004, 1005)
# Lines of `show running-config` that are not configuration (IOS prints them, NAPALM strips them).
_HEADER_RE = re.compile(r"^(Building configuration|Current configuration :)")

TRUNK_NEEDS_ENCAPSULATION = (
    'Command rejected: An interface whose trunk encapsulation is "Auto" can not be configured '
    'to "trunk" mode.'
)

Context = tuple[str, object]  # ("global", None), ("interface", name), ("range", names), ...
GLOBAL: Context = ("global", None)
EXEC: Context = ("exec", None)


# -- one port ----------------------------------------------------------------------------------


@dataclass
class PortConfig:
    description: str | None = None
    mode: str | None = None  # None: IOS default "dynamic auto" (behaves as access here)
    access_vlan: int = DEFAULT_VLAN
    voice_vlan: int | None = None
    native_vlan: int | None = None
    allowed_vlans: list[int] | None = None  # None: all
    encapsulation: str | None = None  # None: the hardware's default (negotiate or dot1q)
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
        if self.encapsulation is not None:
            lines.append(f" switchport trunk encapsulation {self.encapsulation}")
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
    ("boot-start-marker",),
    ("boot-end-marker",),
    ("ntp", "server", REST),
    ("logging", ("host", "buffered", "console", "trap"), REST),
    ("clock", "timezone", REST),
    ("ip", "ssh", REST),
    ("ip", "name-server", REST),
    ("ip", "default-gateway", REST),
    ("snmp-server", REST),
    ("vtp", ("domain", "version"), REST),
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
_PROMPTS = {
    "exec": "#",
    "global": "(config)#",
    "interface": "(config-if)#",
    "range": "(config-if-range)#",
    "vlan": "(config-vlan)#",
    "archive": "(config-archive)#",
    "line": "(config-line)#",
}


def prompt_suffix(context: Context) -> str:
    return _PROMPTS[context[0]]


@dataclass(frozen=True)
class Login:
    """A `username` line: its privilege level (1 unless given) and its secret as stored."""

    privilege: int
    secret: str  # "9 $9$..." (from `secret`), or "0 text" (from `password`)

    def render(self, name: str) -> str:
        kind, _, value = self.secret.partition(" ")
        word = "password" if kind == "0" else "secret"
        return f"username {name} privilege {self.privilege} {word} {kind} {value}"


def stored_secret(words: list[str]) -> str:
    """`[9, $9$..]` or `[plain]` or `[0, plain]` -> what is kept: a type 9 hash unless a hash
    of another type was given."""
    if len(words) == 2 and words[0] in ("5", "8", "9"):
        return f"{words[0]} {words[1]}"
    plain = words[1] if len(words) == 2 and words[0] == "0" else " ".join(words)
    return f"9 {type9_hash(plain)}"


@dataclass
class ConfigState:
    """Everything `show running-config` shows, the VLAN database, and the config grammar."""

    hardware: Hardware
    hostname: str = "Switch"
    domain: str | None = None
    file_prompt_quiet: bool = False
    scp_server: bool = False
    archive: list[str] | None = None  # children of `archive`; None: archive is off
    aaa_new_model: bool = False
    aaa: list[str] = field(default_factory=list)  # "authorization exec default local", ...
    enable_secret: str | None = None  # what follows `enable secret`: "9 $9$..."
    users: dict[str, Login] = field(default_factory=dict)  # `username` lines
    lldp: bool = False  # `lldp run`; off on a Catalyst out of the box
    vtp_mode: str = "server"  # server (the default), transparent, off
    generic: list[str] = field(default_factory=list)
    lines: dict[str, list[str]] = field(default_factory=dict)  # "vty 0 4" -> children
    vlans: dict[int, str | None] = field(default_factory=dict)  # besides VLAN 1
    ports: dict[str, PortConfig] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in self.hardware.port_names:
            self.ports.setdefault(name, PortConfig())

    @classmethod
    def blank(cls, hardware: Hardware | str = DEFAULT_MODEL) -> ConfigState:
        """Nothing configured (what a config text is applied onto)."""
        return cls(hardware_for(hardware) if isinstance(hardware, str) else hardware)

    @property
    def port_names(self) -> tuple[str, ...]:
        return self.hardware.port_names

    def copy(self) -> ConfigState:
        return copy.deepcopy(self, {id(self.hardware): self.hardware})

    def resolve_interface(self, text: str) -> str | None:
        return interface_resolver(self.hardware.model)(text)

    def vlan_exists(self, vlan: int) -> bool:
        return vlan == DEFAULT_VLAN or vlan in self.vlans

    @property
    def authorizes_exec(self) -> bool:
        return self.aaa_new_model and any(a.startswith("authorization exec ") for a in self.aaa)

    def encapsulation(self, port: str) -> str:
        """The administrative trunk encapsulation IOS shows for a port."""
        default = "negotiate" if self.hardware.isl else "dot1q"
        return self.ports[port].encapsulation or default

    # -- rendering ----------------------------------------------------------------------------

    def render(self) -> str:
        out = ["!", f"version {self.hardware.software.config_version}"]
        out += [g for g in self.generic if g.startswith(("service", "no service"))]
        out += ["!", f"hostname {self.hostname}", "!"]
        markers = [g for g in self.generic if g.endswith("-marker")]
        out += [*markers, "!"] if markers else []
        if self.enable_secret is not None:
            out += [f"enable secret {self.enable_secret}", "!"]
        if self.aaa_new_model:
            out += ["aaa new-model", "!", *[f"aaa {a}" for a in self.aaa], "!"]
            out += ["aaa session-id common", "!"]
        else:
            out += ["no aaa new-model", "!"]
        if self.file_prompt_quiet:
            out += ["file prompt quiet", "!"]
        rest = [
            g
            for g in self.generic
            if not g.startswith(("service", "no service")) and not g.endswith("-marker")
        ]
        if self.domain:
            rest.append(f"ip domain name {self.domain}")
        if self.vtp_mode != "server":
            rest.append(f"vtp mode {self.vtp_mode}")
        out += rest
        if rest:
            out.append("!")
        for name, login in self.users.items():
            out.append(login.render(name))
        if self.users:
            out.append("!")
        if self.archive is not None:
            out += ["archive", *[f" {c}" for c in self.archive], "!"]
        if self.vtp_mode != "server":  # VTP server keeps VLANs in vlan.dat, not in the config
            for vlan_id in sorted(self.vlans):
                out.append(f"vlan {vlan_id}")
                if self.vlans[vlan_id]:
                    out.append(f" name {self.vlans[vlan_id]}")
                out.append("!")
        if self.lldp:
            out += ["lldp run", "!"]
        for name in self.hardware.port_names:
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
        if context != GLOBAL and check_vocabulary(stripped, self._vocabulary(context)):
            try:
                return context, self._apply_sub(context, stripped)
            except Rejection as sub_failure:
                try:
                    return self._apply_global(stripped, check=False)
                except Rejection as global_failure:
                    raise furthest(sub_failure, global_failure) from None
        return self._apply_global(stripped)

    def _vocabulary(self, context: Context) -> keywords.Vocabulary | None:
        if context[0] in ("interface", "range"):
            return keywords.interface_mode(self.hardware.isl)
        if context[0] == "vlan":
            return keywords.VLAN_MODE
        return None

    def _apply_sub(self, context: Context, line: str) -> str:
        kind, key = context
        if kind == "interface":
            return self._apply_interface((key,), line)  # type: ignore[arg-type]
        if kind == "range":
            return self._apply_interface(key, line)  # type: ignore[arg-type]
        if kind == "vlan":
            return dispatch(line, self._vlan_table(key))  # type: ignore[arg-type,no-any-return]
        if kind == "archive" and self.archive is not None:
            return _apply_child(self.archive, _ARCHIVE_CHILDREN, line)
        if kind == "line":
            return _apply_child(self.lines[key], _LINE_CHILDREN, line)  # type: ignore[index]
        raise Rejection(0)

    def _apply_global(self, line: str, *, check: bool = True) -> tuple[Context, str]:
        if check:
            check_vocabulary(line, keywords.CONFIG)
        return dispatch(line, self._global_table(line), self.resolve_interface)  # type: ignore[no-any-return]

    def _global_table(self, line: str) -> Table:
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
            return ("interface", name), ""

        def interface_range(at: At) -> tuple[Context, str]:
            return ("range", expand_range(at, self.resolve_interface)), ""

        def default_interface(names: tuple[str, ...]) -> tuple[Context, str]:
            for name in names:
                self.ports[name] = PortConfig()
            return GLOBAL, "\n".join(
                f"Interface {name} set to default configuration" for name in names
            )

        def vlan(vlan_id: int) -> tuple[Context, str]:
            if self.vtp_mode == "client":
                raise Rejection(
                    message="VTP VLAN configuration not allowed when device is in CLIENT mode."
                )
            if vlan_id != DEFAULT_VLAN:
                self.vlans.setdefault(vlan_id, None)
            return ("vlan", vlan_id), ""

        def no_vlan(vlan_id: int) -> tuple[Context, str]:
            if vlan_id == DEFAULT_VLAN or vlan_id in RESERVED_VLANS:
                raise Rejection(message=f"%Default VLAN {vlan_id} may not be deleted.")
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

        def aaa_line(kind: str, rest: str) -> tuple[Context, str]:
            text = " ".join(f"{kind} {rest}".split())
            key = " ".join(text.split()[:3])  # one method list per kind, type and name
            self.aaa = [a for a in self.aaa if " ".join(a.split()[:3]) != key] + [text]
            return GLOBAL, ""

        def no_aaa_line(kind: str, rest: str) -> tuple[Context, str]:
            key = " ".join(f"{kind} {rest}".split()[:3])
            self.aaa = [a for a in self.aaa if " ".join(a.split()[:3]) != key]
            return GLOBAL, ""

        def aaa_new_model(on: bool) -> Callable[..., tuple[Context, str]]:
            def handler() -> tuple[Context, str]:
                self.aaa_new_model = on
                if not on:
                    self.aaa = []  # the method lists go with AAA
                return GLOBAL, ""

            return handler

        def enable_secret(rest: str) -> tuple[Context, str]:
            self.enable_secret = stored_secret(rest.split(maxsplit=1))
            return GLOBAL, ""

        def username(name: str, rest: str) -> tuple[Context, str]:
            found = re.fullmatch(r"(?:privilege (\d+) )?(secret|password) (.+)", rest.strip())
            if found is None or not 0 <= int(found.group(1) or 1) <= 15:
                raise Rejection(len("username ") + len(name) + 1)
            words = found.group(3).split(maxsplit=1)
            # A `password` is kept as typed (no service password-encryption here).
            secret = f"0 {words[-1]}" if found.group(2) == "password" else stored_secret(words)
            self.users[name] = Login(int(found.group(1) or 1), secret)
            return GLOBAL, ""

        def no_username(name: str, *_: object) -> tuple[Context, str]:
            self.users.pop(name, None)
            return GLOBAL, ""

        def vtp_mode(mode: str) -> tuple[Context, str]:
            self.vtp_mode = mode
            return GLOBAL, ""

        def generic(*_: object) -> tuple[Context, str]:
            text = " ".join(line.split())
            negated = text.startswith("no ")
            positive = text[3:] if negated else text
            # A line replaces its negation and earlier values of the same setting.
            self.generic = [
                g
                for g in self.generic
                if g not in (positive, f"no {positive}")
                and not (negated and g.startswith(f"{positive} "))
            ]
            if not negated or text in _NEGATED_GENERIC:
                self.generic.append(text)
            return GLOBAL, ""

        aaa_kinds = ("authentication", "authorization", "accounting")
        table: Table = [
            (("hostname", WORD), hostname),
            (("version", REST), lambda _: (GLOBAL, "")),
            (("interface", "range", AT), interface_range),
            (("interface", IFNAME), interface),
            (
                ("default", "interface", "range", AT),
                lambda at: default_interface(expand_range(at, self.resolve_interface)),
            ),
            (("default", "interface", IFNAME), lambda name: default_interface((name,))),
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
            (("aaa", "new-model"), aaa_new_model(True)),
            (("no", "aaa", "new-model"), aaa_new_model(False)),
            (("lldp", "run"), set_attr("lldp", True)),
            (("no", "lldp", "run"), set_attr("lldp", False)),
            (("vtp", "mode", ("server", "client", "transparent", "off")), vtp_mode),
            (("no", "vtp", "mode"), lambda: vtp_mode("server")),
            (("enable", "secret", REST), enable_secret),
            (("username", WORD, REST), username),
            (("no", "username", WORD), no_username),
            (("no", "username", WORD, REST), no_username),
            (("no", "enable", "secret"), set_attr("enable_secret", None)),
            (("no", "enable", "secret", REST), set_attr("enable_secret", None)),
            *[(pattern, generic) for pattern in _GENERIC_GLOBAL],
            *[(("no", p[0], REST), generic) for p in _GENERIC_GLOBAL if p[0] != "no"],
            *[(("no", p[0]), generic) for p in _GENERIC_GLOBAL if len(p) == 1],
        ]
        if self.aaa_new_model:  # without it IOS offers no method lists
            table += [
                (("aaa", aaa_kinds, REST), aaa_line),
                (("no", "aaa", aaa_kinds, REST), no_aaa_line),
                (("aaa", "session-id", "common"), lambda: (GLOBAL, "")),
            ]
        return table

    def _vlan_table(self, vlan_id: int) -> Table:
        def name(text: str | None) -> str:
            if vlan_id != DEFAULT_VLAN:
                self.vlans[vlan_id] = text
            return ""

        return [(("name", WORD), name), (("no", "name"), lambda: name(None))]

    def _apply_interface(self, names: tuple[str, ...], line: str) -> str:
        """An interface sub-command, applied to each port of the interface (or range)."""
        ports = [self.ports[name] for name in names]
        messages: list[str] = []

        def setter(**values: object) -> Callable[..., str]:
            def handler(*_: object) -> str:
                for port in ports:
                    for key, value in values.items():
                        setattr(port, key, value)
                return ""

            return handler

        def access_vlan(vlan_id: int) -> str:
            setter(access_vlan=vlan_id)()
            if not self.vlan_exists(vlan_id) and self.vtp_mode != "client":
                # VTP server or transparent: IOS creates an access port's VLAN and says so.
                self.vlans[vlan_id] = None
                messages.append(f"% Access VLAN does not exist. Creating vlan {vlan_id}")
            return ""

        def voice_vlan(vlan_id: int) -> str:
            # Not created: the Catalyst 3560 configuration guide (Configuring Voice VLAN) has the
            # voice VLAN created beforehand. (Packet Tracer's IOS says "% Voice VLAN does not
            # exist. Creating vlan N"; no real capture at hand settles it.)
            return setter(voice_vlan=vlan_id)()

        def mode(value: str) -> str:
            refused = False
            for name, port in zip(names, ports, strict=True):
                if value == "trunk" and self.encapsulation(name) == "negotiate":
                    refused = True  # ISL-capable ports must be told dot1q (or isl) first
                    continue
                port.mode = value
            if refused:
                raise Rejection(message=TRUNK_NEEDS_ENCAPSULATION)
            return ""

        def encapsulation(value: str) -> str:
            stored = None if value == "negotiate" else value
            if stored is None and any(port.mode == "trunk" for port in ports):
                raise Rejection(message=TRUNK_NEEDS_ENCAPSULATION)
            return setter(encapsulation=stored)()

        def allowed(vlans: list[int]) -> str:
            return setter(allowed_vlans=list(vlans))()

        def allowed_word(word: str) -> str:
            return setter(allowed_vlans=None if word == "all" else [])()

        def allowed_change(op: str, vlans: list[int]) -> str:
            for port in ports:
                current = set(
                    port.allowed_vlans if port.allowed_vlans is not None else range(1, 4095)
                )
                current = current | set(vlans) if op == "add" else current - set(vlans)
                port.allowed_vlans = None if len(current) == 4094 else sorted(current)
            return ""

        table: Table = [
            (("description", REST), lambda text: setter(description=text)()),
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
            (("switchport", "trunk", "native", "vlan", INT), lambda v: setter(native_vlan=v)()),
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
        ]
        if self.hardware.isl:  # only ISL-capable hardware has the command at all
            encapsulations = ("dot1q", "isl", "negotiate")
            table += [
                (("switchport", "trunk", "encapsulation", encapsulations), encapsulation),
                (
                    ("no", "switchport", "trunk", "encapsulation"),
                    lambda: encapsulation("negotiate"),
                ),
            ]
        if all(self.hardware.poe_max(name) > 0 for name in names):
            table += [
                (
                    ("power", "inline", ("auto", "never")),
                    lambda v: setter(poe_never=v == "never")(),
                ),
                (("no", "power", "inline"), setter(poe_never=False)),
            ]
        dispatch(line, table)
        return "\n".join(dict.fromkeys(messages))

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
    table: Table = []
    for pattern in patterns:
        keyword = pattern[0]
        table.append((pattern, lambda *_, k=keyword: k))
        table.append((("no", keyword), lambda *_, k=keyword: k))
        table.append((("no", keyword, REST), lambda *_, k=keyword: k))
    keyword = dispatch(line, table)
    words = line.split()[2 if negated else 1 :]
    children[:] = [c for c in children if c.split()[0] != keyword]
    if not negated:
        children.append(" ".join([keyword, *words]))
    return ""
