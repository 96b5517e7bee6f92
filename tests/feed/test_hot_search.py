"""Hot search (PUB-4): recent weighted activity of distinct accounts with time decay, recomputed by a
durable job at least every minute."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from quanzi.core.jobs import Job
from quanzi.feed.service.hotsearch import ACTIVITY, RECOMPUTE_JOB, score_board
from tests.conftest import job_runner
from tests.feed.helpers import V1, public_post


async def board(client: Any) -> list[dict[str, Any]]:
    response = await client.get(f"{V1}/hot-search")  # no session needed
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


async def run_jobs(app: Any, clock: Any) -> int:
    """A minute later, as a process does: reads and searches noted in GETs are written (the feed's
    process task), then the due jobs run."""
    await ACTIVITY.flush(app.state.db)
    clock.advance(minutes=1)
    return await job_runner(app.state.db).run_due()


async def pending_recomputes(app: Any) -> list[datetime]:
    async with app.state.db.read() as session:
        return list(
            (
                await session.scalars(
                    select(Job.run_at).where(Job.kind == RECOMPUTE_JOB, Job.status == "pending")
                )
            ).all()
        )


async def test_a_new_surge_outranks_a_larger_topic_from_yesterday(client, users, app, frozen_clock):
    people = [await users.create(f"fan{i}") for i in range(8)]
    frozen_clock.advance(hours=-24)
    for person in people:  # eight accounts, yesterday
        await public_post(client, person, "昨天的大话题 #年货节# 好热闹")
    frozen_clock.advance(hours=24)
    frozen_clock.advance(minutes=-10)
    for person in people[:3]:  # three accounts, within the last ten minutes
        await public_post(client, person, "刚刚 #新品首发# 开始了")
        frozen_clock.advance(minutes=3)
    spammer = people[7]
    for _ in range(15):  # one account alone cannot push a topic
        await public_post(client, spammer, "#刷榜话题# 刷刷刷")

    assert await run_jobs(app, frozen_clock) >= 1
    ranked = [(item["kind"], item["name"]) for item in await board(client)]
    assert ranked.index(("topic", "新品首发")) < ranked.index(("topic", "年货节"))
    assert ("topic", "刷榜话题") not in ranked
    top = (await board(client))[ranked.index(("topic", "新品首发"))]
    assert top["accounts"] == 3 and top["rank"] == ranked.index(("topic", "新品首发")) + 1
    # Terms segmented by jieba trend too, counted per account the same way.
    assert ("term", "新品") in ranked or ("term", "首发") in ranked or ("term", "新品首发") in ranked
    topic = (await client.get(f"{V1}/topics", params={"name": "新品首发"}, headers=spammer.headers)).json()
    assert topic["hot_rank"] == ranked.index(("topic", "新品首发")) + 1


async def test_recompute_is_a_durable_job_every_minute(client, users, app, frozen_clock):
    a, b = await users.create(), await users.create()
    for _ in range(3):
        await public_post(client, a, "#一分钟# 测试")
    await public_post(client, b, "#一分钟# 测试")
    due = await pending_recomputes(app)
    assert len(due) == 1  # many posts within a minute: one job (dedupe key)
    assert due[0] == (frozen_clock.now().replace(second=0, microsecond=0) + timedelta(minutes=1))
    assert await board(client) == []
    await run_jobs(app, frozen_clock)
    assert [item["name"] for item in await board(client)][:1] == ["一分钟"]
    # While activity is in the window, each run schedules the next minute's.
    assert len(await pending_recomputes(app)) == 1
    await run_jobs(app, frozen_clock)
    assert len(await pending_recomputes(app)) == 1
    async with app.state.db.read() as session:
        done = await session.scalar(
            select(func.count()).select_from(Job).where(Job.kind == RECOMPUTE_JOB, Job.status == "done")
        )
    assert done == 2


async def test_searches_reads_and_discussion_count(client, users, app, frozen_clock):
    poster, reader, searcher = await users.create(), await users.create(), await users.create()
    post = await public_post(client, poster, "#宝藏小店# 推荐")
    assert (await client.put(f"{V1}/posts/{post['id']}/like", headers=reader.headers)).status_code == 204
    response = await client.get(f"{V1}/topics/posts", params={"name": "宝藏小店"}, headers=reader.headers)
    assert response.status_code == 200
    response = await client.get(f"{V1}/search/posts", params={"q": "#宝藏小店#"}, headers=searcher.headers)
    assert [p["id"] for p in response.json()["items"]] == [post["id"]]
    await run_jobs(app, frozen_clock)
    item = next(i for i in await board(client) if i["name"] == "宝藏小店")
    assert item["accounts"] == 3


def test_score_weights_decay_and_interaction() -> None:
    now = datetime.fromisoformat("2026-11-11T12:00:00+00:00")
    fresh = [("topic", "new", "new", u, "post", now - timedelta(minutes=5)) for u in range(3)]
    stale = [("topic", "old", "old", u, "post", now - timedelta(hours=24)) for u in range(100)]
    discussed = [("topic", "talk", "talk", 1, "post", now), ("topic", "talk", "talk", 2, "post", now)] + [
        ("topic", "talk", "talk", u, "discuss", now) for u in range(3, 9)
    ]
    ranked = [entry[1] for entry in score_board(fresh + stale + discussed, now)]
    assert ranked == ["talk", "new", "old"]
