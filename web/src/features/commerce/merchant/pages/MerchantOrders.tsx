import { useState } from 'preact/hooks';
import { t } from '../../../../core/i18n';
import { usePaged } from '../../../../core/loading';
import { listShopOrders, type Order, type OrderStatus } from '../api';
import { Filter } from '../components/Filter';
import { MerchantScreen } from '../components/MerchantGuard';
import { OrderCard, orderStatusText } from '../components/OrderCard';
import { useOverrides } from '../components/useOverrides';

type View = OrderStatus | 'all';
const VIEWS: View[] = ['paid', 'shipped', 'delivered', 'completed', 'pending_payment', 'cancelled', 'all'];

/** #/merchant/orders: the shop's orders by status, paid ones (to ship) first. */
export function MerchantOrdersPage() {
  return <MerchantScreen title={t('merchant.orders.title')}>{() => <Orders />}</MerchantScreen>;
}

function Orders() {
  const [view, setView] = useState<View>('paid');
  const orders = usePaged((cursor) => listShopOrders(view === 'all' ? null : view, cursor), [view]);
  const changed = useOverrides<Order>();
  return (
    <>
      <Filter
        testId="order-filter"
        value={view}
        onChange={setView}
        options={VIEWS.map((value) => ({ value, label: value === 'all' ? t('merchant.orders.all') : orderStatusText(value) }))}
      />
      <ul class="list" data-testid="merchant-orders">
        {orders.items.map((order) => (
          <OrderCard key={order.id} order={changed.pick(order)} onChanged={changed.put} />
        ))}
      </ul>
      {!orders.loading && orders.items.length === 0 && <p class="empty">{t('merchant.orders.none')}</p>}
      {orders.hasMore && (
        <button type="button" class="link-button load-more" onClick={orders.loadMore}>
          {t('common.loadMore')}
        </button>
      )}
    </>
  );
}
