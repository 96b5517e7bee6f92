import { useState } from 'preact/hooks';
import { Avatar } from '../../../core/components/Avatar';
import { PagedList } from '../../../core/components/PagedList';
import { Screen } from '../../../core/components/Screen';
import { useAction } from '../../../core/flash';
import { t } from '../../../core/i18n';
import { usePaged, useResource } from '../../../core/loading';
import { navigate } from '../../../core/router';
import { currentUser } from '../../../core/session';
import { useStore } from '../../../core/store';
import type { Id } from '../../../core/types';
import { putChat } from '../../chat/chats';
import { ReportButton } from '../../moderation/components/ReportButton';
import {
  followShop,
  getShop,
  listCategories,
  listShopBroadcasts,
  listShopProducts,
  openServiceChat,
  unfollowShop,
  type Broadcast,
} from '../api';
import { ProductGrid } from '../components/bits';
import { BroadcastRow, ShopActions } from './Shop';

/** Opens the customer-service chat with a shop (docs/customer-service.md) at the chat route. */
export async function messageShop(merchantId: Id): Promise<void> {
  const chat = await openServiceChat(merchantId);
  putChat(chat);
  navigate(`/chats/${chat.id}`);
}

/** A shop: who it is, follow, message it, its categories and products, and its broadcasts. */
export function ShopDetailPage({ id }: { id: string }) {
  const shop = useResource(() => getShop(id), [id]);
  const categories = useResource(() => listCategories(id), [id]);
  const [category, setCategory] = useState<Id | null>(null);
  const products = usePaged((cursor) => listShopProducts(id, category, cursor), [id, category]);
  const broadcasts = usePaged((cursor) => listShopBroadcasts(id, cursor), [id]);
  const [busy, run] = useAction();
  const me = useStore(currentUser);
  const data = shop.data;

  const toggleFollow = () =>
    data &&
    run(
      async () => {
        await (data.following ? unfollowShop(id) : followShop(id));
        shop.reload();
      },
      data.following ? t('shop.unfollowed') : t('shop.followed'),
    );

  return (
    <Screen title={data?.name ?? t('shop.shop')} back="/shop" actions={<ShopActions />}>
      {data && (
        <section class="card shop-head" data-testid="shop-head" data-following={String(data.following)}>
          <Avatar user={{ display_name: data.name, avatar_url: data.avatar_url }} size="large" />
          <div class="shop-head-text">
            <h2 data-testid="shop-name">
              {data.name} {data.verified && <span class="badge badge-verified">{t('badge.verifiedMerchant')}</span>}
            </h2>
            <p class="muted small-text" data-testid="shop-counts">
              {t('shop.counts', { products: data.product_count, followers: data.follower_count })}
            </p>
            {data.intro && <p class="shop-intro">{data.intro}</p>}
            {me?.id !== data.id && (
              <div class="button-row">
                <button
                  type="button"
                  class={data.following ? 'small' : 'primary small'}
                  data-testid="shop-follow"
                  disabled={busy}
                  onClick={toggleFollow}
                >
                  {data.following ? t('shop.unfollow') : t('shop.follow')}
                </button>
                <button type="button" class="small" data-testid="message-shop" disabled={busy} onClick={() => run(() => messageShop(id))}>
                  {t('shop.messageShop')}
                </button>
                <ReportButton kind="shop" id={data.id} small={false} />
              </div>
            )}
          </div>
        </section>
      )}

      {categories.data && categories.data.length > 0 && (
        <div class="chips" data-testid="shop-categories">
          <button type="button" class={category === null ? 'chip active' : 'chip'} onClick={() => setCategory(null)}>
            {t('shop.allCategories')}
          </button>
          {categories.data.map((c) => (
            <button
              type="button"
              key={c.id}
              class={category === c.id ? 'chip active' : 'chip'}
              data-testid="shop-category"
              onClick={() => setCategory(c.id)}
            >
              {c.name}
            </button>
          ))}
        </div>
      )}

      <section class="card">
        <h3>{t('shop.products')}</h3>
        <ProductGrid products={products.items} testId="shop-products" />
        {products.items.length === 0 && !products.loading && <p class="empty">{t('shop.noProducts')}</p>}
        {products.hasMore && (
          <button type="button" class="link-button load-more" disabled={products.loading} onClick={products.loadMore}>
            {t('common.loadMore')}
          </button>
        )}
      </section>

      <section class="card">
        <h3>{t('shop.broadcasts')}</h3>
        <PagedList list={broadcasts} testId="shop-broadcasts" empty={t('shop.noBroadcasts')}>
          {(item: Broadcast) => <BroadcastRow key={item.id} item={item} />}
        </PagedList>
      </section>
    </Screen>
  );
}
