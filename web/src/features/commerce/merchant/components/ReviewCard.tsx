import { useEffect, useState } from 'preact/hooks';
import { Avatar } from '../../../../core/components/Avatar';
import { showError, useAction } from '../../../../core/flash';
import { formatTime, t } from '../../../../core/i18n';
import { href } from '../../../../core/router';
import { getProduct, replyToReview, type Review } from '../api';

// Product titles for the cards, fetched once per product.
const titles = new Map<string, Promise<string>>();
function productTitle(id: string): Promise<string> {
  let title = titles.get(id);
  if (!title) {
    title = getProduct(id).then((product) => product.title, () => '');
    titles.set(id, title);
  }
  return title;
}

function Stars({ rating }: { rating: number }) {
  const full = Math.max(0, Math.min(5, Math.round(rating)));
  return (
    <span class="merchant-stars" aria-label={t('merchant.reviews.stars', { rating })} data-testid="review-rating" data-rating={rating}>
      {'★'.repeat(full)}
      <span class="merchant-stars-off">{'★'.repeat(5 - full)}</span>
    </span>
  );
}

/** One review of a shop product, with the merchant's one reply (or the form to write it). */
export function ReviewCard({ review, onReplied }: { review: Review; onReplied: (review: Review) => void }) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [busy, run] = useAction();
  const reply = review.reply?.text ?? null;
  const [title, setTitle] = useState('');
  useEffect(() => {
    let current = true;
    void productTitle(review.product_id).then((text) => current && setTitle(text));
    return () => {
      current = false;
    };
  }, [review.product_id]);

  const send = async (e: Event) => {
    e.preventDefault();
    const body = text.trim();
    if (!body) return showError(new Error(t('merchant.reviews.replyPlaceholder')));
    const answer: { review: Review | null } = { review: null };
    const ok = await run(async () => {
      answer.review = await replyToReview(review.id, body);
    }, t('merchant.reviews.replied'));
    if (ok) {
      setOpen(false);
      // The answer may be the reply alone: then keep the review and put the text in.
      const answered = answer.review;
      onReplied(answered && typeof answered.rating === 'number' ? answered : { ...review, reply: { text: body } });
    }
  };

  return (
    <li class="card merchant-review" data-testid="merchant-review" data-review-id={review.id}>
      <div class="merchant-review-head">
        {review.author && <Avatar user={review.author} />}
        <span class="row-text">
          <span class="row-title">{review.author?.display_name ?? ''}</span>
          <span class="row-subtitle">{formatTime(review.created_at)}</span>
        </span>
        <Stars rating={review.rating} />
      </div>
      {title && (
        <a class="hint merchant-review-product" href={href(`/merchant/products/${review.product_id}`)} data-testid="review-product">
          {title}
          {review.sku_name ? ` · ${review.sku_name}` : ''}
        </a>
      )}
      {review.text && <p class="merchant-review-text" data-testid="review-text">{review.text}</p>}
      {review.photos && review.photos.length > 0 && (
        <div class="merchant-review-photos">
          {review.photos.map((photo) => (
            <a key={photo.url} href={photo.url} target="_blank" rel="noreferrer">
              <img src={photo.thumb_url ?? photo.url} alt="" />
            </a>
          ))}
        </div>
      )}
      {review.follow_up?.text && <p class="hint">{t('merchant.reviews.followUp', { text: review.follow_up.text })}</p>}
      {reply !== null ? (
        <p class="merchant-reply" data-testid="review-reply">
          {t('merchant.reviews.yourReply', { text: reply })}
        </p>
      ) : open ? (
        <form class="form merchant-reply-form" onSubmit={send}>
          <textarea
            data-testid="reply-input"
            rows={3}
            maxLength={500}
            autoFocus
            placeholder={t('merchant.reviews.replyPlaceholder')}
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
          <div class="button-row">
            <button type="submit" class="primary small" data-testid="reply-send" disabled={busy || !text.trim()}>
              {t('merchant.reviews.send')}
            </button>
            <button type="button" class="small" onClick={() => setOpen(false)}>
              {t('merchant.orders.cancel')}
            </button>
          </div>
        </form>
      ) : (
        <div class="button-row merchant-actions">
          <button type="button" class="small" data-testid={`reply-review-${review.id}`} onClick={() => setOpen(true)}>
            {t('merchant.reviews.reply')}
          </button>
        </div>
      )}
    </li>
  );
}
