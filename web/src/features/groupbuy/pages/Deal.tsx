import { Screen } from '../../../core/components/Screen';
import { t } from '../../../core/i18n';
import { useResource } from '../../../core/loading';
import { formatFen } from '../../../core/money';
import { href } from '../../../core/router';
import { currentUser } from '../../../core/session';
import { useStore } from '../../../core/store';
import { Thumb } from '../../commerce/components/bits';
import { getDeal, type Deal } from '../api';
import { Countdown, GroupPrice, TeamRow } from '../components/bits';
import { useTeamPayments } from '../components/useTeamPayments';

/** #/deals/:id — a group deal: the product, group and single price, time left, open teams, and "Open a team". */
export function DealPage({ id }: { id: string }) {
  const deal = useResource(() => getDeal(id), [id]);
  return (
    <Screen title={t('groupbuy.deal.title')} back="/shop">
      {deal.data ? <DealView deal={deal.data} /> : <p class="empty">{t('common.loading')}</p>}
    </Screen>
  );
}

function DealView({ deal }: { deal: Deal }) {
  const me = useStore(currentUser);
  const pay = useTeamPayments();
  const isMerchant = me?.id === deal.merchant_id;
  const running = deal.status === 'active' && deal.stock > 0;
  return (
    <>
      <section class="card gb-product" data-testid="deal-page" data-deal-id={deal.id} data-status={deal.status}>
        <a class="row" href={href(`/p/${deal.product.id}`)}>
          <Thumb url={deal.product.image_url} size="medium" />
          <span class="row-main stack">
            <span class="row-title" data-testid="deal-title">
              {deal.title || deal.product.title}
            </span>
            <span class="muted small-text">{deal.sku_name}</span>
          </span>
        </a>
        <p class="gb-deal-prices">
          <span class="gb-tag">{t('groupbuy.deal.teamOf', { size: deal.team_size })}</span>
          <GroupPrice group={deal.group_price} single={deal.single_price} />
        </p>
        <p class="muted small-text">
          {deal.status === 'upcoming' ? (
            <>
              {t('groupbuy.deal.startsIn')} <Countdown seconds={Math.max(0, Math.round((Date.parse(deal.starts_at) - Date.now()) / 1000))} testId="deal-countdown" />
            </>
          ) : deal.status === 'active' ? (
            <>
              {t('groupbuy.deal.endsIn')} <Countdown seconds={deal.seconds_left} testId="deal-countdown" />
            </>
          ) : (
            <span data-testid="deal-countdown">{t('groupbuy.deal.ended')}</span>
          )}
          {' · '}
          <span data-testid="deal-stock">{t('groupbuy.deal.stock', { count: deal.stock })}</span>
          {' · '}
          {t('groupbuy.deal.timeLimit', { hours: hours(deal.time_limit_minutes) })}
        </p>
        {!isMerchant && (
          <button type="button" class="primary wide" data-testid="deal-open-team" disabled={!running} onClick={() => pay.open(deal)}>
            {t('groupbuy.deal.openTeam', { price: formatFen(deal.group_price) })}
          </button>
        )}
        <p class="hint">{t('groupbuy.deal.howItWorks', { size: deal.team_size })}</p>
      </section>

      <section class="card" data-testid="deal-teams">
        <h3>{t('groupbuy.deal.openTeams')}</h3>
        {deal.open_teams.length === 0 ? (
          <p class="empty">{t('groupbuy.deal.noTeams')}</p>
        ) : (
          <ul class="list">
            {deal.open_teams.map((team) => (
              <TeamRow key={team.id} team={team} onJoin={isMerchant ? undefined : pay.join} />
            ))}
          </ul>
        )}
      </section>
      {pay.sheet}
    </>
  );
}

/** 90 minutes → "1.5"; 1440 → "24". */
export function hours(minutes: number): string {
  const h = minutes / 60;
  return Number.isInteger(h) ? String(h) : h.toFixed(1);
}
