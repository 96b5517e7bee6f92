import { useState } from 'preact/hooks';
import { attempt, useAction } from '../../../../core/flash';
import { t } from '../../../../core/i18n';
import { useResource } from '../../../../core/loading';
import type { Me } from '../../../../core/types';
import { createCategory, deleteCategory, listCategories, updateCategory, type Category } from '../api';
import { MerchantScreen, useMyShop } from '../components/MerchantGuard';
import { ShopForm } from '../components/ShopForm';

/** #/merchant/shop: the shop's profile and its product categories. */
export function MerchantShopPage() {
  return <MerchantScreen title={t('merchant.shop.title')}>{(me) => <ShopSettings me={me} />}</MerchantScreen>;
}

function ShopSettings({ me }: { me: Me }) {
  const { shop, set } = useMyShop(me);
  if (shop === undefined) return <p class="empty">{t('common.loading')}</p>;
  return (
    <>
      <section class="card">
        {!shop && <p>{t('merchant.noShop')}</p>}
        <ShopForm key={shop?.id ?? 'new'} shop={shop} onSaved={set} />
      </section>
      {shop && <Categories shopId={shop.id} />}
    </>
  );
}

function Categories({ shopId }: { shopId: string }) {
  const categories = useResource(() => listCategories(shopId), [shopId]);
  const [name, setName] = useState('');
  const [busy, run] = useAction();
  const list = [...(categories.data ?? [])].sort((a, b) => a.position - b.position);

  const add = async (e: Event) => {
    e.preventDefault();
    if (await run(() => createCategory(name.trim()), t('merchant.categories.added'))) {
      setName('');
      categories.reload();
    }
  };
  // Moving swaps the positions of two neighbours.
  const move = async (index: number, by: -1 | 1) => {
    const a = list[index];
    const b = list[index + by];
    if (!a || !b) return;
    const ok = await attempt(async () => {
      await updateCategory(a.id, { position: b.position === a.position ? b.position + by : b.position });
      await updateCategory(b.id, { position: a.position });
    });
    if (ok) categories.reload();
  };

  return (
    <section class="card" data-testid="categories">
      <h3>{t('merchant.categories')}</h3>
      <ul class="list">
        {list.map((category, index) => (
          <CategoryRow
            key={category.id}
            category={category}
            first={index === 0}
            last={index === list.length - 1}
            onMove={(by) => move(index, by)}
            onChanged={categories.reload}
          />
        ))}
      </ul>
      {categories.data && list.length === 0 && <p class="empty">{t('merchant.categories.none')}</p>}
      <form class="inline-form" onSubmit={add}>
        <input
          data-testid="category-name"
          maxLength={40}
          placeholder={t('merchant.categories.newName')}
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <button type="submit" class="primary" data-testid="category-add" disabled={busy || !name.trim()}>
          {t('common.add')}
        </button>
      </form>
    </section>
  );
}

function CategoryRow({
  category,
  first,
  last,
  onMove,
  onChanged,
}: {
  category: Category;
  first: boolean;
  last: boolean;
  onMove: (by: -1 | 1) => void;
  onChanged: () => void;
}) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(category.name);
  const [busy, run] = useAction();
  const rename = async (e: Event) => {
    e.preventDefault();
    if (await run(() => updateCategory(category.id, { name: name.trim() }), t('merchant.categories.renamed'))) {
      setEditing(false);
      onChanged();
    }
  };
  const remove = async () => {
    if (!window.confirm(t('merchant.categories.confirmDelete', { name: category.name }))) return;
    if (await run(() => deleteCategory(category.id), t('merchant.categories.deleted'))) onChanged();
  };
  if (editing) {
    return (
      <li class="row" data-testid="category-row" data-category-id={category.id}>
        <form class="inline-form merchant-grow" onSubmit={rename}>
          <input data-testid="category-rename-input" maxLength={40} value={name} onInput={(e) => setName(e.currentTarget.value)} />
          <button type="submit" class="primary small" disabled={busy || !name.trim()}>
            {t('common.save')}
          </button>
          <button type="button" class="small" onClick={() => setEditing(false)}>
            {t('merchant.orders.cancel')}
          </button>
        </form>
      </li>
    );
  }
  return (
    <li class="row" data-testid="category-row" data-category-id={category.id}>
      <span class="row-title merchant-grow">{category.name}</span>
      <span class="row-actions">
        <button type="button" class="small" aria-label={t('merchant.categories.up')} title={t('merchant.categories.up')} disabled={first} onClick={() => onMove(-1)}>
          ↑
        </button>
        <button type="button" class="small" aria-label={t('merchant.categories.down')} title={t('merchant.categories.down')} disabled={last} onClick={() => onMove(1)}>
          ↓
        </button>
        <button type="button" class="small" onClick={() => setEditing(true)}>
          {t('merchant.categories.rename')}
        </button>
        <button type="button" class="small danger" data-testid="category-delete" disabled={busy} onClick={remove}>
          {t('common.delete')}
        </button>
      </span>
    </li>
  );
}
