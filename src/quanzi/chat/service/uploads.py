"""Uploads into a chat (voice, images, video, files): stored once inspected, then sent as a message.

The upload is tied to the chat and the uploader: only they can send it, only there (kinds.py).
Storage keys carry 144 random bits, so a media URL cannot be guessed from another one; it is handed
only to the members who receive the message.
"""

from __future__ import annotations

import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.chat.media import Intake
from quanzi.chat.models import Media
from quanzi.chat.schemas import MediaOut
from quanzi.chat.service.common import access_chat, check_can_send
from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.ids import new_id
from quanzi.core.storage import get_storage


def media_out(media: Media) -> MediaOut:
    storage = get_storage()
    return MediaOut(
        id=media.id,
        kind=media.kind,
        url=storage.url(media.storage_key),  # type: ignore[arg-type]
        thumb_url=storage.url(media.thumb_key) if media.thumb_key else None,
        mime=media.mime,
        size_bytes=media.size_bytes,
        duration_ms=media.duration_ms,
        width=media.width,
        height=media.height,
        filename=media.filename,
    )


async def store_upload(session: AsyncSession, actor: Actor, chat_id: int | str, upload: Intake) -> MediaOut:
    """Keep an inspected upload for the actor to send into this chat (where they may send)."""
    conversation, member = await access_chat(session, actor, chat_id)
    await check_can_send(session, actor, conversation, member)
    storage = get_storage()
    stem = f"chat/{conversation.id}/{secrets.token_urlsafe(18)}"
    key = f"{stem}.{upload.extension}"
    thumb_key = f"{stem}-thumb.{upload.thumb_extension}" if upload.thumbnail is not None else None
    storage.save(key, upload.data)
    if thumb_key is not None and upload.thumbnail is not None:
        storage.save(thumb_key, upload.thumbnail)
    media = Media(
        id=new_id(),
        conversation_id=conversation.id,
        uploader_id=actor.user_id,
        kind=upload.kind,
        storage_key=key,
        thumb_key=thumb_key,
        mime=upload.mime,
        size_bytes=len(upload.data),
        duration_ms=upload.duration_ms,
        width=upload.width,
        height=upload.height,
        filename=upload.filename,
        created_at=clock.now(),
    )
    session.add(media)
    await session.flush()
    return media_out(media)
