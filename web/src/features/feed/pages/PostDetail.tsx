import { useEffect, useState } from 'preact/hooks';
import { Avatar } from '../../../core/components/Avatar';
import { Screen } from '../../../core/components/Screen';
import { showError } from '../../../core/flash';
import { ApiError } from '../../../core/http';
import { formatTime, t } from '../../../core/i18n';
import { usePaged, useResource } from '../../../core/loading';
import { href } from '../../../core/router';
import { getCascade, getPost, listComments, type CascadeNode, type Post } from '../api';
import { PostCard } from '../components/PostCard';

/** One post by id; hidden and missing read the same (`post_not_found`). Public posts add comments and the repost tree. */
export function PostDetailPage({ id }: { id: string }) {
  const [post, setPost] = useState<Post | null>(null);
  const [missing, setMissing] = useState(false);
  useEffect(() => {
    let current = true;
    getPost(id).then(
      (value) => current && setPost(value),
      (error: unknown) => {
        if (!current) return;
        if (error instanceof ApiError && error.status === 404) setMissing(true);
        else showError(error);
      },
    );
    return () => {
      current = false;
    };
  }, [id]);

  return (
    <Screen title={t('feed.post')} back="/moments">
      {missing && (
        <p class="card empty" data-testid="post-not-found">
          {t('feed.notFound')}
        </p>
      )}
      {post && (post.kind === 'moment' ? <PostCard post={post} /> : <PublicPostDetail post={post} />)}
    </Screen>
  );
}

function PublicPostDetail({ post }: { post: Post }) {
  const comments = usePaged((cursor) => listComments(post.id, cursor), [post.id]);
  const cascade = useResource(() => getCascade(post.id), [post.id]);
  return (
    <>
      <PostCard post={post} comments={comments.items} commentBox onCommented={comments.reload} onReposted={cascade.reload} />
      {comments.hasMore && (
        <button type="button" class="link-button load-more" disabled={comments.loading} onClick={comments.loadMore}>
          {t('common.loadMore')}
        </button>
      )}
      {cascade.data && cascade.data.size > 1 && (
        <section class="card cascade" data-testid="cascade">
          <h3>{t('feed.cascade')}</h3>
          <p class="muted">{t('feed.cascadeSummary', { size: cascade.data.size - 1, depth: cascade.data.max_depth })}</p>
          <CascadeTree node={cascade.data.root} current={post.id} />
          {cascade.data.truncated && <p class="hint">{t('feed.cascadeTruncated')}</p>}
        </section>
      )}
    </>
  );
}

function CascadeTree({ node, current }: { node: CascadeNode; current: string }) {
  return (
    <ul class="cascade-tree">
      <li>
        <div
          class={node.id === current ? 'cascade-node current' : 'cascade-node'}
          data-testid="cascade-node"
          data-post-id={node.id}
          data-depth={node.depth}
        >
          <Avatar user={node.author} />
          <a href={href(`/posts/${node.id}`)}>
            <strong>{node.author.display_name}</strong>
            {node.depth === 0 ? <span class="muted"> · {t('feed.original')}</span> : node.comment && <>: {node.comment}</>}
          </a>
          <span class="muted small-text">{formatTime(node.created_at)}</span>
        </div>
        {node.children.map((child) => (
          <CascadeTree key={child.id} node={child} current={current} />
        ))}
      </li>
    </ul>
  );
}
