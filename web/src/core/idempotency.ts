/**
 * Idempotency keys for money-moving calls (docs/wallet.md, WAL-7): one key per user action, sent again
 * only to retry that same action, so a retry can never move money twice.
 */
import { useState } from 'preact/hooks';
import { ApiError } from './http';

/** A fresh key for one user action (a top-up, a transfer, a grab …). */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

/** Answers after which the same action may be sent again with the same key (nothing was stored). */
function retryable(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  if (error.code === 'network_error' || error.status >= 500) return true;
  // Wrong PINs and a PIN changed meanwhile are not stored with the key: retry with the (right) PIN.
  return ['wrong_pin', 'pin_changed', 'pin_locked'].includes(error.code);
}

/**
 * The keys of actions being tried. `run(action, call)` calls with the key of `action` (a text naming it,
 * e.g. the JSON of the body without the PIN): the same action tried again after a failure that stored
 * nothing gets the same key; after an answer, the next try of it gets a fresh one.
 */
export class IdempotencyKeys {
  readonly #pending = new Map<string, string>();

  async run<T>(action: string, call: (key: string) => Promise<T>): Promise<T> {
    let key = this.#pending.get(action);
    if (key === undefined) {
      key = newIdempotencyKey();
      this.#pending.set(action, key);
    }
    try {
      const answer = await call(key);
      this.#pending.delete(action);
      return answer;
    } catch (error) {
      // Keep the key only when a retry of this action must reuse it.
      if (!retryable(error)) this.#pending.delete(action);
      throw error;
    }
  }
}

/** The idempotency keys of one component's actions, kept while it is mounted. */
export function useIdempotency(): IdempotencyKeys {
  const [keys] = useState(() => new IdempotencyKeys());
  return keys;
}
