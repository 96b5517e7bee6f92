import { ApiError } from '../../api';
import { newIdempotencyKey } from '../../api/wallet';
import { payOrder, type Order } from '../../api/shop';

/** Keys of payments whose answer never came: trying again must send the same key (one charge at most). */
const unanswered = new Map<string, string>();

function keyFor(orderId: string): string {
  let key = unanswered.get(orderId);
  if (!key) {
    key = newIdempotencyKey();
    unanswered.set(orderId, key);
  }
  return key;
}

/** Pays one order with the PIN (POST /orders/{id}/pay, with an Idempotency-Key). */
export async function payWithPin(order: Order, pin: string): Promise<Order> {
  try {
    const paid = await payOrder(keyFor(order.id), order.id, pin);
    unanswered.delete(order.id);
    return paid;
  } catch (error) {
    // An answer (a wrong PIN, a short balance) means nothing was charged: the next try is a new action.
    const noAnswer = !(error instanceof ApiError) || error.code === 'network_error' || error.status >= 500;
    if (!noAnswer) unanswered.delete(order.id);
    throw error;
  }
}

/** Why paying failed in a way the PIN pad cannot fix: the wallet needs money or a PIN first. */
export function walletProblem(error: unknown): 'insufficient_balance' | 'pin_not_set' | null {
  if (error instanceof ApiError && (error.code === 'insufficient_balance' || error.code === 'pin_not_set')) return error.code;
  return null;
}
