"""Who may do what: the four roles of a console user.

- viewer: reads everything, changes nothing.
- engineer: floor ports, handsets, re-syncs and power-cycles, at the sites assigned to them.
- noc: numbers, services and porting as well, at every site.
- admin: sites, switches, users and settings as well.

What each role grants is decided in one place, `services/permissions.py`.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    ENGINEER = "engineer"
    NOC = "noc"
    ADMIN = "admin"
