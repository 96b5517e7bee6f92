/** The signed-in session: the bearer token (kept in localStorage across reloads) and the current user. */
import { showError } from './flash';
import { t } from './i18n';
import { Store } from './store';
import type { Me } from './types';

const TOKEN_KEY = 'quanzi.token';

export const token = new Store<string | null>(localStorage.getItem(TOKEN_KEY));
export const currentUser = new Store<Me | null>(null);

/** After signing up or logging in: keep the token and who it belongs to. */
export function startSession(auth: { token: string; user: Me }): void {
  localStorage.setItem(TOKEN_KEY, auth.token);
  currentUser.set(auth.user);
  token.set(auth.token);
}

export function endSession(): void {
  localStorage.removeItem(TOKEN_KEY);
  currentUser.set(null);
  token.set(null);
}

/** The server rejected the token: drop it (the app then shows the login screen) and say why. */
export function expireSession(): void {
  endSession();
  showError(t('error.sessionExpired'));
}
