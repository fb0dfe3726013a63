"""Loading the sample data (small) and generating the benchmark data set (large).

The sample data is replayed through the same service functions people use, inside one
`batch`: all or nothing, with an audit entry per action as if staff had done the work.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select

from voiceconsole.config import sample_data_dir
from voiceconsole.db.database import Database
from voiceconsole.db.models import (
    DeviceModel,
    Floor,
    FloorPort,
    Handset,
    Occupancy,
    Occupier,
    OperatorSettings,
    PhoneNumber,
    Product,
    ProductCategory,
    ServiceAssignment,
    Site,
    Space,
    Switch,
    SwitchPort,
)
from voiceconsole.domain.errors import Conflict
from voiceconsole.domain.handsets import HandsetState, SipTransport, normalise_mac
from voiceconsole.domain.platforms import profile_for_model
from voiceconsole.domain.states import MainNumberPolicy, NumberState
from voiceconsole.domain.text import slugify
from voiceconsole.services import numbers, voice_services
from voiceconsole.services.large_demo import generate
from voiceconsole.services.lookup import occupier_by_ref, site_by_ref, site_today
from voiceconsole.services.number_import import ImportRow, import_numbers
from voiceconsole.services.permissions import Permission, requires
from voiceconsole.services.provisioning import new_provisioning_secret
from voiceconsole.services.transaction import Transaction, batch, transaction
from voiceconsole.services.views import View


@dataclass(frozen=True)
class LoadResult(View):
    sites: int
    occupiers: int
    numbers: int
    services: int
    floor_ports: int

    def describe(self) -> str:
        return (
            f"{self.sites} sites, {self.occupiers:,} occupiers, {self.numbers:,} numbers, "
            f"{self.services:,} services, {self.floor_ports:,} floor ports"
        )


async def _refuse_if_not_empty(session: Any) -> None:
    count = await session.scalar(select(func.count()).select_from(Site))
    if count:
        raise Conflict(
            f"the database already holds {count} sites; load demo data into an empty one"
        )


def _yaml(directory: Path, name: str) -> Any:
    return yaml.safe_load((directory / name).read_text(encoding="utf-8"))


def _yaml_if_present(directory: Path, name: str) -> Any:
    """Files added later are optional, so an older sample folder still loads."""
    return _yaml(directory, name) if (directory / name).exists() else []


def _csv_if_present(directory: Path, name: str) -> list[dict[str, str]]:
    return _csv(directory, name) if (directory / name).exists() else []


def _csv(directory: Path, name: str) -> list[dict[str, str]]:
    with (directory / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@requires(Permission.SETTINGS)
async def load_sample_data(db: Database, actor: str, directory: Path | None = None) -> LoadResult:
    directory = directory or sample_data_dir()
    async with batch(db, actor) as outer:
        await _refuse_if_not_empty(outer.session)
        async with transaction(db, actor) as tx:
            await _load_structure(tx, directory)
        await _load_numbers(db, actor, _csv(directory, "numbers.csv"))
        for step in _yaml(directory, "actions.yaml"):
            await _replay(db, actor, outer, step)
        return await _count(outer.session)


async def _load_structure(tx: Transaction, directory: Path) -> None:
    """Operator, products, sites, floors, spaces, occupiers, switches and floor ports."""
    session = tx.session
    operator = _yaml(directory, "operator.yaml")
    session.add(OperatorSettings(id=1, **operator))
    for item in _yaml(directory, "products.yaml"):
        session.add(Product(**{**item, "category": ProductCategory(item["category"])}))
    spaces: dict[tuple[str, str], Space] = {}
    floors: dict[tuple[str, str], Floor] = {}
    sites: dict[str, Site] = {}
    for item in _yaml(directory, "sites.yaml"):
        site = Site(
            **{k: v for k, v in item.items() if k != "floors"},
        )
        site.main_number_policy = MainNumberPolicy(item["main_number_policy"])
        site.sip_transport = SipTransport(item.get("sip_transport", "udp"))
        session.add(site)
        await session.flush()
        sites[site.code] = site
        for floor_item in item["floors"]:
            floor = Floor(site_id=site.id, name=floor_item["name"], level=floor_item["level"])
            session.add(floor)
            await session.flush()
            floors[(site.code, floor.name)] = floor
            for code in floor_item["spaces"]:
                space = Space(floor_id=floor.id, code=code, name=f"Suite {code}")
                session.add(space)
                spaces[(site.code, code)] = space
    for item in _yaml(directory, "occupiers.yaml"):
        occupier = Occupier(code=item.get("code") or slugify(item["name"]), name=item["name"])
        session.add(occupier)
        await session.flush()
        for code, let in item["sites"].items():
            site = sites[code]
            session.add(
                Occupancy(
                    occupier_id=occupier.id,
                    site_id=site.id,
                    since=site_today(site),
                    data_vlan=item.get("data_vlans", {}).get(code),
                )
            )
            for space_code in let:
                spaces[(code, space_code)].occupier_id = occupier.id
    await session.flush()
    ports: dict[tuple[str, str], SwitchPort] = {}
    for item in _yaml(directory, "switches.yaml"):
        count = item.pop("ports")
        item.pop("floor")
        item.pop("vlans", None)  # what the simulators are set up with (the lab's business)
        site = sites[item.pop("site")]
        found = profile_for_model(item.get("model", ""))
        switch = Switch(
            **item, site_id=site.id, simulated=True, profile=found.code if found else ""
        )
        session.add(switch)
        await session.flush()
        for n in range(1, count + 1):
            port = SwitchPort(switch_id=switch.id, interface=f"GigabitEthernet1/0/{n}")
            session.add(port)
            ports[(switch.hostname, port.interface)] = port
    await session.flush()
    occupier_ids = dict((await session.execute(select(Occupier.code, Occupier.id))).all())
    for row in _csv(directory, "floor_ports.csv"):
        session.add(
            FloorPort(
                site_id=sites[row["site"]].id,
                floor_id=floors[(row["site"], row["floor"])].id,
                space_id=spaces[(row["site"], row["space"])].id if row["space"] else None,
                label=row["label"],
                switch_port_id=ports[(row["switch"], row["interface"])].id,
                occupier_id=occupier_ids[row["occupier"]] if row["occupier"] else None,
            )
        )
    for item in _yaml_if_present(directory, "device_models.yaml"):
        session.add(DeviceModel(**item))
    await session.flush()
    floor_port_ids = {
        (site_id, label): port_id
        for port_id, site_id, label in await session.execute(
            select(FloorPort.id, FloorPort.site_id, FloorPort.label)
        )
    }
    for row in _csv_if_present(directory, "handsets.csv"):
        site = sites[row["site"]]
        session.add(
            Handset(
                site_id=site.id,
                occupier_id=occupier_ids[row["occupier"]] if row["occupier"] else None,
                model=row["model"],
                mac=normalise_mac(row["mac"]),
                floor_port_id=floor_port_ids.get((site.id, row["floor_port"])),
                label=row["label"],
                # `voiceconsole lab` answers re-sync requests at these (simulated phones).
                sip_address=row.get("sip_address") or None,
                state=HandsetState.DEPLOYED if row["occupier"] else HandsetState.IN_STOCK,
                provisioning_secret=new_provisioning_secret(),
            )
        )
    tx.audit(
        "demo.load",
        f"loaded the sample sites, occupiers, products and floor ports of {operator['name']}",
        after={"sites": sorted(sites), "occupiers": len(occupier_ids), "floor_ports": len(ports)},
    )


async def _load_numbers(db: Database, actor: str, rows: list[dict[str, str]]) -> None:
    """One import per site, origin and occupier, as the operator would have run them."""
    groups: dict[tuple[str, str, str], list[ImportRow]] = {}
    for line, row in enumerate(rows, start=2):
        key = (row["site"], row["origin"], row["occupier"])
        groups.setdefault(key, []).append(
            ImportRow(line, row["first"], row["last"], row["main_candidate"], row["note"])
        )
    for (site, origin, occupier), group in groups.items():
        await import_numbers(db, actor, group, site=site, origin=origin, occupier=occupier or None)


async def _numbers_of(session: Any, spec: dict[str, Any]) -> list[str]:
    if "numbers" in spec:
        return [str(n) for n in spec["numbers"]]
    holder = await occupier_by_ref(session, spec["occupier"])
    place = await site_by_ref(session, spec["site"])
    return list(
        await session.scalars(
            select(PhoneNumber.e164)
            .where(PhoneNumber.occupier_id == holder.id, PhoneNumber.site_id == place.id)
            .where(PhoneNumber.state == NumberState(spec["state"]))
            .order_by(PhoneNumber.e164_value)
        )
    )


async def _replay(db: Database, actor: str, outer: Transaction, step: dict[str, Any]) -> None:
    ((kind, spec),) = step.items()
    if kind == "add_services":
        quantity = spec.pop("qty")
        await voice_services.add_services(db, actor, **spec, quantity=quantity)
    elif kind == "schedule":
        quantity, days = spec.pop("qty"), spec.pop("in_days")
        await voice_services.schedule_change(
            db, actor, **spec, quantity=quantity, effective_on=days
        )
    elif kind in ("activate", "deactivate", "release"):
        move: Callable[..., Any] = getattr(numbers, f"{kind}_numbers")
        await move(db, actor, await _numbers_of(outer.session, spec))
    elif kind == "nominate_main":
        await numbers.nominate_main(db, actor, str(spec["number"]), occupier=spec["occupier"])
    elif kind == "configure":
        await numbers.configure_number(db, actor, str(spec.pop("number")), **spec)
    else:
        raise ValueError(f"unknown sample-data action {kind!r}")


async def _count(session: Any) -> LoadResult:
    async def count(model: Any) -> int:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)

    return LoadResult(
        await count(Site),
        await count(Occupier),
        await count(PhoneNumber),
        await count(ServiceAssignment),
        await count(FloorPort),
    )


@requires(Permission.SETTINGS)
async def load_large_demo(
    db: Database, actor: str, progress: Callable[[str], None] | None = None
) -> LoadResult:
    async with transaction(db, actor) as tx:
        await _refuse_if_not_empty(tx.session)
        await generate(tx, progress or (lambda _text: None))
        result = await _count(tx.session)
        tx.audit(
            "demo.load", f"generated the large demo data set: {result.describe()}", after=result
        )
    return result
