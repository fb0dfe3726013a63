"""`db check`'s provisioning check: the phones' own files in the provisioning folder against
the logins in the database, file by file (each made as `services/provisioning.py` makes it).

Only files named as a phone's own are compared (`<mac>.cfg`, Poly's `<mac>-lines.cfg`): the
operator's shared files and what phones upload are not ours. Secrets are never shown.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import literal, select

from voiceconsole.config import ProvisioningSettings, SettingsError
from voiceconsole.db.models import (
    DeviceModel,
    Handset,
    HandsetLine,
    Site,
)
from voiceconsole.domain.checks import Found, Violation
from voiceconsole.domain.handsets import LoginMethod, ProvisioningFormat
from voiceconsole.domain.phone import national
from voiceconsole.handsets.provisioning import (
    ProvisionedLine,
    SharedFiles,
    SipService,
    file_name,
    owner_of,
    phone_files,
    poly_lines_file,
)
from voiceconsole.services.provisioning import lines_of_phones

if TYPE_CHECKING:
    from voiceconsole.services.estate_check import Scope


def _shown(e164: str) -> str:
    return national(e164)


@dataclass
class _Phone:
    id: int
    mac: str
    name: str
    fmt: ProvisioningFormat
    line_keys: int
    service: SipService
    lines: list[ProvisionedLine] = field(default_factory=list)
    line_ids: dict[str, int] = field(default_factory=dict)  # SIP username -> login row


async def provisioning_files(scope: Scope) -> Found:
    try:
        settings = scope.settings()
    except SettingsError as err:
        return Found([Violation(f"the provisioning settings cannot be read: {err}")])
    if not settings.write_files:
        return Found(
            [],
            note="not checked: no files are written (provisioning write_files is off; phones "
            "get their files from `provisioning serve`, made from the database each time)",
        )
    phones = await _remote_phones(scope, settings)
    on_disk = await asyncio.to_thread(_our_files, settings.directory)
    shared = SharedFiles(settings.poly_shared_files, settings.poly_firmware)
    found = []
    expected_names: set[str] = set()
    for phone in phones.values():
        files = phone_files(
            phone.fmt, phone.mac, phone.lines, phone.service, phone.line_keys, shared
        )
        for expected in files:
            expected_names.add(expected.name)
            actual = on_disk.get(expected.name)
            found += _compare(phone, expected.name, expected.content, expected.has_lines, actual)
    for name in sorted(set(on_disk) - expected_names):
        found.append(
            Violation(
                f"{name} is in the provisioning folder but no remote handset has it "
                f"(MAC {_mac(owner_of(name) or '')} is not in the inventory as a remote model"
                + (" of that file family" if _owned_by(name, phones) else "")
                + ")"
            )
        )
    return Found(found, note=f"compared with {settings.directory}")


def _mac(digits: str) -> str:
    return ":".join(digits[i : i + 2] for i in range(0, len(digits), 2))


def _owned_by(name: str, phones: dict[str, _Phone]) -> bool:
    return (owner_of(name) or "") in phones


def _compare(
    phone: _Phone, name: str, content: str, has_lines: bool, actual: str | None
) -> list[Violation]:
    rows = {"handsets": [phone.id]}
    if actual is None:
        if not phone.lines:
            return []  # never provisioned, or nothing to clear: no file is owed
        numbers = ", ".join(_shown(line.number) for line in phone.lines)
        return [
            Violation(
                f"{phone.name}: {name} is missing, yet {numbers} "
                f"{'is' if len(phone.lines) == 1 else 'are'} logged in to it",
                {**rows, "handset_lines": sorted(phone.line_ids.values())},
            )
        ]
    if actual == content:
        return []
    if not has_lines:
        return [Violation(f"{phone.name}: {name} differs from what the database makes", rows)]
    in_file = _usernames(actual)
    expected = {line.username for line in phone.lines}
    found = []
    for username in sorted(in_file - expected):
        found.append(
            Violation(
                f"{phone.name}: {name} carries {_shown('+' + username)}, which is not logged "
                "in to it",
                rows,
            )
        )
    for username in sorted(expected - in_file):
        found.append(
            Violation(
                f"{phone.name}: {_shown('+' + username)} is logged in to it but not in {name}",
                {**rows, "handset_lines": [phone.line_ids[username]]},
            )
        )
    if not found:
        # Same logins, other settings: a secret, a label, the SIP service. Never shown.
        found.append(
            Violation(
                f"{phone.name}: {name} has the right logins but other settings than the "
                "database's (a secret, a label or the SIP service); a re-sync rewrites it",
                rows,
            )
        )
    return found


def _usernames(content: str) -> set[str]:
    """The SIP logins a file carries (both families; a cleared key carries none)."""
    found = set()
    for raw in content.splitlines():
        line = raw.strip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep:
            continue
        value = value.strip().strip('"')
        if (
            (
                (key.startswith("account.") and key.endswith(".user_name"))
                or (key.startswith("reg.") and key.endswith(".auth.userId"))
            )
            and value
            and value != "%NULL%"
        ):
            found.add(value)
    return found


def _our_files(directory: Path) -> dict[str, str]:
    """The files in the folder named as we name a phone's own (other files, such as the
    operator's shared files or what phones upload, are not ours to check)."""
    if not directory.is_dir():
        return {}
    found = {}
    for path in directory.iterdir():
        digits = owner_of(path.name)
        if digits is None or path.name not in (file_name(digits), poly_lines_file(digits)):
            continue
        if path.is_file():
            found[path.name] = path.read_text(encoding="utf-8", errors="replace")
    return found


async def _remote_phones(scope: Scope, settings: ProvisioningSettings) -> dict[str, _Phone]:
    """Every handset of a remote model, by MAC digits, with its lines and SIP service."""
    rows = (
        await scope.conn.execute(
            select(
                Handset.id,
                Handset.mac,
                Handset.label,
                DeviceModel.provisioning_format,
                DeviceModel.line_keys,
                Site.sip_registrar,
                Site.sip_port,
                Site.sip_transport,
                Site.sip_outbound_proxy,
            )
            .join(DeviceModel, DeviceModel.code == Handset.model)
            .join(Site, Site.id == Handset.site_id)
            .where(DeviceModel.login_method == LoginMethod.REMOTE.value)
        )
    ).all()
    phones = {}
    by_id = {}
    for r in rows:
        phone = _Phone(
            r.id,
            r.mac,
            r.label or r.mac,
            ProvisioningFormat(r.provisioning_format),
            r.line_keys,
            SipService(
                r.sip_registrar or settings.registrar,
                r.sip_port,
                r.sip_transport,
                r.sip_outbound_proxy,
            ),
        )
        phones[r.mac.replace(":", "").lower()] = phone
        by_id[r.id] = phone
    lines = await scope.conn.execute(
        lines_of_phones(HandsetLine.id, HandsetLine.handset_id).where(
            HandsetLine.handset_id.in_(list(by_id)) if by_id else literal(False)
        )
    )
    for line in lines:
        phone = by_id[line.handset_id]
        phone.lines.append(
            ProvisionedLine(
                line.line_key, line.e164, line.label or line.e164, line.username, line.secret
            )
        )
        phone.line_ids[line.username] = line.id
    return phones
