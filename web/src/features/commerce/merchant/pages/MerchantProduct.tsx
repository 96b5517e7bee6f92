import { useState } from 'preact/hooks';
import { showError, useAction } from '../../../../core/flash';
import { t } from '../../../../core/i18n';
import { useResource } from '../../../../core/loading';
import { parseYuan } from '../../../../core/money';
import { navigate } from '../../../../core/router';
import type { Me } from '../../../../core/types';
import {
  adjustStock,
  createProduct,
  getProduct,
  listCategories,
  updateProduct,
  type Category,
  type ImageRef,
  type NewSku,
  type Product,
  type ProductStatus,
} from '../api';
import { ImagePicker } from '../components/ImagePicker';
import { MerchantScreen } from '../components/MerchantGuard';
import { NewSkuForm, SkuRow } from '../components/SkuEditor';
import { productStatusText } from './MerchantProducts';

/** #/merchant/products/new and #/merchant/products/:id: the product editor. */
export function MerchantProductPage({ id }: { id?: string }) {
  return (
    <MerchantScreen title={id ? t('merchant.editor.editTitle') : t('merchant.editor.newTitle')} back="/merchant/products">
      {(me) => (id ? <EditProduct me={me} id={id} /> : <NewProduct me={me} />)}
    </MerchantScreen>
  );
}

interface Details {
  title: string;
  description: string;
  category_id: string | null;
  images: ImageRef[];
}

function DetailsFields({ me, details, onChange }: { me: Me; details: Details; onChange: (d: Details) => void }) {
  const categories = useResource(() => listCategories(me.id).catch((): Category[] => []), [me.id]);
  return (
    <>
      <label>
        {t('merchant.editor.title')}
        <input
          data-testid="product-title"
          required
          maxLength={120}
          value={details.title}
          onInput={(e) => onChange({ ...details, title: e.currentTarget.value })}
        />
      </label>
      <label>
        {t('merchant.editor.description')}
        <textarea
          data-testid="product-description"
          rows={5}
          value={details.description}
          onInput={(e) => onChange({ ...details, description: e.currentTarget.value })}
        />
      </label>
      <label>
        {t('merchant.editor.category')}
        <select
          class="merchant-select"
          data-testid="product-category"
          value={details.category_id ?? ''}
          onChange={(e) => onChange({ ...details, category_id: e.currentTarget.value || null })}
        >
          <option value="">{t('merchant.editor.noCategory')}</option>
          {(categories.data ?? []).map((category) => (
            <option key={category.id} value={category.id}>
              {category.name}
            </option>
          ))}
        </select>
      </label>
      <div class="merchant-field">
        <span class="merchant-label">{t('merchant.editor.images', { count: details.images.length })}</span>
        <ImagePicker images={details.images} onChange={(images) => onChange({ ...details, images })} />
      </div>
    </>
  );
}

interface SkuDraft {
  name: string;
  price: string;
  stock: string;
}

/** A SKU as typed (price in yuan, stock as text) → what the API takes, or the reason it is not valid. */
export function parseSku(draft: SkuDraft): NewSku | string {
  const price = parseYuan(draft.price);
  if (!draft.name.trim()) return t('merchant.editor.needSku');
  if (price === null) return t('merchant.editor.priceInvalid');
  if (!/^\s*\d{1,9}\s*$/.test(draft.stock)) return t('merchant.editor.stockInvalid');
  return { name: draft.name.trim(), price, stock: Number(draft.stock) };
}

function NewProduct({ me }: { me: Me }) {
  const [details, setDetails] = useState<Details>({ title: '', description: '', category_id: null, images: [] });
  const [skus, setSkus] = useState<SkuDraft[]>([{ name: '', price: '', stock: '' }]);
  const [busy, run] = useAction();

  const save = async (publish: boolean) => {
    if (!details.title.trim()) return showError(new Error(t('merchant.editor.titleMissing')));
    const parsed = skus.map(parseSku);
    const problem = parsed.find((sku): sku is string => typeof sku === 'string');
    if (problem !== undefined || parsed.length === 0) return showError(new Error(problem ?? t('merchant.editor.needSku')));
    const answer: { product: Product | null } = { product: null };
    await run(
      async () => {
        let product = await createProduct({
          title: details.title.trim(),
          description: details.description,
          category_id: details.category_id,
          image_keys: details.images.map((image) => image.key),
          skus: parsed as NewSku[],
          status: publish ? 'active' : 'draft',
        });
        if (publish && product.status !== 'active') product = await updateProduct(product.id, { status: 'active' });
        answer.product = product;
      },
      publish ? t('merchant.editor.createdPublished') : t('merchant.editor.created'),
    );
    if (answer.product) navigate(`/merchant/products/${answer.product.id}`);
  };

  const setSku = (index: number, change: Partial<SkuDraft>) =>
    setSkus((list) => list.map((sku, i) => (i === index ? { ...sku, ...change } : sku)));

  return (
    <form
      class="card form"
      data-testid="product-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save(true);
      }}
    >
      <DetailsFields me={me} details={details} onChange={setDetails} />
      <fieldset class="merchant-skus">
        <legend>{t('merchant.editor.skus')}</legend>
        {skus.map((sku, index) => (
          <div class="merchant-sku-draft" key={index} data-testid="sku-draft">
            <input
              data-testid={`sku-name-${index}`}
              maxLength={60}
              placeholder={t('merchant.editor.skuName')}
              aria-label={t('merchant.editor.skuName')}
              value={sku.name}
              onInput={(e) => setSku(index, { name: e.currentTarget.value })}
            />
            <input
              data-testid={`sku-price-${index}`}
              inputMode="decimal"
              placeholder={t('merchant.editor.price')}
              aria-label={t('merchant.editor.price')}
              value={sku.price}
              onInput={(e) => setSku(index, { price: e.currentTarget.value })}
            />
            <input
              data-testid={`sku-stock-${index}`}
              inputMode="numeric"
              placeholder={t('merchant.editor.stock')}
              aria-label={t('merchant.editor.stock')}
              value={sku.stock}
              onInput={(e) => setSku(index, { stock: e.currentTarget.value })}
            />
            {skus.length > 1 && (
              <button
                type="button"
                class="small danger"
                data-testid={`remove-sku-${index}`}
                onClick={() => setSkus((list) => list.filter((_, i) => i !== index))}
              >
                {t('merchant.editor.removeSku')}
              </button>
            )}
          </div>
        ))}
        <button
          type="button"
          class="small"
          data-testid="add-sku"
          onClick={() => setSkus((list) => [...list, { name: '', price: '', stock: '' }])}
        >
          + {t('merchant.editor.addSku')}
        </button>
      </fieldset>
      <div class="button-row">
        <button type="submit" class="primary" data-testid="product-publish" disabled={busy}>
          {t('merchant.editor.saveAndPublish')}
        </button>
        <button type="button" data-testid="product-save-draft" disabled={busy} onClick={() => void save(false)}>
          {t('merchant.editor.saveDraft')}
        </button>
      </div>
    </form>
  );
}

function EditProduct({ me, id }: { me: Me; id: string }) {
  const product = useResource(() => getProduct(id), [id]);
  if (!product.data) return <p class="empty">{product.loading ? t('common.loading') : t('common.none')}</p>;
  return <ProductEditor key={product.data.id} me={me} product={product.data} onChanged={product.reload} />;
}

function ProductEditor({ me, product, onChanged }: { me: Me; product: Product; onChanged: () => void }) {
  const [details, setDetails] = useState<Details>({
    title: product.title,
    description: product.description,
    category_id: product.category_id,
    images: product.images ?? [],
  });
  const [status, setStatus] = useState<ProductStatus>(product.status);
  const [busy, run] = useAction();

  const save = async (e: Event) => {
    e.preventDefault();
    if (!details.title.trim()) return showError(new Error(t('merchant.editor.titleMissing')));
    await run(
      () =>
        updateProduct(product.id, {
          title: details.title.trim(),
          description: details.description,
          category_id: details.category_id,
          image_keys: details.images.map((image) => image.key),
        }),
      t('merchant.editor.saved'),
    );
  };
  const changeStatus = async (next: ProductStatus, notice: string) => {
    if (await run(async () => setStatus((await updateProduct(product.id, { status: next })).status), notice)) onChanged();
  };

  return (
    <>
      <section class="card merchant-status-card">
        <span data-testid="product-status" data-status={status}>
          {t('merchant.editor.status', { status: productStatusText(status) })}
        </span>
        <span class="button-row">
          {status !== 'active' && (
            <button type="button" class="primary small" data-testid="product-publish" disabled={busy} onClick={() => changeStatus('active', t('merchant.editor.published'))}>
              {t('merchant.editor.publish')}
            </button>
          )}
          {status === 'active' && (
            <button type="button" class="small" data-testid="product-unpublish" disabled={busy} onClick={() => changeStatus('draft', t('merchant.editor.drafted'))}>
              {t('merchant.editor.unpublish')}
            </button>
          )}
          {status !== 'archived' && (
            <button type="button" class="small danger" data-testid="product-archive" disabled={busy} onClick={() => changeStatus('archived', t('merchant.editor.archived'))}>
              {t('merchant.editor.archive')}
            </button>
          )}
          {status === 'active' && (
            <a class="small-link" href={`#/p/${product.id}`} data-testid="product-view">
              {t('merchant.editor.viewInShop')}
            </a>
          )}
        </span>
      </section>
      <form class="card form" data-testid="product-form" onSubmit={save}>
        <DetailsFields me={me} details={details} onChange={setDetails} />
        <button type="submit" class="primary" data-testid="product-save" disabled={busy}>
          {t('merchant.editor.save')}
        </button>
      </form>
      <section class="card" data-testid="skus">
        <h3>{t('merchant.editor.skus')}</h3>
        <ul class="list">
          {product.skus.map((sku) => (
            <SkuRow key={sku.id} sku={sku} adjust={adjustStock} onChanged={onChanged} />
          ))}
        </ul>
        <NewSkuForm productId={product.id} onAdded={onChanged} />
      </section>
    </>
  );
}
