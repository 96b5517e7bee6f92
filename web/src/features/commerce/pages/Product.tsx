import { useState } from 'preact/hooks';
import { Avatar } from '../../../core/components/Avatar';
import { Screen } from '../../../core/components/Screen';
import { useAction } from '../../../core/flash';
import { formatTime, t } from '../../../core/i18n';
import { usePaged, useResource } from '../../../core/loading';
import { formatFen } from '../../../core/money';
import { href, navigate } from '../../../core/router';
import { currentUser } from '../../../core/session';
import { useStore } from '../../../core/store';
import { GroupDealSection } from '../../groupbuy/components/GroupDealSection';
import {
  addToCart,
  followUpReview,
  getProduct,
  listReviews,
  markHelpful,
  reviewSummary,
  unmarkHelpful,
  type Product,
  type Review,
  type ReviewSummary,
  type Sku,
} from '../api';
import { PhotoPicker, type PickedPhoto } from '../components/PhotoPicker';
import { ShareButtons } from '../components/ShareButtons';
import { Stars, Thumb } from '../components/bits';
import { setCheckout, shareFor } from '../state';
import { messageShop } from './ShopDetail';

/** A product: pictures, options, price and stock, buying, sharing, and its reviews. */
export function ProductPage({ id }: { id: string }) {
  const product = useResource(() => getProduct(id), [id]);
  const summary = useResource(() => reviewSummary(id), [id]);
  const data = product.data;
  return (
    <Screen title={t('shop.product')} back="/shop">
      {data && <ProductMain product={data} onChanged={product.reload} />}
      {data && <GroupDealSection product={data} />}
      {data && <ShareButtons product={data} />}
      {summary.data && <RatingSummary summary={summary.data} />}
      {data && summary.data && summary.data.count > 0 && <ReviewList productId={data.id} />}
    </Screen>
  );
}

function ProductMain({ product, onChanged }: { product: Product; onChanged: () => void }) {
  const me = useStore(currentUser);
  const skus = product.skus.filter((s) => s.active);
  const firstInStock = skus.find((s) => s.stock > 0) ?? skus[0] ?? null;
  const [skuId, setSkuId] = useState<string | null>(firstInStock?.id ?? null);
  const [quantity, setQuantity] = useState(1);
  const [image, setImage] = useState(0);
  const [added, setAdded] = useState(false);
  const [busy, run] = useAction();
  const sku: Sku | null = skus.find((s) => s.id === skuId) ?? null;
  const shared = shareFor(product.id);
  const isOwner = me?.id === product.shop.id;
  const canBuy = product.status === 'active' && sku !== null && sku.stock >= quantity && quantity > 0 && !isOwner;
  const shown = product.images[image] ?? null;

  const add = () =>
    sku &&
    run(async () => {
      await addToCart({ sku_id: sku.id, quantity, ...(shared ? { share_token: shared.token } : {}) });
      setAdded(true);
      onChanged();
    }, t('shop.addedToCart'));

  const buyNow = () => {
    if (!sku) return;
    setCheckout({
      kind: 'direct',
      lines: [
        {
          sku_id: sku.id,
          quantity,
          product_id: product.id,
          title: product.title,
          sku_name: sku.name,
          unit_price: sku.price,
          image_url: product.images[0]?.thumb_url ?? product.images[0]?.url ?? null,
          shop_name: product.shop.name,
        },
      ],
    });
    navigate('/checkout');
  };

  return (
    <>
      <section class="card product-gallery" data-testid="product-gallery">
        {shown ? (
          <img class="product-image" data-testid="product-image" src={shown.url} alt="" />
        ) : (
          <Thumb url={null} size="large" />
        )}
        {product.images.length > 1 && (
          <div class="product-thumbs">
            {product.images.map((img, i) => (
              <button type="button" key={img.key} class={i === image ? 'thumb-button active' : 'thumb-button'} onClick={() => setImage(i)}>
                <img src={img.thumb_url ?? img.url} alt="" />
              </button>
            ))}
          </div>
        )}
      </section>

      <section class="card product-info" data-testid="product-info" data-product-id={product.id}>
        {shared && (
          <p class="shared-by" data-testid="shared-by">
            {t('shop.sharedBy', { name: shared.sharer })}
          </p>
        )}
        <p class="product-price">
          <span class="price big" data-testid="product-price">
            {formatFen(sku?.price ?? product.price_min)}
          </span>
          <span class="muted small-text"> {t('shop.sold', { count: product.sales_count })}</span>
        </p>
        <h2 class="product-title" data-testid="product-title">
          {product.title}
        </h2>
        {product.status !== 'active' && <p class="hint">{t('shop.notForSale')}</p>}
        <a class="product-shop-link" href={href(`/shops/${product.shop.id}`)} data-testid="product-shop">
          {product.shop.name} ›
        </a>
        {product.description && <p class="product-description">{product.description}</p>}
      </section>

      <section class="card form product-buy">
        <div class="chips" data-testid="sku-picker" role="radiogroup" aria-label={t('shop.options')}>
          {skus.map((s) => (
            <button
              type="button"
              key={s.id}
              role="radio"
              aria-checked={s.id === skuId}
              class={s.id === skuId ? 'chip active' : 'chip'}
              data-testid="sku-option"
              data-sku-id={s.id}
              disabled={s.stock === 0}
              onClick={() => {
                setSkuId(s.id);
                setQuantity(1);
              }}
            >
              {s.name}
            </button>
          ))}
        </div>
        <div class="quantity-row">
          <span>{t('shop.quantity')}</span>
          <QuantityStepper value={quantity} max={sku?.stock ?? 1} onChange={setQuantity} testId="buy-quantity" />
          <span class="muted small-text" data-testid="sku-stock">
            {sku ? (sku.stock > 0 ? t('shop.stock', { count: sku.stock }) : t('shop.outOfStock')) : t('shop.outOfStock')}
          </span>
        </div>
        <div class="button-row buy-buttons">
          <button type="button" class="small" onClick={() => void run(() => messageShop(product.shop.id))} disabled={busy || isOwner} data-testid="product-message-shop">
            {t('shop.messageShop')}
          </button>
          <button type="button" data-testid="add-to-cart" disabled={busy || !canBuy} onClick={add}>
            {t('shop.addToCart')}
          </button>
          <button type="button" class="primary" data-testid="buy-now" disabled={busy || !canBuy} onClick={buyNow}>
            {t('shop.buyNow')}
          </button>
        </div>
        {added && (
          <a href={href('/cart')} data-testid="view-cart">
            {t('shop.viewCart')} ›
          </a>
        )}
      </section>
    </>
  );
}

export function QuantityStepper({
  value,
  max,
  onChange,
  testId,
  disabled = false,
}: {
  value: number;
  max: number;
  onChange: (value: number) => void;
  testId: string;
  disabled?: boolean;
}) {
  return (
    <span class="stepper" data-testid={testId}>
      <button type="button" class="small" data-testid={`${testId}-minus`} disabled={disabled || value <= 1} onClick={() => onChange(value - 1)} aria-label="−">
        −
      </button>
      <span class="stepper-value" data-testid={`${testId}-value`}>
        {value}
      </span>
      <button type="button" class="small" data-testid={`${testId}-plus`} disabled={disabled || value >= max} onClick={() => onChange(value + 1)} aria-label="+">
        +
      </button>
    </span>
  );
}

function RatingSummary({ summary }: { summary: ReviewSummary }) {
  const average = summary.average ?? 0;
  return (
    <section class="card rating-summary" data-testid="rating-summary" data-count={summary.count}>
      <h3>{t('shop.reviews.title', { count: summary.count })}</h3>
      {summary.count === 0 ? (
        <p class="empty">{t('shop.reviews.none')}</p>
      ) : (
        <div class="rating-top">
          <div class="rating-average">
            <span class="rating-number" data-testid="rating-average">
              {average.toFixed(1)}
            </span>
            <Stars value={average} />
          </div>
          <ul class="histogram" data-testid="rating-histogram">
            {[5, 4, 3, 2, 1].map((n) => {
              const count = summary.histogram[String(n)] ?? 0;
              const width = summary.count ? Math.round((count * 100) / summary.count) : 0;
              return (
                <li key={n} class="histogram-row" data-stars={n} data-count={count}>
                  <span class="histogram-label">{n}★</span>
                  <span class="histogram-bar">
                    <span style={{ width: `${width}%` }} />
                  </span>
                  <span class="histogram-count">{count}</span>
                </li>
              );
            })}
          </ul>
        </div>
      )}
      {summary.photos.length > 0 && (
        <div class="photo-strip">
          {summary.photos.map((p, i) => (
            <a key={i} href={p.url} target="_blank" rel="noopener noreferrer">
              <img src={p.thumb_url ?? p.url} alt="" />
            </a>
          ))}
        </div>
      )}
    </section>
  );
}

function ReviewList({ productId }: { productId: string }) {
  const [withPhotos, setWithPhotos] = useState(false);
  const list = usePaged((cursor) => listReviews(productId, withPhotos, cursor), [productId, withPhotos]);
  return (
    <section class="card reviews">
      <label class="inline">
        <input type="checkbox" data-testid="reviews-with-photos" checked={withPhotos} onChange={() => setWithPhotos(!withPhotos)} />{' '}
        {t('shop.reviews.withPhotos')}
      </label>
      <ul class="list" data-testid="review-list">
        {list.items.map((review) => (
          <ReviewItem key={review.id} review={review} />
        ))}
      </ul>
      {list.items.length === 0 && !list.loading && <p class="empty">{t('shop.reviews.none')}</p>}
      {list.hasMore && (
        <button type="button" class="link-button load-more" disabled={list.loading} onClick={list.loadMore}>
          {t('common.loadMore')}
        </button>
      )}
    </section>
  );
}

function Photos({ photos }: { photos: { url: string; thumb_url: string | null }[] }) {
  if (photos.length === 0) return null;
  return (
    <div class="review-photos">
      {photos.map((p, i) => (
        <a key={i} href={p.url} target="_blank" rel="noopener noreferrer" data-testid="review-photo">
          <img src={p.thumb_url ?? p.url} alt="" />
        </a>
      ))}
    </div>
  );
}

function ReviewItem({ review: initial }: { review: Review }) {
  const [review, setReview] = useState(initial);
  const me = useStore(currentUser);
  const [busy, run] = useAction();
  const [followUp, setFollowUp] = useState<string | null>(null);
  const [photos, setPhotos] = useState<PickedPhoto[]>([]);
  const helpful = review.viewer_found_helpful;
  const mine = review.author.id === me?.id;

  const toggleHelpful = () =>
    run(async () => {
      setReview(await (helpful ? unmarkHelpful(review.id) : markHelpful(review.id)));
    });

  const sendFollowUp = (e: Event) => {
    e.preventDefault();
    const text = (followUp ?? '').trim();
    if (!text) return;
    void run(async () => {
      setReview(await followUpReview(review.id, { text, photo_keys: photos.map((p) => p.key) }));
      setFollowUp(null);
      setPhotos([]);
    }, t('shop.review.followUpSent'));
  };

  return (
    <li class="review" data-testid="review" data-review-id={review.id} data-relation={review.relation ?? ''}>
      <div class="review-head">
        <Avatar user={review.author} />
        <span class="review-author" data-testid="review-author">
          {review.author.display_name}
        </span>
        {review.relation === 'friend' && (
          <span class="badge badge-friend" data-testid="review-badge">
            {t('shop.reviews.friend')}
          </span>
        )}
        {review.relation === 'kol' && (
          <span class="badge badge-kol" data-testid="review-badge">
            {t('badge.kol')}
          </span>
        )}
        <Stars value={review.rating} />
      </div>
      {review.sku_name && <p class="muted small-text">{review.sku_name}</p>}
      <p class="review-text" data-testid="review-text">
        {review.text}
      </p>
      <Photos photos={review.photos} />
      {review.follow_up && (
        <div class="review-follow-up" data-testid="review-follow-up">
          <span class="muted small-text">{t('shop.review.followUp')}</span> {review.follow_up.text}
          <Photos photos={review.follow_up.photos ?? []} />
        </div>
      )}
      {review.reply && (
        <div class="review-reply" data-testid="review-reply">
          <span class="muted small-text">{t('shop.review.shopReply')}</span> {review.reply.text}
        </div>
      )}
      <div class="review-foot">
        <span class="muted small-text">{formatTime(review.created_at)}</span>
        <button
          type="button"
          class={helpful ? 'small liked' : 'small'}
          data-testid="review-helpful"
          aria-pressed={helpful}
          disabled={busy || mine}
          onClick={toggleHelpful}
        >
          {t('shop.reviews.helpful')} <span data-testid="helpful-count">{review.helpful_count}</span>
        </button>
        {mine && !review.follow_up && followUp === null && (
          <button type="button" class="link-button" data-testid="review-add-follow-up" onClick={() => setFollowUp('')}>
            {t('shop.review.addFollowUp')}
          </button>
        )}
      </div>
      {followUp !== null && (
        <form class="form" onSubmit={sendFollowUp}>
          <textarea
            data-testid="follow-up-text"
            rows={2}
            maxLength={1000}
            value={followUp}
            placeholder={t('shop.review.followUpPlaceholder')}
            onInput={(e) => setFollowUp(e.currentTarget.value)}
          />
          <PhotoPicker photos={photos} onChange={setPhotos} />
          <button type="submit" class="primary small" data-testid="follow-up-submit" disabled={busy || !followUp.trim()}>
            {t('shop.review.send')}
          </button>
        </form>
      )}
    </li>
  );
}
