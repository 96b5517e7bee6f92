import { useState } from 'preact/hooks';
import { Avatar } from '../../../core/components/Avatar';
import { useAction } from '../../../core/flash';
import { formatTime, t, type MessageKey } from '../../../core/i18n';
import { href } from '../../../core/router';
import { currentUser } from '../../../core/session';
import { useStore } from '../../../core/store';
import type { UserCard } from '../../../core/types';
import { ShareLinks } from '../../commerce/components/ShareLinks';
import { ReportButton } from '../../moderation/components/ReportButton';
import {
  addComment,
  deletePost,
  getPost,
  like,
  repost,
  unlike,
  type Comment,
  type Post,
  type PostSummary,
} from '../api';
import { PhotoGrid } from './PhotoGrid';
import { RichText } from './RichText';

interface Props {
  post: Post;
  /** On the post's own page: comments of a public post come from the paged list, not the card. */
  comments?: Comment[];
  /** The comment box is shown for Moments everywhere, and for public posts when this is set. */
  commentBox?: boolean;
  onRemoved?: () => void;
  onReposted?: (post: Post) => void;
  onCommented?: () => void;
}

const name = (user: UserCard) => user.display_name;

/** One Moment or public post, with its likes, comments and actions, exactly as the server returned it. */
export function PostCard(props: Props) {
  const [post, setPost] = useState(props.post);
  const [removed, setRemoved] = useState(false);
  const [busy, run] = useAction();
  const me = useStore(currentUser);
  const moment = post.kind === 'moment';
  const refresh = async () => setPost(await getPost(post.id));

  if (removed) return null;

  const toggleLike = () =>
    run(async () => {
      await (post.liked_by_me ? unlike(post.id) : like(post.id));
      await refresh();
    });

  const remove = async () => {
    if (!window.confirm(t('feed.deleteConfirm'))) return;
    if (await run(() => deletePost(post.id), t('feed.deleted'))) {
      setRemoved(true);
      props.onRemoved?.();
    }
  };

  const comments = props.comments ?? post.comments ?? [];
  const showCommentBox = moment || props.commentBox;

  return (
    <article class="card post-card" data-testid={moment ? 'moment' : 'post'} data-post-id={post.id}>
      <header class="post-head">
        <a href={href(`/users/${post.author.id}`)} class="post-author">
          <Avatar user={post.author} />
          <span class="post-author-name" data-testid="post-author">
            {name(post.author)}
          </span>
        </a>
      </header>
      {post.text && (
        <p class="post-text" data-testid="post-text">
          <RichText text={post.text} topics={post.topics} mentions={post.mentions} />
        </p>
      )}
      <ShareLinks text={post.text} share={post.share} />
      {post.repost && <Quoted repost={post.repost} />}
      <PhotoGrid media={post.media} />
      {post.share && post.share.kind === 'link' && (
        <p class="post-share">
          {post.share.kind === 'link' ? (
            <a href={post.share.ref} target="_blank" rel="noopener noreferrer">
              {post.share.title || post.share.ref}
            </a>
          ) : (
            <span>{post.share.title || post.share.ref}</span>
          )}
        </p>
      )}
      {post.location && <p class="muted post-location">{post.location}</p>}
      <footer class="post-meta">
        <a class="muted" href={href(`/posts/${post.id}`)} data-testid="post-link">
          {formatTime(post.created_at)}
        </a>
        {post.visibility && post.visibility !== 'public' && (
          <span class="muted post-visibility" data-testid="post-visibility">
            {t(`feed.vis.${post.visibility}` as MessageKey)}
          </span>
        )}
        {me && me.id === post.author.id && (
          <button type="button" class="link-button" data-testid="delete-post" disabled={busy} onClick={remove}>
            {t('feed.delete')}
          </button>
        )}
        {me && me.id !== post.author.id && <ReportButton kind="post" id={post.id} />}
      </footer>
      <div class="post-actions">
        <button
          type="button"
          class={post.liked_by_me ? 'small liked' : 'small'}
          data-testid="like"
          aria-pressed={post.liked_by_me}
          disabled={busy}
          onClick={toggleLike}
        >
          {post.liked_by_me ? '♥' : '♡'} <span data-testid="like-count">{post.like_count}</span>
        </button>
        {moment ? (
          <span class="muted small-text">{t('feed.comments', { count: post.comment_count })}</span>
        ) : (
          <a class="button-like small" href={href(`/posts/${post.id}`)} data-testid="open-comments">
            {t('feed.comment')} {post.comment_count}
          </a>
        )}
        {!moment && <RepostButton post={post} onReposted={props.onReposted} afterRepost={refresh} />}
      </div>
      {post.likes && post.likes.length > 0 && (
        <p class="post-likes" data-testid="likes">
          ♥{' '}
          {post.likes.map((user, i) => (
            <>
              {i > 0 && ', '}
              <a href={href(`/users/${user.id}`)} data-testid="liker">
                {name(user)}
              </a>
            </>
          ))}
        </p>
      )}
      <CommentSection
        postId={post.id}
        comments={comments}
        box={!!showCommentBox}
        onAdded={async () => {
          await refresh();
          props.onCommented?.();
        }}
      />
    </article>
  );
}

function Quoted({ repost: info }: { repost: NonNullable<Post['repost']> }) {
  if (info.root_unavailable || !info.root) {
    return <p class="quoted muted">{t('feed.rootUnavailable')}</p>;
  }
  const root: PostSummary = info.root;
  return (
    <a class="quoted" href={href(`/posts/${root.id}`)} data-testid="quoted-post">
      <span class="quoted-author">@{root.author.display_name}</span>: {root.body}
      <PhotoGrid media={root.media} />
    </a>
  );
}

function RepostButton({
  post,
  onReposted,
  afterRepost,
}: {
  post: Post;
  onReposted?: (post: Post) => void;
  afterRepost: () => Promise<void>;
}) {
  const [open, setOpen] = useState(false);
  const [comment, setComment] = useState('');
  const [busy, run] = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    let made: Post | null = null;
    if (await run(async () => (made = await repost(post.id, comment.trim())), t('feed.reposted'))) {
      setOpen(false);
      setComment('');
      await afterRepost().catch(() => {});
      if (made) onReposted?.(made);
    }
  };
  return (
    <>
      <button type="button" class="small" data-testid="repost" onClick={() => setOpen(!open)}>
        ⇄ {post.repost_count}
      </button>
      {open && (
        <form class="inline-form repost-form" onSubmit={submit}>
          <input
            data-testid="repost-comment"
            value={comment}
            maxLength={2000}
            placeholder={t('feed.repostPlaceholder')}
            onInput={(e) => setComment(e.currentTarget.value)}
          />
          <button type="submit" class="primary small" data-testid="repost-submit" disabled={busy}>
            {t('feed.repost')}
          </button>
        </form>
      )}
    </>
  );
}

function CommentSection({
  postId,
  comments,
  box,
  onAdded,
}: {
  postId: string;
  comments: Comment[];
  box: boolean;
  onAdded: () => Promise<void>;
}) {
  const [text, setText] = useState('');
  const [replyTo, setReplyTo] = useState<Comment | null>(null);
  const me = useStore(currentUser);
  const [busy, run] = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    const body = text.trim();
    if (!body) return;
    if (await run(() => addComment(postId, body, replyTo?.id ?? null))) {
      setText('');
      setReplyTo(null);
      await onAdded().catch(() => {});
    }
  };
  if (!box && comments.length === 0) return null;
  return (
    <div class="comments">
      {comments.length > 0 && (
        <ul class="comment-list" data-testid="comments">
          {comments.map((comment) => (
            <li key={comment.id} class="comment" data-testid="comment" data-comment-id={comment.id}>
              <a href={href(`/users/${comment.author.id}`)} class="comment-author">
                {name(comment.author)}
              </a>
              {comment.reply_to_user && (
                <>
                  {' '}
                  {t('feed.replied')}{' '}
                  <a href={href(`/users/${comment.reply_to_user.id}`)} class="comment-author">
                    {name(comment.reply_to_user)}
                  </a>
                </>
              )}
              :{' '}
              <button type="button" class="comment-body" onClick={() => box && setReplyTo(comment)}>
                {comment.body}
              </button>
              {me && me.id !== comment.author.id && <ReportButton kind="comment" id={comment.id} />}
            </li>
          ))}
        </ul>
      )}
      {box && (
        <form class="inline-form comment-form" onSubmit={submit}>
          <input
            data-testid="comment-input"
            value={text}
            maxLength={500}
            placeholder={replyTo ? t('feed.replyTo', { name: name(replyTo.author) }) : t('feed.commentPlaceholder')}
            onInput={(e) => setText(e.currentTarget.value)}
          />
          <button type="submit" class="small" data-testid="comment-submit" disabled={busy || !text.trim()}>
            {t('feed.send')}
          </button>
        </form>
      )}
    </div>
  );
}
