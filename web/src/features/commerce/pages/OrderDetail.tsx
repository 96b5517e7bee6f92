import { useEffect, useState } from 'preact/hooks';
import { Screen } from '../../../core/components/Screen';
import { showError, useAction } from '../../../core/flash';
import { formatTime, hasText, t, type MessageKey } from '../../../core/i18n';
import { useResource } from '../../../core/loading';
import { formatFen, parseYuan } from '../../../core/money';
import { href } from '../../../core/router';
import { getOrder, requestRefund, type Order } from '../api';
import { OrderActions } from '../components/OrderActions';
import { countdown, statusText, Thumb } from '../components/bits';
import { messageShop } from './ShopDetail';

/** One order: status with its countdown, the timeline, address, items (to review), refund, actions. */
export function OrderDetailPage({ id }: { id: string }) {
  const loaded = useResource(() => getOrder(id), [id]);
  const [order, setOrder] = useState<Order | null>(null);
  useEffect(() => setOrder(loaded.data), [loaded.data]);
  const [busy, run] = useAction();
  if (!order) {
    return (
      <Screen title={t('shop.order.title')} back="/orders">
        <p class="empty">{t('common.loading')}</p>
      </Screen>
    );
  }
  return (
    <Screen title={t('shop.order.title')} back="/orders">
      <section class="card order-status-card" data-testid="order-detail" data-order-id={order.id} data-status={order.status}>
        <h2 data-testid="order-status">{statusText(order.status)}</h2>
        <Countdown order={order} onExpired={loaded.reload} />
        {order.status === 'cancelled' && order.cancel_reason && (
          <p class="muted" data-testid="cancel-reason">
            {cancelReasonText(order.cancel_reason)}
          </p>
        )}
        <OrderActions order={order} onChanged={setOrder} />
      </section>

      <section class="card">
        <h3>{t('shop.order.timeline')}</h3>
        <Timeline order={order} />
      </section>

      <section class="card">
        <h3>
          <a href={href(`/shops/${order.shop.id}`)}>{order.shop.name} ›</a>
        </h3>
        <ul class="list">
          {order.items.map((item) => (
            <li key={item.id} class="row" data-testid="order-item" data-item-id={item.id} data-reviewed={String(item.reviewed)}>
              <a href={href(`/p/${item.product_id}`)}>
                <Thumb url={item.image_url} size="small" />
              </a>
              <span class="row-main stack">
                <span class="row-title">{item.title}</span>
                <span class="muted small-text">
                  {item.sku_name} · {formatFen(item.unit_price)} × {item.quantity}
                </span>
              </span>
              {order.status === 'completed' &&
                (item.reviewed ? (
                  <a class="muted small-text" href={href(`/p/${item.product_id}`)} data-testid="item-reviewed">
                    {t('shop.order.reviewed')}
                  </a>
                ) : (
                  <a class="button-like small" href={href(`/orders/${order.id}/review/${item.id}`)} data-testid="item-write-review">
                    {t('shop.order.writeReview')}
                  </a>
                ))}
            </li>
          ))}
        </ul>
        <p class="order-total">
          {t('shop.total')} <strong class="price" data-testid="order-total">{formatFen(order.total)}</strong>
          {order.refunded_amount > 0 && (
            <span class="muted small-text"> · {t('shop.order.refunded', { amount: formatFen(order.refunded_amount) })}</span>
          )}
        </p>
        <button type="button" class="small" data-testid="order-message-shop" disabled={busy} onClick={() => void run(() => messageShop(order.shop.id))}>
          {t('shop.messageShop')}
        </button>
      </section>

      <section class="card">
        <h3>{t('shop.address.title')}</h3>
        <p data-testid="order-address">
          {order.address.name} · {order.address.phone}
          <br />
          {order.address.line}
        </p>
        {order.note && <p class="muted">{t('shop.note')}: {order.note}</p>}
      </section>

      <RefundSection order={order} onChanged={loaded.reload} />
    </Screen>
  );
}

function Countdown({ order, onExpired }: { order: Order; onExpired: () => void }) {
  const [now, setNow] = useState(Date.now());
  const deadline =
    order.status === 'pending_payment'
      ? order.pay_deadline
      : order.status === 'shipped' || order.status === 'delivered'
        ? order.auto_complete_at
        : null;
  useEffect(() => {
    if (!deadline) return;
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [deadline]);
  const left = deadline ? Date.parse(deadline) - now : 0;
  useEffect(() => {
    // The server cancels (or completes) on its own timer: look again a little after the deadline.
    if (!deadline || left > 0) return;
    const timer = window.setTimeout(onExpired, 3000);
    return () => window.clearTimeout(timer);
  }, [deadline, left <= 0]);
  if (!deadline) return null;
  return (
    <p class="countdown" data-testid="order-countdown">
      {order.status === 'pending_payment'
        ? t('shop.order.payWithin', { time: countdown(left) })
        : t('shop.order.autoComplete', { time: formatTime(deadline) })}
    </p>
  );
}

const STEPS = ['created_at', 'paid_at', 'shipped_at', 'delivered_at', 'completed_at', 'cancelled_at'] as const;

function Timeline({ order }: { order: Order }) {
  return (
    <ol class="timeline" data-testid="order-timeline">
      {STEPS.filter((step) => order[step]).map((step) => (
        <li key={step} class="timeline-step" data-step={step}>
          <span class="timeline-dot" aria-hidden="true" />
          <span class="row-main stack">
            <span>{t(`shop.timeline.${step}` as MessageKey)}</span>
            {step === 'shipped_at' && order.carrier && (
              <span class="muted small-text" data-testid="order-tracking">
                {order.carrier} {order.tracking_number}
              </span>
            )}
            <span class="muted small-text">{formatTime(order[step] as string)}</span>
          </span>
        </li>
      ))}
    </ol>
  );
}

function RefundSection({ order, onChanged }: { order: Order; onChanged: () => void }) {
  const [open, setOpen] = useState(false);
  const left = order.total - order.refunded_amount;
  const [amount, setAmount] = useState(formatFen(left).replace(/^¥/, '').replace(/,/g, ''));
  const [reason, setReason] = useState('');
  const [busy, run] = useAction();
  const refundable = ['paid', 'shipped', 'delivered', 'completed'].includes(order.status) && left > 0;
  const refund = order.refund;
  if (!refund && !refundable) return null;

  const submit = (e: Event) => {
    e.preventDefault();
    const fen = parseYuan(amount);
    if (fen === null || fen > left) return showError(new Error(t('shop.refund.amountInvalid', { max: formatFen(left) })));
    void run(async () => {
      await requestRefund(order.id, { amount: fen, reason: reason.trim() });
      setOpen(false);
      onChanged();
    }, t('shop.refund.requested'));
  };

  return (
    <section class="card" data-testid="refund-section">
      <h3>{t('shop.refund.title')}</h3>
      {refund && (
        <p data-testid="refund-status" data-status={refund.status}>
          {t(`shop.refund.status.${refund.status}` as MessageKey, { amount: formatFen(refund.amount) })}
          {refund.merchant_note && <span class="muted"> · {refund.merchant_note}</span>}
        </p>
      )}
      {refundable && (!refund || refund.status !== 'requested') && !open && (
        <button type="button" class="small" data-testid="refund-open" onClick={() => setOpen(true)}>
          {t('shop.refund.request')}
        </button>
      )}
      {open && (
        <form class="form" onSubmit={submit}>
          <label>
            {t('wallet.amount')}
            <input data-testid="refund-amount" inputMode="decimal" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />
          </label>
          <label>
            {t('shop.refund.reason')}
            <input data-testid="refund-reason" required maxLength={200} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          </label>
          <button type="submit" class="primary" data-testid="refund-submit" disabled={busy || !reason.trim()}>
            {t('shop.refund.submit')}
          </button>
        </form>
      )}
    </section>
  );
}

/** Why an order was cancelled, in the reader's language: the server sends a reason code. */
function cancelReasonText(reason: string): string {
  const key = `shop.order.cancelReason.${reason}`;
  return hasText(key) ? t(key) : t('shop.order.cancelReason', { reason });
}
