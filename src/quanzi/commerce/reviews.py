"""Verified-purchase reviews (REV-1, REV-2).

Who may write what:
- a review: only the buyer of a completed order, for one of its items, within 30 days of completion,
  once per item (`orders.completed_items_for_review` says whether, the unique constraint on
  (order_item_id, author_id) makes "once" hold under races);
- a follow-up: the review's author, once; a reply: the shop's merchant, once (each one conditional
  UPDATE ``... WHERE follow_up_at IS NULL``, so two racing writes cannot both land);
- a helpful vote: anyone but the author, at most once (the vote's primary key), undone freely.

Reviews are public on the product page; only a review by an account blocked either way with the
viewer is hidden from them (GRA-3), the same on every path: the list, a single review, votes, shares.

A product's aggregates live in `commerce_review_stats` and change only with ``x = x + :d`` in the
same transaction as the review they count.

The product's review list puts the viewer's friends' reviews first, then those of KOLs the viewer
follows, then everyone else's, each group newest first. The cursor carries (group, last id), so a
page that ends inside one group continues there and a page may run from one group into the next.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.commerce import catalog, orders
from quanzi.commerce.models.orders import Order
from quanzi.commerce.models.reviews import Review, ReviewPhoto, ReviewStats, ReviewVote
from quanzi.commerce.schemas.reviews import (
    MAX_PHOTOS,
    SUMMARY_PHOTOS,
    FollowUpIn,
    FollowUpOut,
    Relation,
    ReplyIn,
    ReplyOut,
    ReviewImageOut,
    ReviewIn,
    ReviewOut,
    ReviewPhotoOut,
    ReviewSummaryOut,
)
from quanzi.core import clock
from quanzi.core.actor import Actor
from quanzi.core.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests
from quanzi.core.ids import new_id, parse_id
from quanzi.core.images import process_image
from quanzi.core.outbox import emit
from quanzi.core.pagination import PageRequest, encode_cursor, page_of
from quanzi.core.storage import get_storage
from quanzi.feed import service as feed
from quanzi.feed.schemas import MAX_BODY, MomentIn, PostOut, ShareIn
from quanzi.graph import service as graph
from quanzi.identity import service as identity

MAX_PENDING_UPLOADS = 30
# Friends', followed KOLs', everyone else's: the order of the groups on a product's review list.
GROUPS: tuple[Relation | None, ...] = ("friend", "kol", None)
# Ids sent in one IN (...) list: well below SQLite's and asyncpg's bound-parameter limits.
_CHUNK = 5000


def _insert(session: AsyncSession, model: type[Any]) -> Any:
    """An INSERT that can say ON CONFLICT DO NOTHING on either database."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def _rowcount(result: Any) -> int:
    return int(result.rowcount or 0)


def _chunks(ids: Iterable[int]) -> list[list[int]]:
    ordered = sorted(set(ids))
    return [ordered[i : i + _CHUNK] for i in range(0, len(ordered), _CHUNK)]


# --- photos ------------------------------------------------------------------------------------


def _photo_out(photo: ReviewPhoto) -> ReviewPhotoOut:
    storage = get_storage()
    return ReviewPhotoOut(url=storage.url(photo.key), thumb_url=storage.url(photo.thumb_key))


async def upload_image(session: AsyncSession, actor: Actor, raw: bytes) -> ReviewImageOut:
    """Store a photo for a later review or follow-up of the actor: re-encoded without EXIF or other
    metadata, with a thumbnail. At most MAX_PENDING_UPLOADS unattached uploads per user."""
    pending = await session.scalar(
        select(func.count())
        .select_from(ReviewPhoto)
        .where(ReviewPhoto.owner_id == actor.user_id, ReviewPhoto.review_id.is_(None))
    )
    if int(pending or 0) >= MAX_PENDING_UPLOADS:
        raise TooManyRequests(
            f"You have {MAX_PENDING_UPLOADS} photos not yet in a review. "
            "Use them or wait before uploading more.",
            retry_after=600,
            code="upload_quota",
        )
    if not raw:
        raise InvalidInput("The file is empty.", code="empty_file")
    processed = await asyncio.to_thread(process_image, raw)
    storage = get_storage()
    key = f"reviews/{clock.now():%Y/%m}/img-{secrets.token_urlsafe(16)}.{processed.extension}"
    thumb_key = key.rsplit(".", 1)[0] + f"-thumb.{processed.extension}"
    storage.save(key, processed.data)
    storage.save(thumb_key, processed.thumbnail)
    photo = ReviewPhoto(
        id=new_id(),
        owner_id=actor.user_id,
        review_id=None,
        product_id=None,
        part=None,
        position=0,
        key=key,
        thumb_key=thumb_key,
        width=processed.width,
        height=processed.height,
        created_at=clock.now(),
    )
    session.add(photo)
    return ReviewImageOut(key=key, url=storage.url(key), thumb_url=storage.url(thumb_key))


async def _attach_photos(
    session: AsyncSession, actor: Actor, review: Review, part: str, keys: Sequence[str]
) -> int:
    """Attach the actor's unattached uploads, in the order given; a key that is not such an upload is
    422 ``photo_not_found`` (the same answer for someone else's and for one already used)."""
    if not keys:
        return 0
    if len(keys) > MAX_PHOTOS:
        raise InvalidInput(f"At most {MAX_PHOTOS} photos.", code="too_many_photos")
    if len(set(keys)) != len(keys):
        raise InvalidInput("The same photo is named twice.", code="duplicate_photo")
    rows = (
        await session.scalars(
            select(ReviewPhoto)
            .where(
                ReviewPhoto.key.in_(list(keys)),
                ReviewPhoto.owner_id == actor.user_id,
                ReviewPhoto.review_id.is_(None),
            )
            .order_by(ReviewPhoto.id)
            .with_for_update()
        )
    ).all()
    found = {photo.key: photo for photo in rows}
    if missing := [key for key in keys if key not in found]:
        raise InvalidInput(
            "Some photos are not your uploads or are already in a review.",
            code="photo_not_found",
            details={"photo_keys": missing},
        )
    for position, key in enumerate(keys):
        photo = found[key]
        photo.review_id = review.id
        photo.product_id = review.product_id
        photo.part = part
        photo.position = position
    await session.flush()
    return len(keys)


# --- aggregates ----------------------------------------------------------------------------------


async def _bump_stats(session: AsyncSession, product_id: int, *, rating: int | None, photos: int) -> None:
    """Count one more review of `rating` (None: no new review) and `photos` more photos."""
    now = clock.now()
    await session.execute(
        _insert(session, ReviewStats)
        .values(
            product_id=product_id,
            count=0,
            rating_sum=0,
            r1=0,
            r2=0,
            r3=0,
            r4=0,
            r5=0,
            photo_count=0,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["product_id"])
    )
    values: dict[str, Any] = {"photo_count": ReviewStats.photo_count + photos, "updated_at": now}
    if rating is not None:
        star = getattr(ReviewStats, f"r{rating}")
        values |= {
            "count": ReviewStats.count + 1,
            "rating_sum": ReviewStats.rating_sum + rating,
            f"r{rating}": star + 1,
        }
    await session.execute(update(ReviewStats).where(ReviewStats.product_id == product_id).values(**values))


# --- who sees what ---------------------------------------------------------------------------------


async def _require_product(session: AsyncSession, viewer_id: int, product_id: int | str) -> int:
    """The product's id if the viewer may see it (a draft only by its shop), else 404."""
    parsed = parse_id(product_id)
    if parsed is None:
        raise NotFound("No such product.", code="product_not_found")
    summary = await catalog.product_summary(session, parsed)
    if summary.get("status") == "draft" and int(summary["shop_id"]) != viewer_id:
        raise NotFound("No such product.", code="product_not_found")
    return parsed


async def _require_review(session: AsyncSession, viewer_id: int, review_id: int | str) -> Review:
    """A review the viewer may see: 404 ``review_not_found`` for unknown ids and for reviews whose
    author is blocked either way with the viewer."""
    parsed = parse_id(review_id)
    review = await session.get(Review, parsed) if parsed is not None else None
    if review is None or (
        review.author_id != viewer_id
        and review.shop_id != viewer_id
        and await graph.is_blocked_either_way(session, review.author_id, viewer_id)
    ):
        raise NotFound("No such review.", code="review_not_found")
    return review


async def _relations(
    session: AsyncSession, viewer_id: int, author_ids: Iterable[int], friends: set[int] | None = None
) -> dict[int, Relation]:
    """Which of these authors are the viewer's friends, and which are KOLs the viewer follows."""
    authors = set(author_ids) - {viewer_id}
    if not authors:
        return {}
    if friends is None:
        friends = await graph.friend_ids(session, viewer_id)
    relations: dict[int, Relation] = {author: "friend" for author in authors & friends}
    followed = (authors - friends) & await graph.following_ids(session, viewer_id)
    cards = await identity.get_cards(session, followed)
    relations |= {author: "kol" for author, card in cards.items() if card.is_kol}
    return relations


# --- rendering ---------------------------------------------------------------------------------------


async def _render(
    session: AsyncSession,
    viewer_id: int,
    reviews: Sequence[Review],
    relations: dict[int, Relation],
    *,
    voted: set[int] | None = None,
) -> list[ReviewOut]:
    """Views of reviews: the authors' cards and the photos (two queries), and which the viewer found
    helpful (a third, unless the caller read it with the reviews: `voted`)."""
    if not reviews:
        return []
    ids = [review.id for review in reviews]
    cards = await identity.get_cards(session, {review.author_id for review in reviews})
    photos: dict[tuple[int, str], list[ReviewPhotoOut]] = {}
    for photo in (
        await session.scalars(
            select(ReviewPhoto)
            .where(ReviewPhoto.review_id.in_(ids))
            .order_by(ReviewPhoto.review_id, ReviewPhoto.position)
        )
    ).all():
        photos.setdefault((photo.review_id or 0, photo.part or "review"), []).append(_photo_out(photo))
    if voted is None:
        voted = set(
            (
                await session.scalars(
                    select(ReviewVote.review_id).where(
                        ReviewVote.user_id == viewer_id, ReviewVote.review_id.in_(ids)
                    )
                )
            ).all()
        )
    out = []
    for review in reviews:
        follow_up = None
        if review.follow_up_at is not None:
            follow_up = FollowUpOut(
                text=review.follow_up_text or "",
                photos=photos.get((review.id, "follow_up"), []),
                created_at=review.follow_up_at,
            )
        reply = None
        if review.replied_at is not None:
            reply = ReplyOut(text=review.reply_text or "", created_at=review.replied_at)
        out.append(
            ReviewOut(
                id=review.id,
                product_id=review.product_id,
                shop_id=review.shop_id,
                order_item_id=review.order_item_id,
                sku_name=review.sku_name,
                author=cards[review.author_id],
                relation=relations.get(review.author_id),
                rating=review.rating,
                text=review.text,
                photos=photos.get((review.id, "review"), []),
                follow_up=follow_up,
                reply=reply,
                helpful_count=review.helpful_count,
                viewer_found_helpful=review.id in voted,
                created_at=review.created_at,
            )
        )
    return out


async def _one(session: AsyncSession, viewer_id: int, review: Review) -> ReviewOut:
    await session.refresh(review)
    relations = await _relations(session, viewer_id, [review.author_id])
    return (await _render(session, viewer_id, [review], relations))[0]


async def get_review(session: AsyncSession, actor: Actor, review_id: int | str) -> ReviewOut:
    review = await _require_review(session, actor.user_id, review_id)
    return await _one(session, actor.user_id, review)


# --- writing -----------------------------------------------------------------------------------------


async def create_review(
    session: AsyncSession, actor: Actor, order_item_id: int | str, data: ReviewIn
) -> ReviewOut:
    """Review one item of the actor's completed order (REV-1).

    404 ``order_item_not_found`` for an item of someone else's order (or no such item); 409
    ``order_not_completed`` before the order completes, ``review_window_closed`` 30 days after, and
    ``already_reviewed`` for a second review of the same item.
    """
    parsed = parse_id(order_item_id)
    if parsed is None:
        raise NotFound("No such order item.", code="order_item_not_found")
    item = await orders.completed_items_for_review(session, actor.user_id, parsed)
    order = await session.get(Order, item.order_id)
    if order is None:  # the item's order exists by its foreign key; this only satisfies the types
        raise NotFound("No such order item.", code="order_item_not_found")
    already = await session.scalar(
        select(Review.id).where(Review.order_item_id == item.id, Review.author_id == actor.user_id)
    )
    if already is not None:
        raise _already_reviewed(already)
    review_id = new_id()
    now = clock.now()
    inserted = await session.execute(
        _insert(session, Review)
        .values(
            id=review_id,
            order_item_id=item.id,
            order_id=order.id,
            product_id=item.product_id,
            shop_id=order.shop_id,
            author_id=actor.user_id,
            sku_name=item.sku_name,
            rating=data.rating,
            text=data.text,
            photo_count=0,
            helpful_count=0,
            created_at=now,
            follow_up_text=None,
            follow_up_at=None,
            reply_text=None,
            replied_at=None,
        )
        .on_conflict_do_nothing(index_elements=["order_item_id", "author_id"])
    )
    if _rowcount(inserted) == 0:  # a concurrent request for the same item got there first
        raise _already_reviewed(None)
    review = await session.get(Review, review_id)
    assert review is not None
    photos = await _attach_photos(session, actor, review, "review", data.photo_keys)
    review.photo_count = photos
    await session.flush()
    await _bump_stats(session, review.product_id, rating=review.rating, photos=photos)
    emit(
        session,
        "commerce.review.created",
        {
            "review_id": str(review.id),
            "product_id": str(review.product_id),
            "shop_id": str(review.shop_id),
            "author_id": str(review.author_id),
            "order_item_id": str(review.order_item_id),
            "rating": review.rating,
            "photo_count": photos,
        },
    )
    return await _one(session, actor.user_id, review)


def _already_reviewed(review_id: int | None) -> Conflict:
    return Conflict(
        "You have already reviewed this item. You can add one follow-up to your review.",
        code="already_reviewed",
        details={"review_id": str(review_id)} if review_id is not None else None,
    )


async def add_follow_up(
    session: AsyncSession, actor: Actor, review_id: int | str, data: FollowUpIn
) -> ReviewOut:
    """The author's one follow-up (text and up to 9 photos). 403 ``not_review_author`` for anyone
    else, 409 ``follow_up_exists`` for a second one."""
    review = await _require_review(session, actor.user_id, review_id)
    if review.author_id != actor.user_id:
        raise Forbidden("Only the author of a review can follow it up.", code="not_review_author")
    written = await session.execute(
        update(Review)
        .where(Review.id == review.id, Review.follow_up_at.is_(None))
        .values(follow_up_text=data.text, follow_up_at=clock.now())
    )
    if _rowcount(written) == 0:
        raise Conflict("This review already has its follow-up.", code="follow_up_exists")
    photos = await _attach_photos(session, actor, review, "follow_up", data.photo_keys)
    if photos:
        await session.execute(
            update(Review).where(Review.id == review.id).values(photo_count=Review.photo_count + photos)
        )
        await _bump_stats(session, review.product_id, rating=None, photos=photos)
    emit(
        session,
        "commerce.review.followed_up",
        {"review_id": str(review.id), "product_id": str(review.product_id), "shop_id": str(review.shop_id)},
    )
    return await _one(session, actor.user_id, review)


async def reply(session: AsyncSession, actor: Actor, review_id: int | str, data: ReplyIn) -> ReviewOut:
    """The shop merchant's one reply. 403 ``not_shop_owner`` for anyone else, 409 ``already_replied``."""
    review = await _require_review(session, actor.user_id, review_id)
    if review.shop_id != actor.user_id:
        raise Forbidden("Only the shop that sold the item can reply to its review.", code="not_shop_owner")
    written = await session.execute(
        update(Review)
        .where(Review.id == review.id, Review.replied_at.is_(None))
        .values(reply_text=data.text, replied_at=clock.now())
    )
    if _rowcount(written) == 0:
        raise Conflict("The shop has already replied to this review.", code="already_replied")
    emit(
        session,
        "commerce.review.replied",
        {
            "review_id": str(review.id),
            "product_id": str(review.product_id),
            "shop_id": str(review.shop_id),
            "author_id": str(review.author_id),
        },
    )
    return await _one(session, actor.user_id, review)


async def mark_helpful(session: AsyncSession, actor: Actor, review_id: int | str) -> ReviewOut:
    """Count the actor's "helpful" once (idempotent); 403 ``own_review`` on one's own review."""
    review = await _require_review(session, actor.user_id, review_id)
    if review.author_id == actor.user_id:
        raise Forbidden("You cannot mark your own review helpful.", code="own_review")
    added = await session.execute(
        _insert(session, ReviewVote)
        .values(review_id=review.id, user_id=actor.user_id, created_at=clock.now())
        .on_conflict_do_nothing(index_elements=["review_id", "user_id"])
    )
    if _rowcount(added) == 1:
        await session.execute(
            update(Review).where(Review.id == review.id).values(helpful_count=Review.helpful_count + 1)
        )
    return await _one(session, actor.user_id, review)


async def unmark_helpful(session: AsyncSession, actor: Actor, review_id: int | str) -> ReviewOut:
    """Take the actor's "helpful" back (idempotent)."""
    review = await _require_review(session, actor.user_id, review_id)
    removed = await session.execute(
        delete(ReviewVote).where(ReviewVote.review_id == review.id, ReviewVote.user_id == actor.user_id)
    )
    if _rowcount(removed) == 1:
        await session.execute(
            update(Review).where(Review.id == review.id).values(helpful_count=Review.helpful_count - 1)
        )
    return await _one(session, actor.user_id, review)


async def share_to_moments(session: AsyncSession, actor: Actor, review_id: int | str) -> PostOut:
    """Post a review the actor can see as a Moment to all their friends: the rating, the review's
    text and a link to the product (``/#/p/<product_id>``), with the product attached as a share."""
    review = await _require_review(session, actor.user_id, review_id)
    product = await catalog.product_summary(session, review.product_id)
    title = str(product.get("title") or "").replace("\n", " ").strip()
    link = f"/#/p/{review.product_id}"
    head = "★" * review.rating + "☆" * (5 - review.rating) + (f" {title}" if title else "")
    room = MAX_BODY - len(head) - len(link) - 2
    text = review.text if len(review.text) <= room else review.text[: max(room - 1, 0)] + "…"
    body = "\n".join(part for part in (head, text, link) if part)
    moment = MomentIn(body=body, share=ShareIn(kind="product", ref=str(review.product_id), title=title[:100]))
    return await feed.create_moment(session, actor, moment)


# --- reading -----------------------------------------------------------------------------------------


def _group_cursor(page: PageRequest) -> tuple[int, int | None]:
    if not page.after:
        return 0, None
    if len(page.after) != 2 or not all(isinstance(part, int) for part in page.after):
        raise InvalidInput("cursor is not valid", code="invalid_cursor")
    group, after = page.after
    if not 0 <= group < len(GROUPS) or not 0 < after < 1 << 63:
        raise InvalidInput("cursor is not valid", code="invalid_cursor")
    return group, after


def _group_of(viewer_id: int) -> ColumnElement[int]:
    """REV-2's order as SQL on `Review.author_id`: 0 for the viewer's friends, 1 for KOLs the viewer
    follows, 2 for everyone else (the viewer's own reviews included)."""
    author = Review.author_id
    return case(
        (and_(author != viewer_id, graph.are_friends_clause(viewer_id, author)), 0),
        (
            and_(
                author != viewer_id,
                graph.follows_clause(viewer_id, author),
                identity.kol_clause(author),
            ),
            1,
        ),
        else_=2,
    )


async def list_product_reviews(
    session: AsyncSession,
    actor: Actor,
    product_id: int | str,
    page: PageRequest,
    *,
    with_photos: bool = False,
) -> tuple[list[ReviewOut], str | None]:
    """A product's reviews for this viewer (REV-2): friends' first, then followed KOLs', then the
    rest, each newest first; `with_photos` keeps reviews with at least one photo. Reviews by accounts
    blocked either way with the viewer do not exist for the viewer. Four queries whatever the page's
    length: the product, the page (ranked in SQL), the authors' cards and the photos."""
    viewer = actor.user_id
    pid = await _require_product(session, viewer, product_id)
    start, after = _group_cursor(page)
    group = _group_of(viewer)
    voted = exists(
        select(ReviewVote.review_id).where(ReviewVote.review_id == Review.id, ReviewVote.user_id == viewer)
    )
    stmt = select(Review, group, voted).where(
        Review.product_id == pid, ~graph.blocked_either_way_clause(viewer, Review.author_id)
    )
    if with_photos:
        stmt = stmt.where(Review.photo_count > 0)
    if after is not None:
        stmt = stmt.where(or_(group > start, and_(group == start, Review.id < after)))
    found = (await session.execute(stmt.order_by(group, Review.id.desc()).limit(page.limit + 1))).all()
    rows = [(int(rank), review, bool(mine)) for review, rank, mine in found]
    next_cursor = None
    if len(rows) > page.limit:
        rows = rows[: page.limit]
        next_cursor = encode_cursor(rows[-1][0], rows[-1][1].id)
    relations: dict[int, Relation] = {}
    for rank, review, _ in rows:
        relation = GROUPS[rank]
        if relation is not None:
            relations[review.author_id] = relation
    reviews = [review for _, review, _ in rows]
    voted_ids = {review.id for _, review, mine in rows if mine}
    return await _render(session, viewer, reviews, relations, voted=voted_ids), next_cursor


async def summary(session: AsyncSession, actor: Actor, product_id: int | str) -> ReviewSummaryOut:
    """A product's average rating, count, histogram and latest photos (REV-2), from the aggregates."""
    pid = await _require_product(session, actor.user_id, product_id)
    stats = await session.get(ReviewStats, pid)
    photos = (
        await session.scalars(
            select(ReviewPhoto)
            .where(ReviewPhoto.product_id == pid, ReviewPhoto.review_id.is_not(None))
            .order_by(ReviewPhoto.id.desc())
            .limit(SUMMARY_PHOTOS)
        )
    ).all()
    count = stats.count if stats else 0
    histogram = {str(star): (getattr(stats, f"r{star}") if stats else 0) for star in range(1, 6)}
    return ReviewSummaryOut(
        count=count,
        average=round(stats.rating_sum / count, 1) if stats and count else 0.0,
        histogram=histogram,
        photo_count=stats.photo_count if stats else 0,
        photos=[_photo_out(photo) for photo in photos],
    )


async def list_shop_reviews(
    session: AsyncSession, actor: Actor, page: PageRequest, *, unanswered: bool = False
) -> tuple[list[ReviewOut], str | None]:
    """The merchant console: reviews of the actor's shop, newest first; `unanswered` keeps those
    without a reply. Only a merchant with a shop (403/404 from the catalog otherwise)."""
    shop = await catalog.require_shop_owner(session, actor)
    stmt = select(Review).where(Review.shop_id == shop.merchant_id)
    if unanswered:
        stmt = stmt.where(Review.replied_at.is_(None))
    if page.after:
        value = page.after[0]
        if len(page.after) != 1 or not isinstance(value, int) or not 0 < value < 1 << 63:
            raise InvalidInput("cursor is not valid", code="invalid_cursor")
        stmt = stmt.where(Review.id < value)
    found, next_cursor = page_of(
        list((await session.scalars(stmt.order_by(Review.id.desc()).limit(page.limit + 1))).all()),
        page,
        key=lambda review: review.id,
    )
    relations = await _relations(session, actor.user_id, {review.author_id for review in found})
    return await _render(session, actor.user_id, found, relations), next_cursor


async def reviewed_item_ids(session: AsyncSession, buyer_id: int, order_item_ids: Iterable[int]) -> set[int]:
    """Which of these order items the buyer has reviewed (for OrderOut's `reviewed`)."""
    ids = set(order_item_ids)
    if not ids:
        return set()
    found: set[int] = set()
    for chunk in _chunks(ids):
        found |= set(
            (
                await session.scalars(
                    select(Review.order_item_id).where(
                        and_(Review.author_id == buyer_id, Review.order_item_id.in_(chunk))
                    )
                )
            ).all()
        )
    return found
