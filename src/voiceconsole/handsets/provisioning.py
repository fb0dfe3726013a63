"""Provisioning files: what a remote-capable handset downloads to know its lines.

Each family's layout follows its vendor's administrator guide; `tests/handsets/golden/` holds
the files with, beside each setting, the document and section it comes from.

- Yealink (T3x/T4x/T5x): the phone reads the common file, then its own `<mac>.cfg`, both
  `key = value` lines under a `#!version:1.0.0.1` first line. Ours is the per-MAC file: the
  accounts (`account.N.*`) and `sip.notify_reboot_enable = 0`, without which every re-sync
  request reboots the phone (its default is 1) and drops calls on its other lines.
- Poly (VVX): `<mac>.cfg` is the phone's *master* file, an `APPLICATION` element whose
  `CONFIG_FILES` names the files that hold settings, the first listed winning. Ours names the
  phone's own settings file `<mac>-lines.cfg` (never `<mac>-phone.cfg`: that is the name of the
  overrides file the phone uploads), then the operator's shared files, if any.

Values are single lines (a newline would start another setting) and free text is escaped for
XML. The SIP secrets are in these files and nowhere else outside the database.
"""

from __future__ import annotations

import grp
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

from voiceconsole.domain.handsets import ProvisioningFormat, SipTransport

# The realm of the provisioning server's digest logins (a phone is staged with it in mind).
REALM = "voiceconsole provisioning"


@dataclass(frozen=True)
class Login:
    handset_id: int
    user: str  # the MAC's 12 hex digits
    secret: str

    def __repr__(self) -> str:
        return f"Login(handset_id={self.handset_id}, user={self.user!r})"


def owner_of(name: str) -> str | None:
    """The MAC digits a file name belongs to (`aabbcc001122.cfg`, `aabbcc001122-x.cfg`), or
    None for a shared file."""
    stem = re.split(r"[.-]", name, maxsplit=1)[0].lower()
    if len(stem) == 12 and all(c in "0123456789abcdef" for c in stem):
        return stem
    return None


@dataclass(frozen=True)
class ProvisionedLine:
    key: int  # the line key, 1-based
    number: str  # E.164
    label: str  # what the phone shows on the key
    username: str
    secret: str = field(repr=False)


@dataclass(frozen=True)
class SipService:
    """A site's SIP service, as its phones' lines register with it."""

    registrar: str
    port: int = 5060
    transport: SipTransport = SipTransport.UDP
    outbound_proxy: str | None = None


@dataclass(frozen=True)
class PhoneFile:
    name: str
    content: str = field(repr=False)
    has_lines: bool  # the file that carries the line settings (and secrets)


def mac_digits(mac: str) -> str:
    """`aa:bb:cc:00:11:22` -> `aabbcc001122`: how both families name a phone's files."""
    return mac.replace(":", "").lower()


def file_name(mac: str) -> str:
    """The file the phone asks for first: Yealink's per-MAC file, Poly's master file."""
    return mac_digits(mac) + ".cfg"


def poly_lines_file(mac: str) -> str:
    return mac_digits(mac) + "-lines.cfg"


def _one_line(text: str) -> str:
    return " ".join(text.split())


# Yealink's `account.X.sip_server.Y.transport_type`; Poly's `reg.x.server.y.transport`.
YEALINK_TRANSPORT = {SipTransport.UDP: "0", SipTransport.TCP: "1", SipTransport.TLS: "2"}
POLY_TRANSPORT = {
    SipTransport.UDP: "UDPOnly",
    SipTransport.TCP: "TCPOnly",
    SipTransport.TLS: "TLS",
}

# Yealink ignores a blank value (the phone keeps what it had); %NULL% clears it, so a line
# that moved away leaves no login behind on the phone.
YEALINK_CLEAR = "%NULL%"


def render_yealink(lines: list[ProvisionedLine], service: SipService, line_keys: int) -> str:
    out = [
        "#!version:1.0.0.1",
        "## written by voiceconsole; changes here are overwritten",
        "sip.notify_reboot_enable = 0",
    ]
    by_key = {line.key: line for line in lines}
    for key in range(1, line_keys + 1):
        line = by_key.get(key)
        account = f"account.{key}"
        if line is None:
            out += [
                f"{account}.enable = 0",
                f"{account}.label = {YEALINK_CLEAR}",
                f"{account}.display_name = {YEALINK_CLEAR}",
                f"{account}.user_name = {YEALINK_CLEAR}",
                f"{account}.auth_name = {YEALINK_CLEAR}",
                f"{account}.password = {YEALINK_CLEAR}",
            ]
            continue
        proxy = service.outbound_proxy
        out += [
            f"{account}.enable = 1",
            f"{account}.label = {_one_line(line.label)}",
            f"{account}.display_name = {_one_line(line.label)}",
            f"{account}.user_name = {line.username}",
            f"{account}.auth_name = {line.username}",
            f"{account}.password = {line.secret}",
            f"{account}.sip_server.1.address = {service.registrar}",
            f"{account}.sip_server.1.port = {service.port}",
            f"{account}.sip_server.1.transport_type = {YEALINK_TRANSPORT[service.transport]}",
            f"{account}.outbound_proxy_enable = {1 if proxy else 0}",
            f"{account}.outbound_proxy.1.address = {proxy or YEALINK_CLEAR}",
        ]
    return "\n".join(out) + "\n"


POLY_HEADER = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def render_poly_master(mac: str, shared_files: tuple[str, ...], firmware: str) -> str:
    """The master file: which firmware, which settings files (the phone's own first)."""
    files = ", ".join((poly_lines_file(mac), *shared_files))
    directories = (
        "MISC_FILES",
        "LOG_FILE_DIRECTORY",
        "OVERRIDES_DIRECTORY",
        "CONTACTS_DIRECTORY",
        "LICENSE_DIRECTORY",
        "USER_PROFILES_DIRECTORY",
        "CALL_LISTS_DIRECTORY",
        "COREFILE_DIRECTORY",
    )
    attributes = "\n  ".join(
        [
            f"APP_FILE_PATH={quoteattr(firmware)}",
            f"CONFIG_FILES={quoteattr(files)}",
            *(f'{name}=""' for name in directories),
        ]
    )
    return (
        POLY_HEADER
        + "<!-- written by voiceconsole; changes here are overwritten -->\n"
        + f"<APPLICATION\n  {attributes}\n/>\n"
    )


def render_poly_lines(lines: list[ProvisionedLine], service: SipService, line_keys: int) -> str:
    attributes = []
    by_key = {line.key: line for line in lines}
    for key in range(1, line_keys + 1):
        line = by_key.get(key)
        reg = f"reg.{key}"
        if line is None:
            attributes += [
                f'{reg}.address=""',
                f'{reg}.label=""',
                f'{reg}.displayName=""',
                f'{reg}.auth.userId=""',
                f'{reg}.auth.password=""',
            ]
            continue
        attributes += [
            f"{reg}.address={quoteattr(line.username)}",
            f"{reg}.label={quoteattr(_one_line(line.label))}",
            f"{reg}.displayName={quoteattr(_one_line(line.label))}",
            f"{reg}.auth.userId={quoteattr(line.username)}",
            f"{reg}.auth.password={quoteattr(line.secret)}",
            f"{reg}.server.1.address={quoteattr(service.registrar)}",
            f'{reg}.server.1.port="{service.port}"',
            f'{reg}.server.1.transport="{POLY_TRANSPORT[service.transport]}"',
            f"{reg}.outboundProxy.address={quoteattr(service.outbound_proxy or '')}",
            f'{reg}.lineKeys="1"',
        ]
    body = "\n    ".join(attributes)
    return (
        POLY_HEADER
        + "<!-- written by voiceconsole; changes here are overwritten -->\n"
        + "<polycomConfig>\n"
        + '  <voIpProt voIpProt.SIP.specialEvent.checkSync.alwaysReboot="0"/>\n'
        + f"  <reg\n    {body}\n  />\n"
        + "</polycomConfig>\n"
    )


@dataclass(frozen=True)
class SharedFiles:
    """What the operator's own shared files are called (they are served from the
    provisioning folder as they are): Poly's shared settings files listed after the phone's
    own, and the firmware image its master file names."""

    poly_config: tuple[str, ...] = ()
    poly_firmware: str = "sip.ld"


def phone_files(
    fmt: ProvisioningFormat,
    mac: str,
    lines: list[ProvisionedLine],
    service: SipService,
    line_keys: int,
    shared: SharedFiles = SharedFiles(),
) -> list[PhoneFile]:
    """Every file that is this phone's own, the one with its lines marked."""
    if fmt is ProvisioningFormat.YEALINK_CFG:
        return [PhoneFile(file_name(mac), render_yealink(lines, service, line_keys), True)]
    return [
        PhoneFile(
            file_name(mac),
            render_poly_master(mac, shared.poly_config, shared.poly_firmware),
            False,
        ),
        PhoneFile(poly_lines_file(mac), render_poly_lines(lines, service, line_keys), True),
    ]


@dataclass(frozen=True)
class FileAccess:
    """How files are left for another server to serve: mode, and group when it is not ours."""

    mode: int = 0o600
    group: str | None = None


def provisioning_folder(directory: Path, access: FileAccess = FileAccess()) -> None:
    """Create the folder and the missing ones above it so that whoever may read the files
    may reach them, and nobody else: 0700 for files of this user only (they hold SIP
    secrets), 0750 with the group when the group may read them (file mode 0640), 0755 when
    everyone may (0644, a TFTP server running as nobody). A folder that exists is left as it
    is: the operator set it up."""
    mode = 0o700
    if access.mode & 0o040:
        mode |= 0o050
    if access.mode & 0o004:
        mode |= 0o005
    missing = [p for p in (directory, *directory.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(exist_ok=True)
        if access.group is not None:
            os.chown(folder, -1, grp.getgrnam(access.group).gr_gid)
        os.chmod(folder, mode)


def write_file(directory: Path, name: str, content: str, access: FileAccess = FileAccess()) -> Path:
    """Write `name` whole: a temporary file (mode 0600 until it is complete) renamed over it,
    then given its mode and group, so no reader ever sees half a file."""
    provisioning_folder(directory, access)
    remove_stale_temporaries(directory)
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        if access.group is not None:
            os.chown(temporary, -1, grp.getgrnam(access.group).gr_gid)
        os.chmod(temporary, access.mode)
        target = directory / name
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


STALE_AFTER = 600.0  # seconds: a temporary file older than this was left by a crash


def remove_stale_temporaries(directory: Path) -> list[str]:
    """Remove the temporary files a crash left between write and rename (`.<name>.XXXX`);
    a fresh one may be another console's write in progress and is left alone."""
    removed = []
    if not directory.is_dir():
        return removed
    now = time.time()
    for path in directory.glob(".*.cfg.*"):
        try:
            if path.is_file() and now - path.stat().st_mtime > STALE_AFTER:
                path.unlink()
                removed.append(path.name)
        except FileNotFoundError:
            continue  # another process removed it first
    return removed
