import { useState } from 'preact/hooks';
import { Screen } from '../../../core/components/Screen';
import { showError, showNotice, useAction } from '../../../core/flash';
import { ApiError } from '../../../core/http';
import { t } from '../../../core/i18n';
import { useIdempotency } from '../../../core/idempotency';
import { useResource } from '../../../core/loading';
import { formatFen } from '../../../core/money';
import { href, navigate } from '../../../core/router';
import { PinSheet, type PinRequest } from '../../wallet/components/PinSheet';
import { createOrders, getCart, type Address, type Order, type OrderBody } from '../api';
import { AddressFields, isComplete, trimAddress } from '../components/AddressFields';
import { WalletProblem } from '../components/WalletProblem';
import { Thumb } from '../components/bits';
import { payWithPin, walletProblem } from '../payOrders';
import { clearCheckout, getCheckout, lastAddress, saveAddress, type DirectLine } from '../state';

interface Line {
  key: string;
  sku_id: string;
  title: string;
  sku_name: string;
  unit_price: number;
  quantity: number;
  image_url: string | null;
  shop_name: string;
}

const fromDirect = (line: DirectLine): Line => ({ key: line.sku_id, ...line });

/** The lines being bought: the ticked cart lines, or the "buy now" line. */
async function loadLines(): Promise<Line[]> {
  const intent = getCheckout();
  if (!intent) return [];
  if (intent.kind === 'direct') return intent.lines.map(fromDirect);
  const cart = await getCart();
  const wanted = new Set(intent.cart_item_ids);
  return cart.shops.flatMap((group) =>
    group.items
      .filter((item) => wanted.has(item.id))
      .map((item) => ({ ...item, key: item.id, shop_name: group.shop.name })),
  );
}

/** Checkout: delivery address, the order(s) placed (one per shop), then paid with the payment PIN. */
export function CheckoutPage() {
  const lines = useResource(loadLines, []);
  const [address, setAddress] = useState<Address>(lastAddress);
  const [note, setNote] = useState('');
  const [orders, setOrders] = useState<Order[]>([]);
  const [pinRequest, setPinRequest] = useState<PinRequest | null>(null);
  const [problem, setProblem] = useState<'insufficient_balance' | 'pin_not_set' | null>(null);
  const [stockProblem, setStockProblem] = useState<string | null>(null);
  const [busy, run] = useAction();
  const idempotency = useIdempotency();
  const items = lines.data ?? [];
  const total = items.reduce((sum, line) => sum + line.unit_price * line.quantity, 0);
  const unpaid = orders.filter((order) => order.status === 'pending_payment');
  const unpaidTotal = unpaid.reduce((sum, order) => sum + order.total, 0);

  const askPin = (toPay: Order[]) =>
    setPinRequest({
      prompt: t('shop.pay.prompt', { amount: formatFen(toPay.reduce((sum, o) => sum + o.total, 0)) }),
      run: async (pin) => {
        setProblem(null);
        let current = toPay;
        for (const order of toPay) {
          if (order.status !== 'pending_payment') continue;
          try {
            const paid = await payWithPin(order, pin);
            current = current.map((o) => (o.id === paid.id ? paid : o));
            setOrders(current);
          } catch (error) {
            const wallet = walletProblem(error);
            if (wallet) {
              // The pad cannot fix this: close it and show the way to the wallet.
              setProblem(wallet);
              showError(error);
              return;
            }
            throw error;
          }
        }
        clearCheckout();
        navigate(current.length === 1 ? `/orders/${current[0].id}` : '/orders');
        showNotice(t('shop.pay.paid'));
      },
    });

  const submit = (e: Event) => {
    e.preventDefault();
    const clean = trimAddress(address);
    if (!isComplete(clean)) return showError(new Error(t('shop.address.missing')));
    const intent = getCheckout();
    if (!intent || items.length === 0) return;
    saveAddress(clean);
    setStockProblem(null);
    const body: OrderBody = {
      ...(intent.kind === 'cart'
        ? { cart_item_ids: intent.cart_item_ids }
        : { items: intent.lines.map((l) => ({ sku_id: l.sku_id, quantity: l.quantity })) }),
      address: clean,
      ...(note.trim() ? { note: note.trim() } : {}),
    };
    void run(async () => {
      try {
        const made = await idempotency.run(JSON.stringify(body), (key) => createOrders(key, body));
        setOrders(made.orders);
        askPin(made.orders);
      } catch (error) {
        if (error instanceof ApiError && error.code === 'out_of_stock') {
          setStockProblem(stockMessage(error, items));
          lines.reload();
          return;
        }
        throw error;
      }
    });
  };

  return (
    <Screen title={t('shop.checkout')} back="/cart">
      {lines.data && items.length === 0 && orders.length === 0 && (
        <p class="empty" data-testid="checkout-empty">
          {t('shop.checkoutEmpty')}
        </p>
      )}
      {items.length > 0 && (
        <section class="card" data-testid="checkout-lines">
          <ul class="list">
            {items.map((line) => (
              <li key={line.key} class="row" data-testid="checkout-line">
                <Thumb url={line.image_url} size="small" />
                <span class="row-main stack">
                  <span class="row-title">{line.title}</span>
                  <span class="muted small-text">
                    {line.shop_name} · {line.sku_name}
                  </span>
                </span>
                <span class="amount">
                  {formatFen(line.unit_price)} × {line.quantity}
                </span>
              </li>
            ))}
          </ul>
          <p class="checkout-total">
            {t('shop.total')} <strong class="price" data-testid="checkout-total">{formatFen(total)}</strong>
          </p>
        </section>
      )}
      {stockProblem && (
        <section class="card problem" data-testid="stock-problem" role="alert">
          <p>{stockProblem}</p>
          <a href={href('/cart')}>{t('shop.backToCart')} ›</a>
        </section>
      )}
      {problem && <WalletProblem problem={problem} />}

      {orders.length === 0 ? (
        items.length > 0 && (
          <form class="card form" data-testid="address-form" onSubmit={submit}>
            <AddressFields address={address} onChange={setAddress} />
            <label>
              {t('shop.note')}
              <input data-testid="order-note" maxLength={200} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
            </label>
            <button type="submit" class="primary" data-testid="place-order" disabled={busy}>
              {t('shop.placeOrder', { amount: formatFen(total) })}
            </button>
          </form>
        )
      ) : (
        <section class="card" data-testid="placed-orders">
          <p>{t('shop.ordersPlaced', { count: orders.length })}</p>
          <ul class="list">
            {orders.map((order) => (
              <li key={order.id} class="row" data-testid="placed-order" data-order-id={order.id} data-status={order.status}>
                <a class="row-main stack" href={href(`/orders/${order.id}`)}>
                  {order.shop.name} · {formatFen(order.total)}
                </a>
              </li>
            ))}
          </ul>
          {unpaid.length > 0 && (
            <button type="button" class="primary wide" data-testid="pay-orders" onClick={() => askPin(unpaid)}>
              {t('shop.pay.button', { amount: formatFen(unpaidTotal) })}
            </button>
          )}
          <p class="muted small-text">{t('shop.pay.later')}</p>
        </section>
      )}
      {pinRequest && <PinSheet request={pinRequest} onClose={() => setPinRequest(null)} />}
    </Screen>
  );
}

/** "Red / L of Tea is sold out" — which line ran short, from the error's details. */
function stockMessage(error: ApiError, lines: Line[]): string {
  const details = (error.details ?? {}) as { sku_id?: unknown; stock?: unknown };
  const line = lines.find((l) => l.sku_id === String(details.sku_id));
  const stock = typeof details.stock === 'number' ? details.stock : 0;
  const name = line ? `${line.title} (${line.sku_name})` : t('shop.card.product');
  return stock > 0 ? t('shop.stockShort', { name, count: stock }) : t('shop.soldOut', { name });
}
