import { useEffect, useState } from 'preact/hooks';
import { useAction } from '../../../core/flash';
import { t, type MessageKey } from '../../../core/i18n';
import { useIdempotency } from '../../../core/idempotency';
import { formatFen } from '../../../core/money';
import { currentUser } from '../../../core/session';
import { useStore } from '../../../core/store';
import {
  acceptTransfer,
  declineTransfer,
  getRedPacket,
  getTransfer,
  grabRedPacket,
  type RedPacket,
  type Transfer,
} from '../../wallet/api';
import { RedPacketGrabs } from '../../wallet/components/RedPacketGrabs';
import type { Message } from '../api';

/** A transfer or red-packet message: its state as the viewer sees it, read from the wallet. */
export function MoneyCard({ message }: { message: Message }) {
  const content = message.content ?? {};
  const me = useStore(currentUser);
  const [busy, run] = useAction();
  const idempotency = useIdempotency();
  const isTransfer = message.kind === 'transfer';
  const refId = String(isTransfer ? content.transfer_id : content.red_packet_id);
  const [transfer, setTransfer] = useState<Transfer | null>(isTransfer ? ((message.money as unknown as Transfer) ?? null) : null);
  const [packet, setPacket] = useState<RedPacket | null>(!isTransfer ? ((message.money as unknown as RedPacket) ?? null) : null);
  const [showGrabs, setShowGrabs] = useState(false);

  const reload = () =>
    isTransfer ? getTransfer(refId).then(setTransfer, () => undefined) : getRedPacket(refId).then(setPacket, () => undefined);
  useEffect(() => {
    void reload();
  }, [refId, message.seq]);

  const act = (name: string, call: (key: string) => Promise<unknown>) =>
    void run(() => idempotency.run(`${name}:${refId}`, call)).then(reload);

  if (isTransfer) {
    const status = transfer?.status ?? 'pending';
    const receiving = transfer !== null && transfer.receiver.id === me?.id && status === 'pending';
    return (
      <div class="money-card transfer" data-testid="money-card" data-kind="transfer" data-status={status}>
        <div class="money-body">
          <span class="money-icon" aria-hidden="true">
            ⇄
          </span>
          <div class="money-main">
            <div class="money-title" data-testid="money-amount-shown">
              {formatFen(Number(content.amount ?? 0))}
            </div>
            {str(content.note) && <div class="money-note">{str(content.note)}</div>}
            <div class="money-status" data-testid="money-status">
              {t(`wallet.transferStatus.${status}` as MessageKey)}
            </div>
          </div>
        </div>
        {receiving && (
          <div class="money-actions">
            <button type="button" class="primary" data-testid="money-accept" disabled={busy} onClick={() => act('accept', (k) => acceptTransfer(k, refId))}>
              {t('wallet.transferAccept')}
            </button>
            <button type="button" data-testid="money-decline" disabled={busy} onClick={() => act('decline', (k) => declineTransfer(k, refId))}>
              {t('wallet.transferDecline')}
            </button>
          </div>
        )}
        <div class="money-label">{t('chat.money.transferLabel')}</div>
      </div>
    );
  }

  const status = packet?.status ?? 'open';
  const isSender = packet !== null && packet.sender.id === me?.id;
  const mayGrab = packet !== null && status === 'open' && packet.my_amount === null && !(packet.kind === 'direct' && isSender);
  return (
    <div class="money-card red-packet" data-testid="money-card" data-kind="red_packet" data-status={status}>
      <div class="money-body">
        <span class="money-icon" aria-hidden="true">
          ¥
        </span>
        <div class="money-main">
          <div class="money-title">{str(content.greeting) || t('wallet.greetingDefault')}</div>
          {packet?.my_amount != null && (
            <div class="red-packet-amount" data-testid="redpacket-mine">
              {formatFen(packet.my_amount)}
            </div>
          )}
          {packet && (
            <div class="money-status" data-testid="redpacket-progress">
              {t('chat.money.progress', {
                claimed: packet.claimed_count,
                count: packet.count,
                status: t(`wallet.redPacketStatus.${status}` as MessageKey),
              })}
            </div>
          )}
        </div>
        {mayGrab && (
          <button type="button" class="grab" data-testid="money-grab" disabled={busy} onClick={() => act('grab', (k) => grabRedPacket(k, refId))}>
            {t('chat.money.grab')}
          </button>
        )}
      </div>
      <div class="money-label">
        <span>{t('chat.money.redPacketLabel')}</span>
        <button
          type="button"
          class="link-button"
          data-testid="money-details"
          onClick={() => {
            if (!showGrabs) void reload();
            setShowGrabs(!showGrabs);
          }}
        >
          {t('chat.money.details')}
        </button>
      </div>
      {showGrabs && packet && (
        <RedPacketGrabs packet={packet} />
      )}
    </div>
  );
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
