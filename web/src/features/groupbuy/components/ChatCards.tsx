import { useEffect, useState } from 'preact/hooks';
import { t } from '../../../core/i18n';
import { formatFen } from '../../../core/money';
import { navigate } from '../../../core/router';
import type { Message } from '../../chat/api';
import { Thumb } from '../../commerce/components/bits';
import { getBargain, getTeam, type Bargain, type Team } from '../api';
import { teamStatusText } from './bits';

const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const num = (value: unknown): number | null => (typeof value === 'number' ? value : null);

/**
 * The team or bargain as the reader sees it now: read from history, a message carries it (`groupbuy`,
 * or `money` where the chat puts every kind's live state); the card also reads it afresh when shown,
 * for messages that came over the socket without it.
 */
function useLive<T>(message: Message, id: string, load: (id: string) => Promise<T>): T | null {
  const extra = message as Message & { groupbuy?: unknown };
  const initial = (extra.groupbuy ?? message.money ?? null) as T | null;
  const [value, setValue] = useState<T | null>(initial);
  useEffect(() => {
    if (id) load(id).then(setValue, () => undefined);
  }, [id, message.seq]);
  return value;
}

/** A chat message of kind `group_team`: product, group price, places left; tapping opens the team. */
export function TeamCard({ message }: { message: Message }) {
  const content = message.content ?? {};
  const teamId = str(content.team_id);
  const team = useLive<Team>(message, teamId, getTeam);
  const title = team?.product.title ?? str(content.title);
  const image = team?.product.image_url ?? (str(content.image_url) || null);
  const price = team?.group_price ?? num(content.group_price);
  const size = team?.size ?? num(content.size);
  const status = team?.status ?? 'forming';
  return (
    <button
      type="button"
      class="product-card gb-card"
      data-testid="group-team-card"
      data-team-id={teamId}
      data-status={team?.status ?? ''}
      data-places-left={team?.places_left ?? ''}
      onClick={(e) => {
        e.stopPropagation();
        navigate(`/teams/${teamId}`);
      }}
    >
      <Thumb url={image} size="medium" />
      <span class="product-card-text">
        <span class="gb-card-tag">{t('groupbuy.card.tag', { size: size ?? '?' })}</span>
        <span class="product-card-title">{title || t('groupbuy.card.team')}</span>
        {price !== null && <span class="price">{formatFen(price)}</span>}
        <span class="muted small-text" data-testid="group-team-card-state">
          {team && status === 'forming'
            ? t('groupbuy.team.placesLeft', { count: team.places_left })
            : team
              ? teamStatusText(status)
              : t('groupbuy.card.tapToJoin')}
        </span>
      </span>
    </button>
  );
}

/** A chat message of kind `bargain`: "help me cut", the price now and the floor; tapping opens it. */
export function BargainCard({ message }: { message: Message }) {
  const content = message.content ?? {};
  const bargainId = str(content.bargain_id);
  const bargain = useLive<Bargain>(message, bargainId, getBargain);
  const title = bargain?.product.title ?? str(content.title);
  const image = bargain?.product.image_url ?? (str(content.image_url) || null);
  const current = bargain?.current_price ?? num(content.start_price);
  const floor = bargain?.floor_price ?? num(content.floor_price);
  return (
    <button
      type="button"
      class="product-card gb-card"
      data-testid="bargain-card"
      data-bargain-id={bargainId}
      data-status={bargain?.status ?? ''}
      onClick={(e) => {
        e.stopPropagation();
        navigate(`/bargains/${bargainId}`);
      }}
    >
      <Thumb url={image} size="medium" />
      <span class="product-card-text">
        <span class="gb-card-tag">{t('groupbuy.card.helpCut')}</span>
        <span class="product-card-title">{title || t('groupbuy.card.bargain')}</span>
        {current !== null && <span class="price">{formatFen(current)}</span>}
        {floor !== null && <span class="muted small-text">{t('groupbuy.bargain.floor', { price: formatFen(floor) })}</span>}
      </span>
    </button>
  );
}
