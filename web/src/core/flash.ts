/** The one visible message line (an error or a notice) and helpers that report an action's outcome in it. */
import { useState } from 'preact/hooks';
import { ApiError } from './http';
import { errorText } from './i18n';
import { route } from './router';
import { Store } from './store';

export type Flash = { kind: 'error' | 'notice'; text: string };

export const flash = new Store<Flash | null>(null);

// A message belongs to the screen it was shown on.
route.subscribe(() => flash.set(null));

export function showNotice(text: string): void {
  flash.set({ kind: 'notice', text });
}

export function showError(error: unknown): void {
  let text: string;
  if (error instanceof ApiError) text = errorText(error);
  else if (error instanceof Error) text = error.message;
  else text = String(error);
  flash.set({ kind: 'error', text });
}

export const clearFlash = (): void => flash.set(null);

/** Runs an action, shows its error (or the success notice); true when it succeeded. */
export async function attempt(action: () => Promise<unknown>, success?: string): Promise<boolean> {
  clearFlash();
  try {
    await action();
  } catch (error) {
    showError(error);
    return false;
  }
  if (success) showNotice(success);
  return true;
}

/** `attempt` plus a busy flag, to disable a form's buttons while its request runs. */
export function useAction(): [boolean, typeof attempt] {
  const [busy, setBusy] = useState(false);
  const run: typeof attempt = async (action, success) => {
    setBusy(true);
    try {
      return await attempt(action, success);
    } finally {
      setBusy(false);
    }
  };
  return [busy, run];
}
