import { useState } from 'preact/hooks';
import { useAction } from '../../../../core/flash';
import { t } from '../../../../core/i18n';
import { saveShop, type Shop } from '../api';

/** The shop's name and introduction (PUT /shops/me creates the shop on the first save). */
export function ShopForm({ shop, onSaved }: { shop: Shop | null; onSaved: (shop: Shop) => void }) {
  const [name, setName] = useState(shop?.name ?? '');
  const [intro, setIntro] = useState(shop?.intro ?? '');
  const [busy, run] = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => onSaved(await saveShop({ name: name.trim(), intro: intro.trim() })), t('merchant.shop.saved'));
  };
  return (
    <form class="form" onSubmit={submit} data-testid="shop-form">
      <label>
        {t('merchant.shop.name')}
        <input data-testid="shop-name" required maxLength={60} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label>
        {t('merchant.shop.intro')}
        <textarea data-testid="shop-intro" rows={3} maxLength={500} value={intro} onInput={(e) => setIntro(e.currentTarget.value)} />
      </label>
      <button type="submit" class="primary" data-testid="shop-save" disabled={busy || !name.trim()}>
        {shop ? t('common.save') : t('merchant.shop.create')}
      </button>
    </form>
  );
}
