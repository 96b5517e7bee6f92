import { useState } from 'preact/hooks';

/**
 * Newer copies of list items changed here (an order shipped, a review answered): the list keeps showing
 * them, updated, where they were, instead of reloading and making them jump away under the pointer.
 */
export function useOverrides<T extends { id: string }>() {
  const [changed, setChanged] = useState<Map<string, T>>(new Map());
  return {
    pick: (item: T): T => changed.get(item.id) ?? item,
    put: (item: T) => setChanged((old) => new Map(old).set(item.id, item)),
  };
}
