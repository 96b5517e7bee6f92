import { useState } from 'preact/hooks';
import { Screen } from '../../../core/components/Screen';
import { useAction } from '../../../core/flash';
import { t } from '../../../core/i18n';
import { useResource } from '../../../core/loading';
import { formatFen } from '../../../core/money';
import { href, navigate } from '../../../core/router';
import { getCart, removeCartLine, setCartQuantity, type Cart, type CartLine } from '../api';
import { Thumb } from '../components/bits';
import { setCheckout } from '../state';
import { QuantityStepper } from './Product';

/** The cart, one group per shop: quantities, removal, and the lines to check out. */
export function CartPage() {
  const cart = useResource(getCart, []);
  // Lines the buyer unticked; everything available is ticked by default.
  const [unticked, setUnticked] = useState<Set<string>>(new Set());
  const [busy, run] = useAction();
  const data: Cart | null = cart.data;
  const lines = data?.shops.flatMap((group) => group.items) ?? [];
  const chosen = lines.filter((line) => line.available && !unticked.has(line.id));
  const total = chosen.reduce((sum, line) => sum + line.unit_price * line.quantity, 0);

  const toggle = (line: CartLine) => {
    const next = new Set(unticked);
    if (next.has(line.id)) next.delete(line.id);
    else next.add(line.id);
    setUnticked(next);
  };
  const change = (line: CartLine, quantity: number) => run(() => setCartQuantity(line.id, quantity)).then(cart.reload);
  const remove = (line: CartLine) => run(() => removeCartLine(line.id)).then(cart.reload);

  const checkout = () => {
    setCheckout({ kind: 'cart', cart_item_ids: chosen.map((line) => line.id) });
    navigate('/checkout');
  };

  return (
    <Screen title={t('shop.cart')} back="/shop">
      {data && lines.length === 0 && (
        <section class="card">
          <p class="empty" data-testid="cart-empty">
            {t('shop.cartEmpty')}
          </p>
          <a href={href('/shop')}>{t('shop.keepShopping')} ›</a>
        </section>
      )}
      {data?.shops.map((group) => (
        <section class="card cart-shop" key={group.shop.id} data-testid="cart-shop" data-shop-id={group.shop.id}>
          <h3>
            <a href={href(`/shops/${group.shop.id}`)}>{group.shop.name} ›</a>
          </h3>
          <ul class="list">
            {group.items.map((line) => (
              <li
                key={line.id}
                class={line.available ? 'row cart-line' : 'row cart-line unavailable'}
                data-testid="cart-line"
                data-line-id={line.id}
                data-sku-id={line.sku_id}
              >
                <input
                  type="checkbox"
                  data-testid="cart-line-check"
                  aria-label={line.title}
                  disabled={!line.available}
                  checked={line.available && !unticked.has(line.id)}
                  onChange={() => toggle(line)}
                />
                <a href={href(`/p/${line.product_id}`)}>
                  <Thumb url={line.image_url} size="small" />
                </a>
                <span class="row-main stack">
                  <span class="row-title">{line.title}</span>
                  <span class="muted small-text">{line.sku_name}</span>
                  <span class="price">{formatFen(line.unit_price)}</span>
                  {!line.available && <span class="hint">{t('shop.unavailable')}</span>}
                  {line.available && line.quantity > line.stock && (
                    <span class="hint">{t('shop.onlyLeft', { count: line.stock })}</span>
                  )}
                </span>
                <span class="cart-line-actions">
                  <QuantityStepper
                    value={line.quantity}
                    max={Math.max(line.stock, line.quantity)}
                    disabled={busy}
                    onChange={(q) => void change(line, q)}
                    testId="cart-quantity"
                  />
                  <button type="button" class="link-button" data-testid="cart-remove" disabled={busy} onClick={() => void remove(line)}>
                    {t('common.remove')}
                  </button>
                </span>
              </li>
            ))}
          </ul>
        </section>
      ))}
      {lines.length > 0 && (
        <div class="checkout-bar">
          <span>
            {t('shop.total')} <strong class="price" data-testid="cart-total">{formatFen(total)}</strong>
          </span>
          <button type="button" class="primary" data-testid="cart-checkout" disabled={chosen.length === 0 || busy} onClick={checkout}>
            {t('shop.checkoutCount', { count: chosen.reduce((n, line) => n + line.quantity, 0) })}
          </button>
        </div>
      )}
    </Screen>
  );
}
