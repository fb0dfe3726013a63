"""Remote login: write a handset's provisioning file and ask the phone to re-sync.

Runs after the login (or logout) has been committed, so the file never shows a line the
database does not have. The file is written whole, mode 0600, into the provisioning folder;
then a SIP NOTIFY (check-sync) goes to the phone. Only a phone that answers moves its lines to
`logged_in`; one that does not stays `pending_resync`, said plainly, never claimed done.
Setting the lines' status is an observation of the phone, not a user action: no audit entry.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from voiceconsole.config import ProvisioningSettings, provisioning_settings
from voiceconsole.db.database import Database
from voiceconsole.db.models import DeviceModel, Handset, HandsetLine, LineCredentials, PhoneNumber
from voiceconsole.domain.handsets import LineStatus, LoginMethod, ProvisioningFormat
from voiceconsole.handsets.provisioning import ProvisionedLine, file_name, render, write_file
from voiceconsole.handsets.sip import send_check_sync


@dataclass(frozen=True)
class ResyncOutcome:
    handset: str
    file: str  # the file's name in the provisioning folder
    resynced: bool
    reason: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "handset": self.handset,
            "file": self.file,
            "resynced": self.resynced,
            "reason": self.reason,
        }


async def ensure_credentials(session: AsyncSession, number: PhoneNumber) -> None:
    """Inside a login: the number's SIP login, made once (the registrar is told the same)."""
    if await session.get(LineCredentials, number.id) is None:
        session.add(
            LineCredentials(
                number_id=number.id,
                username=number.e164.lstrip("+"),
                secret=secrets.token_urlsafe(18),
            )
        )


async def provision_handset(
    db: Database, handset_id: int, *, settings: ProvisioningSettings | None = None
) -> ResyncOutcome | None:
    """Write the file of a remote handset and ask it to re-sync; None for a manual model."""
    settings = settings or provisioning_settings()
    async with db.read() as session:
        handset = await session.get(Handset, handset_id)
        assert handset is not None
        model = await session.scalar(select(DeviceModel).where(DeviceModel.code == handset.model))
        if model is None or model.login_method != LoginMethod.REMOTE.value:
            return None
        rows = await session.execute(
            select(HandsetLine.line_key, PhoneNumber.e164, PhoneNumber.label, LineCredentials)
            .join(PhoneNumber, PhoneNumber.id == HandsetLine.number_id)
            .join(LineCredentials, LineCredentials.number_id == HandsetLine.number_id)
            .where(HandsetLine.handset_id == handset.id)
        )
        lines = [
            ProvisionedLine(key, e164, label or e164, creds.username, creds.secret)
            for key, e164, label, creds in rows
        ]
        name = handset.label or handset.mac
        mac, address = handset.mac, handset.sip_address
    content = render(
        ProvisioningFormat(model.provisioning_format), lines, settings.registrar, model.line_keys
    )
    try:
        await asyncio.to_thread(write_file, settings.directory, file_name(mac), content)
    except OSError as err:
        return ResyncOutcome(name, file_name(mac), False, f"the file could not be written: {err}")
    if not address:
        return ResyncOutcome(
            name, file_name(mac), False, "no SIP address is known for it to be told to re-sync"
        )
    heard = await asyncio.to_thread(send_check_sync, address, timeout=settings.notify_timeout)
    if heard.answered:
        async with db.write() as session:
            await session.execute(
                update(HandsetLine)
                .where(
                    HandsetLine.handset_id == handset_id,
                    HandsetLine.status == LineStatus.PENDING_RESYNC.value,
                )
                .values(status=LineStatus.LOGGED_IN.value)
            )
            await session.commit()
        return ResyncOutcome(name, file_name(mac), True)
    reason = heard.reason or f"the phone answered {heard.status}"
    return ResyncOutcome(name, file_name(mac), False, f"pending re-sync: {reason}")
