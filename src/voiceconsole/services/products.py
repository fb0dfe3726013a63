"""Voice products: what an occupier can be given a quantity of."""

from __future__ import annotations

from sqlalchemy import select

from voiceconsole.db.database import Database
from voiceconsole.db.models import Product, ProductCategory
from voiceconsole.domain.text import clean_code, clean_text, parse_choice
from voiceconsole.services.permissions import Permission, requires
from voiceconsole.services.transaction import transaction
from voiceconsole.services.views import ProductView


@requires(Permission.SETTINGS)
async def create_product(
    db: Database,
    actor: str,
    *,
    code: str,
    name: str,
    category: str = "voice",
    description: str = "",
) -> ProductView:
    kind = parse_choice(ProductCategory, category, "product category")
    product = Product(
        code=clean_code(code, "product code", max_len=64),
        name=clean_text(name, "product name"),
        category=kind,
        description=clean_text(description, "description", max_len=2000, required=False),
    )
    async with transaction(db, actor) as tx:
        tx.session.add(product)
        await tx.session.flush()
        view = ProductView.of(product)
        tx.audit("product.create", f"created product {product.code}", after=view)
    return view


async def list_products(db: Database) -> list[ProductView]:
    async with db.read() as session:
        return [
            ProductView.of(p) for p in await session.scalars(select(Product).order_by(Product.code))
        ]
