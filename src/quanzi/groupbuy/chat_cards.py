"""Group buying in chat: the `group_team` and `bargain` message kinds (GRP-2 sharing a team, BAR-1
"help me cut").

The content names a team or a bargain; `prepare` checks it through `quanzi.groupbuy.service` (any
team can be shared; a bargain only by its owner) and stores what the card shows. How it stands now
(places left, status, current price) is read from group buying for each viewer when history is read
(`viewer_state`, in the message's ``money`` field like the wallet's kinds).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.chat.service import CardContent, KindContext, MessageKind, Prepared, parse_content
from quanzi.core.actor import Actor
from quanzi.core.errors import AppError, NotFound
from quanzi.groupbuy import service as groupbuy


class _TeamRef(CardContent):
    team_id: str = Field(pattern=r"^[0-9]{1,19}$")


class _BargainRef(CardContent):
    bargain_id: str = Field(pattern=r"^[0-9]{1,19}$")


def _yuan(fen: int) -> str:
    return f"¥{fen // 100}.{fen % 100:02d}"


class GroupTeamKind(MessageKind):
    """A group-buy team, shared so that others join it."""

    name = "group_team"

    async def prepare(self, ctx: KindContext, content: dict[str, Any]) -> Prepared:
        ref = parse_content(_TeamRef, self.name, content)
        team = await groupbuy.view_team(ctx.session, ctx.actor, ref.team_id)
        data = {
            "team_id": str(team.id),
            "title": team.product.title,
            "image_url": team.product.image_url,
            "group_price": team.group_price,
            "size": team.size,
        }
        return Prepared(content=data, text=team.product.title)

    def preview(self, content: dict[str, Any]) -> str:
        return f"[Group buy] {content.get('title', '')} {_yuan(int(content.get('group_price', 0)))}".strip()

    async def viewer_state(self, session: AsyncSession, actor: Actor, content: dict[str, Any]) -> Any:
        try:
            team = await groupbuy.view_team(session, actor, content["team_id"])
        except AppError:
            return None
        return team.model_dump(mode="json")


class BargainKind(MessageKind):
    """A bargain its owner asks friends to help cut."""

    name = "bargain"

    async def prepare(self, ctx: KindContext, content: dict[str, Any]) -> Prepared:
        ref = parse_content(_BargainRef, self.name, content)
        bargain = await groupbuy.view_bargain(ctx.session, ctx.actor, ref.bargain_id)
        if bargain.owner.id != ctx.actor.user_id:
            raise NotFound("No such bargain of yours.", code="bargain_not_found")
        data = {
            "bargain_id": str(bargain.id),
            "title": bargain.product.title,
            "image_url": bargain.product.image_url,
            "start_price": bargain.start_price,
            "floor_price": bargain.floor_price,
        }
        return Prepared(content=data, text=bargain.product.title)

    def preview(self, content: dict[str, Any]) -> str:
        return f"[Help me cut] {content.get('title', '')}".strip()

    async def viewer_state(self, session: AsyncSession, actor: Actor, content: dict[str, Any]) -> Any:
        try:
            bargain = await groupbuy.view_bargain(session, actor, content["bargain_id"])
        except AppError:
            return None
        return bargain.model_dump(mode="json")


CARD_KINDS: tuple[MessageKind, ...] = (GroupTeamKind(), BargainKind())
