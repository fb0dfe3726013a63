"""`voiceconsole numbers ...`: the number inventory."""

from __future__ import annotations

import argparse
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from voiceconsole.cli.context import CommandTree, Context, Handler, open_csv, positive, say
from voiceconsole.cli.output import print_json, table, to_data
from voiceconsole.domain.phone import read_from
from voiceconsole.domain.states import NumberState
from voiceconsole.domain.words import counted
from voiceconsole.services import numbers
from voiceconsole.services.number_import import (
    LISTED,
    ImportRefused,
    ImportReport,
    import_numbers,
    iter_csv,
)
from voiceconsole.services.views import NumberView

PAGE = 5000


def register(cli: CommandTree) -> None:
    group = cli.group("numbers", "phone numbers")

    load = group.command(
        "import", "import a CSV of numbers and ranges (all or nothing)", numbers_import
    )
    load.add_argument(
        "file", type=Path, help="CSV: first,last[,main_candidate][,note]; '-' reads stdin"
    )
    load.add_argument("--site", required=True)
    load.add_argument("--origin", choices=["pool", "ported", "custom"], default="pool")
    load.add_argument(
        "--occupier", help="allocate the numbers to this occupier (port-in, custom range)"
    )
    load.add_argument("--dry-run", action="store_true", help="check and report, write nothing")

    listing = group.command("list", "numbers in numeric order", numbers_list)
    listing.add_argument("--site")
    listing.add_argument("--occupier")
    listing.add_argument("--state", choices=[s.value for s in NumberState])
    listing.add_argument("--origin", choices=["pool", "ported", "custom"])
    listing.add_argument("--search", help="part of a number (national or E.164) or label")
    listing.add_argument("--limit", type=positive, help="at most this many")

    show = group.command("show", "one number with its features", numbers_show)
    show.add_argument("number")

    allocate = group.command("allocate", "allocate numbers to an occupier", numbers_allocate)
    allocate.add_argument("numbers", nargs="+", metavar="NUMBER")
    allocate.add_argument("--occupier", required=True)
    allocate.add_argument("--site", required=True)

    for name, help, service in (
        ("activate", "put allocated numbers in service", numbers.activate_numbers),
        (
            "deactivate",
            "take numbers out of service (they stay allocated)",
            numbers.deactivate_numbers,
        ),
        (
            "release",
            "give allocated numbers up (cooldown, or port-out for ported numbers)",
            numbers.release_numbers,
        ),
    ):
        move = group.command(name, help, _state_move(service))
        move.add_argument("numbers", nargs="+", metavar="NUMBER")
        move.add_argument("--site", help="read national numbers in this site's country")

    main = group.command(
        "nominate-main", "make a number the occupier's main number", numbers_nominate_main
    )
    main.add_argument("number")
    main.add_argument("--occupier", required=True)

    configure = group.command("configure", "set a number's label and features", numbers_configure)
    configure.add_argument("number")
    configure.add_argument("--label")
    configure.add_argument(
        "--caller-id", help="present another of the occupier's numbers ('' clears)"
    )
    configure.add_argument("--forward-always", help="number to forward every call to ('' clears)")
    configure.add_argument("--forward-busy")
    configure.add_argument("--forward-no-answer")
    configure.add_argument("--voicemail", choices=["on", "off"])
    configure.add_argument("--voicemail-email", help="send voicemail to this address ('' clears)")
    configure.add_argument("--dnd", choices=["on", "off"])
    configure.add_argument(
        "--reset-pin", action="store_true", help="set a new voicemail PIN, shown once"
    )


def _number_rows(views: list[NumberView]) -> list[list[object]]:
    return [
        [
            v.national,
            v.site,
            v.state,
            v.origin,
            v.occupier,
            "main" if v.is_main else "",
            v.label,
        ]
        for v in views
    ]


# A number's fields that hold numbers (stored in E.164).
_NUMBER_FIELDS = ("caller_id_override", "forward_always", "forward_busy", "forward_no_answer")

_HEADERS = ["NUMBER", "SITE", "STATE", "ORIGIN", "OCCUPIER", "MAIN", "LABEL"]


def _print_report(report: ImportReport) -> None:
    for row in report.rows:
        mark = "ok " if row.ok else "ERR"
        detail = counted(row.size, "number") if row.ok else row.message
        print(f"{mark} line {row.line}: {row.text}: {detail}")
    listed_refused = sum(1 for row in report.rows if not row.ok)
    if report.refused > listed_refused:
        print(f"(and {report.refused - listed_refused:,} more refused rows)")
    elif report.row_count > LISTED and report.ok:
        print(f"({report.row_count:,} rows: a file of over {LISTED:,} lists only refused rows)")
    verb = "would import" if report.dry_run else "imported"
    if report.ok:
        print(f"{verb} {report.total:,} {report.origin} numbers to {report.site}")


def _progress(phase: str, count: int) -> None:
    what = "rows" if phase == "checked" else "numbers"
    say(f"{phase} {count:,} {what}…")


async def numbers_import(args: argparse.Namespace, ctx: Context) -> None:
    try:
        with open_csv(args.file) as source:
            report = await import_numbers(
                ctx.db,
                ctx.actor,
                iter_csv(source, str(args.file)),
                site=args.site,
                origin=args.origin,
                occupier=args.occupier,
                dry_run=args.dry_run,
                progress=_progress,
            )
    except ImportRefused as refused:
        if ctx.json:
            print_json(refused.report)
        else:
            _print_report(refused.report)
        raise
    ctx.emit(report, lambda: _print_report(report))


async def _pages(args: argparse.Namespace, ctx: Context) -> AsyncIterator[list[NumberView]]:
    """Page after page (keyset paging), so a million numbers never sit in memory at once."""
    remaining = args.limit
    after = None
    while remaining is None or remaining > 0:
        size = PAGE if remaining is None else min(PAGE, remaining)
        page = await numbers.list_numbers(
            ctx.db,
            site=args.site,
            occupier=args.occupier,
            state=args.state,
            origin=args.origin,
            search=args.search,
            after=after,
            limit=size,
        )
        yield page
        if len(page) < size:
            return
        after = page[-1].e164
        if remaining is not None:
            remaining -= len(page)


async def numbers_list(args: argparse.Namespace, ctx: Context) -> None:
    pages = _pages(args, ctx)
    page = await anext(pages, None)  # bad filters fail here, before anything is printed
    count = 0
    if ctx.json:
        print("[")
    while page is not None:
        if ctx.json:
            for view in page:
                separator = ",\n" if count else ""
                print(separator + json.dumps(to_data(view), ensure_ascii=False), end="")
                count += 1
        elif page:
            table(_HEADERS, _number_rows(page), header=not count)
            count += len(page)
        page = await anext(pages, None)
    if ctx.json:
        print("\n]" if count else "]")
    elif not count:
        say("no numbers match")


def _print_numbers(views: list[NumberView]) -> None:
    table(_HEADERS, _number_rows(views))


async def numbers_show(args: argparse.Namespace, ctx: Context) -> None:
    view = await numbers.show_number(ctx.db, args.number)

    def text() -> None:
        for key, value in view.to_dict().items():
            if key == "e164":
                continue  # `national` says it; E.164 is for --json
            if key in _NUMBER_FIELDS and value:
                value = read_from(value, view.e164)
            print(f"{key}: {value}")

    ctx.emit(view, text)


async def numbers_allocate(args: argparse.Namespace, ctx: Context) -> None:
    result = await numbers.allocate_numbers(
        ctx.db, ctx.actor, args.numbers, occupier=args.occupier, site=args.site
    )
    ctx.emit(result, lambda: _print_numbers(result.numbers))


def _state_move(move: Callable[..., Awaitable[numbers.NumbersChanged]]) -> Handler:
    """activate, deactivate, release: the same command shape, each its own service."""

    async def handler(args: argparse.Namespace, ctx: Context) -> None:
        result = await move(ctx.db, ctx.actor, args.numbers, site=args.site)
        ctx.emit(result, lambda: _print_numbers(result.numbers))

    return handler


async def numbers_nominate_main(args: argparse.Namespace, ctx: Context) -> None:
    result = await numbers.nominate_main(ctx.db, ctx.actor, args.number, occupier=args.occupier)
    ctx.emit(result, lambda: _print_numbers(result.numbers))


def _switch(value: str | None) -> object:
    return numbers.UNSET if value is None else value == "on"


def _text(value: str | None) -> object:
    return numbers.UNSET if value is None else value


async def numbers_configure(args: argparse.Namespace, ctx: Context) -> None:
    result = await numbers.configure_number(
        ctx.db,
        ctx.actor,
        args.number,
        label=_text(args.label),
        caller_id_override=_text(args.caller_id),
        forward_always=_text(args.forward_always),
        forward_busy=_text(args.forward_busy),
        forward_no_answer=_text(args.forward_no_answer),
        voicemail=_switch(args.voicemail),
        voicemail_email=_text(args.voicemail_email),
        dnd=_switch(args.dnd),
        reset_pin=args.reset_pin,
    )

    def text() -> None:
        for key, value in result.number.to_dict().items():
            print(f"{key}: {value}")
        if result.new_pin:
            print(f"new PIN (shown once): {result.new_pin}")

    ctx.emit(result, text)
