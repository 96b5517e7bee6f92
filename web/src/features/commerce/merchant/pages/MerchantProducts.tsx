import { useState } from 'preact/hooks';
import { t, type MessageKey } from '../../../../core/i18n';
import { usePaged } from '../../../../core/loading';
import { formatFen } from '../../../../core/money';
import { href, navigate } from '../../../../core/router';
import type { Me } from '../../../../core/types';
import { listProducts, type Product, type ProductStatus } from '../api';
import { Filter } from '../components/Filter';
import { MerchantScreen } from '../components/MerchantGuard';

const STATUSES: ProductStatus[] = ['active', 'draft', 'archived'];
export const productStatusText = (status: ProductStatus) => t(`merchant.status.${status}` as MessageKey);

/** #/merchant/products: the shop's products by status, and the way to add one. */
export function MerchantProductsPage() {
  return (
    <MerchantScreen
      title={t('merchant.products.title')}
      actions={
        <button type="button" class="icon-button" data-testid="new-product" aria-label={t('merchant.products.new')} title={t('merchant.products.new')} onClick={() => navigate('/merchant/products/new')}>
          +
        </button>
      }
    >
      {(me) => <Products me={me} />}
    </MerchantScreen>
  );
}

function Products({ me }: { me: Me }) {
  const [status, setStatus] = useState<ProductStatus>('active');
  const products = usePaged((cursor) => listProducts(me.id, status, cursor), [me.id, status]);
  return (
    <>
      <Filter
        testId="product-filter"
        value={status}
        onChange={setStatus}
        options={STATUSES.map((value) => ({ value, label: productStatusText(value) }))}
      />
      <ul class="list card merchant-products" data-testid="products">
        {products.items.map((product) => (
          <ProductRow key={product.id} product={product} />
        ))}
      </ul>
      {!products.loading && products.items.length === 0 && <p class="empty">{t('merchant.products.none')}</p>}
      {products.hasMore && (
        <button type="button" class="link-button load-more" onClick={products.loadMore}>
          {t('common.loadMore')}
        </button>
      )}
    </>
  );
}

function ProductRow({ product }: { product: Product }) {
  const image = product.images?.[0];
  const stock = (product.skus ?? []).reduce((sum, sku) => sum + (sku.active ? sku.stock : 0), 0);
  return (
    <li class="row" data-testid="product-row" data-product-id={product.id} data-status={product.status}>
      <a class="row-main" href={href(`/merchant/products/${product.id}`)}>
        {image ? <img class="merchant-thumb" src={image.thumb_url ?? image.url} alt="" /> : <span class="merchant-thumb merchant-thumb-empty" />}
        <span class="row-text">
          <span class="row-title" data-testid="product-row-title">{product.title}</span>
          <span class="row-subtitle">
            {product.price_min !== null && product.price_min !== undefined
              ? t('merchant.products.from', { price: formatFen(product.price_min) })
              : '—'}
            {' · '}
            <span data-testid="product-row-stock">{t('merchant.products.stock', { count: stock })}</span>
            {' · '}
            {t('merchant.products.sold', { count: product.sales_count ?? 0 })}
          </span>
        </span>
      </a>
      <span class={`merchant-status status-${product.status}`}>{productStatusText(product.status)}</span>
    </li>
  );
}
