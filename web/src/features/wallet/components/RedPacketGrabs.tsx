import { Avatar } from '../../../core/components/Avatar';
import { formatTime, t } from '../../../core/i18n';
import { formatFen } from '../../../core/money';
import type { RedPacket } from '../api';

/** Who grabbed a red packet, when and how much, the best luck marked: on its page and in chat. */
export function RedPacketGrabs({ packet }: { packet: RedPacket }) {
  return (
    <ul class="list">
      {packet.grabs.map((grab) => (
        <li key={grab.user.id} class="row" data-testid="redpacket-result" data-user-id={grab.user.id} data-best-luck={String(grab.best_luck)}>
          <Avatar user={grab.user} size="small" />
          <span class="row-main">
            <span class="row-title">{grab.user.display_name}</span>
            <span class="row-subtitle muted">{formatTime(grab.grabbed_at)}</span>
          </span>
          <span class="amount">
            {formatFen(grab.amount)}
            {grab.best_luck && (
              <span class="best-luck" data-testid="best-luck">
                {t('wallet.bestLuck')}
              </span>
            )}
          </span>
        </li>
      ))}
    </ul>
  );
}
