import { t } from '../../../core/i18n';
import type { Paged } from '../../../core/loading';
import type { Post } from '../api';
import { PostCard } from './PostCard';

interface Props {
  list: Paged<Post>;
  /** Posts made here since the list loaded, newest first; shown on top until the list has them. */
  fresh?: Post[];
  empty: string;
  testId: string;
  onReposted?: (post: Post) => void;
}

/** A timeline: cards newest first, with "load more" while the server has more pages. */
export function PostList({ list, fresh = [], empty, testId, onReposted }: Props) {
  const loaded = new Set(list.items.map((p) => p.id));
  const posts = [...fresh.filter((p) => !loaded.has(p.id)), ...list.items];
  return (
    <div class="list-block post-list" data-testid={testId}>
      {posts.map((post) => (
        <PostCard key={post.id} post={post} onReposted={onReposted} />
      ))}
      {posts.length === 0 && !list.loading && <p class="empty">{empty}</p>}
      {list.hasMore && (
        <button type="button" class="link-button load-more" disabled={list.loading} onClick={list.loadMore}>
          {t('common.loadMore')}
        </button>
      )}
    </div>
  );
}
