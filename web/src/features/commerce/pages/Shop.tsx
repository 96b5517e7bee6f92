import { useState } from 'preact/hooks';
import { Avatar } from '../../../core/components/Avatar';
import { PagedList } from '../../../core/components/PagedList';
import { Screen } from '../../../core/components/Screen';
import { formatTime, t } from '../../../core/i18n';
import { usePaged } from '../../../core/loading';
import { href } from '../../../core/router';
import { listShops, searchProducts, subscriptionFeed, type Broadcast, type Shop } from '../api';
import { ProductGrid } from '../components/bits';

type Section = 'shops' | 'news';

/** The Shop tab: product search, the shops, and news from the shops I follow. */
export function ShopPage() {
  const [input, setInput] = useState('');
  const [query, setQuery] = useState('');
  const [section, setSection] = useState<Section>('shops');

  return (
    <Screen title={t('tab.shop')} actions={<ShopActions />}>
      <form
        class="search-form card"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(input.trim());
        }}
      >
        <input
          type="search"
          data-testid="product-search"
          placeholder={t('shop.searchPlaceholder')}
          value={input}
          onInput={(e) => setInput(e.currentTarget.value)}
        />
        <button type="submit" class="primary" data-testid="product-search-submit">
          {t('search.submit')}
        </button>
      </form>

      {query ? (
        <SearchResults key={query} q={query} onClear={() => {
          setQuery('');
          setInput('');
        }} />
      ) : (
        <>
          <div class="segmented" role="tablist">
            {(['shops', 'news'] as const).map((s) => (
              <button
                type="button"
                key={s}
                role="tab"
                class={section === s ? 'segment active' : 'segment'}
                aria-selected={section === s}
                data-testid={`shop-section-${s}`}
                onClick={() => setSection(s)}
              >
                {t(s === 'shops' ? 'shop.shops' : 'shop.news')}
              </button>
            ))}
          </div>
          {section === 'shops' ? <ShopList /> : <News />}
        </>
      )}
    </Screen>
  );
}

/** Cart and orders, at the right of the top bar. */
export function ShopActions() {
  return (
    <>
      <a class="top-bar-link" href={href('/cart')} data-testid="goto-cart">
        {t('shop.cart')}
      </a>
      <a class="top-bar-link" href={href('/orders')} data-testid="goto-orders">
        {t('shop.orders')}
      </a>
    </>
  );
}

function SearchResults({ q, onClear }: { q: string; onClear: () => void }) {
  const list = usePaged((cursor) => searchProducts(q, cursor), [q]);
  return (
    <section class="card">
      <h3>
        {t('shop.resultsFor', { q })}{' '}
        <button type="button" class="link-button" data-testid="search-clear" onClick={onClear}>
          {t('shop.clearSearch')}
        </button>
      </h3>
      <ProductGrid products={list.items} testId="search-results" />
      {list.items.length === 0 && !list.loading && <p class="empty">{t('shop.noResults')}</p>}
      {list.hasMore && (
        <button type="button" class="link-button load-more" disabled={list.loading} onClick={list.loadMore}>
          {t('common.loadMore')}
        </button>
      )}
    </section>
  );
}

function ShopList() {
  const list = usePaged((cursor) => listShops('', cursor), []);
  return (
    <section class="card">
      <PagedList list={list} testId="shop-list" empty={t('shop.noShops')}>
        {(shop: Shop) => (
          <li key={shop.id} class="row" data-testid="shop-row" data-shop-id={shop.id}>
            <a class="statement-link" href={href(`/shops/${shop.id}`)}>
              <Avatar user={{ display_name: shop.name, avatar_url: shop.avatar_url }} />
              <span class="row-main stack">
                <span class="row-title">
                  {shop.name} {shop.verified && <span class="badge badge-verified">{t('badge.verifiedMerchant')}</span>}
                </span>
                <span class="row-subtitle muted small-text">
                  {t('shop.counts', { products: shop.product_count, followers: shop.follower_count })}
                </span>
              </span>
            </a>
          </li>
        )}
      </PagedList>
    </section>
  );
}

function News() {
  const list = usePaged(subscriptionFeed, []);
  return (
    <section class="card">
      <PagedList list={list} testId="subscription-feed" empty={t('shop.noNews')}>
        {(item: Broadcast) => <BroadcastRow key={item.id} item={item} showShop />}
      </PagedList>
    </section>
  );
}

export function BroadcastRow({ item, showShop = false }: { item: Broadcast; showShop?: boolean }) {
  return (
    <li class="broadcast" data-testid="broadcast" data-broadcast-id={item.id}>
      {showShop && (
        <a class="broadcast-shop" href={href(`/shops/${item.shop.id}`)}>
          {item.shop.name}
        </a>
      )}
      <strong class="broadcast-title">{item.title}</strong>
      <p class="broadcast-body">{item.body}</p>
      <span class="muted small-text">{formatTime(item.created_at)}</span>
    </li>
  );
}
