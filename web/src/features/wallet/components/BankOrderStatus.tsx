import { useEffect, useState } from 'preact/hooks';
import { t } from '../../../core/i18n';
import { formatFen } from '../../../core/money';
import { getBankOrder, type BankOrder } from '../api';

const POLL_MS = 1000;
const POLL_FOR_MS = 15 * 60 * 1000; // a slow bank may answer after 10 minutes

/**
 * A top-up or withdrawal the bank answers asynchronously: shown as pending, polled until the bank's
 * answer lands (succeeded or failed), then `onResolved` refreshes the balance and statement.
 */
export function BankOrderStatus({ order: first, onResolved }: { order: BankOrder; onResolved: () => void }) {
  const [order, setOrder] = useState(first);
  useEffect(() => {
    if (order.status !== 'pending') return;
    const started = Date.now();
    let stopped = false;
    let timer = 0;
    const poll = () => {
      getBankOrder(order.id).then(
        (next) => {
          if (stopped) return;
          if (next.status === 'pending') {
            if (Date.now() - started < POLL_FOR_MS) timer = window.setTimeout(poll, POLL_MS);
          } else {
            setOrder(next);
            onResolved();
          }
        },
        // A dropped request: keep asking, the order is still there.
        () => !stopped && (timer = window.setTimeout(poll, POLL_MS * 3)),
      );
    };
    timer = window.setTimeout(poll, POLL_MS / 2);
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [order.id, order.status]);

  const params = {
    kind: order.kind === 'topup' ? t('wallet.topUp') : t('wallet.withdraw'),
    amount: formatFen(order.amount),
    reason: order.failure_reason ?? '',
  };
  const text =
    order.status === 'pending'
      ? t('wallet.orderPending', params)
      : order.status === 'succeeded'
        ? t('wallet.orderSucceeded', params)
        : t('wallet.orderFailed', params);
  return (
    <li class={`row bank-order bank-order-${order.status}`} data-testid="bank-order" data-status={order.status} data-order-id={order.id}>
      {text}
    </li>
  );
}
