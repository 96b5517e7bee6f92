import { useEffect, useState } from 'preact/hooks';
import { t } from '../../../core/i18n';
import { formatFen } from '../../../core/money';
import { navigate } from '../../../core/router';
import type { Message } from '../../chat/api';
import { getProduct } from '../api';
import { Thumb } from './bits';

const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const num = (value: unknown): number | null => (typeof value === 'number' ? value : null);
const obj = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};

export interface CardData {
  productId: string;
  title: string;
  price: number | null;
  image: string | null;
}

/** The product a card shows, from what the server put beside the token (`product`, or flat fields). */
function fromContent(content: Record<string, unknown>): CardData {
  const product = obj(content.product);
  return {
    productId: str(product.id) || str(content.product_id),
    title: str(product.title) || str(content.title),
    price: num(product.price_min) ?? num(content.price_min) ?? num(content.price),
    image: str(product.image_url) || str(content.image_url) || null,
  };
}

/** Fills in title, price and picture from the product itself when the card only knows its id. */
export function useCardData(initial: CardData): CardData {
  const [data, setData] = useState(initial);
  useEffect(() => {
    if (initial.productId && (!initial.title || initial.price === null)) {
      getProduct(initial.productId).then(
        (p) =>
          setData({
            productId: p.id,
            title: p.title,
            price: p.price_min,
            image: p.images[0]?.thumb_url ?? p.images[0]?.url ?? null,
          }),
        () => undefined,
      );
    }
  }, [initial.productId]);
  return data;
}

/** The card itself: picture, title, price; tapping opens the share link (or the product). */
export function ProductPreview({ data, token, testId }: { data: CardData; token: string | null; testId: string }) {
  const target = token ? `/s/${token}` : `/p/${data.productId}`;
  return (
    <button
      type="button"
      class="product-card"
      data-testid={testId}
      data-share-token={token ?? undefined}
      data-product-id={data.productId || undefined}
      onClick={(e) => {
        e.stopPropagation();
        navigate(target);
      }}
    >
      <Thumb url={data.image} size="medium" />
      <span class="product-card-text">
        <span class="product-card-title">{data.title || t('shop.card.product')}</span>
        {data.price !== null && <span class="price">{formatFen(data.price)}</span>}
        <span class="muted small-text">{t('shop.card.tapToView')}</span>
      </span>
    </button>
  );
}

/** A chat message of kind "product" (content `{share_token}`, plus the product the server adds). */
export function ProductCard({ message }: { message: Message }) {
  const content = message.content ?? {};
  const token = str(content.share_token) || null;
  const data = useCardData(fromContent(content));
  return <ProductPreview data={data} token={token} testId="product-message" />;
}
