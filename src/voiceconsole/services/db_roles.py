"""A person's own PostgreSQL login role, kept in step with their row in `users`.

Each person connects as their own role (peer, certificate or `.pgpass`: no password is set
here), a member of exactly the group role of their console role (db/pg_roles.py). The
database then knows who acts: the journal's actor is the session's role, and the grants
hold even in the person's own SQL client.

A login names a role in SQL, so it is checked against a strict pattern and quoted, never
formatted in raw.
"""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from voiceconsole.db.pg_roles import GROUPS
from voiceconsole.domain.errors import InvalidInput
from voiceconsole.domain.roles import Role

# PostgreSQL's names are at most 63 bytes. Letters, digits and `_ . @ -`: an OS login or a
# certificate's common name (an e-mail address).
_LOGIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.@-]{0,62}")
# Names PostgreSQL reserves, or that would make a person one of the groups.
_RESERVED = {"public", "none", "current_user", "current_role", "session_user"}
_PREPARER = postgresql.dialect().identifier_preparer


def checked_login(login: str) -> str:
    """The login as a role name, or one clear refusal."""
    if not _LOGIN.fullmatch(login):
        raise InvalidInput(
            "a database login is 1 to 63 letters, digits or _ . @ - (starting with a letter or _)"
        )
    lowered = login.lower()
    if lowered in _RESERVED or lowered.startswith(("pg_", "voiceconsole_")):
        raise InvalidInput(f"{login!r} is reserved for the database's own roles")
    return login


async def sync_login_role(
    connection: AsyncConnection | AsyncSession, login: str, role: Role | str, disabled: bool
) -> str:
    """Create the person's LOGIN role if missing, make it a member of exactly its group, and
    NOLOGIN in no group when disabled. Says what it did, in one line.

    A superuser or the installation's owner is left as it is: making the owner NOLOGIN (a
    disabled first admin) would lock the migrations out, and a group adds nothing to rights
    it has already. Runs in the caller's transaction (with the `users` row it mirrors).
    """
    login = checked_login(login)
    group = GROUPS[Role(role)]
    found = (
        await connection.execute(
            text(
                "SELECT r.rolsuper OR pg_has_role(r.oid, "
                "(SELECT relowner FROM pg_class WHERE oid = 'audit_entries'::regclass), "
                "'MEMBER') FROM pg_roles r WHERE r.rolname = :login"
            ),
            {"login": login},
        )
    ).first()
    quoted = _PREPARER.quote_identifier(login)
    if found is not None and found[0]:
        return f"{login} owns the installation (or is a superuser): its database rights are kept"
    can_login = "NOLOGIN" if disabled else "LOGIN"
    if found is None:
        await connection.execute(text(f"CREATE ROLE {quoted} {can_login}"))
    else:
        await connection.execute(text(f"ALTER ROLE {quoted} {can_login}"))
    # Disabled: in no group either. NOLOGIN stops new connections only; a session still open
    # (a console, psql) loses its rights with the group.
    for other in GROUPS.values():
        if other != group or disabled:
            await connection.execute(text(f"REVOKE {other} FROM {quoted}"))
    if not disabled:
        await connection.execute(text(f"GRANT {group} TO {quoted}"))
    made = "created" if found is None else "updated"
    return f"database role {login} {made}: {group}" + (", no login (disabled)" if disabled else "")
