import { useState } from 'preact/hooks';
import { showError, useAction } from '../../../../core/flash';
import { formatTime, t, type MessageKey } from '../../../../core/i18n';
import { useIdempotency } from '../../../../core/idempotency';
import { usePaged } from '../../../../core/loading';
import { formatFen } from '../../../../core/money';
import { href } from '../../../../core/router';
import { approveRefund, listShopRefunds, refuseRefund, type Refund, type RefundStatus } from '../api';
import { Filter } from '../components/Filter';
import { MerchantScreen } from '../components/MerchantGuard';
import { useOverrides } from '../components/useOverrides';

type View = RefundStatus | 'all';
const VIEWS: View[] = ['requested', 'approved', 'refused', 'all'];
const statusText = (status: RefundStatus) => t(`merchant.refunds.status.${status}` as MessageKey);

/** #/merchant/refunds: buyers' refund requests to approve (money goes back) or refuse with a note. */
export function MerchantRefundsPage() {
  return <MerchantScreen title={t('merchant.refunds.title')}>{() => <Refunds />}</MerchantScreen>;
}

function Refunds() {
  const [view, setView] = useState<View>('requested');
  const refunds = usePaged((cursor) => listShopRefunds(view === 'all' ? null : view, cursor), [view]);
  const changed = useOverrides<Refund>();
  return (
    <>
      <Filter
        testId="refund-filter"
        value={view}
        onChange={setView}
        options={VIEWS.map((value) => ({ value, label: value === 'all' ? t('merchant.refunds.all') : statusText(value) }))}
      />
      <ul class="list" data-testid="merchant-refunds">
        {refunds.items.map((refund) => (
          <RefundCard key={refund.id} refund={changed.pick(refund)} onChanged={changed.put} />
        ))}
      </ul>
      {!refunds.loading && refunds.items.length === 0 && <p class="empty">{t('merchant.refunds.none')}</p>}
      {refunds.hasMore && (
        <button type="button" class="link-button load-more" onClick={refunds.loadMore}>
          {t('common.loadMore')}
        </button>
      )}
    </>
  );
}

function RefundCard({ refund, onChanged }: { refund: Refund; onChanged: (refund: Refund) => void }) {
  const [refusing, setRefusing] = useState(false);
  const [note, setNote] = useState('');
  const [busy, run] = useAction();
  const idempotency = useIdempotency();

  const approve = async () => {
    if (!window.confirm(t('merchant.refunds.confirmApprove', { amount: formatFen(refund.amount) }))) return;
    await run(async () => {
      const answer = await idempotency.run(`approve:${refund.id}`, (key) => approveRefund(key, refund.id));
      onChanged({ ...refund, ...answer, status: answer?.status ?? 'approved' });
    }, t('merchant.refunds.approved'));
  };
  const refuse = async (e: Event) => {
    e.preventDefault();
    if (!note.trim()) return showError(new Error(t('merchant.refunds.noteMissing')));
    const ok = await run(async () => {
      const answer = await refuseRefund(refund.id, note.trim());
      onChanged({ ...refund, ...answer, status: answer?.status ?? 'refused', merchant_note: answer?.merchant_note ?? note.trim() });
    }, t('merchant.refunds.refused'));
    if (ok) setRefusing(false);
  };

  return (
    <li class="card merchant-refund" data-testid="merchant-refund" data-refund-id={refund.id} data-status={refund.status}>
      <div class="merchant-order-head">
        <a href={href(`/merchant/orders/${refund.order_id}`)} data-testid="refund-order">
          {t('merchant.refunds.line', { amount: formatFen(refund.amount), order: refund.order_id })}
        </a>
        <span class={`merchant-status status-${refund.status}`} data-testid="refund-status">
          {statusText(refund.status)}
        </span>
      </div>
      <p class="hint">{formatTime(refund.created_at)}</p>
      {refund.reason && <p>{t('merchant.refunds.reason', { reason: refund.reason })}</p>}
      {refund.merchant_note && <p class="hint">{t('merchant.refunds.note', { note: refund.merchant_note })}</p>}
      {refund.status === 'requested' &&
        (refusing ? (
          <form class="form" onSubmit={refuse}>
            <textarea
              data-testid="refuse-note"
              rows={2}
              maxLength={200}
              autoFocus
              placeholder={t('merchant.refunds.refuseNote')}
              value={note}
              onInput={(e) => setNote(e.currentTarget.value)}
            />
            <div class="button-row">
              <button type="submit" class="small danger" data-testid="refuse-send" disabled={busy || !note.trim()}>
                {t('merchant.refunds.refuseSend')}
              </button>
              <button type="button" class="small" onClick={() => setRefusing(false)}>
                {t('merchant.orders.cancel')}
              </button>
            </div>
          </form>
        ) : (
          <div class="button-row merchant-actions">
            <button type="button" class="primary small" data-testid={`approve-refund-${refund.id}`} disabled={busy} onClick={approve}>
              {t('merchant.refunds.approve')}
            </button>
            <button type="button" class="small" data-testid={`refuse-refund-${refund.id}`} onClick={() => setRefusing(true)}>
              {t('merchant.refunds.refuse')}
            </button>
          </div>
        ))}
    </li>
  );
}
