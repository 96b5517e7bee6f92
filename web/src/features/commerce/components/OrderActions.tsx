import { useState } from 'preact/hooks';
import { showError, useAction } from '../../../core/flash';
import { useIdempotency } from '../../../core/idempotency';
import { t } from '../../../core/i18n';
import { formatFen } from '../../../core/money';
import { href } from '../../../core/router';
import { PinSheet, type PinRequest } from '../../wallet/components/PinSheet';
import { cancelOrder, confirmOrder, type Order } from '../api';
import { payWithPin, walletProblem } from '../payOrders';
import { WalletProblem } from './WalletProblem';

/** What the buyer can do with an order now: pay, cancel, confirm receipt, review. */
export function OrderActions({ order, onChanged }: { order: Order; onChanged: (order: Order) => void }) {
  const [busy, run] = useAction();
  const keys = useIdempotency();
  const [pinRequest, setPinRequest] = useState<PinRequest | null>(null);
  const [problem, setProblem] = useState<'insufficient_balance' | 'pin_not_set' | null>(null);
  const unreviewed = order.status === 'completed' ? order.items.find((item) => !item.reviewed) : undefined;

  const pay = () =>
    setPinRequest({
      prompt: t('shop.pay.prompt', { amount: formatFen(order.total) }),
      run: async (pin) => {
        setProblem(null);
        try {
          onChanged(await payWithPin(order, pin));
        } catch (error) {
          const wallet = walletProblem(error);
          if (!wallet) throw error;
          setProblem(wallet);
          showError(error);
        }
      },
    });

  const cancel = () => {
    if (!window.confirm(t('shop.order.cancelConfirm'))) return;
    void run(
      async () => onChanged(await keys.run(`cancel:${order.id}`, (key) => cancelOrder(order.id, key))),
      t('shop.order.cancelled'),
    );
  };
  const confirm = () => {
    if (!window.confirm(t('shop.order.confirmReceiptConfirm'))) return;
    void run(
      async () => onChanged(await keys.run(`confirm:${order.id}`, (key) => confirmOrder(order.id, key))),
      t('shop.order.received'),
    );
  };

  return (
    <>
      <div class="button-row order-actions">
        {order.status === 'pending_payment' && (
          <>
            <button type="button" class="small" data-testid="order-cancel" disabled={busy} onClick={cancel}>
              {t('shop.order.cancel')}
            </button>
            <button type="button" class="primary small" data-testid="order-pay" disabled={busy} onClick={pay}>
              {t('shop.order.pay')}
            </button>
          </>
        )}
        {(order.status === 'shipped' || order.status === 'delivered') && (
          <button type="button" class="primary small" data-testid="order-confirm" disabled={busy} onClick={confirm}>
            {t('shop.order.confirmReceipt')}
          </button>
        )}
        {unreviewed && (
          <a class="button-like small" data-testid="order-review" href={href(`/orders/${order.id}/review/${unreviewed.id}`)}>
            {t('shop.order.writeReview')}
          </a>
        )}
      </div>
      {problem && <WalletProblem problem={problem} />}
      {pinRequest && <PinSheet request={pinRequest} onClose={() => setPinRequest(null)} />}
    </>
  );
}
