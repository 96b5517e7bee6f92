import type { ComponentChildren } from 'preact';
import { t } from '../i18n';
import type { Paged } from '../loading';

interface Props<T> {
  list: Paged<T>;
  testId: string;
  empty: string;
  children: (item: T) => ComponentChildren;
}

/** A list section with its empty state and a "load more" button while the server has more pages. */
export function PagedList<T>({ list, testId, empty, children }: Props<T>) {
  return (
    <div class="list-block">
      <ul class="list" data-testid={testId}>
        {list.items.map(children)}
      </ul>
      {list.items.length === 0 && !list.loading && <p class="empty">{empty}</p>}
      {list.hasMore && (
        <button type="button" class="link-button load-more" disabled={list.loading} onClick={list.loadMore}>
          {t('common.loadMore')}
        </button>
      )}
    </div>
  );
}
