"""`voiceconsole users`: who may use the console, with which role and at which sites."""

from __future__ import annotations

import argparse

from voiceconsole.cli.context import CommandTree, Context
from voiceconsole.cli.output import table
from voiceconsole.domain.roles import Role
from voiceconsole.services import users

ROLES = [r.value for r in Role]


def register(cli: CommandTree) -> None:
    group = cli.group("users", "people who may use the console, their roles and sites (admins)")
    add = group.command("add", "add a user (the first one must be an admin)", users_add)
    add.add_argument("login", help="their login (on PostgreSQL, their database role)")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--name", help="display name (default: the login)")
    add.add_argument(
        "--site",
        action="append",
        default=[],
        metavar="CODE",
        help="a site an engineer works at (repeat for several)",
    )
    group.command("list", "every user with their role and sites", users_list)
    edit = group.command("edit", "change a user's role, name or sites", users_edit)
    edit.add_argument("login")
    edit.add_argument("--role", choices=ROLES)
    edit.add_argument("--name")
    edit.add_argument(
        "--sites", metavar="CODE,...", help="an engineer's sites, replacing the ones they had"
    )
    disable = group.command("disable", "stop a user from doing anything", users_disable)
    disable.add_argument("login")
    enable = group.command("enable", "let a disabled user work again", users_enable)
    enable.add_argument("login")


def _print_users(found: list[users.UserView]) -> None:
    table(
        ["login", "name", "role", "sites", "state"],
        [
            (
                u.login,
                u.name,
                u.role,
                ", ".join(u.sites) if u.sites else "every site",
                "disabled" if u.disabled else "enabled",
            )
            for u in found
        ],
    )


async def users_add(args: argparse.Namespace, ctx: Context) -> None:
    view = await users.add_user(
        ctx.db, ctx.actor, login=args.login, role=args.role, name=args.name, sites=args.site
    )
    ctx.emit(view, lambda: print(f"added {view.describe()}"))


async def users_list(args: argparse.Namespace, ctx: Context) -> None:
    found = await users.list_users(ctx.db)

    def text() -> None:
        if not found:
            print("no users: permissions are not checked until the first (an admin) is added")
        else:
            _print_users(found)

    ctx.emit(found, text)


async def users_edit(args: argparse.Namespace, ctx: Context) -> None:
    sites = None if args.sites is None else [s for s in args.sites.split(",") if s.strip()]
    view = await users.edit_user(
        ctx.db, ctx.actor, args.login, role=args.role, name=args.name, sites=sites
    )
    ctx.emit(view, lambda: print(view.describe()))


async def users_disable(args: argparse.Namespace, ctx: Context) -> None:
    view = await users.set_user_disabled(ctx.db, ctx.actor, args.login, disabled=True)
    ctx.emit(view, lambda: print(view.describe()))


async def users_enable(args: argparse.Namespace, ctx: Context) -> None:
    view = await users.set_user_disabled(ctx.db, ctx.actor, args.login, disabled=False)
    ctx.emit(view, lambda: print(view.describe()))
