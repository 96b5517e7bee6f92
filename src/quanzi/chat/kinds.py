"""The message-kind registry: what each kind of message carries and how it is checked (CHT-3).

A kind validates the client's `content` into what is stored (`prepare`), says how it reads in a chat
list or a quote (`preview`), what search may match (`text` of the prepared content), how long its
sender may recall it, and whether it may be forwarded. This is chat's public interface for card
kinds: other domains implement it (a product card, a transfer, a group-buy team) through the names
`quanzi.chat.service` exports, and contribute them under ``"chat.card_kinds"`` in their manifest::

    from quanzi.chat.service import CardContent, KindContext, MessageKind, Prepared, parse_content

    class RedPacketKind(MessageKind):
        name = "red_packet"
        ...

The platform installs every manifest's kinds into the registry at start (`install_card_kinds`).

`prepare` runs inside the sending transaction with the acting user and the conversation, so a kind may
check or change its own domain's state there (a red packet is funded in the same commit).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.chat.models import Media
from quanzi.core.actor import Actor
from quanzi.core.errors import InvalidInput, NotFound
from quanzi.core.ids import parse_id
from quanzi.core.storage import get_storage

MAX_TEXT = 5000
DEFAULT_RECALL_WINDOW = timedelta(minutes=2)


@dataclass(frozen=True)
class KindContext:
    session: AsyncSession
    actor: Actor
    conversation_id: int
    conversation_kind: str


@dataclass(frozen=True)
class Prepared:
    content: dict[str, Any]
    text: str = ""


class MessageKind:
    name: ClassVar[str]
    recall_window: ClassVar[timedelta] = DEFAULT_RECALL_WINDOW
    user_sendable: ClassVar[bool] = True
    forwardable: ClassVar[bool] = True

    async def prepare(self, ctx: KindContext, content: dict[str, Any]) -> Prepared:
        raise NotImplementedError

    async def forward(self, ctx: KindContext, content: dict[str, Any], text: str) -> Prepared:
        """The content a forwarded copy carries into `ctx`'s conversation (by default the same)."""
        return Prepared(content=dict(content), text=text)

    def preview(self, content: dict[str, Any]) -> str:
        return f"[{self.name}]"

    async def viewer_state(self, session: AsyncSession, actor: Actor, content: dict[str, Any]) -> Any:
        """How the message stands for this viewer (a transfer's status, a packet's grabs), when it
        depends on another domain's state; None for kinds whose content says it all."""
        return None


_registry: dict[str, MessageKind] = {}


def register_kind(kind: MessageKind) -> MessageKind:
    existing = _registry.get(kind.name)
    if existing is not None and type(existing) is not type(kind):
        raise ValueError(f"message kind {kind.name!r} is already registered")
    _registry[kind.name] = kind
    return kind


def install_card_kinds(kinds: Iterable[MessageKind]) -> None:
    """Register the kinds the domains' manifests bring, chat's own included (idempotent)."""
    for kind in kinds:
        register_kind(kind)


def get_kind(name: str) -> MessageKind | None:
    return _registry.get(name)


def registered_kinds() -> list[str]:
    return sorted(_registry)


def preview_of(kind_name: str, content: dict[str, Any] | None) -> str:
    kind = _registry.get(kind_name)
    if kind is None or content is None:
        return f"[{kind_name}]"
    return kind.preview(content)


# --- validation helpers -------------------------------------------------------------------------


class CardContent(BaseModel):
    """Base of a kind's content model: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


def parse_content(model: type[CardContent], kind: str, content: dict[str, Any]) -> Any:
    """`content` validated into `model`, or a 422 ``invalid_content`` naming the field at fault."""
    try:
        return model.model_validate(content)
    except ValidationError as exc:
        details = [
            {"loc": ["content", *(str(p) for p in e["loc"])], "message": e["msg"], "type": e["type"]}
            for e in exc.errors()
        ]
        first = details[0]
        raise InvalidInput(
            f"{kind} content: {'.'.join(first['loc'][1:]) or 'content'}: {first['message']}",
            code="invalid_content",
            details=details,
        ) from exc


def clean_message_text(value: str) -> str:
    cleaned = unicodedata.normalize("NFC", value)
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\t" for ch in cleaned):
        raise ValueError("control characters are not allowed")
    if not cleaned.strip():
        raise ValueError("a message cannot be empty")
    if len(cleaned) > MAX_TEXT:
        raise ValueError(f"a text message is at most {MAX_TEXT} characters")
    return cleaned


# --- built-in kinds -------------------------------------------------------------------------------


class _TextContent(CardContent):
    text: str = Field(max_length=4 * MAX_TEXT)

    @field_validator("text")
    @classmethod
    def _clean(cls, value: str) -> str:
        return clean_message_text(value)


class TextKind(MessageKind):
    name = "text"

    async def prepare(self, ctx: KindContext, content: dict[str, Any]) -> Prepared:
        parsed = parse_content(_TextContent, self.name, content)
        return Prepared(content={"text": parsed.text}, text=parsed.text)

    def preview(self, content: dict[str, Any]) -> str:
        text = str(content.get("text", ""))
        return text if len(text) <= 60 else text[:59] + "…"


class _LocationContent(CardContent):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    name: str = Field(default="", max_length=100)
    address: str = Field(default="", max_length=200)

    @field_validator("latitude", "longitude")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value

    @field_validator("name", "address")
    @classmethod
    def _line(cls, value: str) -> str:
        cleaned = unicodedata.normalize("NFC", value.strip())
        if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in cleaned):
            raise ValueError("control characters are not allowed")
        return cleaned


class LocationKind(MessageKind):
    name = "location"

    async def prepare(self, ctx: KindContext, content: dict[str, Any]) -> Prepared:
        parsed = parse_content(_LocationContent, self.name, content)
        data = parsed.model_dump()
        return Prepared(content=data, text=" ".join(p for p in (parsed.name, parsed.address) if p))

    def preview(self, content: dict[str, Any]) -> str:
        return f"[Location] {content.get('name') or ''}".rstrip()


class _MediaRef(CardContent):
    media_id: str = Field(pattern=r"^[0-9]{1,19}$")


class MediaKind(MessageKind):
    """A message that carries something uploaded first to POST /chats/{id}/media (see media.py)."""

    label: ClassVar[str] = ""

    async def prepare(self, ctx: KindContext, content: dict[str, Any]) -> Prepared:
        parsed = parse_content(_MediaRef, self.name, content)
        media_id = parse_id(parsed.media_id)
        media = await ctx.session.get(Media, media_id) if media_id else None
        # Only the uploader may send an upload, and only into the chat it was uploaded to.
        if (
            media is None
            or media.uploader_id != ctx.actor.user_id
            or media.conversation_id != ctx.conversation_id
            or media.kind != self.name
        ):
            raise NotFound(f"No such {self.name} upload in this chat.", code="media_not_found")
        return Prepared(content=media_content(media), text=media.filename or "")

    def preview(self, content: dict[str, Any]) -> str:
        return self.label


def media_content(media: Media) -> dict[str, Any]:
    storage = get_storage()
    data: dict[str, Any] = {
        "media_id": str(media.id),
        "url": storage.url(media.storage_key),
        "mime": media.mime,
        "size_bytes": media.size_bytes,
    }
    if media.thumb_key:
        data["thumb_url"] = storage.url(media.thumb_key)
    if media.duration_ms is not None:
        data["duration_ms"] = media.duration_ms
    if media.width is not None:
        data["width"], data["height"] = media.width, media.height
    if media.filename:
        data["filename"] = media.filename
    return data


class ImageKind(MediaKind):
    name = "image"
    label = "[Image]"


class VoiceKind(MediaKind):
    name = "voice"
    label = "[Voice]"

    def preview(self, content: dict[str, Any]) -> str:
        seconds = round(int(content.get("duration_ms", 0)) / 1000)
        return f"[Voice] {seconds}s"


class VideoKind(MediaKind):
    name = "video"
    label = "[Video]"


class FileKind(MediaKind):
    name = "file"
    label = "[File]"
    recall_window = timedelta(hours=3)

    def preview(self, content: dict[str, Any]) -> str:
        return f"[File] {content.get('filename') or ''}".rstrip()


class SystemKind(MessageKind):
    """Notices the server writes (created, joined, renamed …); `content` is {"event": …, …}."""

    name = "system"
    user_sendable = False
    forwardable = False

    async def prepare(self, ctx: KindContext, content: dict[str, Any]) -> Prepared:
        raise InvalidInput("System notices are written by the server.", code="kind_not_sendable")

    def preview(self, content: dict[str, Any]) -> str:
        return str(content.get("text") or "[Notice]")


BUILTIN_KINDS: tuple[MessageKind, ...] = (
    TextKind(),
    LocationKind(),
    ImageKind(),
    VoiceKind(),
    VideoKind(),
    FileKind(),
    SystemKind(),
)
