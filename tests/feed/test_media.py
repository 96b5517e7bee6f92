"""Images and video in posts (MOM-1, PUB-1): up to 9 images (EXIF stripped, thumbnails) or one video
(container, stream and duration checked with ffprobe); bad files get a clear 4xx."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.feed.helpers import V1, befriend, moment, png, public_post, upload_image

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="Debian's ffmpeg is not installed")


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (640, 480), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def make_video(tmp_path: Path, name: str, *inputs: str) -> bytes:
    target = tmp_path / name
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *inputs, str(target)], check=True)
    return target.read_bytes()


async def upload_video(client: Any, user: Any, data: bytes, name: str = "v.mp4") -> Any:
    return await client.post(
        f"{V1}/media/videos", headers=user.headers, files={"file": (name, data, "video/mp4")}
    )


async def test_nine_images_with_exif_stripped_and_thumbnails(client, users):
    ana, bo = await users.create("img_ana"), await users.create("img_bo")
    await befriend(client, ana, bo)
    first = await upload_image(client, ana, jpeg_with_gps())
    assert first["kind"] == "image" and max(first["width"], first["height"]) <= 2048
    served = await client.get(first["url"])
    assert served.status_code == 200
    assert len(Image.open(io.BytesIO(served.content)).getexif()) == 0
    thumb = Image.open(io.BytesIO((await client.get(first["thumbnail_url"])).content))
    assert max(thumb.size) <= 256
    others = [await upload_image(client, ana, png(color=(i * 20, 0, 0))) for i in range(9)]
    ids = [first["id"]] + [m["id"] for m in others]

    response = await client.post(
        f"{V1}/moments", json={"body": "十张", "media_ids": ids}, headers=ana.headers
    )
    assert response.status_code == 422  # at most 9
    posted = await moment(client, ana, "九宫格", media_ids=ids[:9])
    assert [m["id"] for m in posted["media"]] == ids[:9]  # in the order given
    seen = (await client.get(f"{V1}/posts/{posted['id']}", headers=bo.headers)).json()
    assert [m["url"] for m in seen["media"]] == [m["url"] for m in posted["media"]]

    # an upload is used once, and only by its owner
    response = await client.post(
        f"{V1}/posts", json={"body": "again", "media_ids": [ids[0]]}, headers=ana.headers
    )
    assert response.status_code == 422 and response.json()["error"]["code"] == "media_not_found"
    response = await client.post(
        f"{V1}/posts", json={"body": "theft", "media_ids": [ids[9]]}, headers=bo.headers
    )
    assert response.status_code == 422 and response.json()["error"]["code"] == "media_not_found"
    response = await client.post(f"{V1}/posts", json={"media_ids": [ids[9], ids[9]]}, headers=ana.headers)
    assert response.status_code == 422


async def test_non_images_are_refused_whatever_they_claim(client, users):
    ana = await users.create("img_bad")
    for data in (b"%PDF-1.4 not an image", b"", b"GIF89a" + b"\x00" * 10):
        response = await client.post(
            f"{V1}/media/images", headers=ana.headers, files={"file": ("x.png", data, "image/png")}
        )
        assert response.status_code in (415, 422), response.text
        assert response.json()["error"]["code"] in ("not_an_image", "empty_file", "unsupported_image")
    response = await client.post(f"{V1}/media/images", files={"file": ("x.png", png(), "image/png")})
    assert response.status_code == 401


@needs_ffmpeg
async def test_one_video_with_its_duration(client, users, tmp_path):
    ana = await users.create("vid_ana")
    clip = make_video(
        tmp_path,
        "clip.mp4",
        "-f",
        "lavfi",
        "-i",
        "testsrc=duration=2:size=64x48:rate=5",
        "-c:v",
        "mpeg4",
        "-f",
        "mp4",
    )
    response = await upload_video(client, ana, clip)
    assert response.status_code == 201, response.text
    video = response.json()
    assert video["kind"] == "video" and (video["width"], video["height"]) == (64, 48)
    assert 1900 <= video["duration_ms"] <= 2100
    assert video["thumbnail_url"] is not None and video["url"].endswith(".mp4")
    assert (await client.get(video["thumbnail_url"])).status_code == 200

    webm = make_video(
        tmp_path,
        "clip.webm",
        "-f",
        "lavfi",
        "-i",
        "testsrc=duration=1:size=32x32:rate=5",
        "-c:v",
        "libvpx",
        "-f",
        "webm",
    )
    response = await upload_video(client, ana, webm, "clip.webm")
    assert response.status_code == 201, response.text
    assert response.json()["url"].endswith(".webm")

    image = await upload_image(client, ana)
    response = await client.post(
        f"{V1}/posts", json={"media_ids": [video["id"], image["id"]]}, headers=ana.headers
    )
    assert response.status_code == 422 and response.json()["error"]["code"] == "too_many_media"
    post = await public_post(client, ana, "看视频", media_ids=[video["id"]])
    assert [m["kind"] for m in post["media"]] == ["video"]


@needs_ffmpeg
async def test_bad_videos_get_a_clear_4xx(client, users, tmp_path):
    ana = await users.create("vid_bad")
    too_long = make_video(
        tmp_path,
        "long.mp4",
        "-f",
        "lavfi",
        "-i",
        "color=c=red:size=16x16:rate=1:duration=301",
        "-c:v",
        "mpeg4",
        "-f",
        "mp4",
    )
    response = await upload_video(client, ana, too_long)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "video_too_long"
    assert response.json()["error"]["details"]["max_seconds"] == 300

    audio_only = make_video(
        tmp_path, "a.m4a", "-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", "-f", "mp4"
    )
    response = await upload_video(client, ana, audio_only)
    assert response.status_code == 415 and response.json()["error"]["code"] == "no_video_stream"

    for data, code in (
        (b"#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\nfile:///etc/passwd\n", "unsupported_video"),  # a playlist
        (png(), "unsupported_video"),
        (b"\x00\x00\x00\x18ftypmp42" + b"\x00garbage" * 50, "unreadable_video"),
    ):
        response = await upload_video(client, ana, data)
        assert response.status_code == 415, response.text
        assert response.json()["error"]["code"] == code


async def test_a_deleted_posts_media_files_are_purged_by_a_job(client, users, app):
    from tests.conftest import job_runner

    ana = await users.create("purge_ana")
    image = await upload_image(client, ana)
    post = await public_post(client, ana, "delete me", media_ids=[image["id"]])
    assert (await client.get(image["url"])).status_code == 200
    assert (await client.delete(f"{V1}/posts/{post['id']}", headers=ana.headers)).status_code == 204
    assert await job_runner(app.state.db).run_due() >= 1
    assert (await client.get(image["url"])).status_code == 404
    assert (await client.get(image["thumbnail_url"])).status_code == 404
