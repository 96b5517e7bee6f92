import { useState } from 'preact/hooks';
import { Screen } from '../../../core/components/Screen';
import { showNotice, useAction } from '../../../core/flash';
import { t } from '../../../core/i18n';
import { useResource } from '../../../core/loading';
import { navigate } from '../../../core/router';
import { getOrder, writeReview } from '../api';
import { PhotoPicker, type PickedPhoto } from '../components/PhotoPicker';
import { Stars, Thumb } from '../components/bits';

/** A review of one bought item: stars, text and up to nine photos (REV-*). */
export function ReviewComposePage({ orderId, itemId }: { orderId: string; itemId: string }) {
  const order = useResource(() => getOrder(orderId), [orderId]);
  const item = order.data?.items.find((i) => i.id === itemId) ?? null;
  const [rating, setRating] = useState(5);
  const [text, setText] = useState('');
  const [photos, setPhotos] = useState<PickedPhoto[]>([]);
  const [busy, run] = useAction();

  const submit = async (e: Event) => {
    e.preventDefault();
    const ok = await run(() => writeReview(itemId, { rating, text: text.trim(), photo_keys: photos.map((p) => p.key) }));
    if (ok) {
      navigate(item ? `/p/${item.product_id}` : `/orders/${orderId}`);
      showNotice(t('shop.review.posted'));
    }
  };

  return (
    <Screen title={t('shop.review.title')} back={`/orders/${orderId}`}>
      {item && (
        <section class="card row" data-testid="review-item">
          <Thumb url={item.image_url} size="small" />
          <span class="row-main stack">
            <span class="row-title">{item.title}</span>
            <span class="muted small-text">{item.sku_name}</span>
          </span>
        </section>
      )}
      <form class="card form" data-testid="review-form" onSubmit={submit}>
        <div class="rating-pick">
          <span>{t('shop.review.rating')}</span>
          <Stars value={rating} onPick={setRating} />
          <span class="muted small-text">{t(`shop.review.rating${rating}` as 'shop.review.rating5')}</span>
        </div>
        <textarea
          data-testid="review-text-input"
          rows={4}
          maxLength={1000}
          placeholder={t('shop.review.placeholder')}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
        />
        <PhotoPicker photos={photos} onChange={setPhotos} />
        <button type="submit" class="primary" data-testid="review-submit" disabled={busy || !text.trim()}>
          {t('shop.review.submit')}
        </button>
      </form>
    </Screen>
  );
}
