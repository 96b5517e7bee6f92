/**
 * #/merchant/deals — the merchant's group deals and bargain offers: create a deal for one of the shop's
 * SKUs (group price in yuan, team size 2–10, time limit, stock, start and end) and see each deal's
 * results (teams forming, succeeded, failed; members who paid; revenue); create bargain offers and end
 * them.
 *
 * Test ids: deal-product, deal-sku, deal-price, deal-size, deal-hours, deal-stock, deal-starts,
 * deal-ends, deal-create; merchant-deal [data-deal-id] with deal-stats-<forming|succeeded|failed|members>;
 * offer-product, offer-sku, offer-start, offer-floor, offer-helpers, offer-cut-min, offer-cut-max,
 * offer-create; merchant-offer [data-offer-id], offer-end-<id>.
 */
import { useState } from 'preact/hooks';
import { showError, useAction } from '../../../core/flash';
import { formatTime, t, type MessageKey } from '../../../core/i18n';
import { useIdempotency } from '../../../core/idempotency';
import { usePaged, useResource } from '../../../core/loading';
import { formatFen, parseYuan } from '../../../core/money';
import { href } from '../../../core/router';
import type { Me } from '../../../core/types';
import { Thumb } from '../../commerce/components/bits';
import { listProducts, type Product } from '../../commerce/merchant/api';
import { Filter } from '../../commerce/merchant/components/Filter';
import { MerchantScreen } from '../../commerce/merchant/components/MerchantGuard';
import {
  createDeal,
  createOffer,
  endOffer,
  listMyDeals,
  listMyOffers,
  type BargainOffer,
  type Deal,
  type DealBody,
  type OfferBody,
} from '../api';

type Tab = 'deals' | 'bargains';

export function MerchantDealsPage() {
  return <MerchantScreen title={t('groupbuy.console.title')}>{(me) => <Console me={me} />}</MerchantScreen>;
}

function Console({ me }: { me: Me }) {
  const [tab, setTab] = useState<Tab>('deals');
  const products = useResource(() => listProducts(me.id, 'active', null), [me.id]);
  const items = products.data?.items ?? [];
  return (
    <>
      <Filter
        testId="deals-tab"
        value={tab}
        onChange={setTab}
        options={[
          { value: 'deals', label: t('groupbuy.console.deals') },
          { value: 'bargains', label: t('groupbuy.console.bargains') },
        ]}
      />
      {tab === 'deals' ? <Deals products={items} onCreated={products.reload} /> : <Offers products={items} />}
    </>
  );
}

/** A product and one of its active SKUs (the form's first two fields). */
function SkuPicker({ products, prefix, value, onChange }: { products: Product[]; prefix: string; value: { productId: string; skuId: string }; onChange: (v: { productId: string; skuId: string }) => void }) {
  const product = products.find((p) => p.id === value.productId) ?? null;
  const skus = product?.skus.filter((s) => s.active) ?? [];
  return (
    <>
      <label class="merchant-field">
        <span class="merchant-label">{t('groupbuy.console.product')}</span>
        <select
          class="merchant-select"
          data-testid={`${prefix}-product`}
          value={value.productId}
          onChange={(e) => {
            const id = e.currentTarget.value;
            const first = products.find((p) => p.id === id)?.skus.find((s) => s.active);
            onChange({ productId: id, skuId: first?.id ?? '' });
          }}
        >
          <option value="">{t('groupbuy.console.pickProduct')}</option>
          {products.map((p) => (
            <option key={p.id} value={p.id}>
              {p.title}
            </option>
          ))}
        </select>
      </label>
      {product && (
        <label class="merchant-field">
          <span class="merchant-label">{t('groupbuy.console.sku')}</span>
          <select class="merchant-select" data-testid={`${prefix}-sku`} value={value.skuId} onChange={(e) => onChange({ ...value, skuId: e.currentTarget.value })}>
            {skus.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name} · {formatFen(s.price)} · {t('shop.stock', { count: s.stock })}
              </option>
            ))}
          </select>
        </label>
      )}
      {products.length === 0 && (
        <p class="hint">
          {t('groupbuy.console.noProducts')} <a href={href('/merchant/products/new')}>{t('groupbuy.console.newProduct')} ›</a>
        </p>
      )}
    </>
  );
}

const toIso = (local: string): string | undefined => (local ? new Date(local).toISOString() : undefined);
const wholeNumber = (text: string): number | null => (/^\s*\d{1,7}\s*$/.test(text) ? Number(text) : null);

function Deals({ products, onCreated }: { products: Product[]; onCreated: () => void }) {
  const [pick, setPick] = useState({ productId: '', skuId: '' });
  const [price, setPrice] = useState('');
  const [size, setSize] = useState('2');
  const [hoursText, setHours] = useState('24');
  const [stock, setStock] = useState('10');
  const [starts, setStarts] = useState('');
  const [ends, setEnds] = useState('');
  const [busy, run] = useAction();
  const keys = useIdempotency();
  const deals = usePaged((cursor) => listMyDeals(cursor), []);
  const [made, setMade] = useState<Deal[]>([]);

  const submit = (e: Event) => {
    e.preventDefault();
    const groupPrice = parseYuan(price);
    const team = wholeNumber(size);
    const hours = Number(hoursText);
    const units = wholeNumber(stock);
    if (!pick.skuId) return showError(new Error(t('groupbuy.console.pickSku')));
    if (groupPrice === null) return showError(new Error(t('groupbuy.console.badPrice')));
    if (team === null || team < 2 || team > 10) return showError(new Error(t('groupbuy.console.badSize')));
    if (!Number.isFinite(hours) || hours <= 0) return showError(new Error(t('groupbuy.console.badHours')));
    if (units === null || units < 1) return showError(new Error(t('groupbuy.console.badStock')));
    const body: DealBody = {
      sku_id: pick.skuId,
      group_price: groupPrice,
      team_size: team,
      time_limit_minutes: Math.round(hours * 60),
      stock: units,
      ...(starts ? { starts_at: toIso(starts) } : {}),
      ...(ends ? { ends_at: toIso(ends) } : {}),
    };
    void run(async () => {
      const deal = await keys.run(JSON.stringify(body), (key) => createDeal(body, key));
      setMade([deal, ...made]);
      setPrice('');
      onCreated(); // the option's stock went down by the deal's
    }, t('groupbuy.console.dealCreated'));
  };

  const listed = [...made, ...deals.items.filter((d) => !made.some((m) => m.id === d.id))];
  return (
    <>
      <form class="card form" data-testid="deal-form" onSubmit={submit}>
        <h3>{t('groupbuy.console.newDeal')}</h3>
        <SkuPicker products={products} prefix="deal" value={pick} onChange={setPick} />
        <label>
          {t('groupbuy.console.groupPrice')}
          <input data-testid="deal-price" inputMode="decimal" placeholder="0.00" value={price} onInput={(e) => setPrice(e.currentTarget.value)} />
        </label>
        <div class="gb-form-row">
          <label>
            {t('groupbuy.console.teamSize')}
            <input data-testid="deal-size" type="number" min={2} max={10} value={size} onInput={(e) => setSize(e.currentTarget.value)} />
          </label>
          <label>
            {t('groupbuy.console.hours')}
            <input data-testid="deal-hours" type="number" min={0.25} step={0.25} value={hoursText} onInput={(e) => setHours(e.currentTarget.value)} />
          </label>
          <label>
            {t('groupbuy.console.stock')}
            <input data-testid="deal-stock" type="number" min={1} value={stock} onInput={(e) => setStock(e.currentTarget.value)} />
          </label>
        </div>
        <div class="gb-form-row">
          <label>
            {t('groupbuy.console.starts')}
            <input data-testid="deal-starts" type="datetime-local" value={starts} onInput={(e) => setStarts(e.currentTarget.value)} />
          </label>
          <label>
            {t('groupbuy.console.ends')}
            <input data-testid="deal-ends" type="datetime-local" value={ends} onInput={(e) => setEnds(e.currentTarget.value)} />
          </label>
        </div>
        <p class="hint">{t('groupbuy.console.dealHint')}</p>
        <button type="submit" class="primary" data-testid="deal-create" disabled={busy}>
          {t('groupbuy.console.createDeal')}
        </button>
      </form>

      <h3 class="merchant-section-title">{t('groupbuy.console.myDeals')}</h3>
      <ul class="list" data-testid="merchant-deals">
        {listed.map((deal) => (
          <DealCard key={deal.id} deal={deal} />
        ))}
      </ul>
      {!deals.loading && listed.length === 0 && <p class="empty card">{t('groupbuy.console.noDeals')}</p>}
      {deals.hasMore && (
        <button type="button" class="link-button load-more" onClick={deals.loadMore}>
          {t('common.loadMore')}
        </button>
      )}
    </>
  );
}

function DealCard({ deal }: { deal: Deal }) {
  const stats = deal.stats;
  return (
    <li class="card merchant-deal" data-testid="merchant-deal" data-deal-id={deal.id} data-status={deal.status}>
      <a class="row" href={href(`/deals/${deal.id}`)}>
        <Thumb url={deal.product.image_url} size="small" />
        <span class="row-main stack">
          <span class="row-title">{deal.title || deal.product.title}</span>
          <span class="muted small-text">
            {deal.sku_name} · {formatFen(deal.group_price)} ({formatFen(deal.single_price)}) · {t('groupbuy.deal.teamOf', { size: deal.team_size })}
          </span>
          <span class="muted small-text">
            {formatTime(deal.starts_at)} – {formatTime(deal.ends_at)}
          </span>
        </span>
        <span class={`merchant-status status-${deal.status === 'ended' ? 'archived' : deal.status === 'active' ? 'active' : 'draft'}`}>
          {t(`groupbuy.deal.status.${deal.status}` as MessageKey)}
        </span>
      </a>
      {stats && (
        <dl class="gb-stats">
          <div>
            <dt>{t('groupbuy.console.forming')}</dt>
            <dd data-testid="deal-stats-forming">{stats.teams_forming}</dd>
          </div>
          <div>
            <dt>{t('groupbuy.console.succeeded')}</dt>
            <dd data-testid="deal-stats-succeeded">{stats.teams_succeeded}</dd>
          </div>
          <div>
            <dt>{t('groupbuy.console.failed')}</dt>
            <dd data-testid="deal-stats-failed">{stats.teams_failed}</dd>
          </div>
          <div>
            <dt>{t('groupbuy.console.members')}</dt>
            <dd data-testid="deal-stats-members">{stats.members_paid}</dd>
          </div>
          <div>
            <dt>{t('groupbuy.console.revenue')}</dt>
            <dd>{formatFen(stats.revenue)}</dd>
          </div>
          <div>
            <dt>{t('groupbuy.console.stockLeft')}</dt>
            <dd>
              {deal.stock}/{deal.initial_stock}
            </dd>
          </div>
        </dl>
      )}
    </li>
  );
}

function Offers({ products }: { products: Product[] }) {
  const [pick, setPick] = useState({ productId: '', skuId: '' });
  const [start, setStart] = useState('');
  const [floor, setFloor] = useState('');
  const [helpers, setHelpers] = useState('5');
  const [cutMin, setCutMin] = useState('1.00');
  const [cutMax, setCutMax] = useState('10.00');
  const [busy, run] = useAction();
  const offers = usePaged((cursor) => listMyOffers(cursor), []);
  const [changed, setChanged] = useState<BargainOffer[]>([]);

  const submit = (e: Event) => {
    e.preventDefault();
    const floorFen = parseYuan(floor);
    const startFen = start.trim() ? parseYuan(start) : null;
    const max = wholeNumber(helpers);
    const low = parseYuan(cutMin);
    const high = parseYuan(cutMax);
    if (!pick.skuId) return showError(new Error(t('groupbuy.console.pickSku')));
    if (floorFen === null || (start.trim() && startFen === null)) return showError(new Error(t('groupbuy.console.badPrice')));
    if (max === null || max < 1 || max > 100) return showError(new Error(t('groupbuy.console.badHelpers')));
    if (low === null || high === null || high < low) return showError(new Error(t('groupbuy.console.badCuts')));
    const body: OfferBody = {
      sku_id: pick.skuId,
      floor_price: floorFen,
      max_helpers: max,
      cut_min: low,
      cut_max: high,
      ...(startFen !== null ? { start_price: startFen } : {}),
    };
    void run(async () => {
      const offer = await createOffer(body);
      setChanged([offer, ...changed]);
    }, t('groupbuy.console.offerCreated'));
  };

  const end = (offer: BargainOffer) =>
    run(async () => {
      const ended = await endOffer(offer.id);
      setChanged([ended, ...changed.filter((o) => o.id !== ended.id)]);
    }, t('groupbuy.console.offerEnded'));

  const listed = [...changed, ...offers.items.filter((o) => !changed.some((c) => c.id === o.id))];
  return (
    <>
      <form class="card form" data-testid="offer-form" onSubmit={submit}>
        <h3>{t('groupbuy.console.newOffer')}</h3>
        <SkuPicker products={products} prefix="offer" value={pick} onChange={setPick} />
        <div class="gb-form-row">
          <label>
            {t('groupbuy.console.startPrice')}
            <input data-testid="offer-start" inputMode="decimal" placeholder={t('groupbuy.console.skuPrice')} value={start} onInput={(e) => setStart(e.currentTarget.value)} />
          </label>
          <label>
            {t('groupbuy.console.floorPrice')}
            <input data-testid="offer-floor" inputMode="decimal" placeholder="0.00" value={floor} onInput={(e) => setFloor(e.currentTarget.value)} />
          </label>
        </div>
        <div class="gb-form-row">
          <label>
            {t('groupbuy.console.maxHelpers')}
            <input data-testid="offer-helpers" type="number" min={1} max={100} value={helpers} onInput={(e) => setHelpers(e.currentTarget.value)} />
          </label>
          <label>
            {t('groupbuy.console.cutMin')}
            <input data-testid="offer-cut-min" inputMode="decimal" value={cutMin} onInput={(e) => setCutMin(e.currentTarget.value)} />
          </label>
          <label>
            {t('groupbuy.console.cutMax')}
            <input data-testid="offer-cut-max" inputMode="decimal" value={cutMax} onInput={(e) => setCutMax(e.currentTarget.value)} />
          </label>
        </div>
        <p class="hint">{t('groupbuy.console.offerHint')}</p>
        <button type="submit" class="primary" data-testid="offer-create" disabled={busy}>
          {t('groupbuy.console.createOffer')}
        </button>
      </form>

      <h3 class="merchant-section-title">{t('groupbuy.console.myOffers')}</h3>
      <ul class="list" data-testid="merchant-offers">
        {listed.map((offer) => (
          <li key={offer.id} class="card merchant-offer" data-testid="merchant-offer" data-offer-id={offer.id} data-status={offer.status}>
            <div class="row">
              <Thumb url={offer.product.image_url} size="small" />
              <span class="row-main stack">
                <span class="row-title">{offer.title || offer.product.title}</span>
                <span class="muted small-text">
                  {formatFen(offer.start_price)} → {formatFen(offer.floor_price)} · {t('groupbuy.console.offerLine', { count: offer.max_helpers, min: formatFen(offer.cut_min), max: formatFen(offer.cut_max) })}
                </span>
              </span>
              {offer.status === 'active' ? (
                <button type="button" class="small" data-testid={`offer-end-${offer.id}`} disabled={busy} onClick={() => void end(offer)}>
                  {t('groupbuy.console.endOffer')}
                </button>
              ) : (
                <span class="merchant-status status-archived">{t('groupbuy.console.ended')}</span>
              )}
            </div>
          </li>
        ))}
      </ul>
      {!offers.loading && listed.length === 0 && <p class="empty card">{t('groupbuy.console.noOffers')}</p>}
      {offers.hasMore && (
        <button type="button" class="link-button load-more" onClick={offers.loadMore}>
          {t('common.loadMore')}
        </button>
      )}
    </>
  );
}
