"""HTTP routes of verified-purchase reviews (REV-1, REV-2; docs/commerce.md "Reviews"): parse, call
one service, shape the answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile, status

from quanzi.commerce import reviews
from quanzi.commerce.schemas.reviews import (
    FollowUpIn,
    ReplyIn,
    ReviewImageOut,
    ReviewIn,
    ReviewOut,
    ReviewSummaryOut,
)
from quanzi.core.http import CurrentActor, Db, PageIn
from quanzi.core.pagination import Page
from quanzi.feed.schemas import PostOut

router = APIRouter(tags=["reviews"])


@router.post("/reviews/images", status_code=status.HTTP_201_CREATED, response_model=ReviewImageOut)
async def upload_image(actor: CurrentActor, db: Db, file: Annotated[UploadFile, File()]) -> ReviewImageOut:
    raw = await file.read()
    async with db.transaction() as session:
        return await reviews.upload_image(session, actor, raw)


@router.post("/order-items/{item_id}/review", status_code=status.HTTP_201_CREATED, response_model=ReviewOut)
async def create_review(item_id: str, body: ReviewIn, actor: CurrentActor, db: Db) -> ReviewOut:
    async with db.transaction() as session:
        return await reviews.create_review(session, actor, item_id, body)


@router.get("/reviews/{review_id}", response_model=ReviewOut)
async def get_review(review_id: str, actor: CurrentActor, db: Db) -> ReviewOut:
    async with db.read() as session:
        return await reviews.get_review(session, actor, review_id)


@router.post("/reviews/{review_id}/follow-up", response_model=ReviewOut)
async def follow_up(review_id: str, body: FollowUpIn, actor: CurrentActor, db: Db) -> ReviewOut:
    async with db.transaction() as session:
        return await reviews.add_follow_up(session, actor, review_id, body)


@router.post("/reviews/{review_id}/reply", response_model=ReviewOut)
async def reply(review_id: str, body: ReplyIn, actor: CurrentActor, db: Db) -> ReviewOut:
    async with db.transaction() as session:
        return await reviews.reply(session, actor, review_id, body)


@router.post("/reviews/{review_id}/helpful", response_model=ReviewOut)
async def mark_helpful(review_id: str, actor: CurrentActor, db: Db) -> ReviewOut:
    async with db.transaction() as session:
        return await reviews.mark_helpful(session, actor, review_id)


@router.delete("/reviews/{review_id}/helpful", response_model=ReviewOut)
async def unmark_helpful(review_id: str, actor: CurrentActor, db: Db) -> ReviewOut:
    async with db.transaction() as session:
        return await reviews.unmark_helpful(session, actor, review_id)


@router.post("/reviews/{review_id}/share", status_code=status.HTTP_201_CREATED, response_model=PostOut)
async def share(review_id: str, actor: CurrentActor, db: Db) -> PostOut:
    async with db.transaction() as session:
        return await reviews.share_to_moments(session, actor, review_id)


@router.get("/products/{product_id}/reviews", response_model=Page[ReviewOut])
async def product_reviews(
    product_id: str, actor: CurrentActor, db: Db, page: PageIn, with_photos: Annotated[bool, Query()] = False
) -> Page[ReviewOut]:
    async with db.read() as session:
        items, next_cursor = await reviews.list_product_reviews(
            session, actor, product_id, page, with_photos=with_photos
        )
    return Page[ReviewOut](items=items, next_cursor=next_cursor)


@router.get("/products/{product_id}/reviews/summary", response_model=ReviewSummaryOut)
async def product_review_summary(product_id: str, actor: CurrentActor, db: Db) -> ReviewSummaryOut:
    async with db.read() as session:
        return await reviews.summary(session, actor, product_id)


@router.get("/shops/me/reviews", response_model=Page[ReviewOut])
async def my_shop_reviews(
    actor: CurrentActor, db: Db, page: PageIn, unanswered: Annotated[bool, Query()] = False
) -> Page[ReviewOut]:
    async with db.read() as session:
        items, next_cursor = await reviews.list_shop_reviews(session, actor, page, unanswered=unanswered)
    return Page[ReviewOut](items=items, next_cursor=next_cursor)
