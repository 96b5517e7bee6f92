"""Money in chat: the `transfer` and `red_packet` card kinds (WAL-4, WAL-5 as chat messages), which
the wallet implements through chat's card-kind interface and lists in its manifest.

The money moves in the wallet, through its own idempotent routes: the client first makes the transfer
or red packet there (with ``conversation_ref`` = the chat id, a group packet's ``audience`` = the
group's other members), then sends a message of one of these kinds whose content names it. `prepare`
checks through `quanzi.wallet.service` that the actor sent it, into this chat, to this chat's people;
the message stores only the id and what the card shows. How it stands (pending, accepted, grabbed by
me …) is read from the wallet for each viewer when history is read (`viewer_state`), and the chat
learns of accept, decline, grab and expiry from the wallet's `wallet.chat_notices` consumer
(`wallet.consumers`), which posts system notices.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.chat.service import (
    CardContent,
    KindContext,
    MessageKind,
    Prepared,
    active_member_ids,
    parse_content,
)
from quanzi.core.actor import Actor
from quanzi.core.errors import AppError, InvalidInput, NotFound
from quanzi.wallet import service as wallet


class _TransferRef(CardContent):
    transfer_id: str = Field(pattern=r"^[0-9]{1,19}$")


class _RedPacketRef(CardContent):
    red_packet_id: str = Field(pattern=r"^[0-9]{1,19}$")


def _yuan(fen: int) -> str:
    return f"¥{fen // 100}.{fen % 100:02d}"


class TransferKind(MessageKind):
    """A transfer to the other person of a direct chat; they accept or decline it in the wallet."""

    name = "transfer"
    recall_window = timedelta(0)
    forwardable = False

    async def prepare(self, ctx: KindContext, content: dict[str, Any]) -> Prepared:
        ref = parse_content(_TransferRef, self.name, content)
        missing = NotFound("No such transfer of yours for this chat.", code="transfer_not_found")
        if ctx.conversation_kind != "direct":
            raise InvalidInput("A transfer is sent in a direct chat.", code="invalid_content")
        try:
            transfer = await wallet.transfer_out(
                ctx.session, await wallet.get_transfer(ctx.session, ctx.actor, ref.transfer_id)
            )
        except NotFound:
            raise missing from None
        members = await active_member_ids(ctx.session, ctx.conversation_id)
        if (
            transfer.sender.id != ctx.actor.user_id
            or transfer.conversation_ref != str(ctx.conversation_id)
            or members != {ctx.actor.user_id, transfer.receiver.id}
        ):
            raise missing
        data = {"transfer_id": str(transfer.id), "amount": transfer.amount, "note": transfer.note}
        return Prepared(content=data, text="")

    def preview(self, content: dict[str, Any]) -> str:
        return f"[Transfer] {_yuan(int(content.get('amount', 0)))}"

    async def viewer_state(self, session: AsyncSession, actor: Actor, content: dict[str, Any]) -> Any:
        try:
            transfer = await wallet.get_transfer(session, actor, content["transfer_id"])
        except AppError:
            return None
        return (await wallet.transfer_out(session, transfer)).model_dump(mode="json")


class RedPacketKind(MessageKind):
    """A red packet: direct (to the other person) or a group's (audience = the group's other members)."""

    name = "red_packet"
    recall_window = timedelta(0)
    forwardable = False

    async def prepare(self, ctx: KindContext, content: dict[str, Any]) -> Prepared:
        ref = parse_content(_RedPacketRef, self.name, content)
        missing = NotFound("No such red packet of yours for this chat.", code="red_packet_not_found")
        try:
            packet = await wallet.get_red_packet(ctx.session, ctx.actor, ref.red_packet_id)
            audience = await wallet.red_packet_audience(ctx.session, ctx.actor, ref.red_packet_id)
        except NotFound:
            raise missing from None
        members = await active_member_ids(ctx.session, ctx.conversation_id)
        others = members - {ctx.actor.user_id}
        expected_kind = "direct" if ctx.conversation_kind == "direct" else "group"
        if (
            packet.sender.id != ctx.actor.user_id
            or packet.conversation_ref != str(ctx.conversation_id)
            or packet.kind != expected_kind
            or audience is None
            or not set(audience) <= members
            or (expected_kind == "direct" and set(audience) != others)
        ):
            raise missing
        data = {
            "red_packet_id": str(packet.id),
            "packet_kind": packet.kind,
            "split": packet.split,
            "total": packet.total,
            "count": packet.count,
            "greeting": packet.greeting,
        }
        return Prepared(content=data, text=packet.greeting)

    def preview(self, content: dict[str, Any]) -> str:
        return f"[Red packet] {content.get('greeting') or 'Best wishes'}"

    async def viewer_state(self, session: AsyncSession, actor: Actor, content: dict[str, Any]) -> Any:
        try:
            packet = await wallet.get_red_packet(session, actor, content["red_packet_id"])
        except AppError:
            return None
        return packet.model_dump(mode="json")


CARD_KINDS: tuple[MessageKind, ...] = (TransferKind(), RedPacketKind())
