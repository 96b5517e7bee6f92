import { useEffect, useState } from 'preact/hooks';
import { Avatar } from '../../../../core/components/Avatar';
import { useAction } from '../../../../core/flash';
import { formatTime, t, type MessageKey } from '../../../../core/i18n';
import { useResource } from '../../../../core/loading';
import { formatFen } from '../../../../core/money';
import { href } from '../../../../core/router';
import { getOrder, getUserName, markDelivered, type Order } from '../api';
import { MerchantScreen } from '../components/MerchantGuard';
import { orderStatusText } from '../components/OrderCard';
import { ShipSheet } from '../components/ShipSheet';

/** #/merchant/orders/:id: one order with its buyer, address, items, share chain and progress. */
export function MerchantOrderPage({ id }: { id: string }) {
  return (
    <MerchantScreen title={t('merchant.order.title')} back="/merchant/orders">
      {() => <OrderDetail id={id} />}
    </MerchantScreen>
  );
}

function OrderDetail({ id }: { id: string }) {
  const loaded = useResource(() => getOrder(id), [id]);
  const [order, setOrder] = useState<Order | null>(null);
  const [shipping, setShipping] = useState(false);
  const [busy, run] = useAction();
  useEffect(() => setOrder(loaded.data), [loaded.data]);
  if (!order) return <p class="empty">{loaded.loading ? t('common.loading') : t('common.none')}</p>;

  const steps: [MessageKey, string | null][] = [
    ['merchant.order.created', order.created_at],
    ['merchant.order.paid', order.paid_at],
    ['merchant.order.shippedAt', order.shipped_at],
    ['merchant.order.deliveredAt', order.delivered_at],
    ['merchant.order.completedAt', order.completed_at],
    ['merchant.order.cancelledAt', order.cancelled_at],
  ];

  return (
    <div data-testid="order-detail" data-order-id={order.id}>
      <section class="card merchant-status-card">
        <span class={`merchant-status status-${order.status}`} data-testid="order-status" data-status={order.status}>
          {orderStatusText(order.status)}
        </span>
        <span class="button-row">
          {order.status === 'paid' && (
            <button type="button" class="primary small" data-testid={`ship-order-${order.id}`} onClick={() => setShipping(true)}>
              {t('merchant.orders.ship')}
            </button>
          )}
          {order.status === 'shipped' && (
            <button
              type="button"
              class="small"
              data-testid={`deliver-order-${order.id}`}
              disabled={busy}
              onClick={() => run(async () => setOrder(await markDelivered(order.id)), t('merchant.orders.delivered'))}
            >
              {t('merchant.orders.deliver')}
            </button>
          )}
        </span>
      </section>

      <section class="card">
        <h3>{t('merchant.order.buyer')}</h3>
        <a class="row-main" href={href(`/users/${order.buyer.id}`)} data-testid="order-buyer">
          <Avatar user={order.buyer} />
          <span class="row-text">
            <span class="row-title">{order.buyer.display_name}</span>
            {order.buyer.username && <span class="row-subtitle">@{order.buyer.username}</span>}
          </span>
        </a>
        {order.address && (
          <>
            <h3 class="merchant-subhead">{t('merchant.order.address')}</h3>
            <p data-testid="order-address">
              {order.address.name} · {order.address.phone}
              <br />
              {order.address.line}
            </p>
          </>
        )}
        {order.note && (
          <>
            <h3 class="merchant-subhead">{t('merchant.order.note')}</h3>
            <p data-testid="order-note">{order.note}</p>
          </>
        )}
      </section>

      <section class="card">
        <h3>{t('merchant.order.items')}</h3>
        <ul class="merchant-order-items">
          {order.items.map((item) => (
            <li key={item.id} class="merchant-order-item" data-testid="order-item">
              {item.image_url ? <img src={item.image_url} alt="" /> : <span class="merchant-thumb-empty" />}
              <span class="merchant-order-item-text">
                <a class="row-title" href={href(`/merchant/products/${item.product_id}`)}>
                  {item.title}
                </a>
                <span class="row-subtitle">
                  {item.sku_name} · {formatFen(item.unit_price)} × {item.quantity}
                </span>
              </span>
            </li>
          ))}
        </ul>
        <p class="merchant-total">
          <strong data-testid="order-total">{t('merchant.order.total', { amount: formatFen(order.total) })}</strong>
          {order.refunded_amount > 0 && (
            <span class="muted"> · {t('merchant.order.refunded', { amount: formatFen(order.refunded_amount) })}</span>
          )}
        </p>
        {order.refund && (
          <p class="hint" data-testid="order-refund">
            {t('merchant.order.refund', {
              amount: formatFen(order.refund.amount),
              status: t(`merchant.refunds.status.${order.refund.status}` as MessageKey),
            })}
          </p>
        )}
      </section>

      {order.tracking_number && (
        <section class="card">
          <h3>{t('merchant.order.shipping')}</h3>
          <p data-testid="order-tracking">
            {t('merchant.order.trackingLine', { carrier: order.carrier ?? '', number: order.tracking_number })}
          </p>
        </section>
      )}

      <section class="card">
        <h3>{t('merchant.order.attribution')}</h3>
        <Attribution chain={order.attribution_chain ?? []} />
      </section>

      <section class="card">
        <h3>{t('merchant.order.timeline')}</h3>
        <ul class="merchant-timeline">
          {steps
            .filter(([, time]) => time)
            .map(([label, time]) => (
              <li key={label}>
                <span>{t(label)}</span>
                <span class="muted">{formatTime(time!)}</span>
              </li>
            ))}
        </ul>
        {order.auto_complete_at && !order.completed_at && !order.cancelled_at && (
          <p class="hint">{t('merchant.order.autoComplete', { time: formatTime(order.auto_complete_at) })}</p>
        )}
      </section>

      {shipping && (
        <ShipSheet
          order={order}
          onClose={() => setShipping(false)}
          onShipped={(shipped) => {
            setShipping(false);
            setOrder(shipped);
          }}
        />
      )}
    </div>
  );
}

/** The share chain behind the purchase, first sharer first: "A → B → C". */
function Attribution({ chain }: { chain: string[] }) {
  const [names, setNames] = useState<Record<string, string>>({});
  useEffect(() => {
    let current = true;
    for (const id of chain) {
      getUserName(id).then(
        (user) => current && setNames((old) => ({ ...old, [id]: user.display_name })),
        () => undefined,
      );
    }
    return () => {
      current = false;
    };
  }, [chain.join(',')]);
  if (chain.length === 0) return <p class="muted" data-testid="order-attribution">{t('merchant.order.noAttribution')}</p>;
  return (
    <p class="merchant-chain" data-testid="order-attribution">
      {chain.map((id, index) => (
        <span key={id}>
          {index > 0 && ' → '}
          <a href={href(`/users/${id}`)} data-testid="attribution-user" data-user-id={id}>
            {names[id] ?? '…'}
          </a>
        </span>
      ))}
    </p>
  );
}
