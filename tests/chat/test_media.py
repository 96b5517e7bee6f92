"""Voice, images, video and files in chat: the server reads what a file really is (ffprobe, Pillow),
measures a voice clip's duration itself, and refuses the rest with a clear 4xx."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from quanzi.chat.media import MAX_VOICE_BYTES
from tests.chat.conftest import V1, ChatApi, error_code, ok

FFMPEG = shutil.which("ffmpeg")
needs_ffmpeg = pytest.mark.skipif(
    FFMPEG is None or shutil.which("ffprobe") is None,
    reason="ffmpeg/ffprobe are not installed (Debian: apt-get install ffmpeg); CI installs them",
)

# (format args, file suffix) for each voice container CHT-3 accepts.
VOICE_FORMATS = {
    "ogg/opus": (["-c:a", "libopus", "-f", "ogg"], ".ogg"),
    "webm/opus": (["-c:a", "libopus", "-f", "webm"], ".webm"),
    "m4a/aac": (["-c:a", "aac", "-f", "ipod"], ".m4a"),
    "mp3": (["-c:a", "libmp3lame", "-f", "mp3"], ".mp3"),
    "wav": (["-c:a", "pcm_s16le", "-ar", "16000", "-f", "wav"], ".wav"),
}


def make_audio(tmp_path: Path, fmt: str, seconds: float, *, streamed: bool = False) -> bytes:
    """A sine tone encoded as `fmt`. `streamed` writes to a pipe, as MediaRecorder does: the
    container then carries no duration in its header."""
    args, suffix = VOICE_FORMATS[fmt]
    source = ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-ac", "1"]
    command = [str(FFMPEG), "-v", "error", "-y", *source, *args]
    if streamed:
        return subprocess.run([*command, "pipe:1"], check=True, capture_output=True, timeout=60).stdout
    target = tmp_path / f"voice-{fmt.replace('/', '-')}-{seconds}{suffix}"
    subprocess.run([*command, str(target)], check=True, capture_output=True, timeout=60)
    return target.read_bytes()


def make_video(tmp_path: Path, seconds: float = 1.0) -> bytes:
    target = tmp_path / "clip.mp4"
    subprocess.run(
        [
            str(FFMPEG),
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc=size=160x120:rate=10:duration={seconds}",
            "-f",
            "lavfi",
            "-i",
            f"sine=duration={seconds}",
            "-c:v",
            "mpeg4",
            "-c:a",
            "aac",
            "-shortest",
            str(target),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return target.read_bytes()


async def upload(
    api: ChatApi,
    user: Any,
    chat_id: str,
    kind: str,
    data: bytes,
    name: str = "upload.bin",
    content_type: str = "application/octet-stream",
) -> Any:
    return await api.client.post(
        f"{V1}/chats/{chat_id}/media",
        data={"kind": kind},
        files={"file": (name, data, content_type)},
        headers=user.headers,
    )


@pytest.fixture
async def pair(api: ChatApi) -> tuple[Any, Any, dict[str, Any]]:
    alice, bob = await api.friends("alice", "bob")
    return alice, bob, await api.direct(alice, bob)


@needs_ffmpeg
@pytest.mark.parametrize("fmt", list(VOICE_FORMATS))
async def test_voice_formats_and_real_duration(api: ChatApi, pair: Any, tmp_path: Path, fmt: str) -> None:
    alice, bob, chat = pair
    data = make_audio(tmp_path, fmt, 3.0, streamed=fmt == "webm/opus")
    media = ok(
        await upload(api, alice, chat["id"], "voice", data, name="clip.mp4", content_type="video/mp4"), 201
    )
    assert media["kind"] == "voice"
    assert 2900 <= media["duration_ms"] <= 3100, media
    assert media["mime"].startswith("audio/")
    assert media["size_bytes"] == len(data)
    message = await api.say_kind(alice, chat["id"], "voice", {"media_id": media["id"]})
    assert message["content"]["duration_ms"] == media["duration_ms"]
    assert message["content"]["url"] == media["url"]
    seen = ok(await api.history(bob, chat["id"]))["items"][0]
    assert seen["kind"] == "voice" and seen["content"]["url"] == media["url"]
    stored = await api.client.get(media["url"])
    assert stored.status_code == 200 and stored.content == data


@needs_ffmpeg
async def test_voice_over_sixty_seconds_is_refused(api: ChatApi, pair: Any, tmp_path: Path) -> None:
    alice, _, chat = pair
    ok(await upload(api, alice, chat["id"], "voice", make_audio(tmp_path, "ogg/opus", 59.5)), 201)
    response = await upload(api, alice, chat["id"], "voice", make_audio(tmp_path, "ogg/opus", 61))
    assert response.status_code == 422
    assert error_code(response) == "voice_too_long"
    assert "60 seconds" in response.json()["error"]["message"]
    assert 60_900 <= response.json()["error"]["details"]["duration_ms"] <= 61_100
    # A streamed WebM has no duration header: the packets are measured all the same.
    response = await upload(
        api, alice, chat["id"], "voice", make_audio(tmp_path, "webm/opus", 61, streamed=True)
    )
    assert response.status_code == 422 and error_code(response) == "voice_too_long"


@needs_ffmpeg
async def test_non_audio_and_oversized_voice_are_refused(api: ChatApi, pair: Any, tmp_path: Path) -> None:
    alice, _, chat = pair
    png = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(png, "PNG")
    for data, codes in (
        (png.getvalue(), {"not_audio"}),
        (b"just some text, not audio at all", {"media_unreadable", "not_audio"}),
        (make_video(tmp_path), {"not_audio"}),
    ):
        response = await upload(
            api, alice, chat["id"], "voice", data, name="voice.ogg", content_type="audio/ogg"
        )
        assert response.status_code == 415, response.text
        assert error_code(response) in codes
    response = await upload(api, alice, chat["id"], "voice", b"\0" * (MAX_VOICE_BYTES + 1))
    assert response.status_code == 413 and error_code(response) == "voice_too_large"
    response = await upload(api, alice, chat["id"], "voice", b"")
    assert response.status_code == 422 and error_code(response) == "empty_file"
    response = await upload(api, alice, chat["id"], "sticker", b"x")
    assert response.status_code == 422


async def test_images_lose_exif_and_get_thumbnails(api: ChatApi, pair: Any) -> None:
    alice, bob, chat = pair
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (31.0, 13.0, 49.0)}  # GPS
    raw = io.BytesIO()
    Image.new("RGB", (1200, 800), "blue").save(raw, "JPEG", exif=exif)
    assert b"SpyCam" in raw.getvalue()
    media = ok(
        await upload(
            api, alice, chat["id"], "image", raw.getvalue(), name="photo.png", content_type="image/png"
        ),
        201,
    )
    assert (media["width"], media["height"], media["mime"]) == (1200, 800, "image/jpeg")
    stored = (await api.client.get(media["url"])).content
    assert b"SpyCam" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif()
    with Image.open(io.BytesIO((await api.client.get(media["thumb_url"])).content)) as thumb:
        assert max(thumb.size) == 256
    message = await api.say_kind(alice, chat["id"], "image", {"media_id": media["id"]})
    assert message["content"]["thumb_url"] == media["thumb_url"]
    response = await upload(api, alice, chat["id"], "image", b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    assert response.status_code == 415 and error_code(response) == "not_an_image"
    assert (await api.chat(bob, chat["id"]))["last_message"]["kind"] == "image"


@needs_ffmpeg
async def test_video_gets_a_poster_thumbnail(api: ChatApi, pair: Any, tmp_path: Path) -> None:
    alice, _, chat = pair
    media = ok(await upload(api, alice, chat["id"], "video", make_video(tmp_path, 2.0)), 201)
    assert media["mime"] == "video/mp4" and (media["width"], media["height"]) == (160, 120)
    assert 1900 <= media["duration_ms"] <= 2100
    assert media["thumb_url"] is not None
    response = await upload(api, alice, chat["id"], "video", make_audio(tmp_path, "mp3", 1.0))
    assert response.status_code == 415 and error_code(response) == "not_video"


async def test_files_are_stored_as_opaque_bytes(api: ChatApi, pair: Any) -> None:
    alice, bob, chat = pair
    html = b"<html><script>alert(1)</script></html>"
    media = ok(
        await upload(api, alice, chat["id"], "file", html, name="../../报告.html", content_type="text/html"),
        201,
    )
    assert media["filename"] == "报告.html"
    assert media["mime"] == "application/octet-stream"
    assert media["url"].endswith(".bin")
    served = await api.client.get(media["url"])
    assert served.content == html and "html" not in served.headers["content-type"]
    message = await api.say_kind(alice, chat["id"], "file", {"media_id": media["id"]})
    assert message["content"]["filename"] == "报告.html"
    assert (await api.chat(bob, chat["id"]))["last_message"]["content"]["size_bytes"] == len(html)


async def test_uploads_belong_to_their_uploader_and_chat(api: ChatApi, client: Any) -> None:
    alice, bob, carol = await api.friends("alice", "bob", "carol")
    mallory = await api.users.create("mallory")
    with_bob = await api.direct(alice, bob)
    with_carol = await api.direct(alice, carol)
    media = ok(await upload(api, alice, with_bob["id"], "file", b"notes", name="notes.txt"), 201)
    # Mallory cannot upload into a chat she is not in.
    response = await upload(api, mallory, with_bob["id"], "file", b"spam")
    assert response.status_code == 404 and error_code(response) == "chat_not_found"
    # Bob cannot send Alice's upload; Alice cannot send it into another chat; the wrong kind is refused.
    for user, chat_id, kind in (
        (bob, with_bob["id"], "file"),
        (alice, with_carol["id"], "file"),
        (alice, with_bob["id"], "image"),
    ):
        response = await client.post(
            f"{V1}/chats/{chat_id}/messages",
            json={"kind": kind, "content": {"media_id": media["id"]}},
            headers=user.headers,
        )
        assert response.status_code == 404 and error_code(response) == "media_not_found"
    # A former friend cannot upload either.
    ok(await client.delete(f"{V1}/friends/{alice.id}", headers=bob.headers), 204)
    response = await upload(api, bob, with_bob["id"], "file", b"late")
    assert response.status_code == 403 and error_code(response) == "not_friends"
