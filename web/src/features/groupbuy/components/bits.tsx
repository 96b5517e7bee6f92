import { useEffect, useMemo, useState } from 'preact/hooks';
import { Avatar } from '../../../core/components/Avatar';
import { t, type MessageKey } from '../../../core/i18n';
import { formatFen } from '../../../core/money';
import { href } from '../../../core/router';
import { countdown } from '../../commerce/components/bits';
import type { Team, TeamStatus } from '../api';

/** The time now, re-read every second while mounted (for countdowns). */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/**
 * Time left, counted down from the server's `seconds_left` (taken when the answer came, so a device
 * clock that is off does not matter).
 */
export function Countdown({ seconds, testId, ended }: { seconds: number; testId: string; ended?: string }) {
  const end = useMemo(() => Date.now() + seconds * 1000, [seconds]);
  const now = useNow();
  const left = end - now;
  return (
    <span class="gb-countdown" data-testid={testId} data-seconds={Math.max(0, Math.floor(left / 1000))}>
      {left > 0 ? countdown(left) : (ended ?? t('groupbuy.closed'))}
    </span>
  );
}

export const teamStatusText = (status: TeamStatus): string => t(`groupbuy.team.status.${status}` as MessageKey);

/** The members' pictures in joining order, then an empty circle for each place left. */
export function MemberSlots({ team, large = false }: { team: Team; large?: boolean }) {
  const empty = Math.max(0, team.size - team.members.length);
  return (
    <ul class={`gb-slots${large ? ' large' : ''}`} data-testid="team-slots">
      {team.members.map((m) => (
        <li key={m.user.id} class="gb-slot" data-testid="team-member" data-user-id={m.user.id} title={m.user.display_name}>
          <Avatar user={m.user} size={large ? 'large' : 'small'} />
          {m.is_leader && <span class="gb-leader">{t('groupbuy.team.leader')}</span>}
          {large && <span class="gb-slot-name">{m.user.display_name}</span>}
        </li>
      ))}
      {Array.from({ length: empty }, (_, i) => (
        <li key={`empty-${i}`} class="gb-slot" data-testid="team-slot-empty">
          <span class={`avatar avatar-${large ? 'large' : 'small'} gb-slot-empty`} aria-label={t('groupbuy.team.openPlace')}>
            ?
          </span>
        </li>
      ))}
    </ul>
  );
}

/** An open team in a list (a deal, a product): who leads it, places left, time left, and Join. */
export function TeamRow({ team, onJoin, busy }: { team: Team; onJoin?: (team: Team) => void; busy?: boolean }) {
  const mine = team.me !== null;
  return (
    <li class="row gb-team-row" data-testid="open-team" data-team-id={team.id} data-places-left={team.places_left}>
      <MemberSlots team={team} />
      <a class="row-main stack" href={href(`/teams/${team.id}`)} data-testid="open-team-link">
        <span class="row-title">
          {team.leader.display_name}
          {team.friends_in_team > 0 && <span class="badge badge-friend gb-friend-badge">{t('groupbuy.team.friends', { count: team.friends_in_team })}</span>}
        </span>
        <span class="muted small-text">
          {t('groupbuy.team.placesLeft', { count: team.places_left })} · <Countdown seconds={team.seconds_left} testId="open-team-countdown" />
        </span>
      </a>
      {onJoin && !mine && team.status === 'forming' && (
        <button type="button" class="primary small" data-testid="open-team-join" disabled={busy} onClick={() => onJoin(team)}>
          {t('groupbuy.team.join')}
        </button>
      )}
      {mine && <span class="badge">{t('groupbuy.team.joined')}</span>}
    </li>
  );
}

/** Group price, with the single price struck through beside it. */
export function GroupPrice({ group, single }: { group: number; single?: number | null }) {
  return (
    <span class="gb-price">
      <span class="price big" data-testid="group-price">
        {formatFen(group)}
      </span>
      {single !== undefined && single !== null && single > group && (
        <s class="muted small-text" data-testid="single-price">
          {formatFen(single)}
        </s>
      )}
    </span>
  );
}
