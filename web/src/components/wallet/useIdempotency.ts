import { useRef } from 'preact/hooks';
import { ApiError } from '../../api';
import { newIdempotencyKey } from '../../api/wallet';

/** Answers after which the same action may be sent again with the same key (nothing was stored). */
function retryable(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  if (error.code === 'network_error' || error.status >= 500) return true;
  // Wrong PINs and a PIN changed meanwhile are not stored with the key: retry with the (right) PIN.
  return ['wrong_pin', 'pin_changed', 'pin_locked'].includes(error.code);
}

/**
 * One idempotency key per user action. `keyFor(action)` returns the key of the action being tried:
 * the same action (same `action` text, e.g. the JSON of the body without the PIN) tried again after a
 * failure that stored nothing gets the same key, so a retry can never move money twice; a different
 * action, or any action after an answer, gets a fresh one.
 */
export function useIdempotency() {
  const current = useRef<{ action: string; key: string } | null>(null);
  return {
    keyFor(action: string): string {
      if (current.current?.action !== action) current.current = { action, key: newIdempotencyKey() };
      return current.current.key;
    },
    /** After the request: keep the key only when a retry of this action must reuse it. */
    settle(error?: unknown): void {
      if (error === undefined || !retryable(error)) current.current = null;
    },
  };
}
