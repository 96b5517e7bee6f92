"""Product search (SHP-1): jieba terms of a product's title and description in an inverted index.

The segmentation is the feed's (`feed.service.topics.terms`: NFKC, case-folded, stopwords out), so
Chinese needs no spaces and English matches whole words case-insensitively: 保温杯 finds
"真空保温杯 500ml", "thermos" finds "Vacuum Thermos Bottle". Products are indexed with jieba's search
mode (the words inside long words too: 保温杯 → 保温, 保温杯) and queries with its precise mode; a
product matches when it holds every term of the query. The index is a plain table
(`commerce_product_terms`), the same on SQLite and PostgreSQL, rewritten whenever the title or the
description changes. Only active products are found; results are newest first.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.commerce.models.catalog import Product, ProductTerm
from quanzi.core.errors import InvalidInput
from quanzi.core.pagination import PageRequest, page_of
from quanzi.feed import service as parsing

MAX_QUERY_TERMS = 8
MAX_QUERY_CHARS = 100
TERM_CHARS = 64


def _insert(session: AsyncSession) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(ProductTerm)
    return sqlite.insert(ProductTerm)


def product_terms(title: str, description: str) -> list[str]:
    return [term[:TERM_CHARS] for term in parsing.terms(f"{title}\n{description}")]


async def index_product(session: AsyncSession, product: Product) -> None:
    """(Re)file the product under the terms of its title and description."""
    await parsing.ready()
    words = list(dict.fromkeys(product_terms(product.title, product.description)))
    await session.execute(delete(ProductTerm).where(ProductTerm.product_id == product.id))
    if words:
        await session.execute(
            _insert(session)
            .values([{"term": word, "product_id": product.id} for word in words])
            .on_conflict_do_nothing()
        )


async def query_terms(query: str) -> list[str]:
    await parsing.ready()
    words = parsing.terms(parsing.printable(query), for_search=False)
    return [word[:TERM_CHARS] for word in dict.fromkeys(words)][:MAX_QUERY_TERMS]


async def search_product_rows(
    session: AsyncSession, query: str, page: PageRequest
) -> tuple[list[Product], str | None]:
    """Active products holding every term of `query`, newest first."""
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidInput(f"The query is longer than {MAX_QUERY_CHARS} characters.", code="query_too_long")
    words = await query_terms(query)
    if not words:
        return [], None
    stmt = select(Product).where(Product.status == "active")
    for word in words:
        stmt = stmt.where(Product.id.in_(select(ProductTerm.product_id).where(ProductTerm.term == word)))
    if page.after:
        if len(page.after) != 1 or not isinstance(page.after[0], int):
            raise InvalidInput("cursor is not valid", code="invalid_cursor")
        stmt = stmt.where(Product.id < page.after[0])
    rows = list((await session.scalars(stmt.order_by(Product.id.desc()).limit(page.limit + 1))).all())
    return page_of(rows, page, key=lambda product: product.id)
