"""Handsets: the inventory, and logging numbers in to them and out again.

Each action is one transaction with one audit entry. Logging in checks the rules of
domain/handsets.py; a number already logged in elsewhere is moved only when the user said so
(hot-desking). Remote login (a provisioning file and a re-sync) builds on these rows: a line
of a remote model starts `pending_resync`, one of a manual model `manual_pending`, until the
phone or the engineer confirms it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from voiceconsole.db.database import Database
from voiceconsole.db.models import (
    DeviceModel,
    FloorPort,
    Handset,
    HandsetLine,
    Occupancy,
    Occupier,
    PhoneNumber,
    Site,
    SwitchPort,
)
from voiceconsole.domain.errors import Conflict, InvalidInput, NotFound, RuleViolation
from voiceconsole.domain.handsets import (
    HandsetFacts,
    HandsetState,
    LineStatus,
    LoginMethod,
    NumberFacts,
    check_login,
    check_state_change,
    normalise_mac,
)
from voiceconsole.domain.phone import national
from voiceconsole.domain.port_state import PortState
from voiceconsole.domain.text import clean_text, visible
from voiceconsole.domain.words import counted, noun_for
from voiceconsole.handsets.sip import parse_address
from voiceconsole.services.lookup import (
    handset_by_ref,
    numbers_by_ref,
    occupancy_of,
    occupier_by_ref,
    site_by_ref,
)
from voiceconsole.services.permissions import Permission, at_site, requires
from voiceconsole.services.provisioning import (
    ResyncOutcome,
    ensure_credentials,
    new_provisioning_secret,
    provision_handset,
    rotate_secrets,
)
from voiceconsole.services.transaction import Transaction, retried, transaction

# A line in these states is not on the phone yet: logging it in again asks the phone again.
RESYNC_AGAIN = (LineStatus.PENDING_RESYNC.value, LineStatus.NOTIFIED.value)


def checked_sip_address(text: str | None) -> str | None:
    """host[:port] where the phone answers SIP, or None; refused when it is not one."""
    if text is None or not text.strip():
        return None
    text = clean_text(text, "SIP address", max_len=64)
    try:
        host, port = parse_address(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a SIP address (host or host:port)") from None
    if not host or not 0 < port < 65536 or any(c.isspace() for c in host):
        raise InvalidInput(f"{text!r} is not a SIP address (host or host:port, port 1-65535)")
    return text


@dataclass(frozen=True)
class HandsetView:
    id: int
    mac: str
    model: str
    site: str
    occupier: str | None
    floor_port: str | None
    label: str
    line_keys: int
    login_method: str
    lines: tuple[tuple[int, str, str], ...]  # (line key, E.164, status)
    state: str = HandsetState.DEPLOYED.value
    sip_address: str | None = None
    # Why the last re-sync request got no answer, and when it is tried again ("" / None).
    resync_problem: str = ""
    next_resync_at: dt.datetime | None = None

    @property
    def name(self) -> str:
        return self.label or self.mac

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "mac": self.mac,
            "model": self.model,
            "site": self.site,
            "occupier": self.occupier,
            "floor_port": self.floor_port,
            "label": self.label,
            "line_keys": self.line_keys,
            "login_method": self.login_method,
            "lines": [{"key": k, "number": n, "status": s} for k, n, s in self.lines],
            "state": self.state,
            "sip_address": self.sip_address,
            "resync_problem": self.resync_problem,
            "next_resync_at": self.next_resync_at.isoformat() if self.next_resync_at else None,
        }


async def _model(session: AsyncSession, code: str) -> DeviceModel:
    found = await session.scalar(select(DeviceModel).where(DeviceModel.code == code.strip()))
    if found is None:
        known = ", ".join(
            await session.scalars(select(DeviceModel.code).order_by(DeviceModel.code))
        )
        raise NotFound(f"no device model {code.strip()!r} (known: {known or 'none'})")
    return found


async def _view(session: AsyncSession, handset: Handset) -> HandsetView:
    model = await _model(session, handset.model)
    site = await session.get(Site, handset.site_id)
    occupier = await session.get(Occupier, handset.occupier_id) if handset.occupier_id else None
    port = await session.get(FloorPort, handset.floor_port_id) if handset.floor_port_id else None
    lines = (
        await session.execute(
            select(HandsetLine.line_key, PhoneNumber.e164, HandsetLine.status)
            .join(PhoneNumber, PhoneNumber.id == HandsetLine.number_id)
            .where(HandsetLine.handset_id == handset.id)
            .order_by(HandsetLine.line_key)
        )
    ).all()
    return HandsetView(
        handset.id,
        handset.mac,
        model.code,
        site.code if site else "",
        occupier.code if occupier else None,
        port.label if port else None,
        handset.label,
        model.line_keys,
        model.login_method,
        tuple((key, e164, status) for key, e164, status in lines),
        handset.state.value,
        handset.sip_address,
        handset.last_resync_reason,
        handset.next_resync_at,
    )


@requires(Permission.HANDSETS, site="site")
async def add_handset(
    db: Database,
    actor: str,
    *,
    mac: str,
    model: str,
    site: str,
    occupier: str | None = None,
    floor_port: str | None = None,
    label: str = "",
    sip_address: str | None = None,
) -> HandsetView:
    """Put a handset in the inventory of a site, for an occupier (or in stock without one).

    `sip_address` (host[:port]) is where the phone is told to re-sync after a remote login.
    """
    mac = normalise_mac(mac)
    sip_address = checked_sip_address(sip_address)
    label = clean_text(label, "handset label", required=False) if label else ""
    async with transaction(db, actor) as tx:
        device = await _model(tx.session, model)
        place = await site_by_ref(tx.session, site)
        holder = None
        if occupier:
            holder = await occupier_by_ref(tx.session, occupier)
            await occupancy_of(tx.session, holder, place, lock=True)
        if await tx.session.scalar(select(Handset.id).where(Handset.mac == mac)):
            raise Conflict(f"a handset with MAC {mac} is already in the inventory")
        port_id = await _floor_port_id(tx.session, place.id, floor_port)
        handset = Handset(
            site_id=place.id,
            occupier_id=holder.id if holder else None,
            model=device.code,
            mac=mac,
            floor_port_id=port_id,
            label=label,
            sip_address=sip_address,
            state=HandsetState.DEPLOYED if holder else HandsetState.IN_STOCK,
            provisioning_secret=new_provisioning_secret(),
        )
        tx.session.add(handset)
        await tx.session.flush()
        view = await _view(tx.session, handset)
        tx.audit(
            "handset.add",
            f"added handset {mac} ({device.code}) at {place.code}",
            site_id=place.id,
            occupier_id=holder.id if holder else None,
            after=view,
        )
        return view


async def list_handsets(
    db: Database, *, site: str, occupier: str | None = None
) -> list[HandsetView]:
    async with db.read() as session:
        place = await site_by_ref(session, site)
        query = (
            select(Handset)
            .where(Handset.site_id == place.id)
            # Labelled handsets first, by label; the rest by MAC.
            .order_by(Handset.label == "", Handset.label, Handset.mac)
        )
        if occupier:
            holder = await occupier_by_ref(session, occupier)
            query = query.where(Handset.occupier_id == holder.id)
        return [await _view(session, h) for h in await session.scalars(query)]


def _facts_of_number(number: PhoneNumber) -> NumberFacts:
    return NumberFacts(
        number.e164, number.state, number.is_main, number.occupier_id, number.site_id
    )


@dataclass(frozen=True)
class LoginResult:
    handset: HandsetView
    # A remote model's provisioning and re-sync (None: a manual model, nothing sent).
    resync: ResyncOutcome | None = None
    moved_from: ResyncOutcome | None = None  # the handset a hot-desk move took it from
    # The line was there already, not yet taken by the phone: it was only asked again.
    asked_again: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "handset": self.handset.to_dict(),
            "resync": self.resync.to_dict() if self.resync else None,
            "moved_from": self.moved_from.to_dict() if self.moved_from else None,
            "asked_again": self.asked_again,
        }


async def _not_taken_yet(db: Database, handset: str | int, number: str) -> int | None:
    """The handset's id when the number is on it but the phone has not taken the line yet."""
    async with db.read() as session:
        target = await handset_by_ref(session, handset)
        (found,) = await numbers_by_ref(session, [number])
        status = await session.scalar(
            select(HandsetLine.status).where(
                HandsetLine.number_id == found.id, HandsetLine.handset_id == target.id
            )
        )
        return target.id if status in RESYNC_AGAIN else None


@requires(Permission.HANDSETS)
async def login_number(
    db: Database, actor: str, *, handset: str | int, number: str, move: bool = False
) -> LoginResult:
    """Log a number in to a handset on its first free line key (rules: check_login).

    A remote model is then provisioned and told to re-sync (after the commit); so is the
    handset a hot-desk move took the number from.
    """
    again = await _not_taken_yet(db, handset, number)
    if again is not None:
        # Logging in a line the phone has not taken yet: ask the phone again instead.
        async with db.read() as session:
            await at_site(session, (await handset_by_ref(session, again)).site_id)
        resync = await provision_handset(db, again)
        async with db.read() as session:
            view = await _view(session, await handset_by_ref(session, again))
        return LoginResult(view, resync, asked_again=True)
    async with transaction(db, actor) as tx:
        # Locks in the one order: the number, then the handset.
        (found,) = await numbers_by_ref(tx.session, [number], lock=True)
        target = await handset_by_ref(tx.session, handset, lock=True)
        await tx.at_site(target.site_id)
        device = await _model(tx.session, target.model)
        used = frozenset(
            await tx.session.scalars(
                select(HandsetLine.line_key).where(HandsetLine.handset_id == target.id)
            )
        )
        current = await tx.session.scalar(
            select(HandsetLine).where(HandsetLine.number_id == found.id)
        )
        current_name = None
        if current is not None:
            holder = await tx.session.get(Handset, current.handset_id)
            current_name = (holder.label or holder.mac) if holder else None
        key = check_login(
            _facts_of_number(found),
            HandsetFacts(
                target.label or target.mac,
                target.occupier_id,
                target.site_id,
                device.line_keys,
                used,
                target.state,
            ),
            logged_in_on=current_name,
            move=move,
        )
        previous_handset = current.handset_id if current is not None else None
        if current is not None:
            await tx.session.delete(current)
            await rotate_secrets(tx.session, [found.id])  # the old phone's login goes dead
            await tx.session.flush()
        method = LoginMethod(device.login_method)
        if method is LoginMethod.REMOTE:
            await ensure_credentials(tx.session, found)
        tx.session.add(
            HandsetLine(
                handset_id=target.id,
                number_id=found.id,
                line_key=key,
                method=method.value,
                status=(
                    LineStatus.PENDING_RESYNC
                    if method is LoginMethod.REMOTE
                    else LineStatus.MANUAL_PENDING
                ).value,
                logged_in_by=tx.actor,
            )
        )
        await tx.session.flush()
        view = await _view(tx.session, target)
        moved = f", moved from {current_name}" if current_name else ""
        tx.audit(
            "handset.login",
            f"logged {national(found.e164)} in to {view.name} on line {key}{moved}",
            site_id=target.site_id,
            occupier_id=target.occupier_id,
            before={"handset": current_name},
            after={"handset": view.name, "line_key": key, "method": method.value},
        )
        handset_id = target.id
    # The phone the number left first: its file loses the line before the new one has it.
    moved_from = await provision_handset(db, previous_handset) if previous_handset else None
    resync = await provision_handset(db, handset_id)
    async with db.read() as session:
        view = await _view(session, await handset_by_ref(session, handset_id))
    return LoginResult(view, resync, moved_from)


@requires(Permission.HANDSETS)
@retried
async def logout_number(db: Database, actor: str, *, number: str) -> str:
    """Log a number out of the handset it is on (a remote one is provisioned again without
    it); returns that handset's name."""
    async with transaction(db, actor) as tx:
        (found,) = await numbers_by_ref(tx.session, [number], lock=True)
        await tx.at_site(found.site_id)
        logged_out = await log_out_numbers(tx.session, [found.id])
        if not logged_out:
            raise RuleViolation(f"{national(found.e164)} is not logged in to any handset")
        handset_id, name = logged_out[found.id]
        tx.audit(
            "handset.logout",
            f"logged {national(found.e164)} out of {name}",
            site_id=found.site_id,
            occupier_id=found.occupier_id,
            before={"handset": name},
        )
    await provision_handset(db, handset_id)
    return name


@requires(Permission.HANDSETS)
async def confirm_manual_login(db: Database, actor: str, *, number: str) -> HandsetView:
    """The engineer has logged the number in on the handset itself: record it as done."""
    async with transaction(db, actor) as tx:
        (found,) = await numbers_by_ref(tx.session, [number])
        await tx.at_site(found.site_id)
        line = await tx.session.scalar(select(HandsetLine).where(HandsetLine.number_id == found.id))
        if line is None:
            raise RuleViolation(f"{national(found.e164)} is not logged in to any handset")
        if line.status != LineStatus.MANUAL_PENDING.value:
            raise RuleViolation(f"{national(found.e164)} is not waiting for a manual login")
        line.status = LineStatus.LOGGED_IN.value
        handset = await tx.session.get(Handset, line.handset_id)
        assert handset is not None
        view = await _view(tx.session, handset)
        tx.audit(
            "handset.manual_login",
            f"{national(found.e164)} logged in by hand on {view.name}",
            site_id=handset.site_id,
            occupier_id=handset.occupier_id,
        )
        return view


class LoggedOut(NamedTuple):
    handset_id: int
    handset: str  # its label, else its MAC


async def log_out_numbers(session: AsyncSession, number_ids: Sequence[int]) -> dict[int, LoggedOut]:
    """Inside the caller's action: log numbers out of their handsets (number id -> where it
    was). Remote handsets need provisioning again once the action is committed:
    `provision_handsets`."""
    if not number_ids:
        return {}
    rows = (
        await session.execute(
            select(HandsetLine.number_id, Handset.id, Handset.label, Handset.mac)
            .join(Handset, Handset.id == HandsetLine.handset_id)
            .where(HandsetLine.number_id.in_(list(number_ids)))
        )
    ).all()
    if rows:
        await session.execute(
            delete(HandsetLine).where(HandsetLine.number_id.in_([r[0] for r in rows]))
        )
        # A phone that keeps its old file (away, or a crash before the rewrite) must not
        # keep a working login: the line's SIP secret changes with the logout.
        await rotate_secrets(session, [r[0] for r in rows])
    return {number_id: LoggedOut(hid, label or mac) for number_id, hid, label, mac in rows}


async def provision_handsets(db: Database, handset_ids: Iterable[int]) -> list[ResyncOutcome]:
    """After an action that changed their lines: each remote handset's file and re-sync."""
    done = []
    for handset_id in sorted(set(handset_ids)):
        outcome = await provision_handset(db, handset_id)
        if outcome is not None:
            done.append(outcome)
    return done


@dataclass(frozen=True)
class HandsetRowReport:
    line: int
    mac: str
    ok: bool
    message: str


@dataclass(frozen=True)
class HandsetImportReport:
    site: str
    dry_run: bool
    rows: tuple[HandsetRowReport, ...]

    @property
    def ok(self) -> bool:
        return all(row.ok for row in self.rows)

    def to_dict(self) -> dict[str, object]:
        return {
            "site": self.site,
            "dry_run": self.dry_run,
            "ok": self.ok,
            "rows": [row.__dict__ for row in self.rows],
        }


class HandsetImportRefused(InvalidInput):
    """One bad row refuses the whole file; the report says which and why."""

    def __init__(self, report: HandsetImportReport) -> None:
        self.report = report
        bad = sum(not row.ok for row in report.rows)
        super().__init__(
            f"{bad} of {counted(len(report.rows), 'row')} refused; nothing was imported"
        )


IMPORT_COLUMNS = ("mac", "model", "occupier", "floor_port", "label", "sip_address")


def handset_csv_rows(text: str, site: str) -> list[dict[str, str]]:
    """The rows of a handset CSV for `import_handsets` (the first line names the columns):
    a column it does not know (a misspelt `floor_port` would import without a port) or a
    row meant for another site refuses the file."""
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip() for c in reader.fieldnames or []]
    expected = ", ".join(IMPORT_COLUMNS)
    if "mac" not in columns or "model" not in columns:
        raise InvalidInput(f"the first line must name the columns: {expected} (site allowed)")
    unknown = [c for c in columns if c not in (*IMPORT_COLUMNS, "site")]
    if unknown:
        raise InvalidInput(
            f"unknown {noun_for(len(unknown), 'column')} {', '.join(repr(c) for c in unknown)}; "
            f"the columns are {expected} (site allowed)"
        )
    # Cells come from outside: their control characters are shown, never obeyed.
    rows = [
        {(k or "").strip(): visible(v) if isinstance(v, str) else "" for k, v in row.items()}
        for row in reader
    ]
    elsewhere = [
        f"line {n}: {row['site'].strip()}"
        for n, row in enumerate(rows, start=2)
        if (row.get("site") or "").strip() and row["site"].strip().upper() != site.upper()
    ]
    if elsewhere:
        shown = "; ".join(elsewhere[:5]) + ("; …" if len(elsewhere) > 5 else "")
        raise InvalidInput(f"rows for another site than {site} ({shown}): import them there")
    if not rows:
        raise InvalidInput("the file holds no handsets (only the line naming the columns)")
    return rows


@requires(Permission.HANDSETS, site="site")
async def import_handsets(
    db: Database, actor: str, rows: Sequence[dict[str, str]], *, site: str, dry_run: bool = False
) -> HandsetImportReport:
    """Handsets from CSV rows (columns: IMPORT_COLUMNS, sip_address optional), all or none.

    Each row is checked as `add_handset` checks one, and against the other rows (a MAC twice).
    """
    async with transaction(db, actor, dry_run=dry_run) as tx:
        place = await site_by_ref(tx.session, site)
        models = {m.code: m for m in await tx.session.scalars(select(DeviceModel))}
        ports = dict(
            (
                await tx.session.execute(
                    select(FloorPort.label, FloorPort.id).where(FloorPort.site_id == place.id)
                )
            ).all()
        )
        occupiers = dict(
            (
                await tx.session.execute(
                    select(Occupier.code, Occupier.id)
                    .join(Occupancy, Occupancy.occupier_id == Occupier.id)
                    .where(Occupancy.site_id == place.id)
                )
            ).all()
        )
        existing = set(await tx.session.scalars(select(Handset.mac)))
        seen: set[str] = set()
        reports, handsets = [], []
        for line, row in enumerate(rows, start=2):  # line 1 is the header
            given = (row.get("mac") or "").strip()
            try:
                mac = normalise_mac(given)
                model = (row.get("model") or "").strip()
                if model not in models:
                    raise InvalidInput(f"no device model {model!r}")
                occupier = (row.get("occupier") or "").strip()
                if occupier and occupier not in occupiers:
                    raise InvalidInput(f"{occupier!r} does not occupy {place.code}")
                port = (row.get("floor_port") or "").strip().upper()
                if port and port not in ports:
                    raise InvalidInput(f"{place.code} has no floor port {port}")
                if mac in existing:
                    raise InvalidInput("already in the inventory")
                if mac in seen:
                    raise InvalidInput("the same MAC is on an earlier row")
                label = clean_text(row.get("label") or "", "label", required=False)
                sip_address = checked_sip_address(row.get("sip_address"))
            except InvalidInput as err:
                reports.append(HandsetRowReport(line, given, False, str(err)))
                continue
            seen.add(mac)
            handsets.append(
                Handset(
                    site_id=place.id,
                    occupier_id=occupiers.get(occupier),
                    model=model,
                    mac=mac,
                    floor_port_id=ports.get(port),
                    label=label,
                    sip_address=sip_address,
                    state=HandsetState.DEPLOYED if occupier else HandsetState.IN_STOCK,
                    provisioning_secret=new_provisioning_secret(),
                )
            )
            reports.append(HandsetRowReport(line, mac, True, "ok"))
        report = HandsetImportReport(place.code, dry_run, tuple(reports))
        if not report.ok:
            raise HandsetImportRefused(report)
        tx.session.add_all(handsets)
        tx.audit(
            "handset.import",
            f"imported {counted(len(handsets), 'handset')} at {place.code}",
            site_id=place.id,
            after={"macs": [h.mac for h in handsets]},
        )
        return report


@requires(Permission.HANDSETS, site="site")
async def locate_handsets(db: Database, actor: str, *, site: str) -> list[tuple[str, str]]:
    """Set each handset's floor port from the switches' last readings: the port where its MAC
    was learnt. Returns (handset, floor port) for each one that moved; read the ports first."""
    async with transaction(db, actor) as tx:
        place = await site_by_ref(tx.session, site)
        where: dict[str, int] = {}
        labels: dict[int, str] = {}
        for port_id, label, live in await tx.session.execute(
            select(FloorPort.id, FloorPort.label, SwitchPort.live)
            .join(SwitchPort, SwitchPort.id == FloorPort.switch_port_id)
            .where(FloorPort.site_id == place.id, SwitchPort.live.is_not(None))
        ):
            labels[port_id] = label
            for _, mac in PortState.from_json(live).macs:
                where[normalise_mac(mac)] = port_id
        moved = []
        for handset in await tx.session.scalars(select(Handset).where(Handset.site_id == place.id)):
            port_id = where.get(handset.mac)
            if port_id is not None and port_id != handset.floor_port_id:
                handset.floor_port_id = port_id
                moved.append((handset.label or handset.mac, labels[port_id]))
        if not moved:
            tx.no_change()
        else:
            tx.audit(
                "handset.locate",
                f"found {counted(len(moved), 'handset')} on their floor ports at {place.code}",
                site_id=place.id,
                after=[{"handset": h, "floor_port": p} for h, p in moved],
            )
        return moved


async def _free_lines(tx: Transaction, handset: Handset) -> list[str]:
    """Inside an inventory action: log the handset's lines out (their numbers, E.164)."""
    rows = (
        await tx.session.execute(
            select(HandsetLine.number_id, PhoneNumber.e164)
            .join(PhoneNumber, PhoneNumber.id == HandsetLine.number_id)
            .where(HandsetLine.handset_id == handset.id)
            .order_by(HandsetLine.line_key)
        )
    ).all()
    await log_out_numbers(tx.session, [r.number_id for r in rows])
    return [r.e164 for r in rows]


@dataclass(frozen=True)
class InventoryResult:
    handset: HandsetView
    logged_out: tuple[str, ...] = ()  # numbers whose lines the change logged out
    resync: ResyncOutcome | None = None  # the phone told of its lines' going

    def to_dict(self) -> dict[str, object]:
        return {
            "handset": self.handset.to_dict(),
            "logged_out": list(self.logged_out),
            "resync": self.resync.to_dict() if self.resync else None,
        }


async def _after_inventory(db: Database, handset_id: int, logged_out: list[str]) -> InventoryResult:
    resync = await provision_handset(db, handset_id) if logged_out else None
    async with db.read() as session:
        view = await _view(session, await handset_by_ref(session, handset_id))
    return InventoryResult(view, tuple(logged_out), resync)


UNSET = object()  # edit_handset: a field not given keeps its value


@requires(Permission.HANDSETS)
async def edit_handset(
    db: Database,
    actor: str,
    *,
    handset: str | int,
    label: str | None = None,
    floor_port: str | object | None = UNSET,
    sip_address: str | object | None = UNSET,
) -> HandsetView:
    """Change what is known of a handset: its label, floor port, SIP address."""
    async with transaction(db, actor) as tx:
        found = await handset_by_ref(tx.session, handset)
        await tx.at_site(found.site_id)
        before = await _view(tx.session, found)
        if label is not None:
            found.label = clean_text(label, "handset label", required=False) if label else ""
        if floor_port is not UNSET:
            found.floor_port_id = await _floor_port_id(tx.session, found.site_id, floor_port)
        if sip_address is not UNSET:
            found.sip_address = checked_sip_address(sip_address)  # type: ignore[arg-type]
        await tx.session.flush()
        after = await _view(tx.session, found)
        if after == before:
            tx.no_change()
            return after
        tx.audit(
            "handset.edit",
            f"changed handset {after.name}",
            site_id=found.site_id,
            occupier_id=found.occupier_id,
            before=before,
            after=after,
        )
        return after


async def _floor_port_id(session: AsyncSession, site_id: int, label: object) -> int | None:
    if not label:
        return None
    text = str(label).strip().upper()
    port_id = await session.scalar(
        select(FloorPort.id).where(FloorPort.site_id == site_id, FloorPort.label == text)
    )
    if port_id is None:
        site = await session.get(Site, site_id)
        raise NotFound(f"{site.code if site else 'the site'} has no floor port {text}")
    return port_id


@requires(Permission.HANDSETS)
async def move_handset(
    db: Database, actor: str, *, handset: str | int, occupier: str | None
) -> InventoryResult:
    """Give a handset to another occupier of its site (deployed), or back to stock (None).
    Its lines are logged out: the numbers on it are the old occupier's."""
    async with transaction(db, actor) as tx:
        found = await handset_by_ref(tx.session, handset)
        await tx.at_site(found.site_id)
        name = found.label or found.mac
        if found.state in (HandsetState.FAULTY, HandsetState.RETIRED):
            raise RuleViolation(f"{name} is {found.state.value}: it cannot be given out")
        place = await tx.session.get(Site, found.site_id)
        assert place is not None
        holder = None
        if occupier:
            holder = await occupier_by_ref(tx.session, occupier)
            await occupancy_of(tx.session, holder, place, lock=True)
        new_id = holder.id if holder else None
        if new_id == found.occupier_id:
            where = holder.code if holder else "in stock"
            raise RuleViolation(f"{name} is already {'with ' if holder else ''}{where}")
        before, old_id = await _view(tx.session, found), found.occupier_id
        logged_out = await _free_lines(tx, found)
        found.occupier_id = new_id
        found.state = HandsetState.DEPLOYED if holder else HandsetState.IN_STOCK
        await tx.session.flush()
        after = await _view(tx.session, found)
        to = f"to {holder.code}" if holder else "back to stock"
        out = f", {counted(len(logged_out), 'line')} logged out" if logged_out else ""
        tx.audit(
            "handset.move",
            f"moved handset {name} {to}{out}",
            subjects=[(place.id, old_id), (place.id, new_id)],
            before=before,
            after=after,
        )
        handset_id = found.id
    return await _after_inventory(db, handset_id, logged_out)


@requires(Permission.HANDSETS)
async def set_handset_state(
    db: Database, actor: str, *, handset: str | int, state: str, reason: str = ""
) -> InventoryResult:
    """Mark a handset faulty or retired (its lines logged out first), or back in stock once
    repaired. `reason` goes into the journal."""
    try:
        to = HandsetState(state)
    except ValueError:
        known = ", ".join(s.value for s in HandsetState)
        raise InvalidInput(f"{state!r} is not a handset state ({known})") from None
    async with transaction(db, actor) as tx:
        found = await handset_by_ref(tx.session, handset)
        await tx.at_site(found.site_id)
        name = found.label or found.mac
        check_state_change(name, found.state, to, has_occupier=found.occupier_id is not None)
        before, old_id = await _view(tx.session, found), found.occupier_id
        logged_out = await _free_lines(tx, found) if to is not HandsetState.DEPLOYED else []
        if to in (HandsetState.IN_STOCK, HandsetState.RETIRED):
            found.occupier_id = None  # a faulty one stays with whom it failed
        found.state = to
        await tx.session.flush()
        after = await _view(tx.session, found)
        why = f": {clean_text(reason, 'reason', required=False)}" if reason.strip() else ""
        out = f", {counted(len(logged_out), 'line')} logged out" if logged_out else ""
        tx.audit(
            f"handset.{to.value}",
            f"marked handset {name} {to.value.replace('_', ' ')}{out}{why}",
            site_id=found.site_id,
            occupier_id=old_id,
            before=before,
            after=after,
        )
        handset_id = found.id
    return await _after_inventory(db, handset_id, logged_out)


async def manual_steps_by_model(db: Database) -> dict[str, str]:
    """What to type on each manual model, by device model code ("" for remote models)."""
    async with db.read() as session:
        rows = await session.execute(select(DeviceModel.code, DeviceModel.manual_steps))
        return {code: steps or "" for code, steps in rows}
