"""What the person at the console may do, so that its keys say so before they are pressed.

The service layer decides and refuses (services/permissions.py); the console only mirrors
it: a screen's keys for changes the user may not make are greyed in the footer (Textual's
`check_action` returning None: shown, not run), the header names the user's role, and the
help (f1) lists what the role may not do. A key run another way (enter on a row) says why.
"""

from __future__ import annotations

from typing import Any, ClassVar

from voiceconsole.services.permissions import DOES, SITE_WORK, Permission, Person, may


def allowed(user: Person | None, permission: Permission, site: str | None) -> bool:
    """Whether `user` (None: an installation without users) may do this at `site`."""
    if user is None:
        return True
    if user.disabled or not may(user.role, permission):
        return False
    if user.site_bound and permission in SITE_WORK:
        return site is not None and site in user.site_codes
    return True


def who(user: Person) -> str:
    """'ann, engineer at LON1' for the header."""
    where = f" at {user.where()}" if user.site_bound else ""
    return f"{user.login}, {user.role.value}{where}"


def may_not(user: Person | None) -> list[str]:
    """What the user may not do anywhere, in words (the help)."""
    if user is None:
        return []
    return [DOES[p] for p in Permission if not may(user.role, p)]


def not_yours(user: Person | None, permission: Permission) -> str:
    """Why, in a few words (a menu item)."""
    if user is not None and user.site_bound and may(user.role, permission):
        return f"only at {user.where()}"
    return f"not for your role ({user.role.value if user else '?'})"


def refusal(user: Person | None, permission: Permission) -> str:
    if user is None:
        return ""
    if not may(user.role, permission):
        return f"As {user.role.value} you may not {DOES[permission]}."
    return f"You may {DOES[permission]} only at {user.where()}."


class Guarded:
    """A screen whose keys for changes are greyed for a user who may not make them.

    `NEEDS`: action name -> the permission it needs; the site is the screen's `site`, else
    the console's current site."""

    NEEDS: ClassVar[dict[str, Permission]] = {}

    def permitted(self, action: str) -> bool:
        need = self.NEEDS.get(action)
        if need is None:
            return True
        app: Any = self.app  # type: ignore[attr-defined]
        site = getattr(self, "site", None) or app.current_site
        return allowed(getattr(app, "user", None), need, site)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.permitted(action):
            return None
        return super().check_action(action, parameters)  # type: ignore[misc]

    def say_refused(self, action: str) -> bool:
        """For an action reached other than by its key: True (and a notice) if refused."""
        if self.permitted(action):
            return False
        app: Any = self.app  # type: ignore[attr-defined]
        app.notify(refusal(app.user, self.NEEDS[action]), severity="warning", markup=False)
        return True
