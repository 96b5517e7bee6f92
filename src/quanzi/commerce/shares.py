"""Share links and purchase attribution (ATT-1).

Sharing a product (in a chat, a Moment, a public post, a group-buy team, or as a bare link) creates a
share link: a random token naming (product, sharer, channel) and its parent, the link the sharer came
by — the one named by `via_token`, or else the link of this product the sharer most recently opened
within the attribution window. So "A shares to B in chat, B shares it in a Moment" chains A → B even
when B shares from the product page rather than from A's card.

Opening a link (the web client calls it when it shows "#/s/<token>") records the open for the viewer.
Opens of one link from one client address are rate-limited: past the limit the link still opens and
answers the same, but the open is not recorded, so many accounts behind one address cannot inflate a
link's opens or take purchases' attribution with it.
A purchase is attributed to the buyer's most recent open of a link of that product within 7 days: the
order keeps that link's id and its chain — the sharers from the root link down to it, first sharer
first, consecutive repeats folded, the buyer left out.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.commerce.catalog import product_summary
from quanzi.commerce.models.shares import SHARE_CHANNELS, ShareLink, ShareOpen
from quanzi.commerce.schemas.shares import SharedProduct, ShareOpenOut, ShareOut, SharerOut
from quanzi.core import clock, ratelimit
from quanzi.core.actor import Actor
from quanzi.core.errors import InvalidInput, NotFound
from quanzi.core.ids import new_id, parse_id
from quanzi.identity import service as identity

ATTRIBUTION_WINDOW = timedelta(days=7)
# A chain longer than this is cut at the root end (links only ever point at older links, so a chain
# ends; the cap bounds the walk and what an order stores).
MAX_CHAIN = 50
TOKEN_BYTES = 16  # 22 url-safe characters


def share_url(token: str) -> str:
    """The path the web client opens for a share (a Moment's text may carry it)."""
    return f"/#/s/{token}"


async def product_card(session: AsyncSession, product_id: int) -> dict[str, Any]:
    """The catalog's summary of a product that may be shared (active), or NotFound."""
    summary = await product_summary(session, product_id)
    if summary.get("status") != "active":
        raise NotFound("No such product.", code="product_not_found")
    return summary


def _not_found() -> NotFound:
    return NotFound("No such share link.", code="share_not_found")


async def get_link(session: AsyncSession, token: str) -> ShareLink:
    """The link with this token, or NotFound."""
    if not token or len(token) > 32:
        raise _not_found()
    link = await session.scalar(select(ShareLink).where(ShareLink.token == token))
    if link is None:
        raise _not_found()
    return link


async def _latest_open(session: AsyncSession, viewer_id: int, product_id: int) -> ShareOpen | None:
    since = clock.now() - ATTRIBUTION_WINDOW
    return await session.scalar(
        select(ShareOpen)
        .where(
            ShareOpen.viewer_id == viewer_id,
            ShareOpen.product_id == product_id,
            ShareOpen.opened_at >= since,
        )
        .order_by(ShareOpen.opened_at.desc(), ShareOpen.id.desc())
        .limit(1)
    )


async def _sharers_to(session: AsyncSession, link: ShareLink) -> list[int]:
    """The sharer ids from the root link down to `link` (first sharer first), at most MAX_CHAIN."""
    sharers = [link.sharer_id]
    parent_id = link.parent_id
    seen = {link.id}
    while parent_id is not None and len(sharers) < MAX_CHAIN and parent_id not in seen:
        seen.add(parent_id)
        row = (
            await session.execute(
                select(ShareLink.sharer_id, ShareLink.parent_id).where(ShareLink.id == parent_id)
            )
        ).first()
        if row is None:
            break
        sharers.append(int(row.sharer_id))
        parent_id = row.parent_id
    sharers.reverse()
    return sharers


async def chain_of(session: AsyncSession, link: ShareLink, exclude: int | None = None) -> list[str]:
    """The link's chain as id strings: consecutive repeats folded, `exclude` (the viewer) left out."""
    chain: list[str] = []
    for sharer in await _sharers_to(session, link):
        if sharer == exclude:
            continue
        value = str(sharer)
        if not chain or chain[-1] != value:
            chain.append(value)
    return chain


async def create_share(
    session: AsyncSession,
    actor: Actor,
    product_id: int | str,
    channel: str,
    via_token: str | None = None,
) -> ShareOut:
    """A new share link of an active product by the actor (see the module docstring for its parent)."""
    if channel not in SHARE_CHANNELS:
        raise InvalidInput(f"channel must be one of {', '.join(SHARE_CHANNELS)}.", code="invalid_channel")
    parsed = parse_id(product_id)
    if parsed is None:
        raise NotFound("No such product.", code="product_not_found")
    summary = await product_card(session, parsed)
    parent_id: int | None = None
    if via_token is not None:
        via = await get_link(session, via_token)
        if via.product_id != parsed:
            raise _not_found()
        parent_id = via.id
    else:
        opened = await _latest_open(session, actor.user_id, parsed)
        if opened is not None:
            parent_id = opened.link_id
    link = ShareLink(
        id=new_id(),
        token=secrets.token_urlsafe(TOKEN_BYTES),
        product_id=parsed,
        sharer_id=actor.user_id,
        parent_id=parent_id,
        channel=channel,
        created_at=clock.now(),
    )
    session.add(link)
    await session.flush()
    return ShareOut(
        token=link.token,
        url=share_url(link.token),
        channel=channel,  # type: ignore[arg-type]
        product=SharedProduct.model_validate(summary),
    )


async def open_share(session: AsyncSession, actor: Actor, token: str, *, ip: str) -> ShareOpenOut:
    """Record that the actor opened this link (not for the sharer's own link) and say what it shows.

    Opening the same link again moves its open forward (one row per viewer and link), so the latest
    open of a product decides attribution. An open over the per-address limit (`ip`, the client's
    address) answers the same and records nothing."""
    link = await get_link(session, token)
    summary = await product_summary(session, link.product_id)
    if actor.user_id != link.sharer_id and await ratelimit.allowed(
        session, ("commerce.share_open", ratelimit.key_of(ip[:64], link.token))
    ):
        now = clock.now()
        existing = await session.scalar(
            select(ShareOpen)
            .where(ShareOpen.viewer_id == actor.user_id, ShareOpen.link_id == link.id)
            .order_by(ShareOpen.id.desc())
            .limit(1)
        )
        if existing is not None:
            existing.opened_at = now
        else:
            session.add(
                ShareOpen(
                    id=new_id(),
                    link_id=link.id,
                    viewer_id=actor.user_id,
                    product_id=link.product_id,
                    opened_at=now,
                )
            )
        await session.flush()
    sharer = await identity.require_user(session, link.sharer_id)
    return ShareOpenOut(
        token=link.token,
        product=SharedProduct.model_validate(summary),
        sharer=SharerOut(id=sharer.id, username=sharer.username, display_name=sharer.display_name),
    )


async def attribution_for_purchase(
    session: AsyncSession, buyer_id: int, product_id: int
) -> tuple[int | None, list[str]]:
    """(share link id, chain of sharer id strings, first sharer first) for the buyer's most recent open
    of a link of this product within 7 days of now; (None, []) when there is none."""
    opened = await _latest_open(session, buyer_id, product_id)
    if opened is None:
        return None, []
    link = await session.get(ShareLink, opened.link_id)
    if link is None:
        return None, []
    return link.id, await chain_of(session, link, exclude=buyer_id)
