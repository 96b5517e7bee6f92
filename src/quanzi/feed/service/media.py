"""Media intake for posts (MOM-1, PUB-1): images (EXIF stripped, thumbnails) and videos (container
sniffed, then format and duration read by ffprobe; a poster frame by ffmpeg).

An upload is owned by its uploader and unattached until a post of theirs names it; a post takes up
to 9 images or one video. Keys are random (128 bits) and generated here, so a media URL is a
capability: it is only ever handed out inside a post view that passed the visibility rule.

Video files are never given to ffprobe on trust: the first bytes must be an MP4/QuickTime or a
Matroska/WebM container, and ffprobe is told that demuxer, so a playlist or other format that makes
ffprobe open further files is refused before it is read.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.errors import InvalidInput, TooManyRequests, UnsupportedMedia
from quanzi.core.ids import new_id
from quanzi.core.images import process_image
from quanzi.core.storage import get_storage
from quanzi.feed.models import Media
from quanzi.feed.schemas import MediaOut

MAX_PENDING_UPLOADS = 30
MAX_VIDEO_SECONDS = 300
MIN_VIDEO_MS = 100
PROBE_TIMEOUT_SECONDS = 15
_VIDEO_CONTAINERS = {"mov": "mp4", "matroska": "webm"}


def media_out(media: Media) -> MediaOut:
    storage = get_storage()
    return MediaOut(
        id=media.id,
        kind=media.kind,  # type: ignore[arg-type]
        url=storage.url(media.key),
        thumbnail_url=storage.url(media.thumb_key) if media.thumb_key else None,
        width=media.width,
        height=media.height,
        duration_ms=media.duration_ms,
    )


async def _check_quota(session: AsyncSession, actor: Actor) -> None:
    pending = await session.scalar(
        select(func.count())
        .select_from(Media)
        .where(Media.owner_id == actor.user_id, Media.post_id.is_(None))
    )
    if int(pending or 0) >= MAX_PENDING_UPLOADS:
        raise TooManyRequests(
            f"You have {MAX_PENDING_UPLOADS} uploads not yet in a post. Post or wait before uploading more.",
            retry_after=600,
            code="upload_quota",
        )


def _key(kind: str, extension: str) -> str:
    now = clock.now()
    return f"feed/{now:%Y/%m}/{kind}-{secrets.token_urlsafe(16)}.{extension}"


async def upload_image(session: AsyncSession, actor: Actor, raw: bytes) -> MediaOut:
    """Store an image for a later post: re-encoded without metadata, with a thumbnail."""
    await _check_quota(session, actor)
    if not raw:
        raise InvalidInput("The file is empty.", code="empty_file")
    processed = await asyncio.to_thread(process_image, raw)
    storage = get_storage()
    key = _key("img", processed.extension)
    thumb = key.rsplit(".", 1)[0] + f"-thumb.{processed.extension}"
    storage.save(key, processed.data)
    storage.save(thumb, processed.thumbnail)
    media = Media(
        id=new_id(),
        owner_id=actor.user_id,
        post_id=None,
        position=0,
        kind="image",
        key=key,
        thumb_key=thumb,
        width=processed.width,
        height=processed.height,
        duration_ms=None,
        created_at=clock.now(),
    )
    session.add(media)
    return media_out(media)


def _sniff_container(raw: bytes) -> str | None:
    if len(raw) >= 12 and raw[4:8] == b"ftyp":
        return "mov"
    if raw[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska"
    return None


def _run_tool(
    args: list[str], *, timeout: float = PROBE_TIMEOUT_SECONDS
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(args, capture_output=True, timeout=timeout, check=False)  # noqa: S603


def _probe(path: Path, demuxer: str) -> dict[str, Any]:
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        raise RuntimeError("ffprobe is not installed (Debian package ffmpeg)")
    try:
        done = _run_tool(
            [
                ffprobe,
                "-v",
                "error",
                "-f",
                demuxer,
                "-print_format",
                "json",
                "-show_format",
                "-show_streams",
                str(path),
            ]
        )
    except subprocess.TimeoutExpired as exc:
        raise UnsupportedMedia("The video could not be read in time.", code="unreadable_video") from exc
    if done.returncode != 0:
        raise UnsupportedMedia("The file is not a readable video.", code="unreadable_video")
    try:
        report = json.loads(done.stdout)
    except ValueError as exc:
        raise UnsupportedMedia("The file is not a readable video.", code="unreadable_video") from exc
    return report if isinstance(report, dict) else {}


def _poster(path: Path, demuxer: str) -> bytes | None:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    try:
        done = _run_tool(
            [
                ffmpeg,
                "-v",
                "error",
                "-f",
                demuxer,
                "-i",
                str(path),
                "-frames:v",
                "1",
                "-f",
                "image2",
                "-c:v",
                "png",
                "pipe:1",
            ]
        )
    except subprocess.TimeoutExpired:
        return None
    return done.stdout if done.returncode == 0 and done.stdout else None


def _inspect_video(raw: bytes) -> tuple[str, int, int, int, bytes | None]:
    """(extension, width, height, duration ms, poster frame) of a video, or a 4xx explaining why not."""
    demuxer = _sniff_container(raw)
    if demuxer is None:
        raise UnsupportedMedia("Only MP4, MOV and WebM videos are accepted.", code="unsupported_video")
    with tempfile.TemporaryDirectory(prefix="quanzi-video-") as workdir:
        path = Path(workdir) / "upload"
        path.write_bytes(raw)
        report = _probe(path, demuxer)
        streams = report.get("streams")
        video = (
            next((s for s in streams if isinstance(s, dict) and s.get("codec_type") == "video"), None)
            if isinstance(streams, list)
            else None
        )
        if video is None:
            raise UnsupportedMedia("The file holds no video stream.", code="no_video_stream")
        found_format = report.get("format")
        fmt: dict[str, Any] = found_format if isinstance(found_format, dict) else {}
        try:
            seconds = float(fmt.get("duration") or video.get("duration") or 0)
        except (TypeError, ValueError):
            seconds = 0.0
        duration_ms = int(seconds * 1000)
        if duration_ms < MIN_VIDEO_MS:
            raise UnsupportedMedia("The video has no readable duration.", code="unreadable_video")
        if seconds > MAX_VIDEO_SECONDS:
            raise InvalidInput(
                f"A video is at most {MAX_VIDEO_SECONDS} seconds long; this one is {seconds:.0f}.",
                code="video_too_long",
                details={"max_seconds": MAX_VIDEO_SECONDS, "seconds": round(seconds, 1)},
            )
        width, height = int(video.get("width") or 0), int(video.get("height") or 0)
        poster = _poster(path, demuxer)
    return _VIDEO_CONTAINERS[demuxer], width, height, duration_ms, poster


async def upload_video(session: AsyncSession, actor: Actor, raw: bytes) -> MediaOut:
    """Store a video for a later post, after checking its container, stream and duration."""
    await _check_quota(session, actor)
    if not raw:
        raise InvalidInput("The file is empty.", code="empty_file")
    extension, width, height, duration_ms, poster = await asyncio.to_thread(_inspect_video, raw)
    storage = get_storage()
    key = _key("vid", extension)
    thumb_key = None
    if poster is not None:
        try:
            processed = await asyncio.to_thread(process_image, poster)
        except (InvalidInput, UnsupportedMedia):
            processed = None
        if processed is not None:
            thumb_key = key.rsplit(".", 1)[0] + f"-poster.{processed.extension}"
            storage.save(thumb_key, processed.thumbnail)
    storage.save(key, raw)
    media = Media(
        id=new_id(),
        owner_id=actor.user_id,
        post_id=None,
        position=0,
        kind="video",
        key=key,
        thumb_key=thumb_key,
        width=width,
        height=height,
        duration_ms=duration_ms,
        created_at=clock.now(),
    )
    session.add(media)
    return media_out(media)


async def attach(session: AsyncSession, actor: Actor, post_id: int, media_ids: list[int]) -> list[Media]:
    """Attach the actor's unattached uploads to their new post, in the order given: up to 9 images, or
    one video alone. Anyone else's upload, or one already used, is 422 ``media_not_found``."""
    if not media_ids:
        return []
    if len(set(media_ids)) != len(media_ids):
        raise InvalidInput("The same upload is named twice.", code="duplicate_media")
    rows = (
        await session.scalars(
            select(Media)
            .where(Media.id.in_(media_ids), Media.owner_id == actor.user_id, Media.post_id.is_(None))
            .with_for_update()
        )
    ).all()
    found = {m.id: m for m in rows}
    missing = [str(i) for i in media_ids if i not in found]
    if missing:
        raise InvalidInput(
            "Some uploads are not yours or are already in a post.",
            code="media_not_found",
            details={"media_ids": missing},
        )
    kinds = {m.kind for m in rows}
    if "video" in kinds and len(rows) > 1:
        raise InvalidInput("A post holds one video, or images, not both.", code="too_many_media")
    ordered = [found[i] for i in media_ids]
    for position, media in enumerate(ordered):
        media.post_id = post_id
        media.position = position
    return ordered
