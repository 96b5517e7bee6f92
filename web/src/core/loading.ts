/** Hooks that load API data into a component, reporting failures in the message line. */
import { useEffect, useState } from 'preact/hooks';
import { showError } from './flash';
import type { Cursor, Page } from './types';

export interface Resource<T> {
  data: T | null;
  loading: boolean;
  reload: () => void;
}

/** Loads one value when `deps` change; `reload` fetches it again after a change made here. */
export function useResource<T>(load: () => Promise<T>, deps: unknown[]): Resource<T> {
  const [data, setData] = useState<T | null>(null);
  const [loading, setLoading] = useState(true);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    // Ignore answers that arrive after the component moved on to other deps or unmounted.
    let current = true;
    setLoading(true);
    load().then(
      (value) => current && setData(value),
      (error: unknown) => current && showError(error),
    ).finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
  }, [...deps, version]);
  return { data, loading, reload: () => setVersion((v) => v + 1) };
}

export interface Paged<T> {
  items: T[];
  loading: boolean;
  hasMore: boolean;
  loadMore: () => void;
  reload: () => void;
}

/** A cursor-paginated list: the first page when `deps` change, further pages on `loadMore`. */
export function usePaged<T>(load: (cursor: Cursor) => Promise<Page<T>>, deps: unknown[]): Paged<T> {
  const first = useResource(() => load(null), deps);
  // Later pages remember the first page they continue, so a reload starts the list over.
  const [extra, setExtra] = useState<{ after: Page<T>; items: T[]; cursor: Cursor } | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const more = extra && extra.after === first.data ? extra : null;

  const cursor = more ? more.cursor : (first.data?.next_cursor ?? null);
  const loadMore = () => {
    const after = first.data;
    if (!after || !cursor || loadingMore) return;
    setLoadingMore(true);
    load(cursor)
      .then(
        (next) => setExtra({ after, items: [...(more?.items ?? []), ...next.items], cursor: next.next_cursor }),
        showError,
      )
      .finally(() => setLoadingMore(false));
  };
  return {
    items: [...(first.data?.items ?? []), ...(more?.items ?? [])],
    loading: first.loading || loadingMore,
    hasMore: cursor !== null,
    loadMore,
    reload: first.reload,
  };
}
