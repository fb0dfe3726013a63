"""Who acts: the name the journal gets for this process's actions, decided once at start.

- PostgreSQL, connected as a person's own role: the database's `session_user`. The journal's
  trigger writes it whatever the client says (migration 0010), so `--actor` is refused
  rather than silently ignored (the same name is accepted: `voiceconsole web` passes it on).
- PostgreSQL, connected as the installation's owner or a superuser (migrations, scripts):
  `--actor` as given, else the OS login. The owner could disable the trigger anyway.
- The embedded (SQLite) database: `--actor`, else the OS login. Once it has users, another
  name than one's own OS login is for an enabled admin among them only.
"""

from __future__ import annotations

from sqlalchemy import exists, select, text

from voiceconsole.db.database import Database
from voiceconsole.db.models import User
from voiceconsole.domain.errors import InvalidInput
from voiceconsole.domain.roles import Role
from voiceconsole.services.transaction import check_actor, default_actor

# The session's role, and whether it may give the journal another name (owner, superuser).
_SESSION = text(
    "SELECT session_user, pg_has_role(session_user, "
    "(SELECT relowner FROM pg_class WHERE oid = 'audit_entries'::regclass), 'MEMBER')"
)


async def acting_as(db: Database, requested: str | None, os_login: str | None = None) -> str:
    """The actor of this process's actions, or one clear refusal of `--actor`."""
    os_login = check_actor(os_login if os_login is not None else default_actor())
    wanted = check_actor(requested) if requested is not None else None
    async with db.read() as session:
        if db.dialect == "postgresql":
            role, owner = (await session.execute(_SESSION)).one()
            if owner:
                return wanted or os_login
            if wanted is not None and wanted != role:
                raise InvalidInput(
                    f"--actor is not taken on a shared PostgreSQL database: the journal names "
                    f"the database role you connect as ({role!a})"
                )
            return check_actor(role)
        if wanted is None or wanted == os_login:
            return os_login
        if not await session.scalar(select(exists().where(User.id.is_not(None)))):
            return wanted  # no users yet: one person's file, as before
        admin = await session.scalar(
            select(
                exists().where(
                    User.login == os_login, User.role == Role.ADMIN, User.disabled.is_(False)
                )
            )
        )
    if not admin:
        raise InvalidInput(
            f"--actor is for admins: {os_login!a} is not an enabled admin of this database"
        )
    return wanted
