"""Remote login: each phone's files, the re-sync request, and what the phone was seen to do.

A login (or logout) is committed first, so a file never shows a line the database does not
have. Then the phone is asked to re-sync (a SIP NOTIFY). What a line's status says is only what
was observed (domain.handsets.LineStatus): the phone answered the request (`notified`), our
provisioning server served it the file that has the line (`file_fetched`), a registration
check found the line registered (`registered`). A phone that does not answer stays
`pending_resync` and is asked again later, waiting longer each time.

The phone's files are made from the database whenever they are asked for, so the server never
serves a stale file; with `write_files` they are also written into the provisioning folder
for another server (nginx, TFTP) to serve, with the mode and group the settings give.

Status changes are observations of the phone, not user actions: no audit entry. The SIP
secrets go into the files only: never into a view, a log line, JSON or the journal.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from voiceconsole import clock
from voiceconsole.config import ProvisioningSettings, SettingsError, provisioning_settings
from voiceconsole.db.database import Database
from voiceconsole.db.models import (
    DeviceModel,
    Handset,
    HandsetLine,
    LineCredentials,
    PhoneNumber,
    ProvisioningFetch,
    Site,
)
from voiceconsole.domain.errors import RuleViolation
from voiceconsole.domain.handsets import (
    LineStatus,
    LoginMethod,
    ProvisioningFormat,
    SipTransport,
    earlier_than,
)
from voiceconsole.domain.phone import national
from voiceconsole.domain.text import device_text
from voiceconsole.handsets.provisioning import (
    FileAccess,
    Login,
    PhoneFile,
    ProvisionedLine,
    SharedFiles,
    SipService,
    file_name,
    mac_digits,
    owner_of,
    phone_files,
    write_file,
)
from voiceconsole.handsets.sip import send_check_sync, send_options
from voiceconsole.services.changes import bookkeeping_payload, notify
from voiceconsole.services.lookup import handset_by_ref, numbers_by_ref, site_by_ref
from voiceconsole.services.permissions import Permission, at_site, requires


@dataclass(frozen=True)
class ResyncOutcome:
    handset: str
    file: str  # the file the phone asks for first
    resynced: bool  # the phone answered the re-sync request
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


async def rotate_secrets(session: AsyncSession, number_ids: Sequence[int]) -> None:
    """Inside a logout or a move: the numbers' SIP secrets change, so a phone that still has
    an old file (it was away, or the rewrite never came) holds a login that no longer works.
    The next file a phone of the number's fetches carries the new one."""
    for credentials in await session.scalars(
        select(LineCredentials).where(LineCredentials.number_id.in_(list(number_ids)))
    ):
        credentials.secret = secrets.token_urlsafe(18)


def new_provisioning_secret() -> str:
    return secrets.token_urlsafe(24)


async def site_service(
    session: AsyncSession, site_id: int, settings: ProvisioningSettings
) -> SipService:
    site = await session.get(Site, site_id)
    assert site is not None
    return SipService(
        site.sip_registrar or settings.registrar,
        site.sip_port,
        site.sip_transport,
        site.sip_outbound_proxy,
    )


def lines_of_phones(*also: Any) -> Select[Any]:
    """Phones' lines with what their files say: line key, number, label and SIP login."""
    return (
        select(
            *also,
            HandsetLine.line_key,
            PhoneNumber.e164,
            PhoneNumber.label,
            LineCredentials.username,
            LineCredentials.secret,
        )
        .select_from(HandsetLine)
        .join(PhoneNumber, PhoneNumber.id == HandsetLine.number_id)
        .join(LineCredentials, LineCredentials.number_id == HandsetLine.number_id)
    )


async def _model(session: AsyncSession, handset: Handset) -> DeviceModel | None:
    return await session.scalar(select(DeviceModel).where(DeviceModel.code == handset.model))


async def _files(
    session: AsyncSession, handset: Handset, model: DeviceModel, settings: ProvisioningSettings
) -> list[PhoneFile]:
    rows = await session.execute(lines_of_phones().where(HandsetLine.handset_id == handset.id))
    lines = [
        ProvisionedLine(r.line_key, r.e164, r.label or r.e164, r.username, r.secret) for r in rows
    ]
    return phone_files(
        ProvisioningFormat(model.provisioning_format),
        handset.mac,
        lines,
        await site_service(session, handset.site_id, settings),
        model.line_keys,
        SharedFiles(settings.poly_shared_files, settings.poly_firmware),
    )


def _name(handset: Handset) -> str:
    return handset.label or handset.mac


async def _notify_user(session: AsyncSession, handset: Handset) -> str:
    """The user part of the re-sync request: the phone's first line, else its MAC."""
    first = await session.scalar(
        select(LineCredentials.username)
        .join(HandsetLine, HandsetLine.number_id == LineCredentials.number_id)
        .where(HandsetLine.handset_id == handset.id)
        .order_by(HandsetLine.line_key)
        .limit(1)
    )
    return first or mac_digits(handset.mac)


def retry_delay(attempts: int, settings: ProvisioningSettings) -> dt.timedelta:
    """How long to wait after the `attempts`-th unanswered request: doubling, capped."""
    return dt.timedelta(
        seconds=min(settings.retry_first * 2 ** max(attempts - 1, 0), settings.retry_max)
    )


async def provision_handset(
    db: Database, handset_id: int, *, settings: ProvisioningSettings | None = None
) -> ResyncOutcome | None:
    """Write the files of a remote handset (if the settings say so) and ask it to re-sync;
    None for a manual model. A broken settings file leaves the lines pending, saying why:
    the login itself is already committed."""
    async with db.read() as session:
        handset = await session.get(Handset, handset_id)
        assert handset is not None
        model = await _model(session, handset)
        if model is None or model.login_method != LoginMethod.REMOTE.value:
            return None
        if settings is None:
            try:
                settings = provisioning_settings()
            except SettingsError as err:
                return ResyncOutcome(_name(handset), file_name(handset.mac), False, str(err))
        files = await _files(session, handset, model, settings)
        user = await _notify_user(session, handset)
        name, address = _name(handset), handset.sip_address
    first = files[0].name if files else ""
    if settings.write_files:
        access = FileAccess(settings.file_mode, settings.file_group)
        try:
            for phone_file in files:
                await asyncio.to_thread(
                    write_file, settings.directory, phone_file.name, phone_file.content, access
                )
        except (OSError, KeyError) as err:  # KeyError: no such group
            return ResyncOutcome(name, first, False, f"the file could not be written: {err}")
    if not address:
        reason = "no SIP address is known for it to be told to re-sync"
        await _record_attempt(db, handset_id, False, reason, settings)
        return ResyncOutcome(name, first, False, f"pending re-sync: {reason}")
    heard = await asyncio.to_thread(send_check_sync, address, user, timeout=settings.notify_timeout)
    reason = "" if heard.answered else (heard.reason or f"the phone answered {heard.status}")
    await _record_attempt(db, handset_id, heard.answered, reason, settings)
    if heard.answered:
        return ResyncOutcome(name, first, True)
    return ResyncOutcome(name, first, False, f"pending re-sync: {reason}")


async def _record_attempt(
    db: Database, handset_id: int, answered: bool, reason: str, settings: ProvisioningSettings
) -> None:
    async with db.write() as session:
        handset = await session.get(Handset, handset_id)
        assert handset is not None
        if answered:
            await session.execute(
                update(HandsetLine)
                .where(
                    HandsetLine.handset_id == handset_id,
                    HandsetLine.status.in_(earlier_than(LineStatus.NOTIFIED)),
                )
                .values(status=LineStatus.NOTIFIED.value)
            )
            handset.resync_attempts, handset.next_resync_at = 0, None
            handset.last_resync_reason = ""
        else:
            handset.resync_attempts += 1
            handset.next_resync_at = clock.utcnow() + retry_delay(handset.resync_attempts, settings)
            handset.last_resync_reason = reason
        connection = await session.connection()
        if connection.dialect.name == "postgresql":
            # No journal entry (an observation), yet a console watching this handset's
            # re-sync is woken (services/changes.py, services/notices.py).
            await notify(connection, bookkeeping_payload("handsets", [handset_id]))
        await session.commit()


@requires(Permission.HANDSETS)
async def resync(
    db: Database,
    actor: str,
    *,
    site: str | None = None,
    handset: str | int | None = None,
    number: str | None = None,
    settings: ProvisioningSettings | None = None,
) -> list[ResyncOutcome]:
    """Ask phones to re-sync now: one handset, the handset a number is on, or every handset
    of a site with a line still pending. Sends nothing to a manual model.

    Handset work: an engineer asks only the phones of their own sites (it writes the phones'
    files and sends them a request, so it is checked like any other change)."""
    async with db.read() as session:
        if handset is not None:
            ids = [(await handset_by_ref(session, handset)).id]
        elif number is not None:
            (found,) = await numbers_by_ref(session, [number])
            on = await session.scalar(
                select(HandsetLine.handset_id).where(HandsetLine.number_id == found.id)
            )
            if on is None:
                raise RuleViolation(f"{national(found.e164)} is not logged in to any handset")
            ids = [on]
        else:
            place = await site_by_ref(session, site or "")
            await at_site(session, place.id)
            ids = list(
                await session.scalars(
                    select(Handset.id)
                    .join(HandsetLine, HandsetLine.handset_id == Handset.id)
                    .where(
                        Handset.site_id == place.id,
                        HandsetLine.status == LineStatus.PENDING_RESYNC.value,
                    )
                    .distinct()
                )
            )
        if handset is not None or number is not None:
            for site_id in await session.scalars(
                select(Handset.site_id).where(Handset.id.in_(ids)).distinct()
            ):
                await at_site(session, site_id)
    return await _provision_each(db, ids, settings)


async def _provision_each(
    db: Database, handset_ids: Sequence[int], settings: ProvisioningSettings | None
) -> list[ResyncOutcome]:
    done = []
    for handset_id in sorted(set(handset_ids)):
        outcome = await provision_handset(db, handset_id, settings=settings)
        if outcome is not None:
            done.append(outcome)
    return done


async def due_resyncs(
    db: Database, settings: ProvisioningSettings | None = None
) -> list[ResyncOutcome]:
    """The retries that are due: phones with a pending line whose next attempt has come."""
    async with db.read() as session:
        ids = list(
            await session.scalars(
                select(Handset.id)
                .join(HandsetLine, HandsetLine.handset_id == Handset.id)
                .where(
                    HandsetLine.status == LineStatus.PENDING_RESYNC.value,
                    Handset.next_resync_at.is_not(None),
                    Handset.next_resync_at <= clock.utcnow(),
                )
                .distinct()
            )
        )
    return await _provision_each(db, ids, settings)


# --- the provisioning server's side ---------------------------------------------------------


class DatabaseStore:
    """The provisioning server's phones, their files and the record of fetches (PhoneStore)."""

    def __init__(self, db: Database, settings: ProvisioningSettings) -> None:
        self.db = db
        self.settings = settings

    async def login(self, user: str) -> Login | None:
        """The login of the phone whose user is `user`; None for no such phone. A retired or
        faulty phone still logs in: its files have no lines, and fetching them is what
        clears the old logins off it."""
        if owner_of(user) != user.lower():  # the 12 hex digits of a MAC, nothing more
            return None
        mac = ":".join(user.lower()[i : i + 2] for i in range(0, 12, 2))
        async with self.db.read() as session:
            found = await session.scalar(select(Handset).where(Handset.mac == mac))
            if found is None:
                return None
            return Login(found.id, user.lower(), found.provisioning_secret)

    async def own_file(self, login: Login, name: str, address: str) -> str | None:
        return await phone_file(self.db, login.handset_id, name, address, self.settings)

    async def record(self, handset_id: int | None, name: str, address: str, status: int) -> None:
        await record_fetch(self.db, handset_id, name, address, status)


async def phone_file(
    db: Database,
    handset_id: int,
    name: str,
    address: str,
    settings: ProvisioningSettings | None = None,
) -> str | None:
    """One of the phone's own files, made from the database now; None if it has no such
    file. Serving the file that has the lines moves them to `file_fetched`, in the same
    transaction that records the fetch."""
    settings = settings or provisioning_settings()
    async with db.write() as session:
        handset = await session.get(Handset, handset_id)
        model = await _model(session, handset) if handset is not None else None
        if handset is None or model is None or model.login_method != LoginMethod.REMOTE.value:
            return None
        files = {f.name: f for f in await _files(session, handset, model, settings)}
        served = files.get(name.lower())
        if served is None:
            return None
        lines = 0
        if served.has_lines:
            lines = (
                await session.scalar(
                    select(func.count()).where(HandsetLine.handset_id == handset.id)
                )
                or 0
            )
            await session.execute(
                update(HandsetLine)
                .where(
                    HandsetLine.handset_id == handset.id,
                    HandsetLine.status.in_(earlier_than(LineStatus.FILE_FETCHED)),
                )
                .values(status=LineStatus.FILE_FETCHED.value)
            )
            # The phone came back by itself (a reboot, its own timer): no retry is owed.
            handset.resync_attempts, handset.next_resync_at = 0, None
            handset.last_resync_reason = ""
        session.add(
            ProvisioningFetch(
                handset_id=handset.id, file=name, address=address[:64], status=200, lines=lines
            )
        )
        await session.commit()
        return served.content


async def record_fetch(
    db: Database, handset_id: int | None, name: str, address: str, status: int
) -> None:
    """A request the server answered without a phone's own file (refused, shared, missing).
    The name is whatever the client asked for: kept as one visible line."""
    async with db.write() as session:
        session.add(
            ProvisioningFetch(
                handset_id=handset_id,
                file=device_text(name, 255),
                address=address[:64],
                status=status,
            )
        )
        await session.commit()


@dataclass(frozen=True)
class FetchView:
    at: dt.datetime
    handset: str | None
    file: str
    address: str
    status: int
    lines: int

    def to_dict(self) -> dict[str, object]:
        return {
            "at": self.at.isoformat(),
            "handset": self.handset,
            "file": self.file,
            "address": self.address,
            "status": self.status,
            "lines": self.lines,
        }


async def list_fetches(
    db: Database, *, handset: str | int | None = None, limit: int = 50
) -> list[FetchView]:
    """The provisioning server's latest requests, newest first (of one handset, or all)."""
    async with db.read() as session:
        query = (
            select(ProvisioningFetch, Handset.label, Handset.mac)
            .outerjoin(Handset, Handset.id == ProvisioningFetch.handset_id)
            .order_by(ProvisioningFetch.id.desc())
            .limit(limit)
        )
        if handset is not None:
            found = await handset_by_ref(session, handset)
            query = query.where(ProvisioningFetch.handset_id == found.id)
        return [
            FetchView(f.at, (label or mac) if mac else None, f.file, f.address, f.status, f.lines)
            for f, label, mac in await session.execute(query)
        ]


# --- registration checks ---------------------------------------------------------------------


async def check_registrations(db: Database, settings: ProvisioningSettings | None = None) -> int:
    """Ask the registrar about each fetched line of a site that has the check enabled (UDP
    only); returns how many were found registered."""
    settings = settings or provisioning_settings()
    async with db.read() as session:
        rows = (
            await session.execute(
                select(HandsetLine.id, LineCredentials.username, Handset.site_id)
                .join(Handset, Handset.id == HandsetLine.handset_id)
                .join(Site, Site.id == Handset.site_id)
                .join(LineCredentials, LineCredentials.number_id == HandsetLine.number_id)
                .where(
                    HandsetLine.status == LineStatus.FILE_FETCHED.value,
                    Site.sip_registration_check.is_(True),
                    # The check speaks SIP over UDP only.
                    Site.sip_transport == SipTransport.UDP,
                )
            )
        ).all()
        services = {
            site_id: await site_service(session, site_id, settings)
            for site_id in {r.site_id for r in rows}
        }
    registered = []
    for row in rows:
        service = services[row.site_id]
        heard = await asyncio.to_thread(
            send_options,
            service.outbound_proxy or service.registrar,
            service.port,
            row.username,
            timeout=settings.notify_timeout,
        )
        if heard.answered:
            registered.append(row.id)
    if registered:
        async with db.write() as session:
            await session.execute(
                update(HandsetLine)
                .where(
                    HandsetLine.id.in_(registered),
                    HandsetLine.status == LineStatus.FILE_FETCHED.value,
                )
                .values(status=LineStatus.REGISTERED.value)
            )
            await session.commit()
    return len(registered)


@dataclass(frozen=True)
class Staging:
    """What is set on a phone once, so that it fetches its files: where and with which login.
    The provisioning password is shown here and nowhere else (it is not a SIP secret)."""

    url: str
    user: str
    password: str = field(repr=False)
    first_file: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "url": self.url,
            "user": self.user,
            "password": self.password,
            "first_file": self.first_file,
        }


async def staging(
    db: Database, handset: str | int, settings: ProvisioningSettings | None = None
) -> Staging:
    settings = settings or provisioning_settings()
    async with db.read() as session:
        found = await handset_by_ref(session, handset)
        model = await _model(session, found)
        if model is None or model.login_method != LoginMethod.REMOTE.value:
            raise RuleViolation(f"{_name(found)} is logged in by hand: it fetches no files")
        return Staging(
            settings.base_url,
            mac_digits(found.mac),
            found.provisioning_secret,
            mac_digits(found.mac) + ".cfg",
        )


async def provisioning_format(db: Database, handset: str | int) -> str:
    """The handset's file family (domain.handsets.ProvisioningFormat), "" for a manual one."""
    async with db.read() as session:
        model = await _model(session, await handset_by_ref(session, handset))
        return model.provisioning_format if model else ""
