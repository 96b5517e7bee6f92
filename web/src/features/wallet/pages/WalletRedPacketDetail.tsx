import { Avatar } from '../../../core/components/Avatar';
import { Screen } from '../../../core/components/Screen';
import { useAction } from '../../../core/flash';
import { t, type MessageKey } from '../../../core/i18n';
import { useIdempotency } from '../../../core/idempotency';
import { useResource } from '../../../core/loading';
import { formatFen } from '../../../core/money';
import { currentUser } from '../../../core/session';
import { useStore } from '../../../core/store';
import { getRedPacket, grabRedPacket, type RedPacket } from '../api';
import { RedPacketGrabs } from '../components/RedPacketGrabs';
import { ShareLink } from '../components/ShareLink';

/** One red packet: grab it, see what you got and everyone's share ("best luck" marked). */
export function WalletRedPacketDetailPage({ id }: { id: string }) {
  const packet = useResource(() => getRedPacket(id), [id]);
  const me = useStore(currentUser);
  const [busy, run] = useAction();
  const idempotency = useIdempotency();
  const data = packet.data;

  const grab = () =>
    void run(async () => {
      await idempotency.run('grab', (key) => grabRedPacket(key, id));
    }).then(() => packet.reload());

  if (!data) {
    return (
      <Screen title={t('wallet.redPacketDetail')} back="/wallet">
        <p class="empty">{t('common.loading')}</p>
      </Screen>
    );
  }
  const isSender = me?.id === data.sender.id;
  const mayGrab = data.status === 'open' && data.my_amount === null && !(data.kind === 'direct' && isSender);
  return (
    <Screen title={t('wallet.redPacketDetail')} back="/wallet">
      <section class="card red-packet-card" data-testid="redpacket" data-status={data.status}>
        <p>
          <Avatar user={data.sender} />
        </p>
        <p>{t('wallet.redPacketFrom', { name: data.sender.display_name })}</p>
        <p class="red-packet-greeting">{data.greeting}</p>
        {data.my_amount !== null && (
          <p class="red-packet-amount" data-testid="redpacket-mine">
            {formatFen(data.my_amount)}
          </p>
        )}
        {mayGrab && (
          <button type="button" class="grab" data-testid="redpacket-grab" disabled={busy} onClick={grab}>
            {t('wallet.redPacketGrab')}
          </button>
        )}
        <p class="muted" data-testid="redpacket-status">
          {t(`wallet.redPacketStatus.${data.status}` as MessageKey)}
        </p>
      </section>
      <Grabs packet={data} />
      {isSender && data.status === 'open' && (
        <ShareLink
          path={`/wallet/red-packets/${data.id}`}
          text={`[${t('wallet.redPacket')}] ${data.greeting}`}
        />
      )}
    </Screen>
  );
}

function Grabs({ packet }: { packet: RedPacket }) {
  return (
    <section class="card">
      <p class="hint" data-testid="redpacket-progress">
        {t('wallet.redPacketProgress', {
          claimed: packet.claimed_count,
          count: packet.count,
          amount: formatFen(packet.claimed_amount),
          total: formatFen(packet.total),
        })}
      </p>
      <RedPacketGrabs packet={packet} />
      {packet.grabs.length === 0 && <p class="empty">{t('wallet.noGrabs')}</p>}
    </section>
  );
}
