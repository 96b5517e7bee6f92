/**
 * The merchant console (#/merchant): the shop at a glance, the day's to-dos (orders to ship, reviews to
 * answer) and the way to every console page. Sub-pages: #/merchant/shop, /products, /products/new,
 * /products/:id, /orders, /orders/:id, /refunds, /reviews, /service, /followers.
 *
 * Stable test ids (end-to-end tests drive the console through these):
 *   merchant-only                 the message a non-merchant account sees instead of the console
 *   merchant-shop-name            the shop's name on the console home; shop-name, shop-intro, shop-save
 *                                 the profile form (#/merchant/shop and, before the shop exists, home)
 *   merchant-menu-<section>       links: shop, products, orders, refunds, reviews, service, followers,
 *                                 deals (#/merchant/deals, features/groupbuy/pages/MerchantDeals.tsx)
 *   merchant-order [data-order-id, data-status]   an order card (home "to ship" and #/merchant/orders)
 *   ship-order-<id>               opens the ship dialog (ship-dialog) of a paid order
 *   carrier-input, tracking-input, ship-confirm, ship-cancel   the ship dialog
 *   deliver-order-<id>            marks a shipped order delivered
 *   order-detail-<id>             opens #/merchant/orders/<id>; there: order-status, order-buyer,
 *                                 order-address, order-attribution, order-tracking
 *   merchant-review [data-review-id]   a review card (home "to answer" and #/merchant/reviews)
 *   reply-review-<id>             opens the reply form; reply-input, reply-send; review-reply the reply
 *   approve-refund-<id>, refuse-refund-<id>, refuse-note, refuse-send   refunds (#/merchant/refunds)
 *   new-product, product-row [data-product-id], product-filter-<status>   #/merchant/products
 *   product-title, product-description, product-category, product-images (file input),
 *   sku-name-<i>, sku-price-<i>, sku-stock-<i>, add-sku, product-save-draft, product-publish
 *   (new product); product-save, product-archive, product-status; per existing SKU (id):
 *   sku-row [data-sku-id], sku-stock-<id>, stock-delta-<id>, stock-apply-<id>, sku-toggle-<id>
 *   category-name, category-add, category-row   categories (#/merchant/shop)
 *   broadcast-title, broadcast-body, broadcast-send, broadcast-row, follower-row   #/merchant/followers
 *   cs-view-<mine|unassigned|all>, cs-conversation [data-conversation-id], cs-claim-<id>,
 *   cs-transfer-<id>, cs-transfer-to, cs-transfer-send, cs-open-<id>, staff-username, staff-add,
 *   staff-row [data-user-id], staff-remove-<id>   customer service (#/merchant/service)
 */
import { Avatar } from '../../../../core/components/Avatar';
import { t, type MessageKey } from '../../../../core/i18n';
import { usePaged } from '../../../../core/loading';
import { href } from '../../../../core/router';
import { currentUser } from '../../../../core/session';
import { useStore } from '../../../../core/store';
import { listShopOrders, listShopReviews, type Order, type Review } from '../api';
import { MerchantScreen, useMyShop } from '../components/MerchantGuard';
import { OrderCard } from '../components/OrderCard';
import { ReviewCard } from '../components/ReviewCard';
import { ShopForm } from '../components/ShopForm';
import { useOverrides } from '../components/useOverrides';

const SECTIONS: { path: string; label: MessageKey }[] = [
  { path: 'products', label: 'merchant.menu.products' },
  { path: 'orders', label: 'merchant.menu.orders' },
  { path: 'refunds', label: 'merchant.menu.refunds' },
  { path: 'reviews', label: 'merchant.menu.reviews' },
  { path: 'service', label: 'merchant.menu.service' },
  { path: 'followers', label: 'merchant.menu.followers' },
  { path: 'deals', label: 'groupbuy.menu' },
  { path: 'shop', label: 'merchant.menu.shop' },
];

export function MerchantPage() {
  return <MerchantScreen title={t('merchant.title')} back="/me">{() => <Home />}</MerchantScreen>;
}

function Home() {
  const me = useStore(currentUser);
  const { shop, set } = useMyShop(me);
  if (shop === undefined) return <p class="empty">{t('common.loading')}</p>;
  if (shop === null) {
    return (
      <section class="card" data-testid="merchant-setup">
        <p>{t('merchant.noShop')}</p>
        <ShopForm shop={null} onSaved={set} />
      </section>
    );
  }
  return (
    <>
      <section class="card merchant-shop-card">
        <Avatar user={{ display_name: shop.name, avatar_url: shop.avatar_url }} size="large" />
        <div class="profile-text">
          <h2 data-testid="merchant-shop-name">
            {shop.name} {shop.verified && <span class="badge badge-verified">{t('merchant.verified')}</span>}
          </h2>
          <p class="muted">{t('merchant.shopCounts', { followers: shop.follower_count, products: shop.product_count })}</p>
          {shop.intro && <p>{shop.intro}</p>}
          {!shop.verified && <p class="hint">{t('merchant.unverified')}</p>}
          <a href={href(`/shops/${shop.id}`)} data-testid="merchant-view-shop">
            {t('merchant.shop.view')}
          </a>
        </div>
      </section>
      <nav class="card menu">
        {SECTIONS.map((section) => (
          <a key={section.path} class="menu-item" href={href(`/merchant/${section.path}`)} data-testid={`merchant-menu-${section.path}`}>
            {t(section.label)}
            <span class="chevron">›</span>
          </a>
        ))}
      </nav>
      <ToShip />
      <ToAnswer />
    </>
  );
}

function ToShip() {
  const orders = usePaged((cursor) => listShopOrders('paid', cursor), []);
  const changed = useOverrides<Order>();
  return (
    <section class="merchant-section" data-testid="merchant-to-ship">
      <h3 class="merchant-section-title">
        {t('merchant.toShip')} <a href={href('/merchant/orders')}>{t('merchant.seeAll')}</a>
      </h3>
      <ul class="list">
        {orders.items.map((order) => (
          <OrderCard key={order.id} order={changed.pick(order)} onChanged={changed.put} />
        ))}
      </ul>
      {!orders.loading && orders.items.length === 0 && <p class="empty card">{t('merchant.toShipNone')}</p>}
      {orders.hasMore && (
        <button type="button" class="link-button load-more" onClick={orders.loadMore}>
          {t('common.loadMore')}
        </button>
      )}
    </section>
  );
}

function ToAnswer() {
  const reviews = usePaged((cursor) => listShopReviews(true, cursor), []);
  const replied = useOverrides<Review>();
  return (
    <section class="merchant-section" data-testid="merchant-to-answer">
      <h3 class="merchant-section-title">
        {t('merchant.toAnswer')} <a href={href('/merchant/reviews')}>{t('merchant.seeAll')}</a>
      </h3>
      <ul class="list">
        {reviews.items.map((review) => (
          <ReviewCard key={review.id} review={replied.pick(review)} onReplied={replied.put} />
        ))}
      </ul>
      {!reviews.loading && reviews.items.length === 0 && <p class="empty card">{t('merchant.toAnswerNone')}</p>}
      {reviews.hasMore && (
        <button type="button" class="link-button load-more" onClick={reviews.loadMore}>
          {t('common.loadMore')}
        </button>
      )}
    </section>
  );
}
