import { ApiError } from '../../core/http';
import { IdempotencyKeys } from '../../core/idempotency';
import { payOrder, type Order } from './api';

/**
 * The keys of payments being tried, kept across pages: paying an order again after a failure that
 * stored nothing (no answer, a wrong PIN) sends the same key, so it is charged once at most.
 */
const payments = new IdempotencyKeys();

/** Pays one order with the PIN (POST /orders/{id}/pay, with an Idempotency-Key). */
export function payWithPin(order: Order, pin: string): Promise<Order> {
  return payments.run(order.id, (key) => payOrder(key, order.id, pin));
}

/** Why paying failed in a way the PIN pad cannot fix: the wallet needs money or a PIN first. */
export function walletProblem(error: unknown): 'insufficient_balance' | 'pin_not_set' | null {
  if (error instanceof ApiError && (error.code === 'insufficient_balance' || error.code === 'pin_not_set')) return error.code;
  return null;
}
