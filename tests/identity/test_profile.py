"""Profiles, avatars and operator verification (ACC-1, ACC-2)."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys

from PIL import Image


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (800, 600), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


async def test_profile_update_and_privacy_fields(client, users):
    alice = await users.create("alice")
    response = await client.patch(
        "/api/v1/me",
        headers=alice.headers,
        json={
            "display_name": "  爱丽丝 Alice ",
            "bio": "喜欢国货",
            "region": "上海",
            "discoverable_by_phone": False,
        },
    )
    assert response.status_code == 200
    me = response.json()
    assert (me["display_name"], me["bio"], me["region"]) == ("爱丽丝 Alice", "喜欢国货", "上海")
    assert me["discoverable_by_phone"] is False and me["discoverable_by_username"] is True


async def test_profile_update_refuses_mass_assignment(client, users):
    alice = await users.create("alice")
    for field, value in (("is_operator", True), ("kind", "merchant"), ("is_kol", True), ("id", "1")):
        response = await client.patch("/api/v1/me", headers=alice.headers, json={field: value})
        assert response.status_code == 422, field
    me = (await client.get("/api/v1/me", headers=alice.headers)).json()
    assert (me["is_operator"], me["kind"], me["is_kol"]) == (False, "consumer", False)
    too_long = await client.patch("/api/v1/me", headers=alice.headers, json={"bio": "x" * 201})
    assert too_long.status_code == 422


async def test_avatar_is_reencoded_without_exif(client, users, settings):
    alice = await users.create("alice")
    response = await client.post(
        "/api/v1/me/avatar", headers=alice.headers, files={"file": ("me.jpg", jpeg_with_gps(), "image/jpeg")}
    )
    assert response.status_code == 200, response.text
    url = response.json()["avatar_url"]
    assert url.startswith("/media/avatars/")
    served = await client.get(url)
    assert served.status_code == 200
    stored = Image.open(io.BytesIO(served.content))
    assert max(stored.size) <= 512
    assert len(stored.getexif()) == 0


async def test_a_replaced_avatar_is_removed_only_after_the_change_commits(client, users, app):
    from quanzi.core.actor import Actor
    from quanzi.identity import service as identity
    from tests.conftest import job_runner

    alice = await users.create("alice")

    async def upload():
        response = await client.post(
            "/api/v1/me/avatar",
            headers=alice.headers,
            files={"file": ("me.jpg", jpeg_with_gps(), "image/jpeg")},
        )
        assert response.status_code == 200, response.text
        return response.json()["avatar_url"]

    first = await upload()
    # A change that rolls back leaves the profile and its file as they were.
    actor = Actor(user_id=int(alice.id), session_id=int(alice.session_id), kind="consumer")
    try:
        async with app.state.db.transaction() as session:
            await identity.set_avatar(session, actor, jpeg_with_gps())
            raise RuntimeError("the request failed after the avatar changed")
    except RuntimeError:
        pass
    await job_runner(app.state.db).run_due()
    assert (await client.get("/api/v1/me", headers=alice.headers)).json()["avatar_url"] == first
    assert (await client.get(first)).status_code == 200
    # A change that commits removes the replaced file, after the commit.
    second = await upload()
    assert (await client.get(first)).status_code == 200
    await job_runner(app.state.db).run_due()
    assert (await client.get(first)).status_code == 404
    assert (await client.get(second)).status_code == 200


async def test_avatar_rejects_non_images_whatever_they_claim(client, users):
    alice = await users.create("alice")
    response = await client.post(
        "/api/v1/me/avatar",
        headers=alice.headers,
        files={"file": ("evil.png", b"<?php echo 1; ?>", "image/png")},
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "not_an_image"
    assert (await client.get("/api/v1/me", headers=alice.headers)).json()["avatar_url"] is None


async def test_operator_functions_are_invisible_to_others(client, users):
    shop = await users.create("huaxia_shop", kind="merchant")
    alice = await users.create("alice")
    response = await client.post(
        f"/api/v1/admin/users/{shop.id}/merchant-verification", headers=alice.headers, json={"verified": True}
    )
    assert response.status_code == 404


async def test_admin_cli_makes_an_operator_who_verifies(client, users, database_url, settings):
    shop = await users.create("huaxia_shop", kind="merchant")
    ops = await users.create("ops")
    env = {
        "QUANZI_DATABASE_URL": database_url,
        "QUANZI_MEDIA_DIR": str(settings.media_dir),
        "PATH": "/usr/bin:/bin",
    }
    # In a thread: the app's background relay shares this event loop and must keep running, or a write
    # transaction it opened would hold SQLite's lock while the command waits for it.
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "quanzi.cli", "admin", "make-operator", "ops"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    verify = await client.post(
        f"/api/v1/admin/users/{shop.id}/merchant-verification", headers=ops.headers, json={"verified": True}
    )
    assert verify.status_code == 200
    assert verify.json()["merchant_verified"] is True
    consumer = await client.post(
        f"/api/v1/admin/users/{ops.id}/merchant-verification", headers=ops.headers, json={"verified": True}
    )
    assert consumer.status_code == 409
    badge = await client.post(
        f"/api/v1/admin/users/{shop.id}/kol-badge", headers=ops.headers, json={"granted": True}
    )
    assert badge.json()["is_kol"] is True
    missing = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "quanzi.cli", "admin", "kol", "nobody_here"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 1
    assert "No user" in missing.stderr
