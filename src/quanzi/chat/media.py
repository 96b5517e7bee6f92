"""Media intake for chat: what an uploaded voice clip, image, video or file really is.

Nothing the client says about a file is believed: the container and codecs are read by ``ffprobe``
(Debian's ffmpeg), the duration is measured from the audio packets themselves (a header can lie, and
MediaRecorder's streamed WebM has no duration header at all), images are decoded and re-encoded by
core.images (EXIF gone, thumbnail made). A file of any other kind is stored as opaque bytes under a
``.bin`` key, so the media server never serves it as something a browser would render.

These functions parse bytes and touch no database: a route calls `intake` before it opens the unit
of work, so no write lock is held while ffprobe runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from typing import Any

from quanzi.core.errors import AppError, InvalidInput, PayloadTooLarge, UnsupportedMedia
from quanzi.core.images import process_image

MAX_VOICE_SECONDS = 60
MAX_VOICE_BYTES = 8 * 1024 * 1024
MAX_VIDEO_SECONDS = 300
PROBE_TIMEOUT_S = 15.0

# ffprobe's format_name → (extension, mime) for the voice containers CHT-3 accepts.
_VOICE_CONTAINERS = {
    "ogg": ("ogg", "audio/ogg"),
    "matroska,webm": ("webm", "audio/webm"),
    "mov,mp4,m4a,3gp,3g2,mj2": ("m4a", "audio/mp4"),
    "mp3": ("mp3", "audio/mpeg"),
    "wav": ("wav", "audio/wav"),
}
_VOICE_CODECS = {"opus", "vorbis", "aac", "mp3"}
_VIDEO_CONTAINERS = {
    "mov,mp4,m4a,3gp,3g2,mj2": ("mp4", "video/mp4"),
    "matroska,webm": ("webm", "video/webm"),
}
_VIDEO_CODECS = {"h264", "hevc", "vp8", "vp9", "av1", "mpeg4"}


class MediaToolMissing(AppError):
    status_code = 503
    code = "media_unavailable"


@dataclass(frozen=True)
class Intake:
    """An upload after inspection: what to store, and what the message will say about it."""

    kind: str
    data: bytes
    extension: str
    mime: str
    thumbnail: bytes | None = None
    thumb_extension: str | None = None
    duration_ms: int | None = None
    width: int | None = None
    height: int | None = None
    filename: str | None = None


async def intake(kind: str, raw: bytes, filename: str | None) -> Intake:
    """Inspect an upload of `kind` (voice, image, video, file); a clear 4xx for anything else."""
    if not raw:
        raise InvalidInput("The file is empty.", code="empty_file")
    if kind == "voice":
        return await _voice(raw)
    if kind == "image":
        image = await asyncio.to_thread(process_image, raw)
        return Intake(
            kind="image",
            data=image.data,
            extension=image.extension,
            mime="image/png" if image.extension == "png" else "image/jpeg",
            thumbnail=image.thumbnail,
            thumb_extension=image.extension,
            width=image.width,
            height=image.height,
        )
    if kind == "video":
        return await _video(raw)
    if kind == "file":
        return Intake(
            kind="file",
            data=raw,
            extension="bin",
            mime="application/octet-stream",
            filename=clean_filename(filename),
        )
    raise InvalidInput("kind must be voice, image, video or file.", code="invalid_media_kind")


def clean_filename(name: str | None) -> str:
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    cleaned = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    cleaned = cleaned.strip(". ")
    if len(cleaned) > 200:
        stem, dot, ext = cleaned.rpartition(".")
        cleaned = (stem[: 190 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else cleaned[:200]
    return cleaned or "file"


# --- ffprobe -------------------------------------------------------------------------------------


async def _run(tool: str, *args: str) -> bytes:
    path = shutil.which(tool)
    if path is None:
        raise MediaToolMissing(f"This server cannot read audio and video ({tool} is not installed).")
    process = await asyncio.create_subprocess_exec(
        path,
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        stdout, _ = await asyncio.wait_for(process.communicate(), timeout=PROBE_TIMEOUT_S)
    except TimeoutError as exc:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        raise UnsupportedMedia("The file took too long to read.", code="media_unreadable") from exc
    if process.returncode != 0:
        raise UnsupportedMedia(
            "The file is not audio or video this server can read.", code="media_unreadable"
        )
    return stdout


@dataclass(frozen=True)
class _Probe:
    format_name: str
    audio: list[dict[str, Any]]
    video: list[dict[str, Any]]
    duration_ms: int


async def _probe(path: str, packets_of: str) -> _Probe:
    streams_json = await _run(
        "ffprobe",
        "-v",
        "error",
        "-of",
        "json",
        "-show_entries",
        "format=format_name:stream=index,codec_type,codec_name,width,height:stream_disposition=attached_pic",
        path,
    )
    try:
        info = json.loads(streams_json)
    except ValueError as exc:
        raise UnsupportedMedia("The file is not audio or video.", code="media_unreadable") from exc
    streams = info.get("streams") or []
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    video = [
        s
        for s in streams
        if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")
    ]
    chosen = audio if packets_of == "a" else video
    duration_ms = 0
    if chosen:
        packets = await _run(
            "ffprobe",
            "-v",
            "error",
            "-of",
            "csv=p=0",
            "-select_streams",
            f"{packets_of}:0",
            "-show_entries",
            "packet=pts_time,duration_time",
            path,
        )
        duration_ms = _duration_from_packets(packets.decode("ascii", "replace"))
    return _Probe(str((info.get("format") or {}).get("format_name", "")), audio, video, duration_ms)


def _duration_from_packets(csv: str) -> int:
    """From the first packet's start to the last packet's end: what a player will actually play."""
    start: float | None = None
    end = 0.0
    for line in csv.splitlines():
        parts = line.split(",")
        try:
            pts = float(parts[0])
        except (ValueError, IndexError):
            continue
        try:
            length = float(parts[1]) if len(parts) > 1 else 0.0
        except ValueError:
            length = 0.0
        start = pts if start is None else min(start, pts)
        end = max(end, pts + length)
    if start is None:
        return 0
    return max(0, round((end - max(start, 0.0)) * 1000))


def _with_temp_file(raw: bytes, suffix: str) -> str:
    fd, path = tempfile.mkstemp(prefix="quanzi-probe-", suffix=suffix)
    with os.fdopen(fd, "wb") as handle:
        handle.write(raw)
    return path


async def _voice(raw: bytes) -> Intake:
    if len(raw) > MAX_VOICE_BYTES:
        raise PayloadTooLarge(
            f"A voice message is at most {MAX_VOICE_BYTES // (1024 * 1024)} MB.", code="voice_too_large"
        )
    path = _with_temp_file(raw, ".audio")
    try:
        probe = await _probe(path, "a")
    finally:
        os.unlink(path)
    container = _VOICE_CONTAINERS.get(probe.format_name)
    if container is None or not probe.audio or probe.video:
        raise UnsupportedMedia(
            "A voice message must be Ogg/Opus, WebM/Opus, M4A/AAC, MP3 or WAV audio.", code="not_audio"
        )
    codec = str(probe.audio[0].get("codec_name", ""))
    if codec not in _VOICE_CODECS and not codec.startswith("pcm_"):
        raise UnsupportedMedia(f"Audio encoded as {codec or 'unknown'} is not accepted.", code="not_audio")
    if probe.duration_ms <= 0:
        raise UnsupportedMedia("The audio holds no sound.", code="not_audio")
    if probe.duration_ms > MAX_VOICE_SECONDS * 1000:
        raise InvalidInput(
            f"A voice message is at most {MAX_VOICE_SECONDS} seconds; this one is "
            f"{probe.duration_ms / 1000:.1f} s.",
            code="voice_too_long",
            details={"duration_ms": probe.duration_ms},
        )
    extension, mime = container
    return Intake(kind="voice", data=raw, extension=extension, mime=mime, duration_ms=probe.duration_ms)


async def _video(raw: bytes) -> Intake:
    path = _with_temp_file(raw, ".video")
    try:
        probe = await _probe(path, "v")
        container = _VIDEO_CONTAINERS.get(probe.format_name)
        if container is None or not probe.video:
            raise UnsupportedMedia("A video must be MP4 or WebM.", code="not_video")
        stream = probe.video[0]
        if str(stream.get("codec_name", "")) not in _VIDEO_CODECS:
            raise UnsupportedMedia("The video's encoding is not accepted.", code="not_video")
        if probe.duration_ms > MAX_VIDEO_SECONDS * 1000:
            raise InvalidInput(f"A video is at most {MAX_VIDEO_SECONDS} seconds.", code="video_too_long")
        frame = await _run(
            "ffmpeg", "-v", "error", "-i", path, "-frames:v", "1", "-f", "image2", "-c:v", "png", "pipe:1"
        )
    finally:
        os.unlink(path)
    thumbnail: bytes | None = None
    thumb_extension: str | None = None
    if frame:
        poster = await asyncio.to_thread(process_image, frame, max_side=512, thumb_side=256)
        thumbnail, thumb_extension = poster.thumbnail, poster.extension
    extension, mime = container
    return Intake(
        kind="video",
        data=raw,
        extension=extension,
        mime=mime,
        thumbnail=thumbnail,
        thumb_extension=thumb_extension,
        duration_ms=probe.duration_ms,
        width=_int(stream.get("width")),
        height=_int(stream.get("height")),
    )


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
