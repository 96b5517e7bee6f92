import { Avatar } from '../../../core/components/Avatar';
import { Screen } from '../../../core/components/Screen';
import { useAction } from '../../../core/flash';
import { formatTime, t, type MessageKey } from '../../../core/i18n';
import { useIdempotency } from '../../../core/idempotency';
import { useResource } from '../../../core/loading';
import { formatFen } from '../../../core/money';
import { currentUser } from '../../../core/session';
import { useStore } from '../../../core/store';
import { acceptTransfer, declineTransfer, getTransfer, type Transfer } from '../api';
import { ShareLink } from '../components/ShareLink';

/** One transfer: the receiver accepts or declines it; the sender sees where it stands. */
export function WalletTransferDetailPage({ id }: { id: string }) {
  const transfer = useResource(() => getTransfer(id), [id]);
  const me = useStore(currentUser);
  const [busy, run] = useAction();
  const idempotency = useIdempotency();
  const data = transfer.data;

  const answer = (accept: boolean) =>
    void run(async () => {
      await idempotency.run(accept ? 'accept' : 'decline', (key) => (accept ? acceptTransfer : declineTransfer)(key, id));
    }, accept ? t('wallet.transferAccepted') : t('wallet.transferDeclined')).then((ok) => ok && transfer.reload());

  return (
    <Screen title={t('wallet.transferDetail')} back="/wallet">
      {!data ? (
        <p class="empty">{t('common.loading')}</p>
      ) : (
        <>
          <Details transfer={data} />
          {me && data.status === 'pending' && me.id === data.receiver.id && (
            <section class="card button-row">
              <button type="button" class="primary" data-testid="transfer-accept" disabled={busy} onClick={() => answer(true)}>
                {t('wallet.transferAccept')}
              </button>
              <button type="button" data-testid="transfer-decline" disabled={busy} onClick={() => answer(false)}>
                {t('wallet.transferDecline')}
              </button>
            </section>
          )}
          {me && data.status === 'pending' && me.id === data.sender.id && (
            <ShareLink
              path={`/wallet/transfers/${data.id}`}
              text={`[${t('wallet.transfer')}] ${formatFen(data.amount)}`}
              chatWith={data.receiver.id}
            />
          )}
        </>
      )}
    </Screen>
  );
}

function Details({ transfer }: { transfer: Transfer }) {
  return (
    <section class="card wallet-balance-card" data-testid="transfer" data-status={transfer.status}>
      <p>
        <Avatar user={transfer.sender} /> → <Avatar user={transfer.receiver} />
      </p>
      <p class="muted">
        {t('wallet.transferFromTo', { sender: transfer.sender.display_name, receiver: transfer.receiver.display_name })}
      </p>
      <p class="wallet-balance" data-testid="transfer-detail-amount">
        {formatFen(transfer.amount)}
      </p>
      {transfer.note && <p>{transfer.note}</p>}
      <p data-testid="transfer-status">{t(`wallet.transferStatus.${transfer.status}` as MessageKey)}</p>
      {transfer.status === 'pending' && <p class="hint">{t('wallet.expiresAt', { time: formatTime(transfer.expires_at) })}</p>}
    </section>
  );
}
