import { useState } from 'preact/hooks';
import { useAction } from '../../../../core/flash';
import { formatTime, t, type MessageKey } from '../../../../core/i18n';
import { formatFen } from '../../../../core/money';
import { href } from '../../../../core/router';
import { markDelivered, type Order } from '../api';
import { ShipSheet } from './ShipSheet';

export const orderStatusText = (status: Order['status']) => t(`merchant.order.status.${status}` as MessageKey);

/** One order in a console list: who bought what, where it goes, and the next step (ship, delivered). */
export function OrderCard({ order, onChanged }: { order: Order; onChanged: (order: Order) => void }) {
  const [shipping, setShipping] = useState(false);
  const [busy, run] = useAction();
  const count = order.items.reduce((sum, item) => sum + item.quantity, 0);
  const deliver = () =>
    run(async () => onChanged(await markDelivered(order.id)), t('merchant.orders.delivered'));
  return (
    <li class="card merchant-order" data-testid="merchant-order" data-order-id={order.id} data-status={order.status}>
      <a class="merchant-order-main" href={href(`/merchant/orders/${order.id}`)} data-testid={`order-detail-${order.id}`}>
        <div class="merchant-order-head">
          <span class="muted">{t('merchant.orders.number', { id: order.id })}</span>
          <span class={`merchant-status status-${order.status}`} data-testid="order-status">
            {orderStatusText(order.status)}
          </span>
        </div>
        <ul class="merchant-order-items">
          {order.items.map((item) => (
            <li key={item.id} class="merchant-order-item">
              {item.image_url ? <img src={item.image_url} alt="" /> : <span class="merchant-thumb-empty" />}
              <span class="merchant-order-item-text">
                <span class="row-title">{item.title}</span>
                <span class="row-subtitle">
                  {item.sku_name} · {formatFen(item.unit_price)} × {item.quantity}
                </span>
              </span>
            </li>
          ))}
        </ul>
        <div class="merchant-order-foot">
          <span class="muted">
            {order.buyer.display_name} · {formatTime(order.paid_at ?? order.created_at)}
          </span>
          <span>
            {t('merchant.orders.items', { count })} · <strong data-testid="order-total">{formatFen(order.total)}</strong>
          </span>
        </div>
        {order.address && (
          <p class="hint merchant-address">
            {order.address.name} · {order.address.phone} · {order.address.line}
          </p>
        )}
        {order.tracking_number && (
          <p class="hint" data-testid="order-tracking">
            {t('merchant.order.trackingLine', { carrier: order.carrier ?? '', number: order.tracking_number })}
          </p>
        )}
      </a>
      {(order.status === 'paid' || order.status === 'shipped') && (
        <div class="button-row merchant-actions">
          {order.status === 'paid' && (
            <button type="button" class="primary small" data-testid={`ship-order-${order.id}`} onClick={() => setShipping(true)}>
              {t('merchant.orders.ship')}
            </button>
          )}
          {order.status === 'shipped' && (
            <button type="button" class="small" data-testid={`deliver-order-${order.id}`} disabled={busy} onClick={deliver}>
              {t('merchant.orders.deliver')}
            </button>
          )}
        </div>
      )}
      {shipping && (
        <ShipSheet
          order={order}
          onClose={() => setShipping(false)}
          onShipped={(shipped) => {
            setShipping(false);
            onChanged(shipped);
          }}
        />
      )}
    </li>
  );
}
