import { t } from '../../../core/i18n';
import { href } from '../../../core/router';
import { currentUser } from '../../../core/session';
import { useStore } from '../../../core/store';

/** On the Me page: my orders, the cart, and for merchants the merchant console. */
export function MeShopLinks() {
  const me = useStore(currentUser);
  return (
    <section class="card menu" data-testid="me-shop-links">
      <h3>{t('shop.me.title')}</h3>
      <a class="menu-item" href={href('/orders')} data-testid="me-orders">
        {t('shop.orders')} <span class="chevron">›</span>
      </a>
      <a class="menu-item" href={href('/cart')} data-testid="me-cart">
        {t('shop.cart')} <span class="chevron">›</span>
      </a>
      {me?.kind === 'merchant' && (
        <a class="menu-item" href={href('/merchant')} data-testid="me-merchant-console">
          {t('shop.me.console')} <span class="chevron">›</span>
        </a>
      )}
    </section>
  );
}
