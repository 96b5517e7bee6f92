/** What a feature adds to the app: the pages it routes to and its text (each `features/<domain>/index.tsx`). */
import type { JSX } from 'preact';
import type { StringTables } from './i18n';

/** The tabs of the tab bar; a page names the one it belongs to. */
export type Tab = 'chats' | 'contacts' | 'discover' | 'shop' | 'wallet' | 'me';

export interface Route {
  /** A hash path; `:name` segments are parameters (`/users/:id`). */
  pattern: string;
  /** The tab highlighted while this page is open. */
  tab: Tab | null;
  render: (params: Record<string, string>) => JSX.Element;
}

export interface Feature {
  /** Where a path matches several patterns, the one with the fewest parameters wins (`/chats/new-group`). */
  routes: Route[];
  /** The feature's `strings.ts`. */
  strings: StringTables;
}
