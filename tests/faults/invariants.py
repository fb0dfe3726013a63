"""What must hold in the database (and the provisioning folder) whatever moment a console was
killed at: checked by the fault suite after every kill."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select, text

from voiceconsole.db.database import Database
from voiceconsole.db.models import (
    AuditEntry,
    Handset,
    HandsetLine,
    LineCredentials,
    NumberRange,
    Occupier,
    PhoneNumber,
    Product,
    ProductCategory,
    ServiceAssignment,
)
from voiceconsole.domain.handsets import LineStatus
from voiceconsole.domain.phone import national
from voiceconsole.domain.states import NumberState
from voiceconsole.handsets.provisioning import file_name


@dataclass
class Journal:
    """What a fault worker did (fault_worker.py), in order: each action begun, with how it
    ended: "end", "refused", or "" when the worker was killed in it."""

    actions: list[tuple[str, str, str]] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path) -> Journal:
        journal = cls()
        if not path.exists():
            return journal
        for line in path.read_text(encoding="utf-8").splitlines():
            word, kind, key = [*line.split(" ", 3), "", ""][:3]
            if word == "begin":
                journal.actions.append((kind, key, ""))
            elif word in ("end", "refused") and journal.actions[-1][:2] == (kind, key):
                journal.actions[-1] = (kind, key, word)  # the worker works one at a time
        return journal

    def count(self, kind: str, outcome: str) -> int:
        return sum(1 for k, _, how in self.actions if k == kind and how == outcome)

    @property
    def ended(self) -> list[tuple[str, str]]:
        return [(kind, key) for kind, key, how in self.actions if how == "end"]


async def integrity(db: Database) -> list[str]:
    """SQLite's own checks of the file and its foreign keys (PostgreSQL enforces its own)."""
    if not db.url.startswith("sqlite"):
        return []
    problems = []
    async with db.read() as session:
        result = (await session.execute(text("PRAGMA integrity_check"))).scalars().all()
        if result != ["ok"]:
            problems.append(f"integrity_check: {result}")
        broken = (await session.execute(text("PRAGMA foreign_key_check"))).all()
        if broken:
            problems.append(f"foreign_key_check: {broken}")
    return problems


async def owners_and_quantities(db: Database) -> list[str]:
    """Nobody has more non-main numbers active than their voice services allow; an occupier
    the fault worker added services for got exactly the first-time automation's result (QTY 2
    at an auto-policy UK site: 5 allocated, 2 active and a main number), or nothing; a
    handset's lines are numbers its occupier holds."""
    problems = []
    async with db.read() as session:
        active = {
            (o, s): n
            for o, s, n in await session.execute(
                select(PhoneNumber.occupier_id, PhoneNumber.site_id, func.count())
                .where(PhoneNumber.state == NumberState.ACTIVE, ~PhoneNumber.is_main)
                .group_by(PhoneNumber.occupier_id, PhoneNumber.site_id)
            )
        }
        allowed = {
            (o, s): q
            for o, s, q in await session.execute(
                select(
                    ServiceAssignment.occupier_id,
                    ServiceAssignment.site_id,
                    func.sum(ServiceAssignment.quantity),
                )
                .join(Product, Product.id == ServiceAssignment.product_id)
                .where(Product.category == ProductCategory.VOICE)
                .group_by(ServiceAssignment.occupier_id, ServiceAssignment.site_id)
            )
        }
        for pair, count in active.items():
            if count > allowed.get(pair, 0):
                problems.append(f"occupier/site {pair}: {count} active > {allowed.get(pair, 0)}")
        for code, held, on, mains in await session.execute(
            select(
                Occupier.code,
                func.count(PhoneNumber.id),
                func.count(PhoneNumber.id).filter(
                    PhoneNumber.state == NumberState.ACTIVE, ~PhoneNumber.is_main
                ),
                func.count(PhoneNumber.id).filter(PhoneNumber.is_main),
            )
            .outerjoin(PhoneNumber, PhoneNumber.occupier_id == Occupier.id)
            .where(Occupier.code.like("fault%"))
            .group_by(Occupier.code)
        ):
            if (held, on, mains) not in ((0, 0, 0), (5, 2, 1)):
                problems.append(f"{code}: {held} held, {on} active, {mains} main")
        for number, handset in await session.execute(
            select(PhoneNumber, Handset)
            .select_from(HandsetLine)
            .join(PhoneNumber, PhoneNumber.id == HandsetLine.number_id)
            .join(Handset, Handset.id == HandsetLine.handset_id)
        ):
            if number.state not in (NumberState.RESERVED, NumberState.ACTIVE):
                problems.append(f"{number.e164} is logged in but {number.state}")
            if number.occupier_id != handset.occupier_id:
                problems.append(f"{number.e164} is on another occupier's handset")
    return problems


async def audit_matches_work(db: Database, journal: Journal) -> list[str]:
    """Every action the worker finished is in the database with exactly one audit entry;
    the one it was killed in is there with its entry or not at all; refused ones left
    nothing."""
    problems = []
    async with db.read() as session:
        summaries = Counter(
            (action, summary)
            for action, summary in await session.execute(
                select(AuditEntry.action, AuditEntry.summary).where(
                    AuditEntry.actor == "fault-worker"
                )
            )
        )

        imported = Counter(
            ranges[0]["first"]
            for (after,) in await session.execute(
                select(AuditEntry.after).where(
                    AuditEntry.actor == "fault-worker", AuditEntry.action == "numbers.import"
                )
            )
            for ranges in [after["ranges"]]
        )

        def entries(action: str, pattern: str) -> int:
            found = re.compile(pattern)
            return sum(n for (a, s), n in summaries.items() if a == action and found.search(s))

        number = ""
        for kind, key, how in journal.actions:
            done, maybe = how == "end", how == ""
            if kind == "import":
                present = await session.scalar(
                    select(func.count()).where(NumberRange.first_e164 == key)
                )
                numbers = await session.scalar(
                    select(func.count()).where(
                        PhoneNumber.e164_value.between(int(key[1:]), int(key[1:]) + 9)
                    )
                )
                if (present, numbers) not in ((0, 0), (1, 10)):
                    problems.append(f"import {key}: {present} ranges, {numbers} numbers")
                _agree(problems, kind, key, done, maybe, present, imported[key])
            elif kind == "occupier":
                present = await session.scalar(select(func.count()).where(Occupier.code == key))
                audited = entries("occupier.create", rf"\b{re.escape(key)}\b")
                _agree(problems, kind, key, done, maybe, present, audited)
            elif kind == "services":
                present = await session.scalar(
                    select(func.count())
                    .select_from(ServiceAssignment)
                    .join(Occupier, Occupier.id == ServiceAssignment.occupier_id)
                    .where(Occupier.code == key)
                )
                audited = entries("services.add", rf" for {re.escape(key)} at ")
                _agree(problems, kind, key, done, maybe, present, audited)
                held = await session.scalar(
                    select(func.count())
                    .select_from(PhoneNumber)
                    .join(Occupier, Occupier.id == PhoneNumber.occupier_id)
                    .where(Occupier.code == key)
                )
                if bool(present) != bool(held):
                    problems.append(f"services {key}: {present} services, {held} numbers")
            elif kind in ("login", "logout"):
                number = key
        if number:
            # Summaries name the number as people read it (national), not in E.164.
            said = re.escape(national(number))
            logins = entries("handset.login", rf"^logged {said} in to ")
            logouts = entries("handset.logout", rf"^logged {said} out of ")
            on = await session.scalar(
                select(func.count())
                .select_from(HandsetLine)
                .join(PhoneNumber, PhoneNumber.id == HandsetLine.number_id)
                .where(PhoneNumber.e164 == number)
            )
            if logins - logouts != on:
                problems.append(f"{number}: {logins} logins, {logouts} logouts, on={on}")
            # Each finished login has its entry; each one killed mid-way may have one.
            done, killed = journal.count("login", "end"), journal.count("login", "")
            if not done <= logins <= done + killed:
                problems.append(f"{number}: {logins} login entries, {done} done, {killed} killed")
            done, killed = journal.count("logout", "end"), journal.count("logout", "")
            if not done <= logouts <= done + killed:
                problems.append(f"{number}: {logouts} logout entries, {done} done, {killed} killed")
    return problems


def _agree(
    problems: list[str], kind: str, key: str, done: bool, maybe: bool, present: int, audited: int
) -> None:
    if present not in (0, 1) or audited != present:
        problems.append(f"{kind} {key}: {present} in the database, {audited} audit entries")
    elif done and not present:
        problems.append(f"{kind} {key}: finished but not in the database")
    elif not (done or maybe) and present:
        problems.append(f"{kind} {key}: refused but in the database")


_ACCOUNT = re.compile(r"^account\.(\d+)\.(user_name|password) = (.*)$", re.M)


async def files_match_logins(db: Database, directory: Path, *, settled: bool) -> list[str]:
    """Each Yealink handset's file (the sample's remote phones) against its lines: a line is
    in its file with its current secret, or still pending a re-sync (the file is rewritten
    then); a login in a file that is not a line any more has a dead secret. `settled`: after
    the re-sync, every file is exact."""
    problems = []
    async with db.read() as session:
        handsets = (
            await session.scalars(select(Handset).where(Handset.model.like("yealink%")))
        ).all()
        for handset in handsets:
            lines = {
                credentials.username: (credentials.secret, line.status)
                for line, credentials in await session.execute(
                    select(HandsetLine, LineCredentials)
                    .join(LineCredentials, LineCredentials.number_id == HandsetLine.number_id)
                    .where(HandsetLine.handset_id == handset.id)
                )
            }
            secrets = {
                user: secret
                for user, secret in await session.execute(
                    select(LineCredentials.username, LineCredentials.secret)
                )
            }
            path = directory / file_name(handset.mac)
            content = path.read_text(encoding="utf-8") if path.exists() else ""
            accounts: dict[str, dict[str, str]] = {}
            for key, field_, value in _ACCOUNT.findall(content):
                accounts.setdefault(key, {})[field_] = value
            in_file = {
                a["user_name"]: a.get("password", "")
                for a in accounts.values()
                if a.get("user_name", "%NULL%") != "%NULL%"
            }
            for user, (secret, status) in lines.items():
                if in_file.get(user) != secret and (
                    settled or status != LineStatus.PENDING_RESYNC.value
                ):
                    problems.append(f"{handset.mac}: line {user} is not in its file")
            for user, password in in_file.items():
                if user not in lines and secrets.get(user) == password:
                    problems.append(f"{handset.mac}: {user} left in its file with a live secret")
                if settled and user not in lines:
                    problems.append(f"{handset.mac}: {user} left in its file")
    return problems


def temporary_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.glob(".*.cfg.*"))
