import { useEffect } from 'preact/hooks';
import type { Route } from '../core/feature';
import { showError } from '../core/flash';
import { addStrings, lang } from '../core/i18n';
import { matchRoute, navigate, revisits, route } from '../core/router';
import { currentUser, token } from '../core/session';
import { useStore } from '../core/store';
import { getMe } from '../features/identity/api';
import { Login } from '../features/identity/pages/Login';
import { Signup } from '../features/identity/pages/Signup';
import { TabBar } from './TabBar';
import { features } from './features';

for (const feature of features) addStrings(feature.strings);

const HOME = '/chats';
const routes: Route[] = features.flatMap((feature) => feature.routes);

/** The route of `path`: of the patterns it matches, the one with the fewest parameters (`/chats/new-group`
 * rather than `/chats/:id`), so no feature's routes depend on another's order. */
function findRoute(path: string): { route: Route; params: Record<string, string> } | null {
  let found: { route: Route; params: Record<string, string> } | null = null;
  for (const candidate of routes) {
    const params = matchRoute(candidate.pattern, path);
    if (params && (!found || Object.keys(params).length < Object.keys(found.params).length)) {
      found = { route: candidate, params };
    }
  }
  return found;
}

export function App() {
  // Reading the language here re-renders the whole tree when it changes, so every t() call follows.
  useStore(lang);
  const signedIn = useStore(token) !== null;
  const path = useStore(route);
  const revisit = useStore(revisits);

  // The token survives a reload but the user does not: fetch who we are.
  useEffect(() => {
    if (signedIn && !currentUser.get()) getMe().then((me) => currentUser.set(me), showError);
  }, [signedIn]);

  const found = signedIn ? findRoute(path) : null;
  // Signed in on the login page or an unknown path: go home. (Signed out, any path shows login.)
  useEffect(() => {
    if (signedIn && !found) navigate(HOME);
  }, [signedIn, found === null]);

  if (!signedIn) return <div class="app">{path === '/signup' ? <Signup /> : <Login />}</div>;
  return (
    <div class="app">
      {/* A new key mounts a fresh page: moving between two users' pages never shows the previous one's
          data, and tapping the current tab reloads it. */}
      <div class="page" key={`${path}#${revisit}`}>
        {found?.route.render(found.params)}
      </div>
      <TabBar active={found?.route.tab ?? null} />
    </div>
  );
}
