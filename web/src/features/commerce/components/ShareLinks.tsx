import type { Share } from '../../feed/api';
import { shareTokensIn } from '../state';
import { ProductPreview, useCardData } from './ProductCard';

/**
 * Under a Moment or post: a product shared in it, as a card. The share link in the text (`#/s/<token>`)
 * is what the card opens, so the reader's purchase is credited to the sharer; the post's `share`
 * (kind "product") names the product for the preview.
 */
export function ShareLinks({ text, share }: { text: string; share: Share | null }) {
  const token = shareTokensIn(text)[0] ?? null;
  const productId = share?.kind === 'product' ? share.ref : '';
  if (!token && !productId) return null;
  return <Preview token={token} productId={productId} title={share?.kind === 'product' ? share.title : ''} />;
}

function Preview({ token, productId, title }: { token: string | null; productId: string; title: string }) {
  const data = useCardData({ productId, title, price: null, image: null });
  return <ProductPreview data={data} token={token} testId="product-share-card" />;
}
