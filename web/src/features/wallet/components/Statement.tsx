import { formatTime, t, type MessageKey } from '../../../core/i18n';
import { usePaged } from '../../../core/loading';
import { formatFen } from '../../../core/money';
import { href } from '../../../core/router';
import { getStatement, type StatementItem } from '../api';

const KINDS = new Set([
  'topup',
  'withdrawal',
  'withdrawal_reversal',
  'transfer_sent',
  'transfer_received',
  'transfer_declined',
  'transfer_refunded',
  'red_packet_sent',
  'red_packet_grabbed',
  'red_packet_refunded',
  'payment',
  'refund',
]);

export function describe(item: StatementItem): string {
  const name = item.counterparty?.display_name ?? t('wallet.someone');
  return KINDS.has(item.kind) ? t(`wallet.kind.${item.kind}` as MessageKey, { name }) : item.memo || item.kind;
}

/** Where a line leads: the transfer or red packet it belongs to. */
function link(item: StatementItem): string | null {
  if (item.reference_type === 'transfer') return href(`/wallet/transfers/${item.reference_id}`);
  if (item.reference_type === 'red_packet') return href(`/wallet/red-packets/${item.reference_id}`);
  return null;
}

/** The wallet's movements, newest first, each with its signed amount and the balance after it. */
export function Statement({ version }: { version: number }) {
  const lines = usePaged((cursor) => getStatement(cursor), [version]);
  return (
    <section class="card wallet-statement">
      <h3>{t('wallet.statement')}</h3>
      <ul class="list" data-testid="statement">
        {lines.items.map((item) => {
          const target = link(item);
          const body = (
            <>
              <span class="row-main">
                <span class="row-title" data-testid="statement-title">{describe(item)}</span>
                <span class="row-subtitle muted">
                  {formatTime(item.created_at)} · {t('wallet.balanceAfter', { amount: formatFen(item.balance_after) })}
                </span>
              </span>
              <span class={item.amount < 0 ? 'amount amount-out' : 'amount amount-in'} data-testid="statement-amount">
                {formatFen(item.amount, true)}
              </span>
            </>
          );
          return (
            <li key={item.id} class="row statement-row" data-testid="statement-row" data-kind={item.kind}>
              {target ? (
                <a class="statement-link" href={target}>
                  {body}
                </a>
              ) : (
                body
              )}
            </li>
          );
        })}
      </ul>
      {!lines.loading && lines.items.length === 0 && <p class="empty">{t('wallet.noStatement')}</p>}
      {lines.hasMore && (
        <button type="button" class="link-button load-more" data-testid="statement-more" disabled={lines.loading} onClick={lines.loadMore}>
          {t('common.loadMore')}
        </button>
      )}
    </section>
  );
}
