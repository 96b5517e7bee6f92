import { useAction } from '../../../core/flash';
import { ApiError } from '../../../core/http';
import { t } from '../../../core/i18n';
import { useResource } from '../../../core/loading';
import { formatFen } from '../../../core/money';
import { href, navigate } from '../../../core/router';
import { currentUser } from '../../../core/session';
import { useStore } from '../../../core/store';
import type { Product } from '../../commerce/api';
import { productDeals, productOffers, productTeams, startBargain } from '../api';
import { Countdown, GroupPrice, TeamRow } from './bits';
import { useTeamPayments } from './useTeamPayments';

/**
 * On the product page: the product's group deal (group price, team size, "Open a team"), its open teams
 * (friends' first, then nearest to complete) to join, and "Start a bargain" when the shop offers one.
 */
export function GroupDealSection({ product }: { product: Product }) {
  const me = useStore(currentUser);
  const deals = useResource(() => productDeals(product.id), [product.id]);
  const teams = useResource(() => productTeams(product.id), [product.id]);
  const offers = useResource(() => productOffers(product.id), [product.id]);
  const pay = useTeamPayments();
  const [busy, run] = useAction();
  const isOwner = me?.id === product.shop.id;
  const deal = (deals.data ?? []).find((d) => d.status === 'active') ?? (deals.data ?? [])[0] ?? null;
  const offer = (offers.data?.items ?? []).find((o) => o.status === 'active') ?? null;
  const open = teams.data ?? [];
  if (!deal && !offer) return null;

  const bargain = () =>
    offer &&
    run(async () => {
      try {
        const made = await startBargain(offer.id);
        navigate(`/bargains/${made.id}`);
      } catch (error) {
        const existing = error instanceof ApiError && error.code === 'bargain_exists' ? (error.details as { bargain_id?: unknown } | null)?.bargain_id : null;
        if (existing) return navigate(`/bargains/${String(existing)}`);
        throw error;
      }
    });

  return (
    <section class="card gb-section" data-testid="group-deal-section">
      {deal && (
        <div class="gb-section-deal" data-testid="group-deal" data-deal-id={deal.id} data-status={deal.status}>
          <h3>
            {t('groupbuy.product.groupDeal')} <span class="gb-tag" data-testid="group-deal-size">{t('groupbuy.deal.teamOf', { size: deal.team_size })}</span>
          </h3>
          <p class="gb-deal-prices">
            <GroupPrice group={deal.group_price} single={deal.single_price} />
          </p>
          <p class="muted small-text">
            {deal.status === 'active' ? (
              <>
                {t('groupbuy.deal.endsIn')} <Countdown seconds={deal.seconds_left} testId="group-deal-countdown" />
              </>
            ) : (
              t(deal.status === 'upcoming' ? 'groupbuy.deal.upcoming' : 'groupbuy.deal.ended')
            )}
          </p>
          <div class="button-row">
            <a class="small-text" href={href(`/deals/${deal.id}`)} data-testid="group-deal-link">
              {t('groupbuy.product.seeDeal')} ›
            </a>
            {!isOwner && (
              <button
                type="button"
                class="primary"
                data-testid="group-deal-open"
                disabled={deal.status !== 'active' || deal.stock === 0}
                onClick={() => pay.open(deal)}
              >
                {t('groupbuy.deal.openTeam', { price: formatFen(deal.group_price) })}
              </button>
            )}
          </div>
          {open.length > 0 && (
            <>
              <h4 class="gb-subtitle">{t('groupbuy.product.joinTeam')}</h4>
              <ul class="list" data-testid="group-deal-teams">
                {open.map((team) => (
                  <TeamRow key={team.id} team={team} onJoin={isOwner ? undefined : pay.join} />
                ))}
              </ul>
            </>
          )}
        </div>
      )}
      {offer && (
        <div class="gb-section-bargain" data-testid="bargain-offer" data-offer-id={offer.id}>
          <h3>{t('groupbuy.product.bargain')}</h3>
          <p class="muted small-text">
            {t('groupbuy.product.bargainLine', { floor: formatFen(offer.floor_price), count: offer.max_helpers })}
          </p>
          {!isOwner && (
            <button type="button" data-testid="start-bargain" disabled={busy} onClick={bargain}>
              {t('groupbuy.product.startBargain')}
            </button>
          )}
        </div>
      )}
      {pay.sheet}
    </section>
  );
}
