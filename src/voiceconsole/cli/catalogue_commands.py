"""Commands for the catalogue: database, demo data, sites, products, occupiers, audit."""

from __future__ import annotations

import argparse

from voiceconsole.cli import check_command, export_command, move_out_commands
from voiceconsole.cli.context import (
    CommandTree,
    Context,
    parse_datetime,
    positive,
    say,
)
from voiceconsole.cli.output import table
from voiceconsole.db.migrate import current_revision, make_revision
from voiceconsole.domain.phone import national
from voiceconsole.domain.port_roles import SwitchPortRole
from voiceconsole.domain.text import parse_date
from voiceconsole.domain.words import counted
from voiceconsole.services import audit, occupiers, products, sites
from voiceconsole.services.seed import load_large_demo, load_sample_data


def register(cli: CommandTree) -> None:
    db = cli.group("db", "the database schema")
    db.command(
        "upgrade", "apply any pending schema migrations (a new SQLite file is made)", db_upgrade
    ).set_defaults(creates_db=True)
    revision = db.command(
        "revision", "for developers: write a migration from the model changes", db_revision
    )
    revision.add_argument("--message", "-m", required=True)
    check_command.register(db)

    demo = cli.group("demo", "demonstration data")
    load = demo.command("load", "load demo data into an empty database", demo_load)
    load.add_argument(
        "--scale",
        choices=["small", "large"],
        default="small",
        help="small: the sample data; large: a generated set for benchmarks (1,000,000 numbers)",
    )

    site = cli.group("sites", "buildings")
    listing = site.command("list", "sites with their number pools", sites_list)
    listing.add_argument("--search", help="part of a site code or name")
    create = site.command("add", "create a site", sites_add)
    create.add_argument("--code", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--country", required=True, help="ISO 3166-1 alpha-2, e.g. GB or US")
    create.add_argument("--timezone", required=True, help="e.g. Europe/London")
    create.add_argument("--main-number-policy", choices=["auto", "manual"], default="auto")
    create.add_argument("--cooldown-days", type=int, help="default: the operator's (90)")
    create.add_argument("--low-stock-threshold", type=int)
    edit = site.command("edit", "change a site", sites_edit)
    edit.add_argument("site")
    edit.add_argument("--name")
    edit.add_argument("--timezone")
    edit.add_argument("--main-number-policy", choices=["auto", "manual"])
    edit.add_argument("--cooldown-days", type=int)
    edit.add_argument("--low-stock-threshold", type=int)
    edit.add_argument(
        "--forecast-warning-days",
        type=_days_or_operator,
        help='days ahead the sites list warns of a pool forecast low ("operator": the '
        "operator's, pool warning-days)",
    )
    edit.add_argument(
        "--default-port-role",
        choices=[r.value for r in SwitchPortRole],
        help="the role a floor port goes back to when its occupier moves out (default: disabled)",
    )
    edit.add_argument("--sip-registrar", help='its phones\' SIP registrar ("" for the default)')
    edit.add_argument("--sip-port", type=int)
    edit.add_argument("--sip-transport", choices=["udp", "tcp", "tls"])
    edit.add_argument("--sip-outbound-proxy", help='"" for none')
    edit.add_argument(
        "--sip-registration-check",
        action=argparse.BooleanOptionalAction,
        help="ask the registrar whether fetched lines registered (SIP OPTIONS over UDP)",
    )

    product = cli.group("products", "voice products")
    product.command("list", "the products on offer", products_list)

    occupier = cli.group("occupiers", "tenant companies")
    listing = occupier.command("list", "occupiers (of one site with --site)", occupiers_list)
    listing.add_argument("--site")
    listing.add_argument("--search", help="part of a code or name")
    create = occupier.command("add", "create an occupier", occupiers_add)
    create.add_argument("--name", required=True)
    create.add_argument("--code", help="default: made from the name")
    create.add_argument("--site", help="the site it occupies")
    edit = occupier.command("edit", "rename an occupier", occupiers_edit)
    edit.add_argument("occupier")
    edit.add_argument("--name", required=True)
    occupy = occupier.command("occupy", "record that an occupier occupies a site", occupiers_occupy)
    occupy.add_argument("--occupier", required=True)
    occupy.add_argument("--site", required=True)
    occupy.add_argument("--since", help="date (default: today at the site)")
    moved = occupier.command(
        "edit-occupancy",
        "correct the date an occupier occupies a site from",
        occupiers_edit_occupancy,
    )
    moved.add_argument("--occupier", required=True)
    moved.add_argument("--site", required=True)
    moved.add_argument("--since", required=True, help="date, e.g. 2026-11-01")
    export_command.register(occupier)
    move_out_commands.register(occupier)

    journal = cli.command("audit", "the audit journal, newest first", audit_list)
    journal.add_argument("--since", help="date or time, e.g. 2026-11-01")
    journal.add_argument("--limit", type=positive, default=50)
    journal.add_argument("--site")
    journal.add_argument("--occupier")
    journal.add_argument(
        "--by", dest="by_actor", metavar="ACTOR", help="only entries by this actor"
    )
    journal.add_argument("--action", help="an action or its prefix, e.g. numbers.")


def _days_or_operator(text: str) -> int | str:
    if text.strip().lower() == "operator":
        return "operator"
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a number of days or 'operator', not {text!r}") from None


async def db_upgrade(args: argparse.Namespace, ctx: Context) -> None:
    # Opening the database already applied pending migrations.
    revision = await current_revision(ctx.db.engine)
    ctx.emit({"revision": revision}, lambda: print(f"schema is at revision {revision}"))


async def db_revision(args: argparse.Namespace, ctx: Context) -> None:
    await make_revision(ctx.db.engine, args.message)


async def demo_load(args: argparse.Namespace, ctx: Context) -> None:
    if args.scale == "large":
        result = await load_large_demo(ctx.db, ctx.actor, progress=None if ctx.json else say)
    else:
        result = await load_sample_data(ctx.db, ctx.actor)
    ctx.emit(result, lambda: print(result.describe()))


async def sites_list(args: argparse.Namespace, ctx: Context) -> None:
    found = await sites.list_sites(ctx.db, args.search)
    ctx.emit(
        found,
        lambda: table(
            [
                "CODE",
                "NAME",
                "COUNTRY",
                "MAIN",
                "OCCUPIERS",
                "AVAILABLE",
                "RESERVED",
                "ACTIVE",
                "COOLDOWN",
                "PORTS",
                "LOW STOCK",
            ],
            [
                [
                    s.site.code,
                    s.site.name,
                    s.site.country,
                    s.site.main_number_policy,
                    s.occupiers,
                    s.numbers["available"],
                    s.numbers["reserved"],
                    s.numbers["active"],
                    s.numbers["cooldown"],
                    s.floor_ports,
                    _low(s),
                ]
                for s in found
            ],
        ),
    )


def _low(s: sites.SiteSummary) -> str:
    """LOW, or the days until the forecast says it will be (within the warning days)."""
    if s.low_stock:
        return "LOW"
    if s.low_in_days is not None:
        return f"LOW in {counted(s.low_in_days, 'day')}"
    return ""


def _site_line(s: sites.SiteView) -> None:
    print(
        f"{s.code}  {s.name}  {s.country}  {s.timezone}  main number: {s.main_number_policy}  "
        f"cooldown: {s.cooldown_days} days"
    )


async def sites_add(args: argparse.Namespace, ctx: Context) -> None:
    view = await sites.create_site(
        ctx.db,
        ctx.actor,
        code=args.code,
        name=args.name,
        country=args.country,
        timezone=args.timezone,
        main_number_policy=args.main_number_policy,
        cooldown_days=args.cooldown_days,
        low_stock_threshold=args.low_stock_threshold,
    )
    ctx.emit(view, lambda: _site_line(view))


async def sites_edit(args: argparse.Namespace, ctx: Context) -> None:
    changes = {
        key: getattr(args, key)
        for key in (
            "name",
            "timezone",
            "main_number_policy",
            "cooldown_days",
            "low_stock_threshold",
            "sip_registrar",
            "sip_port",
            "sip_transport",
            "sip_outbound_proxy",
            "sip_registration_check",
            "default_port_role",
        )
        if getattr(args, key) is not None
    }
    if args.forecast_warning_days is not None:
        days = args.forecast_warning_days
        changes["forecast_warning_days"] = None if days == "operator" else days
    view = await sites.edit_site(ctx.db, ctx.actor, args.site, **changes)
    ctx.emit(view, lambda: _site_line(view))


async def products_list(args: argparse.Namespace, ctx: Context) -> None:
    found = await products.list_products(ctx.db)
    ctx.emit(
        found,
        lambda: table(["CODE", "NAME", "CATEGORY"], [[p.code, p.name, p.category] for p in found]),
    )


async def occupiers_list(args: argparse.Namespace, ctx: Context) -> None:
    if args.site:
        at_site = await occupiers.list_occupiers_at(
            ctx.db, args.site, search=args.search, moved_out=True
        )
        ctx.emit(
            at_site,
            lambda: table(
                ["CODE", "NAME", "VOICE QTY", "ACTIVE", "SPARE", "MAIN NUMBER"],
                [
                    [
                        o.code,
                        o.name
                        + (f" (moved out {o.moved_out_on.isoformat()})" if o.moved_out_on else ""),
                        o.voice_quantity,
                        o.active_numbers,
                        o.spare_numbers,
                        _national(o.main_number),
                    ]
                    for o in at_site
                ],
            ),
        )
        return
    found = await occupiers.list_occupiers(ctx.db, search=args.search)
    ctx.emit(
        found,
        lambda: table(
            ["CODE", "NAME", "SITES"], [[o.code, o.name, " ".join(o.sites)] for o in found]
        ),
    )


def _national(e164: str | None) -> str | None:
    return national(e164) if e164 else None


async def occupiers_add(args: argparse.Namespace, ctx: Context) -> None:
    view = await occupiers.create_occupier(
        ctx.db, ctx.actor, name=args.name, code=args.code, site=args.site
    )
    ctx.emit(view, lambda: print(f"{view.code}  {view.name}  {' '.join(view.sites)}".rstrip()))


async def occupiers_edit(args: argparse.Namespace, ctx: Context) -> None:
    view = await occupiers.edit_occupier(ctx.db, ctx.actor, args.occupier, name=args.name)
    ctx.emit(view, lambda: print(f"{view.code}  {view.name}"))


async def occupiers_occupy(args: argparse.Namespace, ctx: Context) -> None:
    view = await occupiers.add_occupancy(
        ctx.db,
        ctx.actor,
        occupier=args.occupier,
        site=args.site,
        since=parse_date(args.since) if args.since else None,
    )
    ctx.emit(view, lambda: print(f"{view.code} occupies {' '.join(view.sites)}"))


async def occupiers_edit_occupancy(args: argparse.Namespace, ctx: Context) -> None:
    view = await occupiers.edit_occupancy(
        ctx.db, ctx.actor, occupier=args.occupier, site=args.site, since=parse_date(args.since)
    )
    ctx.emit(view, lambda: print(f"{view.code} occupies {' '.join(view.sites)}"))


async def audit_list(args: argparse.Namespace, ctx: Context) -> None:
    entries = await audit.list_audit(
        ctx.db,
        since=parse_datetime(args.since) if args.since else None,
        site=args.site,
        occupier=args.occupier,
        actor=args.by_actor,
        action=args.action,
        limit=args.limit,
    )
    ctx.emit(
        entries,
        lambda: table(
            ["ID", "AT (UTC)", "ACTOR", "ACTION", "SUMMARY"],
            [
                [e.id, e.at.strftime("%Y-%m-%d %H:%M:%S"), e.actor, e.action, e.summary]
                for e in entries
            ],
        ),
    )
