"""Turning post rows into what one viewer may see: the parts of a post view that are themselves
subject to the rules (the reposted original, the chain, mentions, likes and comments under a Moment)
are each filtered through `visibility`, never shown because the outer post is.

Every function here takes posts the viewer has already been allowed to see (`post_visible`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.feed.models import Comment, Like, Media, Mention, Post, PostTopic, Topic
from quanzi.feed.schemas import (
    AudienceOut,
    ChainLink,
    CommentOut,
    PostOut,
    PostSummary,
    RepostInfo,
    ShareOut,
    TopicRef,
)
from quanzi.feed.service.media import media_out
from quanzi.feed.service.visibility import Viewer, interaction_scopes, post_visible
from quanzi.identity import service as identity
from quanzi.identity.schemas import UserCard

# Under a Moment every visible like and comment is shown inline (WeChat); beyond this the lists page.
INLINE_LIMIT = 100


def display_name(card: UserCard) -> str:
    return card.username or card.display_name


def comment_out(comment: Comment, cards: dict[int, UserCard]) -> CommentOut:
    return CommentOut(
        id=comment.id,
        post_id=comment.post_id,
        author=cards[comment.author_id],
        body=comment.body,
        reply_to_comment_id=comment.reply_to_comment_id,
        reply_to_user=cards.get(comment.reply_to_user_id) if comment.reply_to_user_id else None,
        created_at=comment.created_at,
    )


async def _media_by_post(session: AsyncSession, post_ids: Iterable[int]) -> dict[int, list[Media]]:
    ids = set(post_ids)
    found: dict[int, list[Media]] = defaultdict(list)
    if ids:
        for media in (
            await session.scalars(
                select(Media).where(Media.post_id.in_(ids)).order_by(Media.post_id, Media.position)
            )
        ).all():
            assert media.post_id is not None
            found[media.post_id].append(media)
    return found


async def _topics_by_post(session: AsyncSession, post_ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    if post_ids:
        rows = await session.execute(
            select(PostTopic.post_id, Topic.name)
            .join(Topic, Topic.id == PostTopic.topic_id)
            .where(PostTopic.post_id.in_(post_ids))
            .order_by(Topic.id)
        )
        for post_id, name in rows.all():
            found[post_id].append(name)
    return found


async def _mentions_by_post(session: AsyncSession, post_ids: Sequence[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    if post_ids:
        rows = await session.execute(
            select(Mention.post_id, Mention.user_id).where(Mention.post_id.in_(post_ids))
        )
        for post_id, user_id in rows.all():
            found[post_id].append(user_id)
    return found


async def _interactions(
    session: AsyncSession, moments: Sequence[Post]
) -> tuple[dict[int, list[Like]], dict[int, list[Comment]]]:
    """Every like and comment under these Moments, oldest first (to be filtered by scope)."""
    likes: dict[int, list[Like]] = defaultdict(list)
    comments: dict[int, list[Comment]] = defaultdict(list)
    ids = [post.id for post in moments]
    if not ids:
        return likes, comments
    for like in (await session.scalars(select(Like).where(Like.post_id.in_(ids)).order_by(Like.id))).all():
        likes[like.post_id].append(like)
    for comment in (
        await session.scalars(select(Comment).where(Comment.post_id.in_(ids)).order_by(Comment.id))
    ).all():
        comments[comment.post_id].append(comment)
    return likes, comments


async def render_posts(session: AsyncSession, viewer: Viewer, posts: Sequence[Post]) -> list[PostOut]:
    """Views of posts `viewer` may see, in the order given."""
    if not posts:
        return []
    ids = [post.id for post in posts]
    # The reposted originals and chain links are posts too: each is shown only if visible itself.
    related_ids = {p.root_id for p in posts if p.root_id} | {p.parent_id for p in posts if p.parent_id}
    related_ids |= {int(i) for p in posts for i in p.chain_ids}
    related: dict[int, Post] = {}
    if related_ids:
        related = {
            p.id: p
            for p in (
                await session.scalars(select(Post).where(Post.id.in_(related_ids), post_visible(viewer)))
            ).all()
        }
    media = await _media_by_post(session, ids + [p.root_id for p in posts if p.root_id in related])
    topics = await _topics_by_post(session, ids)
    mentions = await _mentions_by_post(session, ids)
    moments = [p for p in posts if p.kind == "moment"]
    all_likes, all_comments = await _interactions(session, moments)
    among: dict[int, set[int]] = defaultdict(set)
    for post_id, found in all_likes.items():
        among[post_id] |= {like.user_id for like in found}
    for post_id, said in all_comments.items():
        among[post_id] |= {c.author_id for c in said} | {
            c.reply_to_user_id for c in said if c.reply_to_user_id
        }
    scopes = await interaction_scopes(session, viewer, posts, among=among)
    likes = {p: [x for x in found if scopes[p].shows(x.user_id)] for p, found in all_likes.items()}
    comments = {
        p: [c for c in said if scopes[p].shows(c.author_id, c.reply_to_user_id)]
        for p, said in all_comments.items()
    }
    liked: set[int] = set()
    if viewer.user_id is not None:
        liked = set(
            (
                await session.scalars(
                    select(Like.post_id).where(Like.post_id.in_(ids), Like.user_id == viewer.user_id)
                )
            ).all()
        )
    people: set[int] = {p.author_id for p in posts} | {p.author_id for p in related.values()}
    people |= {u for users in mentions.values() for u in users}
    people |= {like.user_id for items in likes.values() for like in items}
    people |= {c.author_id for items in comments.values() for c in items}
    people |= {c.reply_to_user_id for items in comments.values() for c in items if c.reply_to_user_id}
    cards = await identity.get_cards(session, people)

    out = []
    for post in posts:
        repost = None
        text = post.body
        if post.root_id is not None:
            chain = [
                ChainLink(post_id=link.id, author=cards[link.author_id], comment=link.body)
                for link in (related.get(int(i)) for i in post.chain_ids)
                if link is not None
            ]
            text += "".join(f"//@{display_name(link.author)}: {link.comment}" for link in chain)
            root = related.get(post.root_id)
            repost = RepostInfo(
                parent_id=post.parent_id if post.parent_id in related else None,
                root=None
                if root is None
                else PostSummary(
                    id=root.id,
                    kind=root.kind,
                    author=cards[root.author_id],
                    body=root.body,  # type: ignore[arg-type]
                    media=[media_out(m) for m in media.get(root.id, [])],
                    created_at=root.created_at,
                ),
                root_unavailable=root is None,
                depth=post.depth,
                chain=chain,
            )
        is_author = viewer.user_id == post.author_id
        is_moment = post.kind == "moment"
        out.append(
            PostOut(
                id=post.id,
                kind=post.kind,  # type: ignore[arg-type]
                author=cards[post.author_id],
                text=text,
                body=post.body,
                location=post.location,
                share=None
                if post.share_kind is None
                else ShareOut(
                    kind=post.share_kind,
                    ref=post.share_ref or "",
                    title=post.share_title or "",  # type: ignore[arg-type]
                ),
                media=[media_out(m) for m in media.get(post.id, [])],
                topics=[TopicRef(name=name) for name in topics.get(post.id, [])],
                mentions=[cards[u] for u in mentions.get(post.id, []) if u in cards and viewer.sees_user(u)],
                visibility=post.visibility if is_author else None,  # type: ignore[arg-type]
                audience=AudienceOut(tag_ids=post.audience_tag_ids, user_ids=post.audience_user_ids)
                if is_author and is_moment and post.visibility in ("include", "exclude")
                else None,
                repost=repost,
                like_count=len(likes.get(post.id, [])) if is_moment else post.like_count,
                comment_count=len(comments.get(post.id, [])) if is_moment else post.comment_count,
                repost_count=0 if is_moment else post.repost_count,
                liked_by_me=post.id in liked,
                likes=[cards[like.user_id] for like in likes.get(post.id, [])[:INLINE_LIMIT]]
                if is_moment
                else None,
                comments=[comment_out(c, cards) for c in comments.get(post.id, [])[:INLINE_LIMIT]]
                if is_moment
                else None,
                created_at=post.created_at,
            )
        )
    return out


async def render_post(session: AsyncSession, viewer: Viewer, post: Post) -> PostOut:
    return (await render_posts(session, viewer, [post]))[0]
