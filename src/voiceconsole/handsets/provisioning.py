"""Provisioning files: what a remote-capable handset downloads to know its lines.

Two real families: Yealink reads `<mac>.cfg` as `key = value` lines (`account.N.*`); Poly
(Polycom) reads `<mac>.cfg` as an XML document whose attributes are the settings
(`reg.N.*`). Both are written whole into the provisioning directory that the operator's
provisioning server serves, readable by its owner only: they hold SIP secrets.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

from voiceconsole.domain.handsets import ProvisioningFormat


@dataclass(frozen=True)
class ProvisionedLine:
    key: int  # the line key, 1-based
    number: str  # E.164
    label: str  # what the phone shows on the key
    username: str
    secret: str = field(repr=False)


def file_name(mac: str) -> str:
    """`aa:bb:cc:00:11:22` -> `aabbcc001122.cfg`, as both families look for it."""
    return mac.replace(":", "").lower() + ".cfg"


def _one_line(text: str) -> str:
    """A value on one line: a newline would start another setting."""
    return " ".join(text.split())


def render_yealink(lines: list[ProvisionedLine], registrar: str, line_keys: int) -> str:
    out = ["#!version:1.0.0.1", "## written by voiceconsole; changes here are overwritten"]
    by_key = {line.key: line for line in lines}
    for key in range(1, line_keys + 1):
        line = by_key.get(key)
        if line is None:
            out.append(f"account.{key}.enable = 0")
            continue
        out += [
            f"account.{key}.enable = 1",
            f"account.{key}.label = {_one_line(line.label)}",
            f"account.{key}.display_name = {_one_line(line.label)}",
            f"account.{key}.user_name = {line.username}",
            f"account.{key}.auth_name = {line.username}",
            f"account.{key}.password = {line.secret}",
            f"account.{key}.sip_server.1.address = {registrar}",
        ]
    return "\n".join(out) + "\n"


def render_polycom(lines: list[ProvisionedLine], registrar: str, line_keys: int) -> str:
    attributes = []
    by_key = {line.key: line for line in lines}
    for key in range(1, line_keys + 1):
        line = by_key.get(key)
        if line is None:
            attributes.append(f'reg.{key}.address=""')
            continue
        attributes += [
            f"reg.{key}.address={quoteattr(line.username)}",
            f"reg.{key}.label={quoteattr(_one_line(line.label))}",
            f"reg.{key}.displayName={quoteattr(_one_line(line.label))}",
            f"reg.{key}.auth.userId={quoteattr(line.username)}",
            f"reg.{key}.auth.password={quoteattr(line.secret)}",
            f"reg.{key}.server.1.address={quoteattr(registrar)}",
        ]
    body = "\n  ".join(attributes)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        "<!-- written by voiceconsole; changes here are overwritten -->\n"
        f"<polycomConfig>\n <reg\n  {body}\n />\n</polycomConfig>\n"
    )


def render(
    fmt: ProvisioningFormat, lines: list[ProvisionedLine], registrar: str, line_keys: int
) -> str:
    if fmt is ProvisioningFormat.YEALINK_CFG:
        return render_yealink(lines, registrar, line_keys)
    return render_polycom(lines, registrar, line_keys)


def write_file(directory: Path, name: str, content: str) -> Path:
    """Write `name` whole (a temporary file renamed over it), mode 0600 from the start."""
    directory.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o600)
        target = directory / name
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
