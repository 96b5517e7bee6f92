/** A tiny observable value, so module-level state (session, language, route, messages) can drive rendering. */
import { useEffect, useReducer } from 'preact/hooks';

export class Store<T> {
  #value: T;
  readonly #listeners = new Set<() => void>();

  constructor(value: T) {
    this.#value = value;
  }

  get(): T {
    return this.#value;
  }

  set(value: T): void {
    if (Object.is(value, this.#value)) return;
    this.#value = value;
    for (const listener of [...this.#listeners]) listener();
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** Re-renders the calling component whenever the store changes. */
export function useStore<T>(store: Store<T>): T {
  const value = store.get();
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    const rerender = () => bump(undefined);
    const unsubscribe = store.subscribe(rerender);
    // The value may have changed between this render and the subscription.
    if (!Object.is(store.get(), value)) rerender();
    return unsubscribe;
  }, [store]);
  return value;
}
