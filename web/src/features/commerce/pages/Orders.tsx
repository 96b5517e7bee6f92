import { useState } from 'preact/hooks';
import { Screen } from '../../../core/components/Screen';
import { t, type MessageKey } from '../../../core/i18n';
import { usePaged } from '../../../core/loading';
import { formatFen } from '../../../core/money';
import { href } from '../../../core/router';
import { listOrders, type Order, type OrderStatus } from '../api';
import { OrderActions } from '../components/OrderActions';
import { statusText, Thumb } from '../components/bits';

const TABS: (OrderStatus | 'all')[] = ['all', 'pending_payment', 'paid', 'shipped', 'delivered', 'completed', 'cancelled'];

/** My orders, by status. */
export function OrdersPage() {
  const [tab, setTab] = useState<OrderStatus | 'all'>('all');
  const list = usePaged((cursor) => listOrders(tab === 'all' ? null : tab, cursor), [tab]);
  return (
    <Screen title={t('shop.orders')} back="/shop">
      <div class="chips order-tabs" role="tablist">
        {TABS.map((name) => (
          <button
            type="button"
            key={name}
            role="tab"
            aria-selected={tab === name}
            class={tab === name ? 'chip active' : 'chip'}
            data-testid={`orders-tab-${name}`}
            onClick={() => setTab(name)}
          >
            {t(`shop.tab.${name}` as MessageKey)}
          </button>
        ))}
      </div>
      <ul class="order-list" data-testid="order-list">
        {list.items.map((order) => (
          <OrderCard key={order.id} order={order} />
        ))}
      </ul>
      {list.items.length === 0 && !list.loading && <p class="empty">{t('shop.noOrders')}</p>}
      {list.hasMore && (
        <button type="button" class="link-button load-more" disabled={list.loading} onClick={list.loadMore}>
          {t('common.loadMore')}
        </button>
      )}
    </Screen>
  );
}

function OrderCard({ order: initial }: { order: Order }) {
  const [order, setOrder] = useState(initial);
  return (
    <li class="card order-card" data-testid="order-card" data-order-id={order.id} data-status={order.status}>
      <div class="order-card-head">
        <a href={href(`/shops/${order.shop.id}`)}>{order.shop.name} ›</a>
        <span class="order-status" data-testid="order-status">
          {statusText(order.status)}
        </span>
      </div>
      <a class="order-card-items" href={href(`/orders/${order.id}`)} data-testid="order-open">
        {order.items.map((item) => (
          <span class="row" key={item.id}>
            <Thumb url={item.image_url} size="small" />
            <span class="row-main stack">
              <span class="row-title">{item.title}</span>
              <span class="muted small-text">{item.sku_name}</span>
            </span>
            <span class="amount">
              {formatFen(item.unit_price)} × {item.quantity}
            </span>
          </span>
        ))}
      </a>
      <p class="order-total">
        {t('shop.total')} <strong class="price">{formatFen(order.total)}</strong>
      </p>
      <OrderActions order={order} onChanged={setOrder} />
    </li>
  );
}
