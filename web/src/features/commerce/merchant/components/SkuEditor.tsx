import { useState } from 'preact/hooks';
import { showError, showNotice, useAction } from '../../../../core/flash';
import { t } from '../../../../core/i18n';
import { useIdempotency } from '../../../../core/idempotency';
import { formatFen, parseYuan } from '../../../../core/money';
import { addSku, updateSku, type Sku } from '../api';

/** Fen as the yuan text an input shows: 1999 → "19.99". */
const yuanText = (fen: number) => formatFen(fen).replace(/^¥/, '').replace(/,/g, '');

/** One existing SKU: name and price (saved together), on/off sale, and the stock with its adjuster. */
export function SkuRow({
  sku: initial,
  adjust,
  onChanged,
}: {
  sku: Sku;
  adjust: (id: string, delta: number, key: string) => Promise<Sku>;
  onChanged: () => void;
}) {
  const [sku, setSku] = useState(initial);
  const [name, setName] = useState(initial.name);
  const [price, setPrice] = useState(yuanText(initial.price));
  const [limit, setLimit] = useState(initial.per_buyer_limit === null ? '' : String(initial.per_buyer_limit));
  const [delta, setDelta] = useState('');
  const [busy, run] = useAction();
  const keys = useIdempotency();
  // Blank means no limit; otherwise a whole number of at least 1.
  const limitValue = limit.trim() === '' ? null : /^\s*\d{1,5}\s*$/.test(limit) ? Number(limit) : NaN;
  const dirty = name.trim() !== sku.name || parseYuan(price) !== sku.price || limitValue !== sku.per_buyer_limit;

  const save = async () => {
    const fen = parseYuan(price);
    if (fen === null) return showError(new Error(t('merchant.editor.priceInvalid')));
    if (limitValue !== null && !(limitValue >= 1)) return showError(new Error(t('merchant.editor.limitInvalid')));
    const body = { name: name.trim(), price: fen, per_buyer_limit: limitValue };
    if (await run(async () => setSku({ ...sku, ...(await updateSku(sku.id, body)) }), t('merchant.sku.saved')))
      onChanged();
  };
  const toggle = async () => {
    if (await run(async () => setSku({ ...sku, ...(await updateSku(sku.id, { active: !sku.active })) }), t('merchant.sku.saved')))
      onChanged();
  };
  const apply = async (e: Event) => {
    e.preventDefault();
    const match = /^\s*([+-]?)\s*(\d{1,9})\s*$/.exec(delta);
    const amount = match ? Number(match[2]) * (match[1] === '-' ? -1 : 1) : 0;
    if (!amount) return showError(new Error(t('merchant.sku.deltaInvalid')));
    const answer: { stock: number | null } = { stock: null };
    const ok = await run(async () => {
      // One key per adjustment typed: a retry after a lost answer adds nothing twice.
      const changed = await keys.run(`stock:${sku.id}:${amount}`, (key) => adjust(sku.id, amount, key));
      answer.stock = typeof changed?.stock === 'number' ? changed.stock : sku.stock + amount;
      setSku({ ...sku, stock: answer.stock });
    });
    if (ok && answer.stock !== null) {
      setDelta('');
      // The notice says the new stock, so the merchant sees the adjustment took.
      showNotice(t('merchant.sku.adjusted', { count: answer.stock }));
    }
  };

  return (
    <li class="merchant-sku" data-testid="sku-row" data-sku-id={sku.id} data-active={String(sku.active)}>
      <div class="merchant-sku-fields">
        <input
          data-testid={`sku-name-edit-${sku.id}`}
          aria-label={t('merchant.editor.skuName')}
          maxLength={60}
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <input
          data-testid={`sku-price-edit-${sku.id}`}
          aria-label={t('merchant.editor.price')}
          inputMode="decimal"
          value={price}
          onInput={(e) => setPrice(e.currentTarget.value)}
        />
        <input
          data-testid={`sku-limit-edit-${sku.id}`}
          aria-label={t('merchant.editor.perBuyerLimit')}
          placeholder={t('merchant.editor.perBuyerLimit')}
          inputMode="numeric"
          value={limit}
          onInput={(e) => setLimit(e.currentTarget.value)}
        />
        <button type="button" class="small primary" data-testid={`sku-save-${sku.id}`} disabled={busy || !dirty} onClick={save}>
          {t('common.save')}
        </button>
      </div>
      <div class="merchant-sku-stock">
        <span>
          <span data-testid={`sku-stock-${sku.id}`} data-stock={sku.stock}>
            {t('merchant.sku.stockNow', { count: sku.stock })}
          </span>
          {' · '}
          <span class={sku.active ? '' : 'muted'}>{sku.active ? t('merchant.sku.active') : t('merchant.sku.inactive')}</span>
        </span>
        <form class="inline-form merchant-delta" onSubmit={apply}>
          <input
            data-testid={`stock-delta-${sku.id}`}
            inputMode="numeric"
            placeholder={t('merchant.sku.delta')}
            aria-label={t('merchant.sku.delta')}
            value={delta}
            onInput={(e) => setDelta(e.currentTarget.value)}
          />
          <button type="submit" class="small" data-testid={`stock-apply-${sku.id}`} disabled={busy || !delta.trim()}>
            {t('merchant.sku.apply')}
          </button>
        </form>
        <button type="button" class="small" data-testid={`sku-toggle-${sku.id}`} disabled={busy} onClick={toggle}>
          {sku.active ? t('merchant.sku.disable') : t('merchant.sku.enable')}
        </button>
      </div>
    </li>
  );
}

/** Adds a variant to an existing product. */
export function NewSkuForm({ productId, onAdded }: { productId: string; onAdded: () => void }) {
  const [name, setName] = useState('');
  const [price, setPrice] = useState('');
  const [stock, setStock] = useState('');
  const [busy, run] = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const fen = parseYuan(price);
    if (!name.trim()) return showError(new Error(t('merchant.editor.needSku')));
    if (fen === null) return showError(new Error(t('merchant.editor.priceInvalid')));
    if (!/^\s*\d{1,9}\s*$/.test(stock)) return showError(new Error(t('merchant.editor.stockInvalid')));
    if (await run(() => addSku(productId, { name: name.trim(), price: fen, stock: Number(stock) }), t('merchant.sku.added'))) {
      setName('');
      setPrice('');
      setStock('');
      onAdded();
    }
  };
  return (
    <form class="merchant-sku-draft merchant-new-sku" onSubmit={submit} data-testid="new-sku-form">
      <input data-testid="new-sku-name" maxLength={60} placeholder={t('merchant.sku.new')} aria-label={t('merchant.editor.skuName')} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      <input data-testid="new-sku-price" inputMode="decimal" placeholder={t('merchant.editor.price')} aria-label={t('merchant.editor.price')} value={price} onInput={(e) => setPrice(e.currentTarget.value)} />
      <input data-testid="new-sku-stock" inputMode="numeric" placeholder={t('merchant.editor.stock')} aria-label={t('merchant.editor.stock')} value={stock} onInput={(e) => setStock(e.currentTarget.value)} />
      <button type="submit" class="small" data-testid="new-sku-add" disabled={busy}>
        {t('common.add')}
      </button>
    </form>
  );
}
