"""The people who may use the console: their login, role and (engineers) sites.

Only an admin manages users, except before the first one exists (services/permissions.py:
an installation without users checks nothing). The first user must be an admin, and the last
enabled admin can be neither demoted nor disabled: either would lock everyone out.

On PostgreSQL each user is also a database login role, kept in step in the same transaction
(services/db_roles.py): created with the user, in the group of their role, NOLOGIN while
disabled. Removing a user's row never happens (the journal names them), so neither does
dropping the role.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from voiceconsole.db.database import Database
from voiceconsole.db.models import Site, User, UserSite
from voiceconsole.domain.errors import Conflict, InvalidInput, NotFound, RuleViolation
from voiceconsole.domain.roles import Role
from voiceconsole.domain.text import clean_text
from voiceconsole.services.db_roles import checked_login, sync_login_role
from voiceconsole.services.lookup import site_code
from voiceconsole.services.permissions import SITE_BOUND, Permission, requires
from voiceconsole.services.transaction import Transaction, transaction
from voiceconsole.services.views import View


def check_login_name(login: str) -> str:
    """A login is also a database role name and an OS user name, and it is shown on every
    colleague's screen: the same strict pattern as a database role (services/db_roles.py)."""
    text = login.strip()
    try:
        return checked_login(text)
    except InvalidInput as err:
        raise InvalidInput(f"{text[:70]!r} is not a login: {err}") from None


def check_role(role: str | Role) -> Role:
    try:
        return Role(str(role).strip().lower())
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise InvalidInput(f"{str(role)[:40]!r} is not a role ({known})") from None


@dataclass(frozen=True)
class UserView(View):
    login: str
    name: str
    role: str
    sites: tuple[str, ...]
    disabled: bool

    def describe(self) -> str:
        where = ", ".join(self.sites) if self.role in SITE_BOUND else "every site"
        state = " (disabled)" if self.disabled else ""
        return f"{self.login} ({self.name}): {self.role} at {where}{state}"


async def _view(session: AsyncSession, user: User) -> UserView:
    codes = await session.scalars(
        select(Site.code)
        .join(UserSite, UserSite.site_id == Site.id)
        .where(UserSite.user_id == user.id)
        .order_by(Site.code)
    )
    return UserView(user.login, user.display_name, user.role.value, tuple(codes), user.disabled)


async def list_users(db: Database) -> list[UserView]:
    async with db.read() as session:
        users = await session.scalars(select(User).order_by(User.login))
        return [await _view(session, u) for u in users]


async def _site_ids(session: AsyncSession, role: Role, sites: Sequence[str]) -> list[int]:
    codes = sorted({site_code(s) for s in sites if s.strip()})
    if role not in SITE_BOUND:
        if codes:
            raise InvalidInput(f"a {role.value} works at every site: give no sites")
        return []
    if not codes:
        raise InvalidInput(f"an {role.value} works at the sites assigned: give at least one site")
    found = dict(
        (await session.execute(select(Site.code, Site.id).where(Site.code.in_(codes)))).all()
    )
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise NotFound(f"unknown site {', '.join(unknown)}")
    return [found[c] for c in codes]


async def _user(session: AsyncSession, login: str) -> User:
    user = await session.scalar(
        select(User).where(User.login == check_login_name(login)).with_for_update()
    )
    if user is None:
        raise NotFound(f"no user {login.strip()!r}")
    return user


async def _database_role(tx: Transaction, user: User) -> None:
    """PostgreSQL: the user's own login role, in step with their row."""
    if tx.session.bind.dialect.name == "postgresql":
        await sync_login_role(tx.session, user.login, user.role, user.disabled)


async def _keep_an_admin(tx: Transaction, user: User, why: str) -> None:
    """Refuse to leave no enabled admin: nobody could manage users any more."""
    if user.role is not Role.ADMIN or user.disabled:
        return
    others = await tx.session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == Role.ADMIN, User.disabled.is_(False), User.id != user.id)
    )
    if not others:
        raise RuleViolation(
            f"{user.login} is the last enabled admin: {why} would lock everyone out; "
            "add another admin first"
        )


@requires(Permission.USERS)
async def add_user(
    db: Database,
    actor: str,
    *,
    login: str,
    role: str | Role,
    name: str | None = None,
    sites: Sequence[str] = (),
) -> UserView:
    """Add a user. The first user of an installation must be an admin."""
    login = check_login_name(login)
    role = check_role(role)
    name = clean_text(name, "display name") if name else login
    async with transaction(db, actor) as tx:
        if await tx.session.scalar(select(User.id).where(User.login == login)):
            raise Conflict(f"a user {login} already exists; nothing was changed")
        first = not await tx.session.scalar(select(func.count()).select_from(User))
        if first and role is not Role.ADMIN:
            raise RuleViolation(
                f"the first user must be an admin (from then on only users may act, and "
                f"only an admin adds users); add {login} with --role admin"
            )
        site_ids = await _site_ids(tx.session, role, sites)
        user = User(login=login, display_name=name, role=role, created_by=tx.actor)
        tx.session.add(user)
        await tx.session.flush()
        for site_id in site_ids:
            tx.session.add(UserSite(user_id=user.id, site_id=site_id))
        await tx.session.flush()
        await _database_role(tx, user)
        view = await _view(tx.session, user)
        tx.audit(
            "user.add",
            f"added {view.describe()}" + (" as the first user" if first else ""),
            subjects=[(s, None) for s in site_ids],
            after=view,
        )
        return view


@requires(Permission.USERS)
async def edit_user(
    db: Database,
    actor: str,
    login: str,
    *,
    role: str | Role | None = None,
    name: str | None = None,
    sites: Sequence[str] | None = None,
) -> UserView:
    """Change a user's role, display name or sites (all of them, replacing the old)."""
    new_role = check_role(role) if role is not None else None
    new_name = clean_text(name, "display name") if name is not None else None
    async with transaction(db, actor) as tx:
        user = await _user(tx.session, login)
        before = await _view(tx.session, user)
        if new_role is not None and new_role not in (user.role, Role.ADMIN):
            await _keep_an_admin(tx, user, f"making them {new_role.value}")
        target_role = new_role or user.role
        if sites is not None or (target_role in SITE_BOUND) != (user.role in SITE_BOUND):
            wanted = sites if sites is not None else before.sites
            if target_role not in SITE_BOUND and sites is None:
                wanted = ()  # a role that works everywhere drops the sites it had
            site_ids = await _site_ids(tx.session, target_role, wanted)
            await tx.session.execute(delete(UserSite).where(UserSite.user_id == user.id))
            for site_id in site_ids:
                tx.session.add(UserSite(user_id=user.id, site_id=site_id))
        user.role = target_role
        if new_name is not None:
            user.display_name = new_name
        await tx.session.flush()
        after = await _view(tx.session, user)
        if after == before:
            tx.no_change()
            return after
        await _database_role(tx, user)
        tx.audit(
            "user.edit",
            f"changed user {after.describe()}",
            before=before,
            after=after,
        )
        return after


@requires(Permission.USERS)
async def set_user_disabled(db: Database, actor: str, login: str, *, disabled: bool) -> UserView:
    """Disable a user (they may do nothing; their journal entries stay), or enable again."""
    async with transaction(db, actor) as tx:
        user = await _user(tx.session, login)
        if user.disabled == disabled:
            raise RuleViolation(
                f"{user.login} is already {'disabled' if disabled else 'enabled'}; "
                "nothing was changed"
            )
        if disabled:
            await _keep_an_admin(tx, user, "disabling them")
        user.disabled = disabled
        await tx.session.flush()
        await _database_role(tx, user)
        view = await _view(tx.session, user)
        tx.audit(
            "user.disable" if disabled else "user.enable",
            f"{'disabled' if disabled else 'enabled'} user {user.login}",
            after=view,
        )
        return view
