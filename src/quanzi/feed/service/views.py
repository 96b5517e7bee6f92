"""Turning post rows into what one viewer may see: the parts of a post view that are themselves
subject to the rules (the reposted original, the chain, mentions, likes and comments under a Moment)
are each filtered through `visibility`, never shown because the outer post is.

Every function here takes posts the viewer has already been allowed to see (`post_visible`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import literal, null, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.feed.models import Comment, Like, Media, Mention, Post, PostTopic, Topic
from quanzi.feed.schemas import (
    AudienceOut,
    ChainLink,
    CommentOut,
    MediaOut,
    PostOut,
    PostSummary,
    RepostInfo,
    ShareOut,
    TopicRef,
)
from quanzi.feed.service.media import media_out
from quanzi.feed.service.visibility import Viewer, interaction_visible, post_visible
from quanzi.graph import service as graph
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


@dataclass
class _Attachments:
    media: dict[int, list[MediaOut]] = field(default_factory=lambda: defaultdict(list))
    topics: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    # Mentioned users the viewer may see (mentions never name someone blocked either way).
    mentions: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    liked: set[int] = field(default_factory=set)


async def _attachments(
    session: AsyncSession, viewer: Viewer, post_ids: Sequence[int], media_post_ids: Sequence[int]
) -> _Attachments:
    """Media (of the posts and of reposted originals), topics, visible mentions and the viewer's own
    likes of these posts, in one query (rows of a common shape: kind, post, order, then details)."""
    found = _Attachments()
    if not post_ids:
        return found
    none = null()
    parts: list[Any] = [
        select(
            literal("m"),
            Media.post_id,
            Media.position,
            Media.id,
            Media.kind,
            Media.key,
            Media.thumb_key,
            Media.width,
            Media.height,
            Media.duration_ms,
        ).where(Media.post_id.in_(sorted(set(media_post_ids)))),
        select(literal("t"), PostTopic.post_id, Topic.id, none, Topic.name, none, none, none, none, none)
        .join(Topic, Topic.id == PostTopic.topic_id)
        .where(PostTopic.post_id.in_(post_ids)),
    ]
    mentions = select(
        literal("u"), Mention.post_id, none, Mention.user_id, none, none, none, none, none, none
    )
    if viewer.user_id is not None:
        mentions = mentions.where(~graph.blocked_either_way_clause(viewer.user_id, Mention.user_id))
        parts.append(
            select(literal("l"), Like.post_id, none, none, none, none, none, none, none, none).where(
                Like.post_id.in_(post_ids), Like.user_id == viewer.user_id
            )
        )
    parts.append(mentions.where(Mention.post_id.in_(post_ids)))
    rows = (await session.execute(union_all(*parts))).all()
    for kind, post_id, _order, ref, a, b, c, width, height, duration in sorted(
        rows, key=lambda r: (r[0], r[1], r[2] if r[2] is not None else 0, r[3] or 0)
    ):
        if kind == "m":
            media = Media(
                id=ref, kind=a, key=b, thumb_key=c, width=width, height=height, duration_ms=duration
            )
            found.media[post_id].append(media_out(media))
        elif kind == "t":
            found.topics[post_id].append(a)
        elif kind == "u":
            found.mentions[post_id].append(int(ref))
        else:
            found.liked.add(post_id)
    return found


async def _interactions(
    session: AsyncSession, viewer: Viewer, moments: Sequence[Post]
) -> tuple[dict[int, list[Like]], dict[int, list[Comment]]]:
    """The likes and comments under these Moments that `viewer` may see (`interaction_visible`, on
    the liker, the commenter and the one a reply addresses), oldest first, in one query."""
    likes: dict[int, list[Like]] = defaultdict(list)
    comments: dict[int, list[Comment]] = defaultdict(list)
    ids = [post.id for post in moments]
    if not ids:
        return likes, comments
    none = null()
    liked = (
        select(literal("l"), Like.id, Like.post_id, Like.user_id, none, none, none, Like.created_at)
        .join(Post, Post.id == Like.post_id)
        .where(Like.post_id.in_(ids), interaction_visible(viewer, Like.user_id))
    )
    commented = (
        select(
            literal("c"),
            Comment.id,
            Comment.post_id,
            Comment.author_id,
            Comment.body,
            Comment.reply_to_comment_id,
            Comment.reply_to_user_id,
            Comment.created_at,
        )
        .join(Post, Post.id == Comment.post_id)
        .where(
            Comment.post_id.in_(ids),
            Comment.taken_down_at.is_(None),
            interaction_visible(viewer, Comment.author_id),
            or_(Comment.reply_to_user_id.is_(None), interaction_visible(viewer, Comment.reply_to_user_id)),
        )
    )
    rows: list[Any] = list((await session.execute(union_all(liked, commented))).all())
    for kind, row_id, post_id, user_id, body, reply_to_comment, reply_to_user, created_at in sorted(
        rows, key=lambda r: r[1]
    ):
        if kind == "l":
            likes[post_id].append(Like(id=row_id, post_id=post_id, user_id=user_id, created_at=created_at))
        else:
            comments[post_id].append(
                Comment(
                    id=row_id,
                    post_id=post_id,
                    author_id=user_id,
                    body=body,
                    reply_to_comment_id=reply_to_comment,
                    reply_to_user_id=reply_to_user,
                    created_at=created_at,
                )
            )
    return likes, comments


async def render_posts(session: AsyncSession, viewer: Viewer, posts: Sequence[Post]) -> list[PostOut]:
    """Views of posts `viewer` may see, in the order given: at most four queries whatever their
    number (reposted originals, attachments, likes and comments, people)."""
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
    attached = await _attachments(
        session, viewer, ids, ids + [p.root_id for p in posts if p.root_id in related]
    )
    media, topics, mentions, liked = attached.media, attached.topics, attached.mentions, attached.liked
    likes, comments = await _interactions(session, viewer, [p for p in posts if p.kind == "moment"])
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
                    media=list(media.get(root.id, [])),
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
                media=list(media.get(post.id, [])),
                topics=[TopicRef(name=name) for name in topics.get(post.id, [])],
                mentions=[cards[u] for u in mentions.get(post.id, []) if u in cards],
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
