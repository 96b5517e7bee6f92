import { useEffect, useState } from 'preact/hooks';
import { Screen } from '../../../core/components/Screen';
import { showError, showNotice } from '../../../core/flash';
import { t } from '../../../core/i18n';
import { formatFen } from '../../../core/money';
import { href } from '../../../core/router';
import { currentUser } from '../../../core/session';
import { useStore } from '../../../core/store';
import { openShare } from '../../commerce/api';
import { Thumb } from '../../commerce/components/bits';
import { rememberShare } from '../../commerce/state';
import { getTeam, joinTeam, shareTeam, type Team } from '../api';
import { PayFlow, type PayIntent } from '../components/PayFlow';
import { SharePanel } from '../components/SharePanel';
import { Countdown, GroupPrice, MemberSlots, teamStatusText } from '../components/bits';

/** How often a forming team is read again, so members see it fill up and succeed without reloading. */
const POLL_MS = 4000;

/** `42` or `42?s=<share token>` (the link a shared team carries) → the id and the token. */
function parseParam(raw: string): { id: string; token: string | null } {
  const [id, query = ''] = raw.split('?');
  return { id, token: new URLSearchParams(query).get('s') };
}

/**
 * #/teams/:id — a group-buy team: its members and empty places, the time left, its status (forming,
 * succeeded, failed and refunded), Join with the PIN for others, sharing, and the member's order once
 * it succeeded.
 */
export function TeamPage({ id: raw }: { id: string }) {
  const { id, token } = parseParam(raw);
  const [team, setTeam] = useState<Team | null>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    if (!token) return;
    // Opened from a share link: record the open, so a purchase credits the sharer (ATT-1).
    openShare(token).then(
      (opened) => rememberShare(opened.product.id, token, opened.sharer.display_name),
      () => undefined,
    );
  }, [token]);

  useEffect(() => {
    let current = true;
    getTeam(id).then(
      (value) => current && setTeam(value),
      (error: unknown) => current && version === 0 && showError(error),
    );
    return () => {
      current = false;
    };
  }, [id, version]);

  const forming = team?.status === 'forming';
  useEffect(() => {
    if (!forming) return;
    const timer = window.setInterval(() => setVersion((v) => v + 1), POLL_MS);
    return () => window.clearInterval(timer);
  }, [forming]);

  return (
    <Screen title={t('groupbuy.team.title')} back="/shop">
      {team ? <TeamView team={team} onChanged={setTeam} /> : <p class="empty">{t('common.loading')}</p>}
    </Screen>
  );
}

function TeamView({ team, onChanged }: { team: Team; onChanged: (team: Team) => void }) {
  const me = useStore(currentUser);
  const [paying, setPaying] = useState<PayIntent | null>(null);
  const isMerchant = me?.id === team.product.shop_id;
  const canJoin = team.status === 'forming' && team.me === null && !isMerchant && team.places_left > 0;

  const join = () =>
    setPaying({
      action: `join:${team.id}`,
      amount: team.group_price,
      pay: async (key, pin, address) => {
        const joined = await joinTeam(key, team.id, { pin, address });
        onChanged(joined);
        showNotice(joined.status === 'succeeded' ? t('groupbuy.team.succeededNotice') : t('groupbuy.team.joinedNotice'));
      },
    });

  return (
    <>
      <section class="card gb-product" data-testid="team-product">
        <a class="row" href={href(`/p/${team.product.id}`)}>
          <Thumb url={team.product.image_url} size="medium" />
          <span class="row-main stack">
            <span class="row-title" data-testid="team-product-title">
              {team.product.title}
            </span>
            <GroupPrice group={team.group_price} single={team.product.price_min} />
            <span class="muted small-text">{t('groupbuy.deal.teamOf', { size: team.size })}</span>
          </span>
        </a>
      </section>

      <section class="card gb-team" data-testid="team-page" data-team-id={team.id} data-status={team.status}>
        <p class={`gb-status gb-status-${team.status}`} data-testid="team-status" data-status={team.status}>
          {teamStatusText(team.status)}
        </p>
        {team.status === 'forming' && (
          <p class="gb-team-line">
            <span data-testid="team-places-left" data-count={team.places_left}>
              {t('groupbuy.team.placesLeft', { count: team.places_left })}
            </span>
            {' · '}
            {t('groupbuy.team.endsIn')} <Countdown seconds={team.seconds_left} testId="team-countdown" />
          </p>
        )}
        {team.status === 'succeeded' && <p class="hint">{t('groupbuy.team.succeededHint')}</p>}
        {team.status === 'failed' && <p class="hint">{t('groupbuy.team.failedHint')}</p>}
        <MemberSlots team={team} large />
        {canJoin && (
          <button type="button" class="primary wide" data-testid="team-join" onClick={join}>
            {t('groupbuy.team.joinFor', { price: formatFen(team.group_price) })}
          </button>
        )}
        {team.me && (
          <div class="gb-mine" data-testid="team-mine">
            <span class="muted">{t('groupbuy.team.youAreIn')}</span>
            {team.me.order_id && (
              <a class="wallet-button" href={href(`/orders/${team.me.order_id}`)} data-testid="team-my-order" data-order-id={team.me.order_id}>
                {t('groupbuy.team.viewOrder')} ›
              </a>
            )}
            {team.me.refunded && <span class="muted" data-testid="team-refunded">{t('groupbuy.team.refunded')}</span>}
          </div>
        )}
        <a class="small-text" href={href(`/deals/${team.deal_id}`)} data-testid="team-deal-link">
          {t('groupbuy.team.seeDeal')} ›
        </a>
      </section>

      {team.status === 'forming' && (
        <SharePanel
          kind="group_team"
          content={{ team_id: team.id }}
          title={team.product.title}
          momentText={t('groupbuy.share.teamMoment', { title: team.product.title, count: team.places_left })}
          momentLink={async () => (await shareTeam(team.id)).url}
        />
      )}
      {paying && <PayFlow intent={paying} onClose={() => setPaying(null)} />}
    </>
  );
}
