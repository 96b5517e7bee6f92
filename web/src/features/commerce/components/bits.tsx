import { t, type MessageKey } from '../../../core/i18n';
import { formatFen } from '../../../core/money';
import { href } from '../../../core/router';
import type { OrderStatus, Product } from '../api';

/** A product's picture, or a plain square where it has none. */
export function Thumb({ url, size = 'medium' }: { url: string | null | undefined; size?: 'small' | 'medium' | 'large' }) {
  return url ? (
    <img class={`shop-thumb shop-thumb-${size}`} src={url} alt="" loading="lazy" />
  ) : (
    <span class={`shop-thumb shop-thumb-${size} shop-thumb-empty`} aria-hidden="true">
      ◇
    </span>
  );
}

/** Rating as stars; `onPick` makes them buttons (the review composer). */
export function Stars({ value, onPick }: { value: number; onPick?: (rating: number) => void }) {
  const full = Math.round(value);
  return (
    <span class="stars" data-testid={onPick ? 'star-picker' : 'stars'} data-value={onPick ? value : full} aria-label={`${value}/5`}>
      {[1, 2, 3, 4, 5].map((n) =>
        onPick ? (
          <button
            type="button"
            key={n}
            class={n <= full ? 'star on' : 'star'}
            data-testid={`star-${n}`}
            aria-label={t('shop.review.starsLabel', { count: n })}
            aria-pressed={n <= full}
            onClick={() => onPick(n)}
          >
            ★
          </button>
        ) : (
          <span key={n} class={n <= full ? 'star on' : 'star'} aria-hidden="true">
            ★
          </span>
        ),
      )}
    </span>
  );
}

/** A product in a grid: picture, title, price, sales. */
export function ProductTile({ product }: { product: Product }) {
  return (
    <li class="product-tile" data-testid="product-tile" data-product-id={product.id}>
      <a href={href(`/p/${product.id}`)}>
        <Thumb url={product.images[0]?.thumb_url ?? product.images[0]?.url} size="large" />
        <span class="product-tile-title">{product.title}</span>
        <span class="product-tile-meta">
          <span class="price">{formatFen(product.price_min)}</span>
          <span class="muted small-text">{t('shop.sold', { count: product.sales_count })}</span>
        </span>
      </a>
    </li>
  );
}

export function ProductGrid({ products, testId = 'product-grid' }: { products: Product[]; testId?: string }) {
  return (
    <ul class="product-grid" data-testid={testId}>
      {products.map((product) => (
        <ProductTile key={product.id} product={product} />
      ))}
    </ul>
  );
}

export const statusText = (status: OrderStatus): string => t(`shop.status.${status}` as MessageKey);

/** `90061` seconds → `25:01:01`; for the payment and receipt countdowns. */
export function countdown(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${two(m)}:${two(s)}`;
}
