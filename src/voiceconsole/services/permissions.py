"""Who may do what: the one place that decides.

Each service function that changes something declares the permission it needs with
`@requires(Permission.X)`, which registers it in `ACTIONS` and checks the actor before the
function runs. `transaction()` refuses to open for an action whose actor was not checked, and
to commit one whose site was never checked for a person confined to their sites (an
engineer): forgetting the declaration is a failure on the first run, not a silent hole. A
test (tests/test_permissions.py) fails for any public actor-taking function of `services/`
that is not registered.

The rules:

- An installation with no users does not check permissions (bootstrap): nobody is locked
  out and an installation from before users existed keeps working. The embedded default
  adds the OS login as its first user, an admin (services/startup.py).
- Once a user exists, every actor must be an enabled user; a disabled user may do nothing.
  On PostgreSQL, a session as a person's own database role is that person, whatever actor
  the client passes; the installation's owner (or a superuser) acts as the actor given.
- Roles grant permissions (`GRANTS`); an engineer's floor-port, handset and switch work is
  confined to the sites assigned to them (`user_sites`); the other roles work at every site.
  The function checks the site (`Transaction.at_site`, `at_site`) once it knows it, before it
  writes or touches a switch.
- A refusal (`NotPermitted`) writes nothing of the action; a separate small transaction
  journals it as a `refused` entry (who, what, why).
- Reads (functions without an actor) are not checked one by one: the command line and the
  console refuse to start for a login that is not an enabled user once users exist
  (`check_login`).
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from voiceconsole.db.database import Database
from voiceconsole.db.models import Site, User, UserSite
from voiceconsole.domain.errors import NotPermitted
from voiceconsole.domain.roles import Role
from voiceconsole.services.lookup import name_params, named, site_code
from voiceconsole.services.transaction import Transaction, check_actor, checked, reading


class Permission(StrEnum):
    FLOOR_PORTS = "floor ports"
    HANDSETS = "handsets"
    SWITCH_WORK = "switch work"  # port roles, re-sync, power-cycle, host keys of switches used
    NUMBERS = "numbers"
    SERVICES = "services"  # voice services, data VLANs, move-outs
    OCCUPIERS = "occupiers"
    PORTING = "porting"
    SITES = "sites"
    SWITCHES = "switches"  # the inventory: adding, mapping, removing switches
    USERS = "users"
    SETTINGS = "settings"  # operator settings, products, demo data


_ENGINEER = frozenset({Permission.FLOOR_PORTS, Permission.HANDSETS, Permission.SWITCH_WORK})
_NOC = _ENGINEER | {
    Permission.NUMBERS,
    Permission.SERVICES,
    Permission.OCCUPIERS,
    Permission.PORTING,
}
GRANTS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset(),
    Role.ENGINEER: _ENGINEER,
    Role.NOC: _NOC,
    Role.ADMIN: frozenset(Permission),
}
# What each permission lets a person do, for refusals and the console's help.
DOES: dict[Permission, str] = {
    Permission.FLOOR_PORTS: "allocate and patch floor ports",
    Permission.HANDSETS: "add, edit, move and log in handsets",
    Permission.SWITCH_WORK: "change switch ports (roles, re-sync, power-cycle)",
    Permission.NUMBERS: "allocate, activate and release numbers",
    Permission.SERVICES: "change voice services, data VLANs and move-outs",
    Permission.OCCUPIERS: "add and edit occupiers",
    Permission.PORTING: "handle porting orders",
    Permission.SITES: "add and edit sites",
    Permission.SWITCHES: "add, map and remove switches",
    Permission.USERS: "manage users",
    Permission.SETTINGS: "change operator settings and products",
}
# The work an engineer does only at their sites; checked against the site it touches.
SITE_WORK = _ENGINEER
# Roles confined to the sites assigned to them (user_sites); the others work everywhere.
SITE_BOUND = frozenset({Role.ENGINEER})

# Every registered action ("module.function") and the permission it needs.
ACTIONS: dict[str, Permission] = {}


def may(role: Role, permission: Permission) -> bool:
    return permission in GRANTS[role]


def not_granted(role: Role) -> list[Permission]:
    """What a role may not do, in the order of `Permission` (the console's help lists it)."""
    return [p for p in Permission if p not in GRANTS[role]]


@dataclass(frozen=True)
class Person:
    """A user as the checks see them."""

    login: str
    name: str
    role: Role
    disabled: bool
    site_ids: frozenset[int]
    site_codes: tuple[str, ...]

    @property
    def site_bound(self) -> bool:
        return self.role in SITE_BOUND

    def where(self) -> str:
        if not self.site_bound:
            return "every site"
        return ", ".join(self.site_codes) if self.site_codes else "no site"


async def users_exist(session: AsyncSession) -> bool:
    return bool(await session.scalar(select(func.count()).select_from(User)))


async def person(session: AsyncSession, login: str) -> Person | None:
    user = await session.scalar(select(User).where(User.login == login))
    if user is None:
        return None
    sites = (
        await session.execute(
            select(Site.id, Site.code)
            .join(UserSite, UserSite.site_id == Site.id)
            .where(UserSite.user_id == user.id)
            .order_by(Site.code)
        )
    ).all()
    return Person(
        user.login,
        user.display_name,
        user.role,
        user.disabled,
        frozenset(s.id for s in sites),
        tuple(s.code for s in sites),
    )


def _ask_an_admin(login: str, why: str) -> NotPermitted:
    refusal = NotPermitted(f"{login} {why}; ask an admin of this installation (voiceconsole users)")
    refusal.not_a_user = True  # type: ignore[attr-defined]
    return refusal


# PostgreSQL: the session's role, and whether it is the installation's owner (or a superuser).
_SESSION = text(
    "SELECT session_user, pg_has_role(session_user, "
    "(SELECT relowner FROM pg_class WHERE oid = 'audit_entries'::regclass), 'MEMBER')"
)


async def _login(session: AsyncSession, actor: str) -> str:
    """Whose permissions count: on PostgreSQL, a session as a person's own role is that
    person whatever actor the client passes (an actor nobody can fake); the owner, a
    superuser and SQLite act as the actor given (scripts, the embedded database)."""
    if session.get_bind().dialect.name != "postgresql":
        return actor
    role, owner = (await session.execute(_SESSION)).one()
    return actor if owner else str(role)


async def acting_person(session: AsyncSession, login: str) -> Person | None:
    """The enabled user `login`; None when the installation has no users (bootstrap).
    Refuses an unknown or disabled login once users exist."""
    login = await _login(session, login)
    found = await person(session, login)
    if found is None:
        if await users_exist(session):
            raise _ask_an_admin(login, "is not a user of this installation")
        return None
    if found.disabled:
        raise _ask_an_admin(login, "is disabled")
    return found


async def check_login(db: Database, login: str) -> Person | None:
    """For the command line and the console before they start: the user, None without
    users; an unknown or disabled login is refused, in one line."""
    async with db.read() as session:
        return await acting_person(session, check_actor(login))


@dataclass
class Grant:
    """An action being run by a checked actor (set in `checked` while it runs)."""

    actor: str
    action: str
    permission: Permission
    person: Person | None  # None: no users, nothing checked (bootstrap)
    # Shared with nested actions of the same actor: a site checked by the outer one counts.
    sites_checked: set[int] = field(default_factory=set)

    @property
    def site_bound(self) -> bool:
        return self.person is not None and self.person.site_bound and self.permission in SITE_WORK

    async def at_site(self, session: AsyncSession, site_id: int | None) -> None:
        self.sites_checked.add(site_id or 0)
        if not self.site_bound or site_id in self.person.site_ids:  # type: ignore[union-attr]
            return
        code = await session.scalar(select(Site.code).where(Site.id == site_id))
        raise NotPermitted(
            f"{self.person.login} is an engineer at {self.person.where()}, "  # type: ignore[union-attr]
            f"not at {code or 'that site'}, and may {DOES[self.permission]} only at their "
            "sites; nothing was changed"
        )

    def before_commit(self) -> None:
        if self.site_bound and not self.sites_checked:
            raise RuntimeError(
                f"{self.action} would commit an engineer's change without checking its site "
                "(call tx.at_site)"
            )


log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


def requires(
    permission: Permission, *, site: str | None = None, or_read: bool = False
) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
    """Declare and check the permission of a service function taking `db` and `actor`.

    `site`: the name of an argument holding a site code, checked for an engineer before the
    function runs. A function that finds its site itself checks it with `tx.at_site`.
    With `actor` None (an optional actor), nothing is checked: the function only reads.
    `or_read`: an actor who may not do the work runs it as that read (reading a site's ports
    is for everyone; pinning the switches' host keys on the way is switch work).
    """

    def register(action: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        signature = inspect.signature(action)
        if "actor" not in signature.parameters or "db" not in signature.parameters:
            raise TypeError(f"{action.__qualname__} must take `db` and `actor`")
        name = f"{action.__module__.rpartition('.')[2]}.{action.__name__}"
        ACTIONS[name] = permission

        @functools.wraps(action)
        async def run(*args: P.args, **kwargs: P.kwargs) -> T:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            if bound.arguments.get("actor") is None:
                return await action(*args, **kwargs)
            db: Database = bound.arguments["db"]
            actor = check_actor(bound.arguments["actor"])
            outer = checked.get()
            try:
                grant = await _grant(db, actor, name, permission, outer)
                if site is not None and grant.site_bound:
                    await _at_site_code(db, grant, bound.arguments.get(site))
            except NotPermitted as refusal:
                if or_read and not getattr(refusal, "not_a_user", False):
                    bound.arguments["actor"] = None
                    return await action(*bound.args, **bound.kwargs)  # type: ignore[arg-type]
                if outer is None:
                    await _journal_refusal(db, actor, name, permission, refusal)
                raise
            token = checked.set(grant)
            try:
                return await action(*args, **kwargs)
            except NotPermitted as refusal:
                if outer is None:  # the outermost action journals it, after its rollback
                    await _journal_refusal(db, actor, name, permission, refusal)
                raise
            finally:
                checked.reset(token)

        run.permission = permission  # type: ignore[attr-defined]
        return run

    return register


async def _grant(
    db: Database, actor: str, name: str, permission: Permission, outer: Grant | None
) -> Grant:
    if outer is not None and outer.actor == actor:
        found, sites_checked = outer.person, outer.sites_checked
    else:
        async with reading(db) as session:
            found = await acting_person(session, actor)
        sites_checked = set()
    if found is not None and not may(found.role, permission):
        raise NotPermitted(
            f"{found.login} is {_a(found.role)} and may not {DOES[permission]} "
            f"(that needs {_roles_with(permission)}); nothing was changed"
        )
    return Grant(actor, name, permission, found, sites_checked)


def _a(role: Role) -> str:
    return ("an " if role.value[0] in "aeiou" else "a ") + role.value


def _roles_with(permission: Permission) -> str:
    roles = [r.value for r in Role if may(r, permission)]
    return " or ".join(roles) if len(roles) < 3 else ", ".join(roles[:-1]) + " or " + roles[-1]


async def _at_site_code(db: Database, grant: Grant, ref: Any) -> None:
    """The site an argument names, by code or by id (as the services take it)."""
    if ref is None or not str(ref).strip():
        return
    async with reading(db) as session:
        site_id = await session.scalar(
            select(Site.id).where(named(Site, "ref")), name_params("ref", ref, site_code(str(ref)))
        )
        if site_id is None:
            return  # an unknown site: the function says so itself
        await grant.at_site(session, site_id)


async def at_site(session: AsyncSession, site_id: int | None) -> None:
    """Check the running action's site before work outside a transaction (a switch)."""
    grant = checked.get()
    if grant is None:
        raise RuntimeError("at_site outside a checked action")
    await grant.at_site(session, site_id)


async def _journal_refusal(
    db: Database, actor: str, name: str, permission: Permission, refusal: NotPermitted
) -> None:
    """A `refused` entry of its own: the action's transaction was rolled back. If that
    cannot be written (the database busy or gone), the refusal is still what the user is
    told: it is logged instead."""
    try:
        async with db.write() as session:
            tx = Transaction(session, actor)
            tx.audit(
                "refused",
                f"refused {name} to {actor}: {refusal}",
                after={"action": name, "permission": permission.value, "why": str(refusal)},
            )
            await tx.write_audit()
            await session.commit()
    except Exception:
        log.warning("could not journal the refusal of %s to %s", name, actor, exc_info=True)
