"""One user action = one transaction = one audit entry."""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import functools
import getpass
import os
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any, ParamSpec, Protocol, TypeVar

from sqlalchemy import UniqueConstraint, insert
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession

from voiceconsole.db.database import Database
from voiceconsole.db.models import AuditEntry, AuditSubject, Base, utcnow
from voiceconsole.domain.errors import Conflict, NotPermitted
from voiceconsole.domain.names import person_name
from voiceconsole.services.changes import notify, notify_payload

# Constraint names (from the migration) and what a clash on them means to a user.
_CLASHES = {
    "uq_phone_numbers_e164": "one of the numbers already exists in this installation",
    "uq_phone_numbers_main": "the occupier already has a main number at this site",
    "uq_sites_code": "a site with that code already exists",
    "uq_occupiers_code": "an occupier with that code already exists",
    "uq_products_code": "a product with that code already exists",
    "uq_switches_hostname": "a switch with that hostname already exists",
    "uq_switch_ports_switch_id_interface": "that switch already has that interface",
    "uq_occupancies_occupier_id_site_id": "the occupier already occupies that site",
    "uq_service_assignments_occupier_id_site_id_product_id": (
        "the occupier already has that product at that site"
    ),
}


def default_actor() -> str:
    """The OS account running this process. From the account database, not `LOGNAME` or
    `USER` (getpass reads those first): anyone can set those to an admin's name."""
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError, OSError):  # not POSIX, or an account without an entry
        pass
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def check_actor(actor: str) -> str:
    """The actor's name normalised (NFKC); a name that can pass for another is refused."""
    return person_name(actor)


def jsonable(value: Any) -> Any:
    """Plain JSON data for the audit journal and --json output."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value


class Checked(Protocol):
    """The permission check of the running action (`services/permissions.py`)."""

    actor: str

    async def at_site(self, session: AsyncSession, site_id: int | None) -> None: ...

    def before_commit(self) -> None: ...


# Set by `permissions.requires` while a checked action runs: `transaction()` opens only then.
checked: ContextVar[Checked | None] = ContextVar("voiceconsole_checked", default=None)


def _checked(actor: str) -> Checked:
    grant = checked.get()
    if grant is None or grant.actor != actor:
        raise RuntimeError(
            f"a transaction for {actor} outside an action whose permission was checked "
            "(declare it with permissions.requires)"
        )
    return grant


class Transaction:
    """The session of one user action, who acts, and the audit entry it must leave."""

    def __init__(self, session: AsyncSession, actor: str, grant: Checked | None = None) -> None:
        self.session = session
        self.actor = actor
        self.grant = grant
        self.audited = 0
        self.unchanged = False
        self.bookkeeping = False
        self.entries: list[tuple[dict[str, Any], list[tuple[int | None, int | None]]]] = []

    async def at_site(self, site_id: int | None) -> None:
        """Check that the actor may do this action at this site (an engineer only at theirs);
        call it as soon as the site is known, before writing."""
        if self.grant is None:
            raise RuntimeError("at_site in a transaction without a permission check")
        await self.grant.at_site(self.session, site_id)

    def no_change(self) -> None:
        """The action found nothing to do: it ends without an audit entry and writes nothing."""
        self.unchanged = True

    def only_bookkeeping(self) -> None:
        """The action changed nothing of the estate (a switch refused it), yet what it learnt
        is kept: a port's last error and reading, how a change in flight ended. That is
        committed without an audit entry: the journal lists what was done."""
        self.bookkeeping = True

    def audit(
        self,
        action: str,
        summary: str,
        *,
        site_id: int | None = None,
        occupier_id: int | None = None,
        subjects: Iterable[tuple[int | None, int | None]] = (),
        before: Any = None,
        after: Any = None,
    ) -> None:
        """Record the action. Its subjects are the (site id, occupier id) pairs it concerns:
        `site_id`/`occupier_id` for one, `subjects` for several."""
        self.audited += 1
        pairs = set(subjects)
        if site_id is not None or occupier_id is not None:
            pairs.add((site_id, occupier_id))
        self.entries.append(
            (
                {
                    "at": utcnow(),
                    "actor": self.actor,
                    "action": action,
                    "summary": summary,
                    "before": jsonable(before),
                    "after": jsonable(after),
                },
                sorted(pairs, key=lambda p: (p[0] or 0, p[1] or 0)),
            )
        )

    async def write_audit(self) -> None:
        """Insert the entries (plain INSERTs: the ORM's unit of work costs more than the rows)."""
        connection = await self.session.connection()
        for entry, pairs in self.entries:
            audit_id = (
                await connection.execute(insert(AuditEntry).values(entry).returning(AuditEntry.id))
            ).scalar_one()
            if pairs:
                await connection.execute(
                    insert(AuditSubject),
                    [{"audit_id": audit_id, "site_id": s, "occupier_id": o} for s, o in pairs],
                )
            if connection.dialect.name == "postgresql":
                # Delivered to the consoles listening when this commits (services/changes.py).
                await notify(connection, notify_payload(audit_id, entry["action"], pairs))
        self.entries = []


# Set while `batch` runs: the actions inside it share its session and commit together.
_batch: ContextVar[Transaction | None] = ContextVar("voiceconsole_batch", default=None)


@asynccontextmanager
async def batch(db: Database, actor: str) -> AsyncIterator[Transaction]:
    """Several actions as one transaction, all or nothing (loading the sample data).

    Each action inside still leaves its own audit entry.
    """
    try:
        async with db.write() as session:
            outer = Transaction(session, check_actor(actor))
            token = _batch.set(outer)
            try:
                yield outer
            finally:
                _batch.reset(token)
            await session.commit()
    except sa_exc.IntegrityError as err:
        raise _clash(err) from None


@asynccontextmanager
async def reading(db: Database) -> AsyncIterator[AsyncSession]:
    """A session to read with before an action's transaction: the batch's own inside a
    batch (it sees what the batch wrote so far), else a read of its own."""
    outer = _batch.get()
    if outer is not None:
        yield outer.session
        return
    async with db.read() as session:
        yield session


@asynccontextmanager
async def transaction(
    db: Database, actor: str, *, dry_run: bool = False
) -> AsyncIterator[Transaction]:
    """Run one user action. A dry run does all the work and checks, then rolls back.

    It opens only inside an action whose permission was checked (`permissions.requires`)."""
    actor = check_actor(actor)
    grant = _checked(actor)
    outer = _batch.get()
    if outer is not None:
        if dry_run:
            raise RuntimeError("a dry run cannot be part of a batch")
        tx = Transaction(outer.session, actor, grant)
        yield tx
        if tx.audited != 1 and not (tx.audited == 0 and (tx.unchanged or tx.bookkeeping)):
            raise RuntimeError(f"a user action must leave one audit entry, not {tx.audited}")
        grant.before_commit()
        await tx.write_audit()
        return
    try:
        async with db.write() as session:
            tx = Transaction(session, actor, grant)
            yield tx
            if dry_run or (tx.unchanged and tx.audited == 0):
                await session.rollback()
                return
            if tx.audited != 1 and not (tx.bookkeeping and tx.audited == 0):
                raise RuntimeError(f"a user action must leave one audit entry, not {tx.audited}")
            grant.before_commit()
            await session.flush()
            await tx.write_audit()
            await session.commit()
    except sa_exc.IntegrityError as err:
        raise _clash(err) from None
    except sa_exc.DBAPIError as err:
        if _contended(err):
            raise Contended(str(err.orig)) from err
        if _sqlstate(err) == _NOT_ALLOWED:
            raise DatabaseRefused(
                f"the database refused it to your role ({str(err.orig).splitlines()[0]}); "
                "nothing was changed"
            ) from None
        raise


# PostgreSQL ends one of two transactions that wait for each other (a deadlock), or one that
# cannot be serialised with another; nothing of it was written.
_CONTENDED_STATES = {"40P01", "40001"}
RETRIES = 4


class Contended(Exception):
    """The action's transaction was stopped by the database because of another one: it
    wrote nothing and can run again (`retried`)."""


# PostgreSQL: the connected role may not do that (its grants, row-level security).
_NOT_ALLOWED = "42501"


class DatabaseRefused(NotPermitted):
    """The database refused the action to the person's own role (db/pg_roles.py): the
    console's own checks should have said so first; nothing was written. A refusal like
    any other: it is journalled (services/permissions.py)."""


def _sqlstate(err: sa_exc.DBAPIError) -> str | None:
    orig = err.orig
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def _contended(err: sa_exc.DBAPIError) -> bool:
    return _sqlstate(err) in _CONTENDED_STATES


P = ParamSpec("P")
T = TypeVar("T")


def retried(action: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Run a user action again, a few times with a short random wait, when its transaction was
    stopped by contention with a colleague's; then say so plainly. Only what happened inside
    `transaction()` is retried: work after its commit (a phone's re-sync) never repeats."""

    @functools.wraps(action)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        for attempt in range(1, RETRIES + 1):
            try:
                return await action(*args, **kwargs)
            except Contended:
                if attempt == RETRIES:
                    raise Conflict(
                        "the database was busy with colleagues' changes to the same numbers "
                        f"{RETRIES} times in a row; nothing was changed: try again"
                    ) from None
                await asyncio.sleep(random.uniform(0.02, 0.1) * attempt)
        raise AssertionError("unreachable")

    return run


def _unique_columns() -> dict[str, str]:
    """Each unique constraint or index by the way SQLite names it: 'table.col, table.col'."""
    named = {}
    for table in Base.metadata.tables.values():
        uniques = [c for c in table.constraints if isinstance(c, UniqueConstraint)]
        uniques += [i for i in table.indexes if i.unique]
        for unique in uniques:
            columns = ", ".join(f"{table.name}.{c.name}" for c in unique.columns)
            named[str(unique.name)] = columns
    return named


_SQLITE_NAMES = _unique_columns()


def _clash(err: sa_exc.IntegrityError) -> Conflict:
    """A clash with saved data (often a colleague's action a moment ago), said plainly.

    PostgreSQL names the constraint; SQLite names its columns.
    """
    text = str(err.orig)
    for name, meaning in _CLASHES.items():
        if name in text or f"UNIQUE constraint failed: {_SQLITE_NAMES.get(name)}" in text:
            return Conflict(f"{meaning}; nothing was changed")
    return Conflict(
        f"the change clashes with saved data ({text.splitlines()[0]}); nothing was changed"
    )
