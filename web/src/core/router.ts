/**
 * Hash routing (`#/contacts`), so the server needs no fallback route for client paths.
 * The route store is updated synchronously on `navigate`, before `hashchange` fires, so that a
 * message shown right after navigating is not wiped by the route change.
 */
import { Store } from './store';

function pathFromHash(): string {
  const path = window.location.hash.replace(/^#/, '');
  return path.startsWith('/') ? path : `/${path}`;
}

export const route = new Store<string>(pathFromHash());

// Route changes seen since the app loaded: with none, "back" would leave the app instead of a page.
let routeChanges = 0;

window.addEventListener('hashchange', () => {
  routeChanges += 1;
  route.set(pathFromHash());
});

export const hasInAppHistory = (): boolean => routeChanges > 0;

/** Bumped when navigating to the page already shown (tapping the current tab), so it loads afresh. */
export const revisits = new Store<number>(0);

export function navigate(path: string): void {
  if (path === route.get()) revisits.set(revisits.get() + 1);
  route.set(path);
  window.location.hash = path;
}

export const href = (path: string): string => `#${path}`;

/** Matches `/users/:id` against `/users/42` → `{ id: "42" }`; null when it does not match. */
export function matchRoute(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) {
      if (!got[i]) return null;
      params[want[i].slice(1)] = decodeURIComponent(got[i]);
    } else if (want[i] !== got[i]) {
      return null;
    }
  }
  return params;
}
